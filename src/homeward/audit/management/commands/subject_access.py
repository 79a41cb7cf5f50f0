"""`homeward subject-access CHILD_ID --out FILE.json`: everything Homeward holds about one child, for a
subject access request (UK GDPR Art. 15). A system command (no user scope); audited as a read."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from homeward.audit.subject_access import subject_access_export
from homeward.children.models import Child


class Command(BaseCommand):
    help = "Export everything held about one child, for a subject access request (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("child_id", type=int, metavar="CHILD_ID", help="the child's Homeward id")
        parser.add_argument("--out", required=True, metavar="FILE.json", help="where to write the export (replaced)")

    def handle(self, *args, child_id: int, out: str, **options) -> None:
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"No directory {path.parent} to write the export into.")
        try:
            export = subject_access_export(child_id=child_id)
        except Child.DoesNotExist:
            raise CommandError(f"No child {child_id}.") from None
        path.write_text(json.dumps(export, indent=2, ensure_ascii=False) + "\n")
        counts = ", ".join(
            f"{len(export[key])} {key.replace('_', ' ')}"
            for key in (
                "placements",
                "episodes",
                "philomena_profiles",
                "risk_flags",
                "screenings",
                "strategy_meetings",
                "placement_checks",
                "audit_entries",
            )
        )
        self.stdout.write(f"Subject access export of child {child_id} written to {path}: {counts}.")
