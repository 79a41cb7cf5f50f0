"""The task queue: due tasks run, future ones wait, dedupe keys hold, failures retry then fail, and a
lease that runs out hands the task to another worker — never to two at once."""

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from homeward.tasks.models import Status, Task
from homeward.tasks.queue import cancel, enqueue, enqueue_many, task
from homeward.tasks.worker import Worker, backoff, run_due

calls: list[dict] = []
_calls_lock = threading.Lock()


@task
def record(**args) -> None:
    with _calls_lock:
        calls.append(args)


@task(max_attempts=3)
def explode(**args) -> None:
    raise RuntimeError("the mail server is down")


@task
def write_then_explode(**args) -> None:
    enqueue(record, args={"from": "inside a failed task"})
    raise RuntimeError("after writing")


@pytest.fixture(autouse=True)
def _forget_calls():
    calls.clear()


def test_a_due_task_runs_and_is_marked_done(db):
    queued = enqueue(record, args={"n": 1})
    assert run_due() == 1
    assert calls == [{"n": 1}]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.locked_by) == (Status.DONE, 1, "")
    assert queued.done_at is not None


def test_a_task_is_named_by_its_function_or_its_dotted_path(db):
    enqueue(record.task_name, args={"n": 2})
    run_due()
    assert calls == [{"n": 2}]


def test_a_future_task_waits_until_its_time(db):
    now = timezone.now()
    enqueue(record, args={"n": 1}, run_at=now + datetime.timedelta(hours=1))
    assert run_due(now) == 0 and calls == []
    assert run_due(now + datetime.timedelta(hours=1)) == 1 and calls == [{"n": 1}]


def test_due_tasks_run_in_order_of_their_time(db):
    now = timezone.now()
    for n in (3, 1, 2):
        enqueue(record, args={"n": n}, run_at=now - datetime.timedelta(minutes=10 - n))
    run_due(now, batch=2)
    assert [c["n"] for c in calls] == [1, 2, 3]


def test_scheduling_the_same_key_twice_while_it_is_pending_is_a_no_op(db):
    first = enqueue(record, args={"n": 1}, dedupe_key="clock:x")
    second = enqueue(record, args={"n": 2}, dedupe_key="clock:x")
    assert first.pk == second.pk and Task.objects.count() == 1
    # Running counts as pending: a worker has it in hand.
    Task.objects.filter(pk=first.pk).update(status=Status.RUNNING)
    assert enqueue(record, args={"n": 3}, dedupe_key="clock:x").pk == first.pk
    Task.objects.filter(pk=first.pk).update(status=Status.QUEUED)
    run_due()
    assert calls == [{"n": 1}]


def test_a_key_whose_task_has_run_is_free_to_set_again(db):
    # A clock that has fired may be set again (an interview offered again after its overdue alert);
    # the finished row stays, as the record that it ran.
    done = enqueue(record, args={"n": 1}, dedupe_key="clock:x")
    run_due()
    again = enqueue(record, args={"n": 2}, dedupe_key="clock:x")
    assert again.pk != done.pk and again.status == Status.QUEUED
    assert enqueue(record, args={"n": 3}, dedupe_key="clock:x").pk == again.pk  # pending again: a no-op
    assert run_due() == 1 and calls == [{"n": 1}, {"n": 2}]
    assert Task.objects.filter(dedupe_key="clock:x", status=Status.DONE).count() == 2


def test_cancel_removes_a_waiting_task_and_frees_its_key(db):
    enqueue(record, args={"n": 1}, run_at=timezone.now() + datetime.timedelta(hours=1), dedupe_key="clock:y")
    assert cancel("clock:y") == 1
    assert cancel("clock:y") == 0
    assert not Task.objects.exists()
    enqueue(record, args={"n": 2}, dedupe_key="clock:y")
    run_due()
    assert calls == [{"n": 2}]


def test_many_calls_can_be_queued_at_once(db):
    assert enqueue_many(record, args_list=[{"n": n} for n in range(3)]) == 3
    assert Task.objects.count() == 3
    assert run_due() == 3 and sorted(c["n"] for c in calls) == [0, 1, 2]


def test_many_calls_with_keys_skip_those_whose_key_is_pending(db):
    enqueue(record, args={"n": 0}, dedupe_key="k:0")
    queued = enqueue_many(record, args_list=[{"n": n} for n in range(3)], dedupe_keys=[f"k:{n}" for n in range(3)])
    assert queued == 2
    assert run_due() == 3 and sorted(c["n"] for c in calls) == [0, 1, 2]
    # Done, the keys are free again.
    assert enqueue_many(record, args_list=[{"n": 5}], dedupe_keys=["k:0"]) == 1


