"""`homeward link-records`: link every police report to a child (or send it for review) and rebuild
the one count, now. The worker does the same after each import; this is for a first run and for cron."""

from django.core.management.base import BaseCommand

from homeward.linkage.services import linkage_run


class Command(BaseCommand):
    help = "Link police reports to children and reconcile them with the councils' episodes (the one count)."

    def handle(self, *args, **options) -> None:
        run = linkage_run(why="link-records")
        for name in ("police_reports", "children", "linked_auto", "linked_confirmed", "to_review", "unlinked"):
            self.stdout.write(f"{name.replace('_', ' ')}\t{getattr(run, name)}")
        for name, seconds in run.timings.items():
            self.stdout.write(f"{name}\t{seconds}")
