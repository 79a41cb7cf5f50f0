"""Claiming, running and retrying tasks: what `homeward worker` loops over (after healthchecks'
sendalerts: a long-running command polling one table through a partial index).

Claiming is one statement that flips due rows to "running" under this worker's name with a lease:
on PostgreSQL its inner SELECT takes FOR UPDATE SKIP LOCKED, so two workers never claim one row and
never wait on each other; SQLite has one writer at a time, so its UPDATE is atomic as it stands. A
worker that dies leaves its rows "running" until the lease runs out; any worker then puts them back
in the queue (reclaim_expired) and they run again — see queue.py for what that means for a task.
"""

import datetime
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from homeward.tasks.models import Status, Task
from homeward.tasks.queue import registered
from homeward.tasks.stopping import StopRequest

logger = logging.getLogger("homeward.tasks")

DEFAULT_LEASE = datetime.timedelta(seconds=60)  # longer than any one task (SMTP times out at 30 s)
BACKOFF_FIRST = datetime.timedelta(seconds=15)
BACKOFF_MAX = datetime.timedelta(hours=1)


def backoff(attempts: int) -> datetime.timedelta:
    """15 s, 30 s, 1 min … doubling to at most an hour: ten attempts span about two and a half hours."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


class Worker:
    def __init__(
        self,
        *,
        lease: datetime.timedelta = DEFAULT_LEASE,
        batch: int = 5,
        name: str | None = None,
        stopping: StopRequest | None = None,
    ) -> None:
        self.lease = lease
        self.batch = batch
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stopping = stopping or StopRequest()

    def stop(self) -> None:
        """Finish the task in hand, give back the rest of the batch, and return (SIGTERM, SIGINT)."""
        self.stopping.set()

    def reclaim_expired(self, now: datetime.datetime) -> int:
        """Requeue rows whose worker's lease ran out (it died mid-task); fail those out of attempts."""
        expired = Task.objects.filter(status=Status.RUNNING, locked_until__lt=now)
        if not expired.exists():  # a read first: on SQLite an UPDATE takes the write lock even for no rows
            return 0
        out_of_attempts = When(attempts__gte=F("max_attempts"), then=Value(Status.FAILED))
        return expired.update(
            status=Case(out_of_attempts, default=Value(Status.QUEUED)),
            done_at=Case(When(attempts__gte=F("max_attempts"), then=Value(now)), default=None),
            locked_by="",
            locked_until=None,
            last_error="lease expired: its worker stopped before finishing",
        )

    def claim(self, now: datetime.datetime) -> list[Task]:
        table = connection.ops.quote_name(Task._meta.db_table)
        skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
        # Status values are literals, not parameters, so both planners can use the partial index.
        sql = (
            f"UPDATE {table} SET status = 'running', attempts = attempts + 1, locked_by = %s, locked_until = %s "
            f"WHERE id IN (SELECT id FROM {table} WHERE status = 'queued' AND run_at <= %s "
            f"ORDER BY run_at, id LIMIT %s{skip_locked}) RETURNING id"
        )
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.name, adapt(now + self.lease), adapt(now), self.batch])
            ids = [row[0] for row in cursor.fetchall()]
        return list(Task.objects.filter(pk__in=ids).order_by("run_at", "id")) if ids else []

    def release(self, tasks: list[Task]) -> None:
        """Give back claimed tasks not yet started, uncounted, for the next worker to take at once."""
        Task.objects.filter(pk__in=[t.pk for t in tasks], locked_by=self.name, status=Status.RUNNING).update(
            status=Status.QUEUED, attempts=F("attempts") - 1, locked_by="", locked_until=None
        )

    def _mine(self, task: Task):
        return Task.objects.filter(pk=task.pk, locked_by=self.name, status=Status.RUNNING)

    def _still_mine(self, task: Task, now: datetime.datetime) -> bool:
        # A lease with more than half its time left needs no renewing (one write saved per task);
        # an older one is renewed, and if another worker took the row meanwhile, it is skipped here.
        if task.locked_until is not None and task.locked_until - now > self.lease / 2:
            return True
        return bool(self._mine(task).update(locked_until=now + self.lease))

    def run(self, task: Task, now: datetime.datetime) -> bool:
        """Run one claimed task; True if it finished."""
        spec = registered(task.name)
        if spec is None:
            self._mine(task).update(
                status=Status.FAILED,
                done_at=now,
                locked_by="",
                locked_until=None,
                last_error=f"no task registered as {task.name!r}",
            )
            return False
        try:
            if spec.atomic:
                # The task's writes and its "done" mark commit together, or not at all.
                with transaction.atomic():
                    if not self._still_mine(task, now):
                        return False
                    spec.fn(**task.args)
                    self._done(task)
            else:
                if not self._still_mine(task, now):
                    return False
                spec.fn(**task.args)
                self._done(task)
        except Exception as error:  # noqa: BLE001 — any failure is retried or recorded, never fatal
            logger.warning(
                "task %s #%s failed (attempt %s of %s): %r", task.name, task.pk, task.attempts, task.max_attempts, error
            )
            self._failed(task, now, error)
            return False
        return True

    def _done(self, task: Task) -> None:
        self._mine(task).update(status=Status.DONE, done_at=timezone.now(), locked_by="", locked_until=None)

    def _failed(self, task: Task, now: datetime.datetime, error: Exception) -> None:
        text = f"{type(error).__name__}: {error}"[:2000]
        if task.attempts >= task.max_attempts:
            self._mine(task).update(
                status=Status.FAILED, done_at=timezone.now(), locked_by="", locked_until=None, last_error=text
            )
        else:
            self._mine(task).update(
                status=Status.QUEUED,
                run_at=now + backoff(task.attempts),
                locked_by="",
                locked_until=None,
                last_error=text,
            )

    def run_due(self, now: datetime.datetime | None = None) -> int:
        """Run every task due by `now` (default: the real time, read afresh each round), including
        any that those tasks make due by then; return how many finished. Tests pass a later `now`
        to advance the clocks instead of sleeping."""
        finished = 0
        while not self.stopping.is_set():
            at = now or timezone.now()
            self.reclaim_expired(at)
            tasks = self.claim(at)
            if not tasks:
                break
            for index, task in enumerate(tasks):
                if self.stopping.is_set():
                    self.release(tasks[index:])
                    break
                finished += self.run(task, now or timezone.now())
        return finished

    def run_forever(self, *, poll: float) -> int:
        finished = 0
        while not self.stopping.is_set():
            try:
                finished += self.run_due()
            except Exception as error:  # noqa: BLE001 — a worker that stops sends no alerts
                # The database went away (restart, failover) or worse: log it, reconnect, go on.
                logger.exception("worker %s: %r; retrying in %s s", self.name, error, poll)
                if isinstance(error, DatabaseError):
                    connection.close()
            self.stopping.wait(poll)
        return finished


