"""`homeward retention [--on DATE] [--apply]`: the children's records past the statutory period
(audit.retention), listed; with --apply, erased, each in its own transaction, the audit log kept."""

import datetime
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from homeward.audit.retention import RETENTION_YEARS, child_erase, retention_due

PROGRESS_EVERY = 50


class Command(BaseCommand):
    help = f"List (and with --apply erase) the children's records kept past their {RETENTION_YEARS}th birthday."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", type=datetime.date.fromisoformat, default=None, help="the day to judge on (default: today)"
        )
        parser.add_argument("--apply", action="store_true", help="erase them (without it, nothing changes)")

    def handle(self, *args, on: datetime.date | None, apply: bool, **options) -> None:
        on = on or timezone.localdate()
        due = list(retention_due(on=on).values_list("pk", flat=True))
        self.stdout.write(
            f"due\t{len(due)} children's records past their {RETENTION_YEARS}th birthday on {on.isoformat()}"
        )
        if not apply:
            if due:
                self.stdout.write("Nothing erased: run again with --apply to erase them (the audit log is kept).")
            return
        started, rows = time.monotonic(), Counter()
        for done, child_id in enumerate(due, 1):
            rows.update(child_erase(child_id=child_id, on=on))
            if done % PROGRESS_EVERY == 0 or done == len(due):
                self.stderr.write(f"erased {done} of {len(due)} ({time.monotonic() - started:.1f}s)")
        for label, count in sorted(rows.items()):
            self.stdout.write(f"erased\t{label}\t{count}")
        self.stdout.write(f"took\t{time.monotonic() - started:.1f}s")
