"""The children's pages show exactly what the access model allows, and 404 for everything else."""

import re

import pytest
from django.test import Client

from homeward.audit.models import Action, AuditEvent

# user attribute on World -> the World children they can see (tests/agencies/test_access.py)
EXPECTED = {
    "social_worker": {"child", "child_at_home", "moved_child"},
    "host_coordinator": {"child"},
    "police_officer": {"child"},
    "gmp_officer": {"child_at_home", "moved_child"},
    "provider_staff": {"child"},
    "unrelated_social_worker": {"leeds_child"},
    "inspector": {"child", "child_at_home", "moved_child"},
    "expired_inspector": set(),
    "national_analyst": set(),
}
CHILDREN = ["child", "child_at_home", "moved_child", "leeds_child"]


@pytest.fixture
def client_for(world, web):
    def make(who: str) -> Client:
        client = Client()
        web.force_sign_in(client, getattr(world, who))
        return client

    return make


def _linked_children(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/children/(\d+)/"', html)}


@pytest.mark.parametrize("who", EXPECTED)
def test_the_list_shows_exactly_the_children_in_scope(world, client_for, who):
    response = client_for(who).get("/children/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = {getattr(world, name).pk for name in EXPECTED[who]}
    assert _linked_children(html) == expected
    # The count reveals nothing beyond the scope either.
    assert re.search(rf"\b{len(expected)} child(ren)? you can see", html)


def test_search_finds_by_name_and_alias_within_scope_only(world, client_for):
    client = client_for("social_worker")
    # Two children called Amira exist; only Manchester's is in the social worker's scope.
    html = client.get("/children/", {"q": "Amira"}).content.decode()
    assert _linked_children(html) == {world.child.pk}
    assert "1 child matches “Amira”" in html
    assert _linked_children(client.get("/children/", {"q": "Mira"}).content.decode()) == {world.child.pk}
    assert _linked_children(client.get("/children/", {"q": "Hussain"}).content.decode()) == set()
    leeds = client_for("unrelated_social_worker").get("/children/", {"q": "Amira"}).content.decode()
    assert _linked_children(leeds) == {world.leeds_child.pk}


def test_search_by_date_of_birth_and_child_id(world, client_for):
    client = client_for("social_worker")
    dob = world.moved_child.date_of_birth.strftime("%d/%m/%Y")
    assert world.moved_child.pk in _linked_children(client.get("/children/", {"q": dob}).content.decode())
    assert _linked_children(client.get("/children/", {"q": "MAN002"}).content.decode()) == {world.child_at_home.pk}


def test_the_list_paginates(world, client_for, monkeypatch):
    monkeypatch.setattr("homeward.children.views.PER_PAGE", 2)
    client = client_for("social_worker")
    first = client.get("/children/").content.decode()
    second = client.get("/children/", {"page": 2}).content.decode()
    assert len(_linked_children(first)) == 2 and len(_linked_children(second)) == 1
    assert 'href="?page=2"' in first and 'rel="next"' in first
    assert 'rel="prev"' in second
    assert client.get("/children/", {"page": "not-a-number"}).status_code == 200


@pytest.mark.parametrize("who", EXPECTED)
def test_each_child_page_is_found_only_within_scope(world, client_for, who):
    client = client_for(who)
    for name in CHILDREN:
        child = getattr(world, name)
        response = client.get(f"/children/{child.pk}/")
        if name in EXPECTED[who]:
            assert response.status_code == 200, f"{who} should see {name}"
            assert child.full_name in response.content.decode()
        else:
            assert response.status_code == 404, f"{who} must not find {name}"
            assert child.last_name not in response.content.decode()


def test_a_missing_child_is_not_found(world, client_for):
    assert client_for("social_worker").get("/children/999999/").status_code == 404


def test_the_child_page_shows_identity_placements_and_why(world, client_for):
    html = client_for("social_worker").get(f"/children/{world.child.pk}/").content.decode()
    for text in [
        "Amira Okafor",
        "Mira",
        "(nickname)",
        "MAN001",
        "999 000 0018",
        "Female",
        "age 14",
        "Children&#x27;s home",
        "Oak House",
        "B1 1AA",
        "Birmingham",
        "West Midlands Police",
        "Out of area",
        "miles",
        "Responsible authority",
    ]:
        assert text in html, text
    assert f'href="/children/{world.child.pk}/access-log/"' in html


def test_the_child_page_shows_previous_placements(world, client_for):
    html = client_for("social_worker").get(f"/children/{world.moved_child.pk}/").content.decode()
    current, previous = html.split("Previous placements</h2>")
    assert "Foster care (long term)" in current.split("Current placement</h2>")[1]
    assert "Oak House" in previous and "Out of area" in previous


def test_the_reasons_follow_the_agency(world, client_for):
    html = client_for("host_coordinator").get(f"/children/{world.child.pk}/").content.decode()
    assert "Host authority of the current placement" in html
    assert "access-log" not in html  # only the responsible authority sees who looked
    police = client_for("police_officer").get(f"/children/{world.child.pk}/").content.decode()
    assert "Police force covering the current placement" in police


def test_reading_a_child_page_is_audited(world, client_for):
    before = AuditEvent.objects.filter(child_id=world.child.pk, action=Action.READ).count()
    client_for("police_officer").get(f"/children/{world.child.pk}/")
    event = AuditEvent.objects.filter(child_id=world.child.pk, action=Action.READ).latest("id")
    assert AuditEvent.objects.filter(child_id=world.child.pk, action=Action.READ).count() == before + 1
    assert event.username == world.police_officer.username
    assert event.why == "children:detail"


def test_the_access_log_is_for_the_responsible_authority_only(world, client_for):
    client_for("police_officer").get(f"/children/{world.child.pk}/")
    response = client_for("social_worker").get(f"/children/{world.child.pk}/access-log/")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.police_officer.username in html
    assert "children:detail" in html
    for who in [
        "host_coordinator",
        "police_officer",
        "provider_staff",
        "inspector",
        "unrelated_social_worker",
        "national_analyst",
    ]:
        assert client_for(who).get(f"/children/{world.child.pk}/access-log/").status_code == 404, who
