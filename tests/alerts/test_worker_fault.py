"""Kill the worker (SIGKILL) in the middle of sending, start it again: every due alert is sent
exactly once. The worker is a real `homeward worker` process on the test database, sending to a
slow local SMTP server (50 ms per message) that kills it at a chosen point of the conversation, so
the test is exact rather than a race against a timer."""

import datetime
import os
import signal
import time
from collections import Counter

import pytest
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts import rules
from homeward.alerts.models import Alert, Delivery, DeliveryStatus, Urgency
from homeward.alerts.services import ESCALATE_TASK, RENOTIFY_TASK, notify
from homeward.children.services import child_allocate, child_create
from homeward.devtools.smtp_sink import smtp_sink
from homeward.episodes.services import episode_open
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import start_worker_process

# The worker process must see committed rows; each test kills it and starts another.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ALERTS = 40
KILL_AT = 15


@pytest.fixture
def due_alerts() -> list[int]:
    council = Agency.objects.create(code="FAULT01", kind=AgencyKind.LOCAL_AUTHORITY, name="Faultshire")
    users = [
        User.objects.create(
            username=f"fault-{n}", email=f"fault-{n}@example.org", agency=council, role=Role.SOCIAL_WORKER
        )
        for n in range(8)
    ]
    alerts = []
    for _ in range(ALERTS // len(users)):
        alerts += notify(
            event="episode_opened",
            recipients=[(u, Urgency.NORMAL) for u in users],
            subject="A child you are responsible for has been reported missing",
            link="/",
        )
    assert Delivery.objects.count() == ALERTS
    return [a.pk for a in alerts]


def _worker(mailbox, threads: int = 1):
    # The first worker has one thread, so the kill lands at exactly the point chosen (with more,
    # each message in flight is in the same position as this one); the restarted one has four.
    return start_worker_process(
        "--threads",
        str(threads),
        "--poll",
        "0.05",
        "--lease",
        "2",
        env={"HOMEWARD_SMTP_HOST": "127.0.0.1", "HOMEWARD_SMTP_PORT": str(mailbox.port)},
    )


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


# ---------------------------------------------------------------------------------------------
# Clocks falling due across the kill
# ---------------------------------------------------------------------------------------------

CLOCKS = [RENOTIFY_TASK, ESCALATE_TASK, rules.MISSING_LONGER_THAN_TASK]
HIGH_RISK = "The police have graded a child you are responsible for as high risk"


@pytest.fixture
def clocks_due(reference):
    """A child missing for 25 hours, graded high risk three hours ago, and nobody has acknowledged:
    the worker has been down all that time, so on starting it finds every clock due at once —
    three rounds of reminders for each urgent alert, their escalation (and the escalation's own
    reminders), and the 24-hour missing clock — among the emails they queue."""
    manchester = Agency.objects.get(code="E08000003")

    def person(role: str, name: str) -> User:
        return User.objects.create(username=name, email=f"{name}@example.org", agency=manchester, role=role)

    social_worker, iro = person(Role.SOCIAL_WORKER, "fault-sw"), person(Role.IRO, "fault-iro")
    person(Role.MISSING_COORDINATOR, "fault-coordinator")
    managers = [person(Role.TEAM_MANAGER, "fault-tm-1"), person(Role.TEAM_MANAGER, "fault-tm-2")]
    officer = person(Role.NOMINATED_OFFICER, "fault-no")
    child = child_create(
        user=social_worker,
        why="test",
        first_name="Test",
        last_name="Child",
        sex="2",
        la_child_id="FAULT1",
        date_of_birth=datetime.date.today().replace(year=datetime.date.today().year - 15, day=1),
    )
    child_allocate(user=social_worker, why="test", child=child, social_worker=social_worker, iro=iro)
    now = timezone.now()
    episode, _ = episode_open(
        user=social_worker, why="test", child=child, kind="missing", started_at=now - datetime.timedelta(hours=25)
    )
    # As rules.on_episode_risk_graded tells them, three hours ago.
    notify(
        event="risk_high",
        recipients=[(user, Urgency.URGENT) for user in [*managers, officer]],
        subject=HIGH_RISK,
        link=f"/episodes/{episode.pk}/",
        child_id=child.pk,
        related=episode,
        now=now - datetime.timedelta(hours=3),
    )
    return managers, officer


def _drained(timeout: float = 60) -> bool:
    """Nothing due is left waiting or running (clocks set for later, like the 72-hour one, may wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Task.objects.filter(status__in=[Status.QUEUED, Status.RUNNING], run_at__lte=timezone.now()).exists():
            return True
        time.sleep(0.1)
    return False


def test_clocks_due_across_a_kill_each_fire_once_and_every_email_goes_once(clocks_due):
    managers, officer = clocks_due
    worker = {}

    def kill_during(recipient_count: int) -> None:
        if recipient_count == 8:  # the second round of reminders is going out
            os.kill(worker["process"].pid, signal.SIGKILL)

    with smtp_sink(delay=0.05, on_recipient=kill_during) as mailbox:
        worker["process"] = _worker(mailbox)
        assert worker["process"].wait(timeout=60) == -signal.SIGKILL
        # Across the kill: reminders had fired, and clocks of each kind were still due
        # (queued, or claimed by the dead worker and leased to it).
        due = Task.objects.filter(name__in=CLOCKS, run_at__lte=timezone.now())
        assert RENOTIFY_TASK in set(due.filter(status=Status.DONE).values_list("name", flat=True))
        assert set(due.filter(status__in=[Status.QUEUED, Status.RUNNING]).values_list("name", flat=True)) == set(CLOCKS)
        assert not Alert.objects.filter(kind="missing_over_24h").exists()

        second = _worker(mailbox, threads=4)
        try:
            assert _drained(), "the restarted worker left due tasks behind"
            assert mailbox.wait_for(Delivery.objects.count(), timeout=30)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0

    # Exactly one escalation (the two team managers' alerts go up to the one nominated officer, told
    # once) and one missing-over-24-hours alert per team manager; every reminder once.
    escalations = Counter(Alert.objects.filter(kind="escalation").values_list("recipient__username", flat=True))
    assert escalations == {officer.username: 1}
    missing = Counter(Alert.objects.filter(kind="missing_over_24h").values_list("recipient__username", flat=True))
    assert missing == {manager.username: 1 for manager in managers}
    for alert in Alert.objects.filter(kind="risk_high"):
        # The first email and one per reminder (catching up, an alert escalated stops reminding).
        assert alert.renotified_count >= 2 and alert.deliveries.count() == 1 + alert.renotified_count
    assert all(a.escalated_at is not None for a in Alert.objects.filter(kind="risk_high", recipient__in=managers))
    # Every email exactly once, under its delivery's Message-ID; every task that fell due done.
    counts = mailbox.count_by_message_id()
    assert set(counts.values()) == {1} and set(counts) == {d.message_id("127.0.0.1") for d in Delivery.objects.all()}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Task.objects.filter(run_at__lte=timezone.now()).values_list("status", flat=True)) == {Status.DONE}
