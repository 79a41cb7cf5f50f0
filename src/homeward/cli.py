"""The `homeward` console script: a thin wrapper over Django's management commands.

Command names may be written with hyphens (`homeward link-files`, `homeward import-903`); Django's
command modules use underscores.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homeward.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["homeward", *args])


if __name__ == "__main__":
    main()