def run_threads(
    *, threads: int, poll: float, stopping: StopRequest, stop_within: float, say: Callable[[str], object], **options
) -> int:
    """Several workers in one process, each with its own database connection and SMTP connection:
    while one waits on the mail server, another runs. They claim like separate processes would.

    This (main) thread only watches: it passes a stop asked for by signal on to the workers, and
    gives them `stop_within` seconds to finish the tasks in hand. A task still running then is left
    to its lease (it runs again once the lease expires) and the process ends with exit status 1."""
    counts: list[int] = []

    def work(n: int) -> None:
        worker = Worker(stopping=stopping, **options)
        worker.name = f"{worker.name}:{n}"
        try:
            counts.append(worker.run_forever(poll=poll))
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(n,), name=f"worker-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    deadline = None
    while alive := [thread for thread in pool if thread.is_alive()]:
        alive[0].join(timeout=0.1)  # short waits: a stop asked for by signal reaches the workers within them
        if deadline is None and stopping.is_set():
            say(f"{stopping.reason}: finishing the tasks in hand (at most {stop_within:g} s)…")
            deadline = time.monotonic() + stop_within
        if deadline is not None and time.monotonic() > deadline:
            say(
                f"tasks still running after {stop_within:g} s: stopping without them (each runs again once its lease expires)"
            )
            sys.stdout.flush()
            os._exit(1)  # a thread cannot be cut short any other way
    return sum(counts)


def run_due(now: datetime.datetime | None = None, **options) -> int:
    """Run what is due in this process (tests, `homeward worker --once`)."""
    return Worker(**options).run_due(now)


def _database_url() -> str:
    """A DATABASE_URL for the database this process is connected to (the test database in tests)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{'@' if credentials else ''}{host}{port}/{db['NAME']}"


def start_worker_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start `homeward worker ARGS` as a separate process on this process's database (fault tests, bench)."""
    environment = {**os.environ, "DATABASE_URL": _database_url(), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "homeward", "worker", *args], env=environment)
