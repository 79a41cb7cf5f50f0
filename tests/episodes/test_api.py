"""The episode endpoints one by one: status codes, shapes, scope, and audit."""

import pytest
import yaml
from rest_framework.test import APIClient

from homeward import dates
from homeward.audit.models import AuditEvent
from homeward.episodes.services import episode_open, episode_record_return
from tests.episodes.conftest import ago


@pytest.fixture
def episode(world):
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(hours=3)
    )
    return episode


def test_it_needs_a_token(world, episode):
    client = APIClient()
    assert client.get("/api/v1/episodes/").status_code == 401
    assert client.post("/api/v1/episodes/", {}, format="json").status_code == 401
    assert client.post(f"/api/v1/episodes/{episode.pk}/risk/", {}, format="json").status_code == 401


def test_the_list_filters_by_status_and_is_audited(world, api):
    client = api(world.social_worker)
    old, _ = episode_open(
        user=world.social_worker, why="test", child=world.child_at_home, kind="away", started_at=ago(days=3)
    )
    episode_record_return(user=world.social_worker, why="test", episode=old, returned_at=ago(days=2))
    current, _ = episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=ago(hours=3)
    )
    ids = {
        status: [e["id"] for e in client.get("/api/v1/episodes/", {"status": status}).json()["results"]]
        for status in ("open", "returned", "closed", "all")
    }
    assert ids == {"open": [current.pk], "returned": [old.pk], "closed": [], "all": [current.pk, old.pk]}
    before = AuditEvent.objects.count()
    client.get("/api/v1/episodes/")
    events = AuditEvent.objects.filter(id__gt=0).order_by("-id")[:2]
    assert AuditEvent.objects.count() == before + 2
    assert {(e.action, e.object_type, e.why) for e in events} == {("list", "episode", "api:episodes-list")}


def test_the_detail_carries_the_history_and_is_audited(world, api, episode):
    client = api(world.police_officer)
    client.post(f"/api/v1/episodes/{episode.pk}/risk/", {"risk_grade": "medium", "source": "call"}, format="json")
    body = client.get(f"/api/v1/episodes/{episode.pk}/").json()
    assert [(g["grade"], g["agency"]) for g in body["risk_gradings"]] == [("medium", world.west_midlands_police.code)]
    assert [u["kind"] for u in body["updates"]] == ["reported", "risk_grade"]
    assert body["next_risk_review_at"] is not None and body["return_interview"] is None
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.why) == ("read", str(episode.pk), "api:episode-detail")


def _valid_body(path: str) -> dict:
    """A body the endpoint accepts: what comes back for an episode out of scope is then about the scope."""
    return {
        "risk": {"risk_grade": "low", "source": "Call from the home"},
        "return": {"returned_at": ago(seconds=0).isoformat()},
        "return-interview": {"status": "offered"},
        "police-reference": {"reference": "WYP-0001"},
        "updates": {"kind": "note", "text": "Called her phone"},
        "kind": {"to_kind": "away"},
        "safe-and-well": {"text": "Seen at home"},
        "close": {},
    }[path]


EPISODE_ACTIONS = (
    "risk",
    "return",
    "return-interview",
    "police-reference",
    "updates",
    "kind",
    "safe-and-well",
    "close",
)


@pytest.mark.parametrize("who", ["unrelated_social_worker", "other_provider_staff", "gmp_officer"])
def test_an_episode_out_of_scope_is_404_on_every_endpoint_and_only_the_refusal_audited(world, api, episode, who):
    client = api(getattr(world, who))
    before = AuditEvent.objects.count()
    calls = 2 + len(EPISODE_ACTIONS)
    assert client.get(f"/api/v1/episodes/{episode.pk}/").status_code == 404
    for path in EPISODE_ACTIONS:
        response = client.post(f"/api/v1/episodes/{episode.pk}/{path}/", _valid_body(path), format="json")
        assert response.status_code == 404, (path, response.content)
    assert client.get("/api/v1/episodes/999999/").status_code == 404
    # Each refused look-up is recorded as denied (under the child, when the episode exists), and nothing else.
    refused = list(AuditEvent.objects.filter(id__gt=0).order_by("-id")[:calls].values_list("action", "child_id"))
    assert AuditEvent.objects.count() == before + calls
    assert sorted(refused, key=str) == sorted(
        [("denied", episode.child_id)] * (calls - 1) + [("denied", None)], key=str
    )