def test_a_task_exists_only_if_the_callers_transaction_commits(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(record, args={"n": 1})
        raise RuntimeError("the caller's write failed")
    assert not Task.objects.exists()


def test_enqueueing_an_unregistered_name_or_unserialisable_args_fails_at_the_caller(db):
    with pytest.raises(ValueError):
        enqueue("homeward.nowhere.nothing", args={})
    with pytest.raises(TypeError):
        enqueue(record, args={"when": timezone.now()})


def test_a_failing_task_is_retried_with_backoff_then_marked_failed(db):
    now = timezone.now()
    failing = enqueue(explode, args={}, run_at=now)
    run_due(now)
    failing.refresh_from_db()
    assert (failing.status, failing.attempts) == (Status.QUEUED, 1)
    assert failing.run_at == now + backoff(1) == now + datetime.timedelta(seconds=15)
    assert "the mail server is down" in failing.last_error
    assert run_due(now + datetime.timedelta(seconds=14)) == 0  # not before its backoff
    run_due(now + datetime.timedelta(seconds=15))
    failing.refresh_from_db()
    assert (failing.status, failing.attempts, failing.run_at) == (
        Status.QUEUED,
        2,
        now + datetime.timedelta(seconds=45),
    )
    run_due(now + datetime.timedelta(hours=1))
    failing.refresh_from_db()
    assert (failing.status, failing.attempts) == (Status.FAILED, 3)
    assert failing.done_at is not None
    assert run_due(now + datetime.timedelta(days=1)) == 0


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    assert backoff(20) == datetime.timedelta(hours=1)


def test_an_atomic_task_that_fails_leaves_none_of_its_writes(db):
    enqueue(write_then_explode, args={})
    run_due()
    assert Task.objects.count() == 1  # the task it enqueued before failing was rolled back with it


def test_a_task_whose_worker_died_runs_again_after_its_lease(db):
    now = timezone.now()
    queued = enqueue(record, args={"n": 1}, run_at=now)
    dead = Worker(lease=datetime.timedelta(seconds=60), name="dead")
    assert [t.pk for t in dead.claim(now)] == [queued.pk]  # claimed, then the worker "dies"
    assert run_due(now + datetime.timedelta(seconds=59)) == 0  # the lease still holds
    assert run_due(now + datetime.timedelta(seconds=61)) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Status.DONE, 2)
    assert calls == [{"n": 1}]


def test_a_worker_whose_lease_was_taken_over_does_not_run_the_task_too(db):
    now = timezone.now()
    enqueue(record, args={"n": 1}, run_at=now)
    slow = Worker(lease=datetime.timedelta(seconds=60), name="slow")
    [claimed] = slow.claim(now)
    assert run_due(now + datetime.timedelta(minutes=2), name="other") == 1
    assert slow.run(claimed, now + datetime.timedelta(minutes=2)) is False
    assert calls == [{"n": 1}]


def test_a_crash_counts_as_an_attempt_so_a_task_that_kills_workers_stops(db):
    now = timezone.now()
    queued = enqueue(explode, args={}, run_at=now)  # max_attempts=3
    for n in range(3):
        crashing = Worker(name=f"crashed-{n}")
        crashing.reclaim_expired(now + datetime.timedelta(minutes=2 * n))
        assert crashing.claim(now + datetime.timedelta(minutes=2 * n))
    Worker(name="reaper").reclaim_expired(now + datetime.timedelta(minutes=10))
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Status.FAILED, 3)


def test_a_stopping_worker_gives_back_the_tasks_it_has_not_started(db):
    for n in range(5):
        enqueue(record, args={"n": n})
    worker = Worker(batch=5)

    original = worker.run

    def run_then_stop(task, now):
        worker.stop()  # SIGTERM arrives during the first task
        return original(task, now)

    worker.run = run_then_stop
    assert worker.run_due() == 1
    assert Task.objects.filter(status=Status.QUEUED, attempts=0, locked_by="").count() == 4
    assert run_due() == 4


def test_a_task_name_nobody_registered_fails_without_retrying(db):
    Task.objects.create(name="homeward.gone.away", args={})
    run_due()
    gone = Task.objects.get()
    assert gone.status == Status.FAILED and "no task registered" in gone.last_error


def test_the_worker_command_once_runs_what_is_due_and_exits(db):
    enqueue(record, args={"n": 1})
    enqueue(record, args={"n": 2}, run_at=timezone.now() + datetime.timedelta(hours=1))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert calls == [{"n": 1}]
    assert "1 task(s) done" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_workers_running_at_once_never_run_a_task_twice():
    # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time. Either way, exactly once.
    for n in range(200):
        enqueue(record, args={"n": n})
    errors = []

    def work() -> None:
        try:
            Worker(batch=7).run_due()
        except Exception as error:  # pragma: no cover — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(c["n"] for c in calls) == list(range(200))
    assert Task.objects.filter(status=Status.DONE, attempts=1).count() == 200
