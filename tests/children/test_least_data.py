"""Least data per reason on the child's API record and page (agencies.fields): each reader gets the
parts of the record their reasons need, and a council's performance analyst gets figures, not cases."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from homeward.agencies.models import ApiToken, Role, hash_token
from homeward.audit.models import Action, AuditEvent
from homeward.children.models import Child
from tests.conftest import make_user
from tests.support import sign_in

UPN = "K999123412001"
NHS_NUMBER_SHOWN = "999 000 0018"


@pytest.fixture
def world(world):
    # Test data: the world's child is given a pupil number too, so both identifiers can be looked for.
    Child.objects.filter(pk=world.child.pk).update(upn=UPN)
    return world


@pytest.fixture
def analyst(world):
    return make_user(world.manchester, Role.ANALYST)


def _api(user) -> APIClient:
    raw = f"hw_test-{user.pk}"
    ApiToken.objects.get_or_create(user=user, key_hash=hash_token(raw), defaults={"prefix": raw[3:11]})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _page(user, path: str) -> str:
    client = Client()
    sign_in(client, user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_police_of_the_placement_area_get_no_identifiers_or_family_home_from_the_api(world):
    record = _api(world.police_officer).get(f"/api/v1/children/{world.child.pk}/").json()
    assert record["first_name"] == "Amira" and record["date_of_birth"]
    assert "nhs_number" not in record and "upn" not in record
    [placement] = record["placements"]
    assert placement["placement_postcode"] == "B1 1AA"
    assert "home_postcode" not in placement


def test_the_responsible_council_still_gets_the_whole_record_from_the_api(world):
    record = _api(world.social_worker).get(f"/api/v1/children/{world.moved_child.pk}/").json()
    assert "nhs_number" in record
    child = _api(world.social_worker).get(f"/api/v1/children/{world.child.pk}/").json()
    assert (child["nhs_number"], child["upn"]) == ("9990000018", UPN)
    assert [p["placement_type"] for p in record["placements"]] == ["U4", "K2"]
    assert {p["home_postcode"] for p in record["placements"]} == {"M1 1AE"}


def test_the_police_see_the_current_placement_not_the_history(world):
    # Manchester's force covers the foster placement the moved child has lived in for a month.
    record = _api(world.gmp_officer).get(f"/api/v1/children/{world.moved_child.pk}/").json()
    assert [p["placement_type"] for p in record["placements"]] == ["U4"]
    listed = _api(world.gmp_officer).get("/api/v1/children/").json()["results"]
    moved = next(c for c in listed if c["id"] == world.moved_child.pk)
    assert [p["placement_type"] for p in moved["placements"]] == ["U4"]
    assert all("nhs_number" not in c and "upn" not in c for c in listed)


def test_the_police_page_shows_who_and_where_but_no_identifiers(world):
    html = _page(world.police_officer, f"/children/{world.child.pk}/")
    for text in ["Amira Okafor", "Oak House", "B1 1AA"]:
        assert text in html, text
    for text in [NHS_NUMBER_SHOWN, "NHS number", UPN, "Unique pupil number", "Previous placements"]:
        assert text not in html, text


def test_the_police_page_leaves_out_placements_that_have_ended(world):
    html = _page(world.gmp_officer, f"/children/{world.moved_child.pk}/")
    assert "Foster care (long term)" in html
    assert "Oak House" not in html and "Previous placements" not in html


def test_an_inspector_sees_the_placement_history_but_not_the_identifiers(world):
    html = _page(world.inspector, f"/children/{world.moved_child.pk}/")
    assert "Previous placements" in html and "Oak House" in html
    child = _page(world.inspector, f"/children/{world.child.pk}/")
    assert NHS_NUMBER_SHOWN not in child and UPN not in child


def test_the_responsible_council_page_shows_everything(world):
    html = _page(world.social_worker, f"/children/{world.child.pk}/")
    for text in ["Amira Okafor", NHS_NUMBER_SHOWN, UPN, "Previous placements", "B1 1AA"]:
        assert text in html, text


def test_a_performance_analyst_gets_figures_not_cases(world, analyst):
    listed = _api(analyst).get("/api/v1/children/").json()
    assert listed["count"] == 3
    assert all(
        set(c) == {"id", "responsible_authority", "placements"} and c["placements"] == [] for c in listed["results"]
    )
    record = _api(analyst).get(f"/api/v1/children/{world.child.pk}/").json()
    assert set(record) == {"id", "responsible_authority", "placements"}

    page = _page(analyst, "/children/")
    assert "3 children you can see" in page
    assert 'data-testid="children-withheld"' in page
    for child in (world.child, world.child_at_home, world.moved_child):
        assert child.last_name not in page and f'href="/children/{child.pk}/"' not in page
    record_page = _page(analyst, f"/children/{world.child.pk}/")
    assert 'data-testid="record-withheld"' in record_page
    for text in ["Amira", "Okafor", "MAN001", NHS_NUMBER_SHOWN, "Oak House", "B1 1AA"]:
        assert text not in record_page, text
    log_page = _page(analyst, f"/children/{world.child.pk}/access-log/")
    assert "Okafor" not in log_page


def test_reading_a_narrowed_record_is_still_audited(world):
    before = AuditEvent.objects.filter(
        child_id=world.child.pk, action=Action.READ, username=world.police_officer.username
    ).count()
    _api(world.police_officer).get(f"/api/v1/children/{world.child.pk}/")
    after = AuditEvent.objects.filter(
        child_id=world.child.pk, action=Action.READ, username=world.police_officer.username
    ).count()
    assert after == before + 1
