"""The access model: each kind of agency sees exactly the children it has a named reason to see."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.models import ApiToken, hash_token
from homeward.agencies.services import api_token_create, api_token_revoke
from homeward.audit.models import AuditEvent
from tests.support import sign_in

# user attribute on World -> the World children it must see (and no others)
EXPECTED = {
    "social_worker": {"child", "child_at_home", "moved_child"},
    "host_coordinator": {"child"},
    "police_officer": {"child"},
    "gmp_officer": {"child_at_home", "moved_child"},
    "provider_staff": {"child"},
    "other_provider_staff": {"leeds_child"},
    "unrelated_social_worker": {"leeds_child"},
    "inspector": {"child", "child_at_home", "moved_child"},
    "expired_inspector": set(),
    "national_analyst": set(),
}
CHILDREN = ["child", "child_at_home", "moved_child", "leeds_child"]


def _ids(world, names) -> set[int]:
    return {getattr(world, name).pk for name in names}


def _api_client_for(user) -> APIClient:
    """A client holding a bearer token of this very user (inspectors' grants are personal)."""
    raw = f"hw_test-{user.pk}"
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("who", EXPECTED)
def test_the_scoping_function_grants_exactly_the_named_reasons(world, who):
    user = getattr(world, who)
    assert set(visible_children(user).values_list("pk", flat=True)) == _ids(world, EXPECTED[who])


@pytest.mark.parametrize("who", EXPECTED)
def test_the_api_list_and_detail_follow_the_scope(world, who):
    user = getattr(world, who)
    client = _api_client_for(user)
    listed = client.get("/api/v1/children/").json()
    assert {c["id"] for c in listed["results"]} == _ids(world, EXPECTED[who])
    assert listed["count"] == len(EXPECTED[who])  # counts reveal nothing beyond the scope
    for name in CHILDREN:
        child = getattr(world, name)
        response = client.get(f"/api/v1/children/{child.pk}/")
        if name in EXPECTED[who]:
            assert response.status_code == 200
            assert response.json()["responsible_authority"] == child.responsible_authority.code
        else:
            assert response.status_code == 404, f"{who} must not find {name}"


@pytest.mark.parametrize("who", EXPECTED)
def test_search_never_reveals_an_out_of_scope_child(world, who):
    client = _api_client_for(getattr(world, who))
    # Two children are called Amira: one in Manchester's care, one in Leeds's.
    found = client.get("/api/v1/children/", {"q": "amira"}).json()
    expected = _ids(world, EXPECTED[who]) & {world.child.pk, world.leeds_child.pk}
    assert {c["id"] for c in found["results"]} == expected
    assert found["count"] == len(expected)


def test_reasons_are_named(world):
    assert access_reasons(world.social_worker, world.child) == ["Responsible authority"]
    assert access_reasons(world.host_coordinator, world.child) == ["Host authority of the current placement"]
    assert access_reasons(world.police_officer, world.child) == ["Police force covering the current placement"]
    assert access_reasons(world.provider_staff, world.child) == ["Provider of the current placement"]
    assert access_reasons(world.inspector, world.child) == ["Inspector's time-limited grant"]
    assert access_reasons(world.unrelated_social_worker, world.child) == []


def test_a_placement_ending_ends_the_host_councils_access(world):
    assert world.moved_child not in visible_children(world.host_coordinator)
    assert world.moved_child not in visible_children(world.provider_staff)


def test_search_by_alias_and_by_nhs_number(world):
    client = _api_client_for(world.social_worker)
    assert [c["id"] for c in client.get("/api/v1/children/", {"q": "Mira"}).json()["results"]] == [world.child.pk]
    assert [c["id"] for c in client.get("/api/v1/children/", {"q": "999 000 0018"}).json()["results"]] == [
        world.child.pk
    ]


def test_unauthenticated_api_calls_get_401(world):
    client = APIClient()
    assert client.get("/api/v1/children/").status_code == 401
    assert client.get(f"/api/v1/children/{world.child.pk}/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer hw_not-a-real-token")
    assert client.get("/api/v1/children/").status_code == 401


def test_a_revoked_token_stops_working_at_once(world):
    token, raw = api_token_create(agency_code=world.manchester.code, role="social_worker")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/children/").status_code == 200
    assert api_token_revoke(prefix=token.prefix) == 1
    assert client.get("/api/v1/children/").status_code == 401


def test_tokens_are_stored_hashed(world):
    token, raw = api_token_create(agency_code=world.manchester.code, role="social_worker")
    assert raw not in token.key_hash and len(token.key_hash) == 64


def test_api_reads_are_audited(world):
    client = _api_client_for(world.police_officer)
    before = AuditEvent.objects.count()
    client.get(f"/api/v1/children/{world.child.pk}/")
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.child_id, event.agency_code, event.why) == (
        "read",
        world.child.pk,
        "E23000014",
        "api:child-detail",
    )


def _new_events(before: int) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(pk__gt=before)
        .order_by("id")
        .values_list("action", "object_type", "object_id", "child_id", "username", "why")
    )


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_an_out_of_scope_look_up_is_audited_as_denied_and_not_as_a_read(world):
    client = _api_client_for(world.unrelated_social_worker)
    before = _last_id()
    assert client.get(f"/api/v1/children/{world.child.pk}/").status_code == 404
    who = world.unrelated_social_worker.username
    assert _new_events(before) == [("denied", "child", str(world.child.pk), world.child.pk, who, "api:child-detail")]


def test_a_look_up_of_no_such_child_is_denied_the_same_way_and_names_no_child(world):
    client = _api_client_for(world.unrelated_social_worker)
    before = _last_id()
    assert client.get("/api/v1/children/99999999/").status_code == 404
    assert _new_events(before) == [
        ("denied", "child", "99999999", None, world.unrelated_social_worker.username, "api:child-detail")
    ]


def test_the_page_refuses_the_same_way_as_the_api(world):
    client = Client()
    sign_in(client, world.unrelated_social_worker)
    before = _last_id()
    assert client.get(f"/children/{world.child.pk}/").status_code == 404
    assert [e[0] for e in _new_events(before)] == ["denied"]


def test_a_host_council_refused_the_access_log_leaves_a_denial_and_no_read(world):
    client = Client()
    sign_in(client, world.host_coordinator)
    before = _last_id()
    assert client.get(f"/children/{world.child.pk}/access-log/").status_code == 404
    assert _new_events(before) == [
        ("denied", "child", str(world.child.pk), world.child.pk, world.host_coordinator.username, "children:access-log")
    ]


def test_the_responsible_authority_sees_who_was_refused(world):
    _api_client_for(world.unrelated_social_worker).get(f"/api/v1/children/{world.child.pk}/")
    client = Client()
    sign_in(client, world.social_worker)
    html = client.get(f"/children/{world.child.pk}/access-log/").content.decode()
    assert "Denied child" in html and world.unrelated_social_worker.username in html


def test_a_password_only_session_gets_401_from_the_api(world):
    """Signed in with a password but not the second factor: the API answers as to a stranger."""
    client = APIClient()
    client.force_login(world.social_worker)  # a session, but no OTP device verified in it
    assert client.get("/api/v1/children/").status_code == 401
    assert client.get(f"/api/v1/children/{world.child.pk}/").status_code == 401
    assert AuditEvent.objects.filter(username=world.social_worker.username, why__startswith="api:").count() == 0
