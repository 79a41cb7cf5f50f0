"""The inbox: the user's own alerts, unread first, scoped by the access function; reading and
acknowledging (audited when it concerns a child)."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from homeward.alerts.models import Urgency
from homeward.alerts.selectors import inbox, unread_count
from homeward.alerts.services import alert_acknowledge, alert_mark_read, notify
from homeward.audit.models import AuditEvent


def _alert(user, *, child=None, at=None, urgency=Urgency.NORMAL, event="episode_opened"):
    [alert] = notify(
        event=event,
        recipients=[(user, urgency)],
        subject="A child you are responsible for has been reported missing",
        link=f"/children/{child.pk}/" if child else "/",
        child_id=child.pk if child else None,
        now=at,
    )
    return alert


def test_it_lists_unread_first_then_newest(world, people):
    now = timezone.now()
    old_unread = _alert(people.social_worker, child=world.child, at=now - datetime.timedelta(hours=2))
    read = _alert(people.social_worker, child=world.child, at=now - datetime.timedelta(hours=1))
    new_unread = _alert(people.social_worker, child=world.child, at=now)
    alert_mark_read(user=people.social_worker, alert_id=read.pk)
    assert list(inbox(people.social_worker)) == [new_unread, old_unread, read]
    assert unread_count(people.social_worker) == 2


def test_it_holds_only_the_users_own_alerts(world, people):
    _alert(people.social_worker, child=world.child)
    assert unread_count(people.coordinator) == 0 and not inbox(people.coordinator).exists()
    assert unread_count(people.unrelated) == 0


def test_an_alert_about_a_child_the_user_can_no_longer_see_drops_out(world, people):
    # The host council saw this child while it lived in Birmingham; it moved back to Manchester.
    _alert(people.host_coordinator, child=world.moved_child)
    kept = _alert(people.host_coordinator, child=world.child)
    assert list(inbox(people.host_coordinator)) == [kept]
    assert unread_count(people.host_coordinator) == 1


def test_an_alert_about_no_child_is_always_shown(world, people):
    alert = _alert(people.team_manager)
    assert list(inbox(people.team_manager)) == [alert]


def test_acknowledging_marks_it_read_and_is_audited(world, people):
    alert = _alert(people.social_worker, child=world.child, urgency=Urgency.URGENT)
    acknowledged = alert_acknowledge(user=people.social_worker, alert_id=alert.pk, why="test:ack")
    assert acknowledged.acknowledged_at is not None and acknowledged.read_at is not None
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id, event.child_id, event.why) == (
        "update",
        "alert",
        str(alert.pk),
        world.child.pk,
        "test:ack",
    )
    assert unread_count(people.social_worker) == 0
    # Acknowledging twice changes nothing and records nothing more.
    alert_acknowledge(user=people.social_worker, alert_id=alert.pk, why="test:ack")
    assert AuditEvent.objects.latest("id") == event


def test_nobody_can_read_or_acknowledge_someone_elses_alert(world, people):
    alert = _alert(people.social_worker, child=world.child)
    for act in (alert_mark_read, lambda **kw: alert_acknowledge(why="test", **kw)):
        with pytest.raises(Http404):
            act(user=people.coordinator, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.read_at is None and alert.acknowledged_at is None
