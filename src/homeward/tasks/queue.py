"""The task API: register a function with @task, enqueue a call to it, cancel a scheduled one.

Deliberately small — a registered name, JSON keyword arguments, a time to run and an optional dedupe
key — so that the same tasks could be handed to Celery when settings.HOMEWARD_CELERY_BROKER is set
(not built: the database queue is the default and the only runner today).

Delivery is at least once: a task may run again after a crash or a retry, so each task is written
to be safe to repeat. A task marked atomic (the default) runs in one transaction with its "done"
mark, so its database writes happen exactly once; a task that talks to the outside world
(atomic=False) keeps its own record of what it has done (see homeward.alerts.delivery).
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.utils import timezone

from homeward.tasks.models import PENDING, Status, Task


@dataclass(frozen=True)
class Registered:
    name: str
    fn: Callable[..., object]
    atomic: bool
    max_attempts: int


_registry: dict[str, Registered] = {}


def task(fn: Callable | None = None, *, atomic: bool = True, max_attempts: int = 10):
    """Register a function as a task, under its dotted path. Use as @task or @task(atomic=False)."""

    def register(fn: Callable) -> Callable:
        name = f"{fn.__module__}.{fn.__qualname__}"
        _registry[name] = Registered(name=name, fn=fn, atomic=atomic, max_attempts=max_attempts)
        fn.task_name = name
        return fn

    return register(fn) if fn is not None else register


def registered(name: str) -> Registered | None:
    """The task registered under this name, importing its module on first use (workers start empty)."""
    if name not in _registry:
        try:
            import_module(name.rpartition(".")[0])
        except ImportError:
            return None
    return _registry.get(name)


def enqueue(
    name_or_fn: str | Callable,
    *,
    args: dict,
    run_at: datetime.datetime | None = None,
    dedupe_key: str | None = None,
) -> Task:
    """Queue a call. Call it inside the transaction of the write that causes it: the task then exists
    if and only if that write committed. With the dedupe_key of a task still pending (queued or
    running), nothing is added and that task is returned (scheduling the same clock twice is a
    no-op); a key whose task is done or failed is free to use again."""
    name = getattr(name_or_fn, "task_name", name_or_fn)
    spec = registered(name)
    if spec is None:
        raise ValueError(f"{name!r} is not a registered task")
    json.dumps(args)  # fail here, at the caller, rather than in the worker
    row = Task(
        name=name, args=args, run_at=run_at or timezone.now(), max_attempts=spec.max_attempts, dedupe_key=dedupe_key
    )
    if dedupe_key is None:
        row.save(force_insert=True)
        return row
    # INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite): no savepoint, no race.
    Task.objects.bulk_create([row], ignore_conflicts=True)
    same_key = Task.objects.filter(dedupe_key=dedupe_key).order_by("-id")
    # The pending one; else (it finished between the insert and this read) the latest.
    return same_key.filter(status__in=PENDING).first() or same_key.first()


def enqueue_many(
    name_or_fn: str | Callable,
    *,
    args_list: list[dict],
    run_at: datetime.datetime | None = None,
    dedupe_keys: list[str] | None = None,
) -> int:
    """Queue several calls to one task in one INSERT (one email per recipient of a notification; each
    child a bulk write names). With `dedupe_keys` (one per call), a call whose key is pending is
    skipped, as enqueue skips it. Returns how many were queued."""
    name = getattr(name_or_fn, "task_name", name_or_fn)
    spec = registered(name)
    if spec is None:
        raise ValueError(f"{name!r} is not a registered task")
    json.dumps(args_list)
    run_at = run_at or timezone.now()
    keys = dedupe_keys if dedupe_keys is not None else [None] * len(args_list)
    if len(keys) != len(args_list):
        raise ValueError("enqueue_many needs one dedupe key per call")
    rows = [
        Task(name=name, args=args, run_at=run_at, max_attempts=spec.max_attempts, dedupe_key=key)
        for args, key in zip(args_list, keys, strict=True)
    ]
    if dedupe_keys is None:
        return len(Task.objects.bulk_create(rows))
    # INSERT ... ON CONFLICT DO NOTHING, as in enqueue: a key pending stays the one task.
    before = _pending(dedupe_keys)
    Task.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return _pending(dedupe_keys) - before


def _pending(keys: list[str]) -> int:
    # A few thousand keys to a query: SQLite takes at most 32,766 values in one statement.
    return sum(
        Task.objects.filter(dedupe_key__in=keys[first : first + 2000], status__in=PENDING).count()
        for first in range(0, len(keys), 2000)
    )


def cancel(dedupe_key: str) -> int:
    """Remove the queued task with this key; returns 1 if one was waiting. A task already running
    cannot be recalled, so tasks re-check their condition when they run. The key is free again."""
    deleted, _ = Task.objects.filter(dedupe_key=dedupe_key, status=Status.QUEUED).delete()
    return deleted
