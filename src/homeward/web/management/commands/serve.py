"""`homeward serve`: the production server, which the demo runs too.

gunicorn serves `homeward.wsgi:application` (WhiteNoise answers /static/ from STATIC_ROOT) and the
task worker (`homeward worker`) runs beside it. This process only starts the two and watches them:
when either stops, or this process is told to stop (SIGTERM, SIGINT, SIGHUP; more signals after the
first change nothing), both are sent SIGTERM and given STOP_GRACE_SECONDS to finish what they have
in hand, then killed; a second SIGINT (Ctrl+C again) kills them at once. Each child is also started
with Linux's parent-death signal, so even if this process is killed outright (SIGKILL) they are sent
SIGTERM: no worker is left running without its server.

In demo mode it also runs the SMTP sink (devtools.smtp_sink) that keeps the alerts' emails for the
demo's mail page, and points both processes' email at it; the sink stops after them.
"""

import ctypes
import ctypes.util
import datetime
import hashlib
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management.base import BaseCommand, CommandError

from homeward.tasks.stopping import StopRequest
from homeward.web import demo

# Seconds each child has after SIGTERM before it is killed: gunicorn's graceful timeout (10 s) and a
# margin; the worker's own bound is 10 s too (a task cut short is taken again after its lease).
STOP_GRACE_SECONDS = 15

# Path only, never the query string or referrer: a search (`/children/?q=...`) names children.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when the process that started us dies (Linux)."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _load_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_libc = _load_libc()


class Command(BaseCommand):
    help = "Serve Homeward with gunicorn (static files by WhiteNoise) and run the task worker beside it."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="address:port to listen on (default 127.0.0.1:8000)"
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the task worker (run `homeward worker` elsewhere)"
        )

    def handle(self, *args, bind: str, workers: int, no_worker: bool, **options) -> None:
        # Killing the children on a second Ctrl+C is this loop's work, so the request does not end
        # this process itself.
        with StopRequest((signal.SIGTERM, signal.SIGINT, signal.SIGHUP), exit_on_second_interrupt=False) as stopping:
            self._serve(bind=bind, workers=workers, no_worker=no_worker, stopping=stopping)

    def _serve(self, *, bind: str, workers: int, no_worker: bool, stopping: StopRequest) -> None:
        # The processes started from here collect and name static files by their content's hash.
        env = {**os.environ, "HOMEWARD_STATIC_HASHED": "1", "PYTHONUNBUFFERED": "1"}
        self._collect_static(env)
        if stopping.is_set():
            self._log(f"{stopping.reason}: stopping")
            return

        children: dict[str, subprocess.Popen] = {}
        with ExitStack() as sink:
            if settings.DEMO_MODE:
                # The alerts' emails go to one local sink, kept for the demo's mail page, never out.
                env.update(sink.enter_context(demo.mail_sink()))
                self._log(
                    f"demo mail sink on {env['HOMEWARD_SMTP_HOST']}:{env['HOMEWARD_SMTP_PORT']}, keeping emails in {demo.mail_directory()}"
                )
            try:
                children["gunicorn"] = self._start(
                    "gunicorn",
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "homeward.wsgi:application",
                        "--bind",
                        bind,
                        "--workers",
                        str(max(1, workers)),
                        "--timeout",
                        "60",
                        "--graceful-timeout",
                        "10",
                        "--access-logfile",
                        "-",
                        "--access-logformat",
                        ACCESS_LOG_FORMAT,
                        "--error-logfile",
                        "-",
                        # Whether a request came over HTTPS is Django's to judge, from the proxy's header
                        # only when HOMEWARD_TRUST_X_FORWARDED_PROTO says so (settings.py).
                        "--forwarded-allow-ips",
                        "",
                        # No control socket (one shared path in the home directory; nothing here uses it).
                        "--no-control-socket",
                    ],
                    env,
                )
                if not no_worker:
                    children["worker"] = self._start("worker", [sys.executable, "-m", "homeward", "worker"], env)
                stopped = self._watch(children, stopping)
            finally:
                self._stop(children, stopping)
        if stopped is not None:
            name, code = stopped
            raise CommandError(f"{name} stopped by itself (exit status {code}); everything else was stopped too")
        self._log("stopped")

    # ---- static files -------------------------------------------------------------------------

    def _collect_static(self, env: dict) -> None:
        """Run `collectstatic`, unless no source file changed since the last time it succeeded."""
        static_root = Path(settings.STATIC_ROOT)
        stamp = static_root.with_name(static_root.name + ".collected")
        want = self._static_fingerprint()
        if (static_root / "staticfiles.json").exists() and stamp.exists() and stamp.read_text() == want:
            return
        self._log("collecting static files…")
        result = subprocess.run(
            [sys.executable, "-m", "homeward", "collectstatic", "--noinput"], env=env, stderr=subprocess.STDOUT
        )
        if result.returncode != 0:
            raise CommandError(f"collectstatic failed (exit status {result.returncode})")
        stamp.write_text(want)

    @staticmethod
    def _static_fingerprint() -> str:
        """Every file collectstatic would take, by name, size and time changed, and what collects them."""
        ignore = apps.get_app_config("staticfiles").ignore_patterns
        entries = []
        for finder in get_finders():
            for path, storage in finder.list(ignore):
                stat = os.stat(storage.path(path))
                entries.append(f"{getattr(storage, 'prefix', '') or ''}/{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
        digest = hashlib.sha256(f"django {django.__version__} whitenoise {version('whitenoise')}\n".encode())
        for entry in sorted(entries):
            digest.update(entry.encode() + b"\n")
        return digest.hexdigest()

    # ---- the two processes --------------------------------------------------------------------

    def _start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        # stderr joins stdout: one log, in order.
        process = subprocess.Popen(command, env=env, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self._log(f"{name} started (pid {process.pid})")
        return process

    def _watch(self, children: dict[str, subprocess.Popen], stopping: StopRequest) -> tuple[str, int] | None:
        """Until told to stop (None) or a child stops by itself ((its name, its exit status))."""
        while not stopping.is_set():
            for name, process in children.items():
                code = process.poll()
                if code is not None and not stopping.is_set():
                    self._log(f"{name} stopped (exit status {code}): stopping the rest")
                    return name, code
            time.sleep(0.2)
        self._log(f"{stopping.reason}: stopping")
        return None

    def _stop(self, children: dict[str, subprocess.Popen], stopping: StopRequest) -> None:
        running = {name: process for name, process in children.items() if process.poll() is None}
        for name, process in running.items():
            self._log(f"stopping {name} (pid {process.pid})")
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while running:
            running = {name: process for name, process in running.items() if process.poll() is None}
            # A second Ctrl+C means now; a SIGTERM after the first signal (a supervisor, a script's
            # trap) only repeats the request already in hand.
            if running and (time.monotonic() > deadline or stopping.now):
                for name, process in running.items():
                    self._log(f"killing {name} (pid {process.pid})")
                    process.kill()
                    process.wait()
                running = {}
            time.sleep(0.1)

    def _log(self, message: str) -> None:
        now = datetime.datetime.now(datetime.UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
        self.stdout.write(f"[{now}] [{os.getpid()}] [INFO] serve: {message}")
        self.stdout.flush()
