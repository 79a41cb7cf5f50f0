import datetime
import signal
import threading

from django.core.management.base import BaseCommand

from homeward.tasks.worker import Worker, run_threads


class Command(BaseCommand):
    help = "Run queued tasks and clocks (alert emails, re-notifications, escalations) as they fall due."
    # Alerts must go out even if a web page fails its checks: the worker needs only the models.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the queue when idle (default 1)")
        parser.add_argument("--lease", type=float, default=60.0,
                            help="seconds a claimed task stays this worker's; after that another worker may take it (default 60)")
        parser.add_argument("--batch", type=int, default=5, help="tasks claimed at a time by each thread (default 5)")
        parser.add_argument("--threads", type=int, default=4,
                            help="tasks run at once: each thread has its own database and SMTP connection (default 4)")

    def handle(self, *args, once: bool, poll: float, lease: float, batch: int, threads: int, **options) -> None:
        stopping = threading.Event()

        def on_signal(signum, frame) -> None:
            self.stdout.write(f"{signal.strsignal(signum)}: finishing the tasks in hand…")
            stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        settings = {"lease": datetime.timedelta(seconds=lease), "batch": batch, "stopping": stopping}
        if once:
            finished = Worker(**settings).run_due()
        else:
            if options["verbosity"] > 1:
                self.stdout.write(f"worker running: {threads} thread(s), polling every {poll} s")
            finished = run_threads(threads=max(1, threads), poll=poll, **settings)
        if options["verbosity"] > 1 or once:
            self.stdout.write(f"worker stopped: {finished} task(s) done")
