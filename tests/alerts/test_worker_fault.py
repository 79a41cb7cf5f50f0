"""Kill the worker (SIGKILL) in the middle of sending, start it again: every due alert is sent
exactly once. The worker is a real `homeward worker` process on the test database, sending to a
slow local SMTP server (50 ms per message) that kills it at a chosen point of the conversation, so
the test is exact rather than a race against a timer."""

import os
import signal

import pytest

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.models import Delivery, DeliveryStatus, Urgency
from homeward.alerts.services import notify
from homeward.alerts.smtp_sink import smtp_sink
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import start_worker_process

pytestmark = pytest.mark.django_db(transaction=True)  # the worker process must see committed rows

ALERTS = 40
KILL_AT = 15


@pytest.fixture
def due_alerts() -> list[int]:
    council = Agency.objects.create(code="FAULT01", kind=AgencyKind.LOCAL_AUTHORITY, name="Faultshire")
    users = [
        User.objects.create(username=f"fault-{n}", email=f"fault-{n}@example.org", agency=council, role=Role.SOCIAL_WORKER)
        for n in range(8)
    ]
    alerts = []
    for _ in range(ALERTS // len(users)):
        alerts += notify(event="episode_opened", recipients=[(u, Urgency.NORMAL) for u in users],
                         subject="A child you are responsible for has been reported missing", link="/")
    assert Delivery.objects.count() == ALERTS
    return [a.pk for a in alerts]


def _worker(mailbox, threads: int = 1):
    # The first worker has one thread, so the kill lands at exactly the point chosen (with more,
    # each message in flight is in the same position as this one); the restarted one has four.
    return start_worker_process("--threads", str(threads), "--poll", "0.05", "--lease", "2",
                                env={"HOMEWARD_SMTP_HOST": "127.0.0.1", "HOMEWARD_SMTP_PORT": str(mailbox.port)})


def _restart_and_finish(mailbox, expected: int) -> None:
    second = _worker(mailbox, threads=4)
    try:
        assert mailbox.wait_for(expected, timeout=60), f"only {len(mailbox.messages)} of {expected} arrived"
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0  # SIGTERM: it finishes the task in hand and exits cleanly


def _all_sent_and_done() -> None:
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Task.objects.values_list("status", flat=True)) == {Status.DONE}


def test_a_worker_killed_mid_send_and_restarted_sends_every_alert_exactly_once(due_alerts):
    worker = {}

    def kill_during(recipient_count: int) -> None:
        if recipient_count == KILL_AT:  # message 15 is being handed over: the server has not got it
            os.kill(worker["process"].pid, signal.SIGKILL)

    with smtp_sink(delay=0.05, on_recipient=kill_during) as mailbox:
        worker["process"] = _worker(mailbox)
        assert worker["process"].wait(timeout=60) == -signal.SIGKILL
        assert len(mailbox.messages) == KILL_AT - 1
        in_flight = Delivery.objects.get(status=DeliveryStatus.SENDING)
        assert Task.objects.filter(status=Status.RUNNING).exists()  # claimed by the dead worker, leased

        _restart_and_finish(mailbox, ALERTS)

    counts = mailbox.count_by_message_id()
    assert len(counts) == ALERTS and set(counts.values()) == {1}  # every alert, each exactly once
    assert set(counts) == {d.message_id("127.0.0.1") for d in Delivery.objects.all()}
    _all_sent_and_done()
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2  # resent after the crash: the server had never accepted it


def test_a_kill_after_the_server_accepted_resends_once_under_the_same_message_id(due_alerts):
    # The one window SMTP leaves open (delivery.py): the server has stored message 15 but the worker
    # dies before hearing "250". It cannot know, so it sends again — with the same Message-ID, which
    # mail stores fold into one. Every other alert still arrives exactly once.
    worker = {}

    def kill_after_storing(stored: int) -> None:
        if stored == KILL_AT:
            os.kill(worker["process"].pid, signal.SIGKILL)

    with smtp_sink(delay=0.05, on_accepted=kill_after_storing) as mailbox:
        worker["process"] = _worker(mailbox)
        assert worker["process"].wait(timeout=60) == -signal.SIGKILL
        assert len(mailbox.messages) == KILL_AT
        _restart_and_finish(mailbox, ALERTS + 1)

    counts = mailbox.count_by_message_id()
    assert len(counts) == ALERTS
    twice = {message_id for message_id, n in counts.items() if n > 1}
    assert len(twice) == 1 and counts[next(iter(twice))] == 2
    [resent] = [d for d in Delivery.objects.all() if d.message_id("127.0.0.1") in twice]
    assert resent.attempts == 2  # the record says which delivery may have gone twice
    _all_sent_and_done()
