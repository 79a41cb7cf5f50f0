"""An urgent alert nobody acknowledges is sent again, then goes up the line; acknowledging stops it.
Time is advanced by running the clocks at a later `now`, never by sleeping."""

import datetime

import pytest
from django.utils import timezone

from homeward.alerts.models import Alert, Delivery, NotificationSettings, Urgency
from homeward.alerts.selectors import inbox
from homeward.alerts.services import alert_acknowledge, notify
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import run_due

MISSING = "A child you are responsible for has been reported missing"


def minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@pytest.fixture
def t0():
    return timezone.now()


def _urgent(world, recipients, now, related=("episodes.episode", 7)):
    return notify(
        event="risk_high",
        recipients=[(user, Urgency.URGENT) for user in recipients],
        subject=MISSING,
        link=f"/children/{world.child.pk}/",
        child_id=world.child.pk,
        related=related,
        now=now,
    )


def _to(smtp, user) -> list[str]:
    return [m.subject for m in smtp.messages if m.to == [user.email]]


def test_it_is_re_notified_every_15_minutes_then_escalated_to_the_team_manager_at_60(world, people, smtp, t0):
    [alert] = _urgent(world, [people.social_worker], t0)
    run_due(t0)
    assert _to(smtp, people.social_worker) == [f"Urgent: {MISSING}"]

    assert run_due(t0 + minutes(14)) == 0
    run_due(t0 + minutes(15))
    alert.refresh_from_db()
    assert alert.renotified_count == 1 and alert.escalated_at is None
    assert _to(smtp, people.social_worker)[-1] == f"Urgent: Reminder: {MISSING}"

    run_due(t0 + minutes(59))
    alert.refresh_from_db()
    assert alert.renotified_count == 3  # at 15, 30 and 45 minutes
    assert not inbox(people.team_manager).exists()

    run_due(t0 + minutes(60))
    alert.refresh_from_db()
    assert alert.escalated_at is not None
    [escalation] = inbox(people.team_manager)
    assert (escalation.kind, escalation.urgency, escalation.escalated_from) == ("escalation", Urgency.URGENT, alert)
    assert (escalation.link, escalation.child_id) == (alert.link, alert.child_id)
    assert _to(smtp, people.team_manager) == [f"Urgent: Not acknowledged within 60 minutes: {MISSING}"]
    assert len(_to(smtp, people.social_worker)) == 4
    # Nobody else yet: not the nominated officer, not other agencies.
    assert {m.to[0] for m in smtp.messages} == {people.social_worker.email, people.team_manager.email}


def test_an_escalation_nobody_acknowledges_goes_on_to_the_nominated_officer(world, people, smtp, t0):
    _urgent(world, [people.social_worker], t0)
    run_due(t0 + minutes(60))
    assert not inbox(people.nominated_officer).exists()
    run_due(t0 + minutes(120))
    [top] = inbox(people.nominated_officer)
    assert top.escalated_from.recipient == people.team_manager
    assert len(_to(smtp, people.nominated_officer)) == 1
    # The nominated officer is the top of the line: their alert reminds them but goes no higher.
    run_due(t0 + minutes(600))
    top.refresh_from_db()
    assert top.renotified_count == 3 and top.escalated_at is None
    assert Alert.objects.count() == 3


def test_acknowledging_stops_the_reminders_and_the_escalation(world, people, smtp, t0):
    [alert] = _urgent(world, [people.social_worker], t0)
    run_due(t0 + minutes(20))
    alert_acknowledge(user=people.social_worker, alert_id=alert.pk, why="test")
    assert not Task.objects.filter(status=Status.QUEUED).exists()  # both clocks cancelled
    run_due(t0 + minutes(600))
    alert.refresh_from_db()
    assert (alert.renotified_count, alert.escalated_at) == (1, None)
    assert not inbox(people.team_manager).exists()
    assert len(_to(smtp, people.social_worker)) == 2


def test_a_clock_that_fires_after_acknowledgement_does_nothing(world, people, t0):
    [alert] = _urgent(world, [people.social_worker], t0)
    Alert.objects.filter(pk=alert.pk).update(acknowledged_at=t0)  # as if acknowledged while the clock ran
    run_due(t0 + minutes(600))
    alert.refresh_from_db()
    assert (alert.renotified_count, alert.escalated_at) == (0, None)
    assert Alert.objects.count() == 1 and Delivery.objects.count() == 1


def test_a_normal_alert_has_no_clocks(world, people, t0):
    notify(
        event="placed_in_area",
        recipients=[(people.host_coordinator, Urgency.NORMAL)],
        subject="A child has been placed in your area",
        link="/children/",
        now=t0,
    )
    assert list(Task.objects.values_list("name", flat=True)) == ["homeward.alerts.tasks.email_send"]


def test_a_council_sets_its_own_times(world, people, smtp, t0):
    NotificationSettings.objects.create(
        authority=world.manchester, urgent_renotify_minutes=5, urgent_escalate_minutes=10
    )
    [alert] = _urgent(world, [people.social_worker], t0)
    run_due(t0 + minutes(9))
    alert.refresh_from_db()
    assert (alert.renotified_count, alert.escalated_at) == (1, None)
    run_due(t0 + minutes(10))
    assert inbox(people.team_manager).get().subject == f"Not acknowledged within 10 minutes: {MISSING}"


def test_a_manager_gets_one_escalation_for_one_record_however_many_of_the_team_missed_it(world, people, smtp, t0):
    _urgent(world, [people.social_worker, people.coordinator], t0)
    run_due(t0 + minutes(60))
    assert inbox(people.team_manager).count() == 1
    assert Alert.objects.filter(escalated_at__isnull=False).count() == 2


def test_an_iro_escalates_to_the_nominated_officer(world, people, t0):
    _urgent(world, [people.iro], t0)
    run_due(t0 + minutes(60))
    assert inbox(people.nominated_officer).count() == 1
    assert not inbox(people.team_manager).exists()
