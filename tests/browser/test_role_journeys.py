"""Each role's core job end to end in a real browser (issue 11): the journeys `homeward bench
journeys` counts, run on the test world. Each test checks the job's result in the database, that
axe-core found nothing on any page the journey landed on, and, where the issue counted the steps
before, that the journey now takes fewer."""

import datetime

import pytest
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.alerts.models import Alert, Urgency
from homeward.benchmarks import journeys
from homeward.benchmarks.journeys_bench import BASELINE_STEPS
from homeward.episodes import services
from homeward.episodes.models import Episode, InterviewStatus, PhilomenaProfile, ReturnHow, RiskGrade
from tests.browser.conftest import PASSWORD
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def _person(browser_helpers, user) -> journeys.Person:
    device = browser_helpers.ready_to_sign_in(user)
    return journeys.Person(user.username, PASSWORD, journeys.authenticator(device))


def _reported(world, child, *, hours_ago: int = 2) -> Episode:
    # Reported by the home a while ago: a return recorded now follows the report (no confirmation asked).
    episode, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=child.pk,
        kind="missing",
        last_seen_at=_ago(hours=hours_ago + 1),
        reported_at=_ago(hours=hours_ago),
        last_seen_location=journeys.LAST_SEEN,
    )
    return episode


@pytest.fixture
def interview_service(world) -> Agency:
    service = Agency.objects.create(
        code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester return interviews"
    )
    services.return_interview_commission_set(council=world.manchester, service=service)
    return service


def _clean(result: journeys.Result, problems) -> None:
    assert result.violations == [], "\n".join(result.violations)
    assert problems.items == []


def test_provider_staff_report_a_child_missing_with_part_a(world, open_page, browser_helpers):
    person = _person(browser_helpers, world.provider_staff)
    page, problems = open_page()

    result = journeys.run(page, journeys.provider_staff, person=person, child_name="Amira Okafor")

    episode = Episode.objects.get(child=world.child)
    assert (episode.kind, episode.last_seen_location, episode.clothing) == (
        "missing",
        journeys.LAST_SEEN,
        journeys.CLOTHING,
    )
    profile = PhilomenaProfile.objects.get(child=world.child)
    assert {essential.name: getattr(profile, essential.name) for essential in journeys.PART_A} == {
        essential.name: essential.text for essential in journeys.PART_A
    }
    assert result.steps < BASELINE_STEPS["provider_staff"]
    assert "/sign-in/" in result.checked and f"/children/{world.child.pk}/report-missing/" in result.checked
    _clean(result, problems)


def test_a_police_coordinator_grades_the_new_report_and_adds_the_reference(world, open_page, browser_helpers):
    episode = _reported(world, world.child)
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    person = _person(browser_helpers, coordinator)
    page, problems = open_page()

    result = journeys.run(
        page, journeys.police_coordinator, person=person, child_name="Amira Okafor", reference="20/4417/26"
    )

    episode.refresh_from_db()
    assert episode.risk_grade == RiskGrade.HIGH
    assert list(episode.police_references.values_list("force", "reference")) == [
        (world.west_midlands_police.pk, "20/4417/26")
    ]
    assert "/board/" in result.checked
    _clean(result, problems)


def test_a_social_worker_acknowledges_the_alert_and_records_the_return(
    world, interview_service, open_page, browser_helpers
):
    episode = _reported(world, world.child)
    person = _person(browser_helpers, world.social_worker)
    page, problems = open_page()

    result = journeys.run(page, journeys.social_worker, person=person, child_name="Amira Okafor")

    alert = Alert.objects.get(recipient=world.social_worker, kind="episode_opened", related_id=episode.pk)
    assert alert.acknowledged_at is not None and alert.read_at is not None
    episode.refresh_from_db()
    assert episode.returned_at is not None and episode.return_how == ReturnHow.CARER
    assert episode.return_interview.service == interview_service
    _clean(result, problems)


def test_an_interview_worker_records_the_interview_as_held(world, interview_service, open_page, browser_helpers):
    worker = make_user(interview_service, Role.RHI_WORKER)
    episode = _reported(world, world.child, hours_ago=48)
    services.episode_record_return(user=world.social_worker, why="test", episode=episode, returned_at=_ago(hours=20))
    services.return_interview_update(
        user=worker, why="test", episode=episode, status=InterviewStatus.OFFERED, offered_at=_ago(hours=19)
    )
    person = _person(browser_helpers, worker)
    page, problems = open_page()

    result = journeys.run(
        page, journeys.interview_worker, person=person, child_name="Amira Okafor", held_by="Sam Ortiz, Safe Return"
    )

    interview = Episode.objects.get(pk=episode.pk).return_interview
    assert (interview.status, interview.held_by, interview.held_by_independent) == (
        InterviewStatus.COMPLETED,
        "Sam Ortiz, Safe Return",
        True,
    )
    assert (interview.child_words, interview.why_went) == (journeys.INTERVIEW["words"], journeys.INTERVIEW["why"])
    assert result.steps < BASELINE_STEPS["interview_worker"]
    _clean(result, problems)


def test_a_team_manager_sees_the_work_due_and_acknowledges_the_high_risk_alert(
    world, interview_service, open_page, browser_helpers
):
    manager = make_user(world.manchester, Role.TEAM_MANAGER)
    # Jayden came back five days ago: his return interview was due within 72 hours and is not done.
    earlier, _ = services.episode_open(
        user=world.social_worker, why="test", child=world.child_at_home.pk, kind="missing", started_at=_ago(days=6)
    )
    services.episode_record_return(user=world.social_worker, why="test", episode=earlier, returned_at=_ago(days=5))
    episode = _reported(world, world.child)
    services.episode_grade_risk(
        user=world.police_officer, why="test", episode=episode, risk_grade=RiskGrade.HIGH, source="Call from Oak House"
    )
    person = _person(browser_helpers, manager)
    page, problems = open_page()

    result = journeys.run(
        page, journeys.team_manager, person=person, child_name="Amira Okafor", overdue_name="Jayden Walsh"
    )

    alert = Alert.objects.get(recipient=manager, urgency=Urgency.URGENT, related_id=episode.pk)
    assert alert.acknowledged_at is not None and alert.read_at is not None
    _clean(result, problems)
