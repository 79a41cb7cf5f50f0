"""`homeward restore FILE --yes`: replace the database with a backup made by `homeward backup`, then
prove the audit chain is the one backed up (it verifies, with the sidecar's head and count)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from homeward.audit.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "Replace the whole database with a backup from `homeward backup`, then verify the audit chain against its sidecar."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", metavar="FILE", help="a backup written by `homeward backup --out FILE` (with FILE.json beside it)"
        )
        parser.add_argument("--yes", action="store_true", help="confirm: everything written since the backup is lost")

    def handle(self, *args, file: str, yes: bool, **options) -> None:
        if not yes:
            raise CommandError(
                "A restore replaces the whole database: everything written since the backup is lost. "
                "Run it again with --yes to go ahead."
            )
        try:
            summary = database_restore(path=Path(file))
        except (BackupError, OSError) as error:
            raise CommandError(f"Restore failed: {error}") from None
        sidecar = summary.sidecar
        self.stdout.write(f"Restored the {sidecar['vendor']} backup of {sidecar['at']} from {file}.")
        self.stdout.write(f"Audit chain intact and as backed up: {summary.report.count} entries.")
        self.stdout.write(f"head {summary.report.head}")
        self.stdout.write(f"count {summary.report.count}")
