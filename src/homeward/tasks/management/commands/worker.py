import datetime

from django.core.management.base import BaseCommand

from homeward.tasks.stopping import StopRequest
from homeward.tasks.worker import Worker, run_threads


class Command(BaseCommand):
    help = (
        "Run queued tasks and clocks (alert emails, re-notifications, escalations) as they fall due. "
        "SIGTERM or SIGINT stops it within --stop-within seconds; a second SIGINT stops it at once."
    )
    # Alerts must go out even if a web page fails its checks: the worker needs only the models.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due now, then exit")
        parser.add_argument(
            "--poll", type=float, default=1.0, help="seconds between looks at the queue when idle (default 1)"
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=60.0,
            help="seconds a claimed task stays this worker's; after that another worker may take it (default 60)",
        )
        parser.add_argument("--batch", type=int, default=5, help="tasks claimed at a time by each thread (default 5)")
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="tasks run at once: each thread has its own database and SMTP connection (default 4)",
        )
        # Less than `homeward serve`'s 15 s grace, so under serve the worker always ends by itself.
        parser.add_argument(
            "--stop-within",
            type=float,
            default=10.0,
            help="seconds the tasks in hand have to finish once asked to stop; one still running then "
            "runs again after its lease (default 10)",
        )

    def handle(
        self, *args, once: bool, poll: float, lease: float, batch: int, threads: int, stop_within: float, **options
    ) -> None:
        with StopRequest() as stopping:
            settings = {"lease": datetime.timedelta(seconds=lease), "batch": batch, "stopping": stopping}
            if once:
                # Between tasks it looks for a stop: it ends once the task in hand is done.
                finished = Worker(**settings).run_due()
            else:
                if options["verbosity"] > 1:
                    self.stdout.write(f"worker running: {threads} thread(s), polling every {poll} s")
                finished = run_threads(
                    threads=max(1, threads), poll=poll, stop_within=stop_within, say=self.stdout.write, **settings
                )
        if options["verbosity"] > 1 or once:
            self.stdout.write(f"worker stopped: {finished} task(s) done")