def test_the_valid_bodies_are_valid(world, api, episode, rhi_worker):
    # The same bodies, sent by those who may: none is refused as bad input (so the 404s above are the scope's).
    provider, police = api(world.provider_staff), api(world.police_officer)
    for client, path in [
        (police, "risk"),
        (police, "police-reference"),
        (provider, "updates"),
        (provider, "kind"),
        (provider, "return"),
        (api(rhi_worker), "return-interview"),
        (police, "safe-and-well"),
        (police, "close"),
    ]:
        response = client.post(f"/api/v1/episodes/{episode.pk}/{path}/", _valid_body(path), format="json")
        assert response.status_code in (200, 201), (path, response.content)


def test_an_action_the_role_may_not_take_is_403(world, api, episode):
    response = api(world.provider_staff).post(
        f"/api/v1/episodes/{episode.pk}/risk/", {"risk_grade": "low", "source": "x"}, format="json"
    )
    assert response.status_code == 403
    response = api(world.inspector).post(
        f"/api/v1/episodes/{episode.pk}/updates/", {"kind": "note", "text": "x"}, format="json"
    )
    assert response.status_code == 403


def test_updates_kind_safe_and_well_and_close(world, api, episode):
    provider, police = api(world.provider_staff), api(world.police_officer)
    response = police.post(
        f"/api/v1/episodes/{episode.pk}/updates/",
        {
            "kind": "sighting",
            "text": "Seen on CCTV",
            "location": "New Street station",
            "postcode": "B2 4QA",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "sighting" and response.json()["agency"] == world.west_midlands_police.code
    response = provider.post(
        f"/api/v1/episodes/{episode.pk}/kind/", {"to_kind": "away", "text": "Known to be at a friend's"}, format="json"
    )
    assert response.status_code == 200 and response.json()["kind"] == "away"
    response = provider.post(
        f"/api/v1/episodes/{episode.pk}/return/", {"returned_at": ago(minutes=10).isoformat()}, format="json"
    )
    assert (
        response.status_code == 400 and "last change" in response.json()["returned_at"][0]
    )  # it was away only from now
    response = provider.post(
        f"/api/v1/episodes/{episode.pk}/return/", {"returned_at": ago(minutes=0).isoformat()}, format="json"
    )
    assert response.json()["status"] == "returned"
    response = police.post(
        f"/api/v1/episodes/{episode.pk}/safe-and-well/", {"text": "Spoke to her at the home"}, format="json"
    )
    assert response.status_code == 200 and response.json()["safe_and_well_at"] is not None
    response = police.post(f"/api/v1/episodes/{episode.pk}/close/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = police.post(f"/api/v1/episodes/{episode.pk}/close/", {}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["episode"]


def test_the_schema_documents_the_episode_endpoints(world, api):
    schema = yaml.safe_load(api(world.police_officer).get("/api/v1/schema/").content)
    assert {
        "/api/v1/episodes/",
        "/api/v1/episodes/{episode_id}/",
        "/api/v1/episodes/{episode_id}/risk/",
        "/api/v1/episodes/{episode_id}/return/",
        "/api/v1/episodes/{episode_id}/return-interview/",
    } <= set(schema["paths"])
    episode = schema["components"]["schemas"]["EpisodeOut"]["properties"]
    assert {
        "id",
        "child",
        "kind",
        "status",
        "started_at",
        "returned_at",
        "risk_grade",
        "return_interview_due_at",
    } <= set(episode)


def test_a_return_before_the_report_is_refused_until_confirmed(world, api, episode):
    provider = api(world.provider_staff)
    body = {"returned_at": ago(hours=1).isoformat(), "how": "own_accord"}
    response = provider.post(f"/api/v1/episodes/{episode.pk}/return/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "returned_at": [
            f"The return time is before the episode was reported ({dates.when(episode.reported_at)}). "
            "Check the time, or confirm it is right."
        ],
        "confirm_before_report": ["Send true if the time is right."],
    }
    episode.refresh_from_db()
    assert episode.returned_at is None
    response = provider.post(
        f"/api/v1/episodes/{episode.pk}/return/", {**body, "confirm_before_report": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "returned"
    schema = yaml.safe_load(provider.get("/api/v1/schema/").content)
    assert "confirm_before_report" in schema["components"]["schemas"]["ReturnIn"]["properties"]
