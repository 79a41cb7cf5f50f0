"""`homeward link-records`: link every police report to a child (or send it for review) and rebuild
the one count, now. The worker does the same after each import; this is for a first run and for cron.

SIGTERM or SIGINT stops it at once: what the run had not committed rolls back (its LinkRun row stays,
without finished_at), and running it again, which redoes the whole run, completes it."""

from django.core.management.base import BaseCommand

from homeward.linkage.services import linkage_run
from homeward.tasks.stopping import run_or_abandon


class Command(BaseCommand):
    help = "Link police reports to children and reconcile them with the councils' episodes (the one count)."

    def handle(self, *args, **options) -> None:
        run = run_or_abandon(
            lambda: linkage_run(why="link-records"),
            say=self.stderr.write,
            abandoned="the run did not finish: run it again",
        )
        for name in ("police_reports", "children", "linked_auto", "linked_confirmed", "to_review", "unlinked"):
            self.stdout.write(f"{name.replace('_', ' ')}\t{getattr(run, name)}")
        for name, seconds in run.timings.items():
            self.stdout.write(f"{name}\t{seconds}")
