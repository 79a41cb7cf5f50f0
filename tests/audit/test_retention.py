"""Retention (issue 10): a child's record erased after the statutory period (the 75th birthday), with
everything attached to it and its photo; the audit log kept, and the erasure entered in it."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.audit.models import Action, AuditEvent
from homeward.audit.retention import child_erase, retention_due
from homeward.audit.services import audit_check
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode, PhilomenaProfile, ReturnInterview
from homeward.episodes.services import (
    episode_add_update,
    episode_grade_risk,
    episode_open,
    episode_record_return,
    philomena_profile_save,
)
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_report_submit
from homeward.safeguarding.services import risk_flags_evaluate
from tests.conftest import make_user
from tests.episodes.conftest import commission_return_interview_services
from tests.episodes.test_philomena import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def _whole_record(world, django_capture_on_commit_callbacks) -> None:
    """Amira's record with something in every part: two episodes, a grade, a note, a return and its
    interview, a profile with a photo, flags, and a police report identified as her."""
    commission_return_interview_services(world)
    now = timezone.now()
    for went, back in (
        (now - datetime.timedelta(days=20), now - datetime.timedelta(days=19)),
        (now - datetime.timedelta(days=9), now - datetime.timedelta(days=8)),
    ):
        episode, _ = episode_open(
            user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=went
        )
        episode_grade_risk(
            user=world.police_officer, why="test", episode=episode, risk_grade="medium", source="Call from staff"
        )
        episode_add_update(user=world.provider_staff, why="test", episode=episode, kind="note", text="Called her phone")
        episode_record_return(
            user=world.provider_staff, why="test", episode=episode, returned_at=back, how="own_accord"
        )
    with django_capture_on_commit_callbacks(execute=True):
        philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child,
            description="5ft 4",
            photo=SimpleUploadedFile("amira.png", PNG, content_type="image/png"),
        )
    risk_flags_evaluate(child=world.child.pk)
    force = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    report, _ = police_report_submit(
        user=force,
        why="test",
        data={
            "reference": "WM/1",
            "first_name": "Amira",
            "last_name": "Okafor",
            "date_of_birth": str(world.child.date_of_birth),
            "reported_at": (now - datetime.timedelta(days=9)).isoformat(),
        },
    )
    PoliceReport.objects.filter(pk=report.pk).update(child=world.child)


def test_a_record_past_the_75th_birthday_goes_whole_and_the_audit_log_stays(
    world, private_media, django_capture_on_commit_callbacks
) -> None:
    _whole_record(world, django_capture_on_commit_callbacks)
    photo_path = Path(PhilomenaProfile.objects.get(child=world.child).photo.path)
    assert photo_path.exists()
    Child.objects.filter(pk=world.child.pk).update(date_of_birth=_years_ago(75, days=1))
    about_her = AuditEvent.objects.filter(child_id=world.child.pk).count()
    assert about_her > 0

    listed = StringIO()
    call_command("retention", stdout=listed)
    assert "due\t1 children's records" in listed.getvalue() and "Nothing erased" in listed.getvalue()
    assert Child.objects.filter(pk=world.child.pk).exists()

    printed = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "--apply", stdout=printed, stderr=StringIO())

    assert not Child.objects.filter(pk=world.child.pk).exists()
    for model in (Episode, Placement, PhilomenaProfile, PoliceReport):
        assert not model.objects.filter(child_id=world.child.pk).exists(), model.__name__
    assert not ReturnInterview.objects.filter(episode__child_id=world.child.pk).exists()
    assert not photo_path.exists()
    # The others are untouched.
    assert Child.objects.filter(pk__in=[world.leeds_child.pk, world.moved_child.pk]).count() == 2
    # The audit log keeps every entry about her, adds the erasure (naming no one), and still verifies.
    assert AuditEvent.objects.filter(child_id=world.child.pk).count() == about_her + 1
    erased = AuditEvent.objects.get(child_id=world.child.pk, action=Action.DELETE, object_type="child")
    assert erased.username == "system" and "Amira" not in str(erased.detail) and "Okafor" not in str(erased.detail)
    assert erased.detail["rows"]["episodes.Episode"] == 2
    assert audit_check().problems == []
    assert "erased\tepisodes.Episode\t2" in printed.getvalue(), printed.getvalue()


def test_a_day_short_of_the_75th_birthday_nothing_is_due(world) -> None:
    Child.objects.filter(pk=world.child.pk).update(date_of_birth=_years_ago(75, days=-1))
    assert not retention_due(on=timezone.localdate()).exists()
    with pytest.raises(ValueError, match="not due"):
        child_erase(child_id=world.child.pk, on=timezone.localdate())


def test_a_child_missing_now_is_never_erased(world) -> None:
    episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=timezone.now() - datetime.timedelta(hours=3),
    )
    Child.objects.filter(pk=world.child.pk).update(date_of_birth=_years_ago(80))
    assert list(retention_due(on=timezone.localdate())) == []
    with pytest.raises(ValueError, match="not due"):
        child_erase(child_id=world.child.pk, on=timezone.localdate())
    assert Child.objects.filter(pk=world.child.pk).exists()
