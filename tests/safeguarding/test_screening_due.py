"""A screening's reassessment falling due (domain.md: at least every 3 months) is told to the child's
allocated social worker — in their inbox and by email — on the morning it is due; a newer screening
replaces the clock; with no social worker allocated, the team manager is told, and told why."""

import datetime

from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.alerts.selectors import inbox
from homeward.children.services import child_allocate
from homeward.safeguarding import services
from homeward.safeguarding.services import REASSESSMENT_DUE_TASK
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import run_due
from tests.alerts.conftest import with_email
from tests.conftest import make_user

DUE = "An exploitation screening of a child you are responsible for is due for reassessment"
LONDON = timezone.get_default_timezone()


def _screen(world, *, screened_at=None):
    return services.screening_record(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        answers={"staying_out_late": "yes"},
        screened_at=screened_at,
    )


def _morning(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=LONDON)


def test_the_allocated_social_worker_is_told_on_the_morning_the_reassessment_is_due(world, team_manager, smtp):
    worker = with_email(world.social_worker)
    another = with_email(make_user(world.manchester, Role.SOCIAL_WORKER, "another-case-sw"))
    record = _screen(world)
    due = _morning(record.reassess_due)
    run_due(due - datetime.timedelta(minutes=1))
    assert not Alert.objects.filter(kind="screening_reassessment_due").exists()
    run_due(due)
    [alert] = Alert.objects.filter(kind="screening_reassessment_due")
    assert (alert.recipient, alert.subject, alert.created_at) == (worker, DUE, due)
    assert (alert.link, alert.child_id) == (f"/children/{world.child.pk}/screening/", world.child.pk)
    assert inbox(worker).filter(kind="screening_reassessment_due").get() == alert
    run_due(timezone.now())  # the email
    [message] = [m for m in smtp.messages if m.subject == DUE]
    assert message.to == [worker.email] and alert.link in message.body and "Amira" not in message.body
    for user in (team_manager, another):
        assert not inbox(user).filter(kind="screening_reassessment_due").exists()
    run_due(due + datetime.timedelta(days=30))
    assert Alert.objects.filter(kind="screening_reassessment_due").count() == 1  # once


def test_a_new_screening_replaces_the_clock(world):
    first = _screen(world, screened_at=timezone.now() - datetime.timedelta(days=30))
    second = _screen(world)
    [pending] = Task.objects.filter(name=REASSESSMENT_DUE_TASK, status=Status.QUEUED)
    assert pending.args["screening_id"] == second.pk and pending.run_at == _morning(second.reassess_due)
    # One recorded late, behind the newest, changes nothing.
    _screen(world, screened_at=timezone.now() - datetime.timedelta(days=60))
    [pending] = Task.objects.filter(name=REASSESSMENT_DUE_TASK, status=Status.QUEUED)
    assert pending.args["screening_id"] == second.pk
    run_due(_morning(first.reassess_due))
    assert not Alert.objects.filter(kind="screening_reassessment_due").exists()
    run_due(_morning(second.reassess_due))
    assert Alert.objects.filter(kind="screening_reassessment_due").count() == 1


def test_with_no_social_worker_allocated_the_team_manager_is_told_so(world, team_manager):
    child_allocate(user=team_manager, why="test", child=world.child, social_worker=None)
    record = _screen(world)
    run_due(_morning(record.reassess_due))
    [alert] = Alert.objects.filter(kind="screening_reassessment_due")
    assert (alert.recipient, alert.subject) == (team_manager, f"{DUE}: no social worker is allocated")


def test_a_screening_long_overdue_when_recorded_is_told_at_once(world):
    record = _screen(world, screened_at=timezone.now() - datetime.timedelta(days=120))
    assert record.reassess_due < timezone.localdate()
    run_due(timezone.now())
    assert Alert.objects.filter(kind="screening_reassessment_due", recipient=world.social_worker).count() == 1
