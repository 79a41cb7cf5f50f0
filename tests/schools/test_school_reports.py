"""A school reports a looked-after pupil not in school and not where expected (issue 18): the carer
and the council are told at once; either says missing, away or accounted for; an episode confirmed
starts from the school's time, so the first sign is not lost between agencies."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.audit.models import Action, AuditEvent
from homeward.episodes.models import Episode
from homeward.schools.models import Outcome
from homeward.schools.services import school_report_absence, school_report_answer
from tests.conftest import make_user
from tests.partners import partners  # noqa: F401
from tests.support import sign_in


def _registration(hours_ago: int = 3) -> datetime.datetime:
    return (timezone.now() - datetime.timedelta(hours=hours_ago)).replace(second=0, microsecond=0)


def _report(world, partners, **kwargs):
    values = {"last_seen_at": _registration(), "details": "Not at registration; her carer's phone rang out"} | kwargs
    return school_report_absence(user=partners.school_lead, why="test", child=world.child.pk, **values)


@pytest.fixture
def coordinator(world):
    return make_user(world.manchester, Role.MISSING_COORDINATOR)


def test_a_report_tells_the_carer_and_the_council_at_once(world, partners, coordinator):
    manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    report = _report(world, partners)
    told = set(Alert.objects.filter(kind="school_report").values_list("recipient", flat=True))
    assert told == {world.provider_staff.pk, manager.pk, world.social_worker.pk, coordinator.pk}
    assert all(
        a.urgency == "urgent" and a.link == f"/school-reports/{report.pk}/"
        for a in Alert.objects.filter(kind="school_report")
    )
    assert not Alert.objects.filter(kind="school_report", subject__icontains="Amira").exists()
    assert AuditEvent.objects.filter(
        object_type="school_report", action=Action.CREATE, child_id=world.child.pk
    ).exists()


def test_confirmed_missing_opens_the_episode_from_the_schools_time(world, partners):
    seen = _registration(hours_ago=5)
    report = _report(world, partners, last_seen_at=seen)
    answered = school_report_answer(user=world.provider_staff, why="test", report=report.pk, outcome="missing")
    episode = Episode.objects.get(child=world.child)
    assert answered.episode == episode and answered.outcome == Outcome.MISSING
    assert (episode.kind, episode.started_at, episode.last_seen_at) == ("missing", seen, seen)
    assert episode.reported_at == report.reported_at  # the first report was the school's
    assert episode.reporting_agency == world.provider and "Digbeth Academy" in episode.last_seen_location
    # The school hears the answer, and the usual people are told of the episode.
    assert Alert.objects.filter(kind="school_report_answered", recipient=partners.school_lead).count() == 1
    assert Alert.objects.filter(kind="episode_opened", recipient=world.social_worker).exists()


def test_the_council_can_confirm_the_child_away(world, partners):
    report = _report(world, partners)
    school_report_answer(
        user=world.social_worker, why="test", report=report.pk, outcome="away", note="At her boyfriend's flat"
    )
    assert Episode.objects.get(child=world.child).kind == "away"


def test_accounted_for_opens_no_episode_and_needs_a_note(world, partners):
    report = _report(world, partners)
    with pytest.raises(ValidationError) as error:
        school_report_answer(user=world.provider_staff, why="test", report=report.pk, outcome="accounted_for")
    assert "note" in error.value.message_dict
    school_report_answer(
        user=world.provider_staff, why="test", report=report.pk, outcome="accounted_for", note="At the dentist with me"
    )
    assert not Episode.objects.filter(child=world.child).exists()
    with pytest.raises(ValidationError) as error:
        school_report_answer(user=world.social_worker, why="test", report=report.pk, outcome="missing")
    assert "outcome" in error.value.message_dict


def test_only_the_childs_school_reports_and_only_its_lead(world, partners):
    with pytest.raises(ValidationError) as error:
        school_report_absence(
            user=partners.leeds_school_lead, why="test", child=world.child.pk, last_seen_at=_registration(), details="x"
        )
    assert error.value.message_dict == {"child": ["No such child on your school's roll."]}
    with pytest.raises(PermissionDenied):
        school_report_absence(
            user=partners.virtual_school_head,
            why="test",
            child=world.child.pk,
            last_seen_at=_registration(),
            details="x",
        )
    # Kacper has left the school's roll.
    with pytest.raises(ValidationError):
        school_report_absence(
            user=partners.school_lead, why="test", child=world.moved_child.pk, last_seen_at=_registration(), details="x"
        )


def test_the_school_cannot_answer_its_own_report_nor_can_the_host_council(world, partners):
    report = _report(world, partners)
    with pytest.raises(PermissionDenied):
        school_report_answer(user=partners.school_lead, why="test", report=report.pk, outcome="missing")
    # Others who see the child but not the report are not told it exists.
    for user in (world.host_coordinator, partners.nurse):
        with pytest.raises(Http404):
            school_report_answer(user=user, why="test", report=report.pk, outcome="missing")
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("last_seen_at", {"last_seen_at": timezone.now() + datetime.timedelta(hours=2)}),
        ("last_seen_at", {"last_seen_at": timezone.now() - datetime.timedelta(days=9)}),
        ("details", {"details": "  "}),
    ],
)
def test_bad_input_is_refused_naming_the_field(world, partners, field, kwargs):
    with pytest.raises(ValidationError) as error:
        _report(world, partners, **kwargs)
    assert field in error.value.message_dict


def test_one_report_awaits_an_answer_at_a_time_and_none_while_missing(world, partners):
    report = _report(world, partners)
    with pytest.raises(ValidationError) as error:
        _report(world, partners)
    assert "already awaiting" in error.value.message_dict["child"][0]
    school_report_answer(user=world.provider_staff, why="test", report=report.pk, outcome="missing")
    with pytest.raises(ValidationError) as error:
        _report(world, partners)
    assert "already recorded as missing" in error.value.message_dict["child"][0]


def test_the_report_page_is_for_the_school_and_those_who_answer(world, partners):
    report = _report(world, partners)
    path = f"/school-reports/{report.pk}/"
    for user, status in (
        (partners.school_lead, 200),
        (world.provider_staff, 200),
        (world.social_worker, 200),
        (partners.leeds_school_lead, 404),
        (world.unrelated_social_worker, 404),
        (world.police_officer, 404),
    ):
        client = Client()
        sign_in(client, user)
        assert client.get(path).status_code == status, user.username
    assert AuditEvent.objects.filter(
        object_type="school_report", action=Action.DENIED, username=world.police_officer.username
    ).exists()
