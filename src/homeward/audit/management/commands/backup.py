"""`homeward backup --out FILE`: a consistent backup of the whole database, with a sidecar FILE.json
(vendor, latest migration per app, the audit chain's head and count, the time) for `homeward restore`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from homeward.audit.backup import BackupError, database_backup, sidecar_path


class Command(BaseCommand):
    help = "Back up the whole database (SQLite: the online backup API; PostgreSQL: pg_dump --format=custom)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--out", required=True, metavar="FILE", help="the backup file (replaced); its sidecar is FILE.json"
        )

    def handle(self, *args, out: str, **options) -> None:
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"No directory {path.parent} to write the backup into.")
        try:
            summary = database_backup(out=path)
        except (BackupError, OSError) as error:
            raise CommandError(f"Not backed up: {error}") from None
        sidecar = summary.sidecar
        self.stdout.write(
            f"Backed up the {sidecar['vendor']} database {sidecar['database']} to {path} ({path.stat().st_size:,} bytes)."
        )
        self.stdout.write(f"sidecar {sidecar_path(path)}")
        self.stdout.write(f"migrations {len(sidecar['migrations'])} apps")
        self.stdout.write(f"head {sidecar['audit_head']}")
        self.stdout.write(f"count {sidecar['audit_count']}")
        self.stdout.write(f"at {sidecar['at']}")
        if sidecar["audit_problems"]:
            raise CommandError(
                f"Backed up, but the audit chain it holds does not verify ({sidecar['audit_problems']} problem(s)): "
                "see `homeward audit verify`."
            )
