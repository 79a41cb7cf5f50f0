"""Each role's home page: what it can do here, and counts that come from the scoped selectors."""

import re

import pytest
from django.test import Client

from homeward.agencies.models import Agency, AgencyKind, Role, User


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
