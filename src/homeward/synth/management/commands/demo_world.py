import datetime
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind
from homeward.children.models import Child
from homeward.linkage.models import LinkRun
from homeward.linkage.services import LINKAGE_KEY, linkage_run
from homeward.places.services import reference_data_load
from homeward.returns.services import police_file_import
from homeward.synth.agency_files import agency_files_generate, agency_files_write, council_view
from homeward.synth.files import world_on_disk, world_write
from homeward.synth.generator import LONDON, world_generate
from homeward.synth.loader import world_load
from homeward.tasks.queue import cancel
from homeward.web.demo import mail_directory


def _moment(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        raise ValueError("give a time zone, e.g. 2026-12-06T14:30Z")
    return moment


def database_rebuild() -> None:
    """Drop everything in the demo's database and migrate it afresh: the one way to take a world of an
    earlier day out, since the audit log refuses deletion. Demo mode only (the caller checks)."""
    settings_dict = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = (
        "Load the reference data, the synthetic demo world up to now (var/demo-world) and its forces' police "
        "reports, then link them. Safe and fast to rerun the same day; on a later day (demo mode) the world "
        "is made again for that day and the database rebuilt, so nobody is duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--children", type=int, default=3000)
        parser.add_argument("--years", type=int, default=1, help="years of missing episodes before today")
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="the moment the world runs up to, ISO 8601 with a zone (default: now)",
        )

    def handle(self, *args, seed: int, children: int, years: int, now: datetime.datetime | None, **options) -> None:
        started = time.monotonic()
        until = (now or timezone.now()).astimezone(datetime.UTC).replace(second=0, microsecond=0)
        today = until.astimezone(LONDON).date()
        directory = settings.VAR_DIR / "demo-world"
        on_disk = world_on_disk(directory=directory)
        police = directory / "agency" / "police"
        # The files of this seed and size made today are kept (generating reads the whole postcode
        # directory: slow). A world of an earlier day is made again for today: the same children, their
        # dates moved on, so what is open is what would be open now.
        current = bool(on_disk) and (on_disk[0], on_disk[1], on_disk[2], on_disk[3]) == (seed, children, today, years)
        if not (current and police.is_dir()) and Child.objects.exists():
            if not settings.DEMO_MODE:
                raise CommandError(
                    f"The database holds a world other than today's ({directory}: "
                    f"{on_disk[2].isoformat() if on_disk else 'no world on disk'}). Rebuilding drops every record: "
                    "only in demo mode (HOMEWARD_DEMO=1), or use a new database."
                )
            database_rebuild()
            shutil.rmtree(mail_directory(), ignore_errors=True)  # the old world's alerts
            self.stdout.write("database	rebuilt for today (the demo world of an earlier day removed)")
        reference_data_load()
        if current and police.is_dir():
            self.stdout.write(f"demo world\t{directory} (already generated)")
        else:
            shutil.rmtree(directory, ignore_errors=True)
            world = world_generate(seed=seed, children=children, years=years, until=until)
            files = agency_files_generate(world)
            # Homeward starts from what the councils recorded; the forces' own reports come in beside
            # it, so the one count has police-only episodes to show (and a few reports to check).
            agency_files_write(files, directory / "agency")
            world_write(world=council_view(files), directory=directory)
            self.stdout.write(
                f"demo world\t{directory} (generated: seed {seed}, {children} children, {years} years, "
                f"up to {until.astimezone(LONDON):%Y-%m-%d %H:%M})"
            )
        for name, count in world_load(directory=directory).items():
            self.stdout.write(f"created\t{name}\t{count}")
        changed = 0
        for path in sorted(police.glob("*.csv")):
            force = Agency.objects.get(code=path.stem, kind=AgencyKind.POLICE)
            rejects = directory / "agency" / "police-rejects" / path.name
            rejects.parent.mkdir(exist_ok=True)
            [run] = police_file_import(force=force, path=path, rejects_path=rejects).runs
            changed += run.created + run.updated
        self.stdout.write(f"police reports\t{changed} new or changed")
        if changed or not LinkRun.objects.exists():
            run = linkage_run(why="demo world")
            # This run, made after every import, links every report: the run the imports asked the
            # worker for (linkage.receivers) would only train and link it all again.
            cancel(LINKAGE_KEY)
            self.stdout.write(
                f"linked\t{run.linked_auto + run.linked_confirmed} of {run.police_reports} police reports, "
                f"{run.to_review} to check"
            )
        self.stdout.write(f"took\t{time.monotonic() - started:.1f}s")
