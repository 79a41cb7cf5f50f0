"""Each role's home page: what it can do here, and counts that come from the scoped selectors."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.services import notify
from homeward.episodes import services as episodes
from tests.conftest import make_user


def _home(web, user) -> str:
    client = Client()
    web.force_sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str) -> int | None:
    match = re.search(r'data-testid="children-count">(\d+)<', html)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize(
    ("who", "count", "heading"),
    [
        ("social_worker", 3, "Children your council looks after, or who are placed in your area"),
        ("host_coordinator", 1, "Children your council looks after, or who are placed in your area"),
        ("unrelated_social_worker", 1, "Children your council looks after, or who are placed in your area"),
        ("police_officer", 1, "Children placed in your force&#x27;s area, or last known to be there while missing"),
        ("gmp_officer", 2, "Children placed in your force&#x27;s area, or last known to be there while missing"),
        ("provider_staff", 1, "Children in your placements"),
        ("inspector", 3, "Children in the authority you are inspecting"),
    ],
)
def test_the_home_page_counts_what_the_person_can_see(world, web, who, count, heading):
    html = _home(web, getattr(world, who))
    assert _count(html) == count
    assert heading in html
    assert 'href="/children/"' in html


def test_the_header_names_the_person_their_role_and_agency(world, web):
    html = _home(web, world.social_worker)
    assert "Signed in as" in html and "Social worker" in html and "Manchester" in html
    assert 'action="/sign-out/"' in html


def test_the_inspector_sees_their_grant_and_an_expired_one_sees_nothing(world, web):
    html = _home(web, world.inspector)
    assert "read-only access" in html and "Manchester" in html
    expired = _home(web, world.expired_inspector)
    assert "You have no current access" in expired
    assert _count(expired) == 0


def test_the_national_analyst_sees_no_children_at_all(world, web):
    html = _home(web, world.national_analyst)
    assert "pseudonymised, aggregated figures only" in html
    assert _count(html) is None
    assert 'href="/children/"' not in html


def test_a_return_interview_worker_is_told_what_the_service_does(world, web):
    rhi = Agency.objects.create(code="RHI-TEST", kind=AgencyKind.RHI, name="Test return interviews")
    user = User.objects.create(username="rhi", agency=rhi, role=Role.RHI_WORKER)
    html = _home(web, user)
    assert "return home interviews" in html
    assert "Children appear here when a council refers them to your service" in html


# ---------------------------------------------------------------------------------------------
# A home page per role: what the role is there to do first
# ---------------------------------------------------------------------------------------------


def _sections(html: str) -> list[str]:
    return re.findall(r'<section data-testid="home-([a-z-]+)">', html)


def _section(html: str, name: str) -> str:
    match = re.search(rf'<section data-testid="home-{name}">(.*?)</section>', html, re.S)
    assert match, f"no {name} section"
    return match.group(1)


def _missing(world, child=None, *, grade: str | None = None, hours: int = 3):
    episode, _ = episodes.episode_open(
        user=world.provider_staff if child is None else world.social_worker,
        why="test",
        child=(child or world.child).pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=hours),
    )
    if grade:
        police = world.police_officer if child is None else world.gmp_officer
        episodes.episode_grade_risk(
            user=police, why="test", episode=episode.pk, risk_grade=grade, source="Call from the home"
        )
    return episode


def test_two_roles_of_one_council_get_different_pages(world, web):
    pages = {
        role: _sections(_home(web, make_user(world.manchester, role)))
        for role in (Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.IRO, Role.ANALYST)
    }
    pages[Role.SOCIAL_WORKER] = _sections(_home(web, world.social_worker))
    assert pages == {
        Role.SOCIAL_WORKER: ["missing-now"],
        Role.TEAM_MANAGER: ["high-risk", "interviews"],
        Role.MISSING_COORDINATOR: ["missing-now", "interviews"],
        Role.NOMINATED_OFFICER: ["escalations", "high-risk"],
        Role.IRO: ["screenings-due"],
        Role.ANALYST: ["counts"],
    }


def test_the_team_manager_sees_the_councils_high_risk_episodes(world, web):
    _missing(world, grade="high")  # Amira, Manchester's child in Birmingham
    _missing(world, world.child_at_home, grade="medium")  # Jayden
    html = _home(web, make_user(world.manchester, Role.TEAM_MANAGER))
    high = _section(html, "high-risk")
    assert "Amira Okafor" in high and "High risk" in high and "Jayden" not in high
    # The host council's coordinator sees the child placed in its area as missing; Leeds sees nothing.
    assert "Amira Okafor" in _section(_home(web, world.host_coordinator), "missing-now")
    assert "Okafor" not in _home(web, make_user(world.leeds, Role.TEAM_MANAGER))


def test_the_police_officer_and_the_coordinator_get_different_pages(world, web):
    _missing(world)  # reported by the home, not yet graded
    officer = _home(web, world.police_officer)
    coordinator = _home(web, make_user(world.west_midlands_police, Role.POLICE_COORDINATOR))
    assert _sections(officer) == ["missing-now"] and "Amira Okafor" in _section(officer, "missing-now")
    assert _sections(coordinator) == ["needs-grading", "high-risk"]
    assert "Amira Okafor" in _section(coordinator, "needs-grading") and "Not graded" in _section(
        coordinator, "needs-grading"
    )


def test_provider_staff_and_the_registered_manager_get_different_pages(world, web):
    service = Agency.objects.create(code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester RHI")
    episodes.return_interview_commission_set(council=world.manchester, service=service)
    episode = _missing(world, hours=30)
    episodes.episode_record_return(
        user=world.provider_staff,
        why="test",
        episode=episode.pk,
        returned_at=timezone.now() - datetime.timedelta(hours=2),
    )
    staff = _home(web, world.provider_staff)
    manager = _home(web, make_user(world.provider, Role.PROVIDER_MANAGER))
    assert _sections(staff) == ["missing-now"]
    assert _sections(manager) == ["interviews", "missing-now"] and "Amira Okafor" in _section(manager, "interviews")
    # The return interview service's worker has the interview to hold.
    rhi = _home(web, User.objects.create(username="rhi-worker", agency=service, role=Role.RHI_WORKER))
    assert _sections(rhi) == ["interviews"] and "Amira Okafor" in _section(rhi, "interviews")


def test_the_nominated_officer_sees_what_was_escalated_to_them(world, web):
    officer = make_user(world.manchester, Role.NOMINATED_OFFICER)
    [first] = notify(
        event="episode_opened",
        recipients=[(world.social_worker, "urgent")],
        subject="A child has been reported missing",
        link="/",
        child_id=world.child.pk,
    )
    notify(
        event="escalation",
        recipients=[(officer, "urgent")],
        subject="Not acknowledged in time: a child has been reported missing",
        link="/",
        child_id=world.child.pk,
        escalated_from=first,
    )
    html = _section(_home(web, officer), "escalations")
    assert "Not acknowledged in time" in html
    assert "Not acknowledged in time" not in _home(web, world.social_worker)


def test_the_analyst_sees_figures_and_no_child(world, web):
    _missing(world)
    html = _home(web, make_user(world.manchester, Role.ANALYST))
    figures = [int(n) for n in re.findall(r'data-testid="count">(\d+)<', html)]
    assert figures == [3, 0, 1, 1]  # looked after, placed here by others, missing now, episodes this year
    assert "Okafor" not in html and _count(html) is None


def test_a_home_managers_interviews_come_due_soonest_first_with_the_overdue_counted_apart(web, world):
    """Issue 11, the next job first: Amira's interview from last week is overdue; today's is not."""
    from tests.episodes.conftest import commission_return_interview_services

    commission_return_interview_services(world)
    now = timezone.now()
    for went, back in (
        (now - datetime.timedelta(days=6), now - datetime.timedelta(days=5)),
        (now - datetime.timedelta(hours=5), now - datetime.timedelta(hours=1)),
    ):
        episode, _ = episodes.episode_open(
            user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=went
        )
        episodes.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=back)
    html = _home(web, make_user(world.provider, Role.PROVIDER_MANAGER))
    section = html[html.index('data-testid="home-interviews"') :]
    section = section[: section.index("</section>")]
    assert section.count("<li>") == 1 and "Overdue</strong>" not in section.split("</ul>")[0]
    assert '<strong class="govuk-tag govuk-tag--red">1 overdue</strong>' in section
