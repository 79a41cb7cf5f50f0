"""Bad input gets a clear error naming the field and changes nothing; a retried POST is harmless."""

import pytest

from homeward.episodes.models import Episode
from tests.episodes.conftest import ago, counts


@pytest.fixture
def reported(world, api):
    """An open episode for the world's child, reported by the provider."""
    response = api(world.provider_staff).post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "kind": "missing",
            "started_at": ago(hours=3).isoformat(),
            "client_reference": "OAK-7",
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()


def _refused(response, field: str, before: dict, *, denied: int = 0) -> str:
    """A 400 naming the field; nothing changed but, for a refused look-up, its `denied` audit entry."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [field], body
    assert isinstance(body[field], list) and body[field][0]
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + denied}, "a refused write changed something"
    return body[field][0]


def test_a_return_before_the_start_is_refused(world, api, reported):
    before = counts()
    response = api(world.provider_staff).post(
        f"/api/v1/episodes/{reported['id']}/return/", {"returned_at": ago(hours=4).isoformat()}, format="json"
    )
    assert "before the episode started" in _refused(response, "returned_at", before)
    assert Episode.objects.get(pk=reported["id"]).returned_at is None


def test_a_second_open_episode_is_refused(world, api, reported):
    before = counts()
    response = api(world.police_officer).post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "kind": "away",
            "started_at": ago(hours=1).isoformat(),
        },
        format="json",
    )
    assert "already recorded as missing" in _refused(response, "child", before)


@pytest.mark.parametrize("child", ["unknown", "out_of_scope"])
def test_an_unknown_child_is_refused_without_revealing_whether_it_exists(world, api, child):
    child_id = 987654321 if child == "unknown" else world.leeds_child.pk
    before = counts()
    response = api(world.provider_staff).post(
        "/api/v1/episodes/",
        {
            "child": child_id,
            "kind": "missing",
            "started_at": ago(hours=1).isoformat(),
        },
        format="json",
    )
    # The same words whether the child does not exist or belongs to someone else; the look-up is recorded.
    assert _refused(response, "child", before, denied=1) == "No such child."


def test_a_risk_grade_that_does_not_exist_is_refused(world, api, reported):
    before = counts()
    response = api(world.police_officer).post(
        f"/api/v1/episodes/{reported['id']}/risk/", {"risk_grade": "extreme", "source": "call"}, format="json"
    )
    assert "extreme" in _refused(response, "risk_grade", before)
    assert Episode.objects.get(pk=reported["id"]).risk_grade == ""


@pytest.mark.parametrize("value", ["31/02/2024 25:00", "yesterday", "2024-13-01T10:00:00Z"])
def test_a_malformed_date_is_refused(world, api, value):
    before = counts()
    response = api(world.provider_staff).post(
        "/api/v1/episodes/", {"child": world.child.pk, "kind": "missing", "started_at": value}, format="json"
    )
    assert "format" in _refused(response, "started_at", before).lower()


def test_a_malformed_return_date_is_refused(world, api, reported):
    before = counts()
    response = api(world.provider_staff).post(
        f"/api/v1/episodes/{reported['id']}/return/", {"returned_at": "soon"}, format="json"
    )
    _refused(response, "returned_at", before)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "lost"}, "kind"),
        ({"started_at": None}, "started_at"),  # neither a start nor when left / last seen
        ({"started_at": "2099-01-01T10:00:00Z"}, "started_at"),  # in the future
        ({"reported_at": "2000-01-01T10:00:00Z"}, "reported_at"),  # before the child went
        ({"last_seen_postcode": "not a postcode"}, "last_seen_postcode"),
        ({"last_seen_postcode": "ZZ9 9ZZ"}, "last_seen_postcode"),  # well-formed, not a live postcode
    ],
)
def test_other_bad_reports_name_their_field(world, api, body, field):
    before = counts()
    data = {"child": world.child.pk, "kind": "missing", "started_at": ago(hours=1).isoformat(), **body}
    response = api(world.provider_staff).post("/api/v1/episodes/", data, format="json")
    _refused(response, field, before)


def test_a_start_that_disagrees_with_left_and_last_seen_is_refused(world, api):
    before = counts()
    response = api(world.provider_staff).post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "kind": "missing",
            "left_at": ago(hours=3).isoformat(),
            "last_seen_at": ago(hours=2).isoformat(),
            "started_at": ago(hours=3).isoformat(),
        },
        format="json",
    )
    assert "later of when the child left" in _refused(response, "started_at", before)


def _conflict(response, fields: set[str], before: dict) -> dict:
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == fields, body
    assert all(isinstance(body[f], list) and "OAK-7" in body[f][0] for f in fields), body
    assert counts() == before, "a refused retry changed something"
    return body


def test_a_retried_post_returns_the_same_episode_and_creates_nothing(world, api, reported):
    client = api(world.provider_staff)
    before = counts()
    body = {
        "child": world.child.pk,
        "kind": "missing",
        "started_at": reported["started_at"],
        "client_reference": "OAK-7",
    }
    response = client.post("/api/v1/episodes/", body, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == reported["id"]
    after = counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1  # the retry is audited as a read
    assert after == before


def test_a_client_reference_reused_for_another_child_is_refused(world, api, reported):
    # The same agency, the same reference, another child: not a retry.
    before = counts()
    response = api(world.provider_staff).post(
        "/api/v1/episodes/",
        {
            "child": world.moved_child.pk,
            "kind": "missing",
            "started_at": ago(hours=1).isoformat(),
            "client_reference": "OAK-7",
        },
        format="json",
    )
    assert response.status_code in (400,)
    # The provider cannot see the moved child at all, so that is what it is told.
    assert response.json() == {"child": ["No such child."]}
    response = api(world.social_worker).post(
        "/api/v1/episodes/",
        {
            "child": world.moved_child.pk,
            "kind": "missing",
            "started_at": ago(hours=1).isoformat(),
            "client_reference": "OAK-7",
        },
        format="json",
    )
    assert response.status_code == 201  # another agency's references are its own
    started_at = response.json()["started_at"]
    before = counts()
    response = api(world.social_worker).post(
        "/api/v1/episodes/",
        {
            "child": world.child_at_home.pk,
            "kind": "missing",
            "started_at": started_at,
            "client_reference": "OAK-7",
        },
        format="json",
    )
    assert "another child" in _conflict(response, {"child"}, before)["child"][0]


def test_a_retry_that_is_not_the_same_report_is_a_409_naming_what_differs(world, api, reported):
    client, before = api(world.provider_staff), counts()
    same = {
        "child": world.child.pk,
        "kind": "missing",
        "started_at": reported["started_at"],
        "client_reference": "OAK-7",
    }
    body = _conflict(client.post("/api/v1/episodes/", {**same, "kind": "away"}, format="json"), {"kind"}, before)
    assert "missing, not away" in body["kind"][0]
    body = _conflict(
        client.post("/api/v1/episodes/", {**same, "started_at": ago(hours=2).isoformat()}, format="json"),
        {"started_at"},
        before,
    )
    assert "later of left and last seen" in body["started_at"][0]
    _conflict(
        client.post(
            "/api/v1/episodes/", {**same, "kind": "away", "started_at": ago(hours=5).isoformat()}, format="json"
        ),
        {"kind", "started_at"},
        before,
    )
    # Given as left and last seen, the same start is the same report.
    retry = {**same, "started_at": None, "left_at": ago(hours=6).isoformat(), "last_seen_at": reported["started_at"]}
    assert client.post("/api/v1/episodes/", retry, format="json").status_code == 200


def test_a_retry_after_the_kind_changed_is_still_the_same_report(world, api, reported):
    client = api(world.provider_staff)
    assert (
        client.post(f"/api/v1/episodes/{reported['id']}/kind/", {"to_kind": "away"}, format="json").status_code == 200
    )
    same = {
        "child": world.child.pk,
        "kind": "missing",
        "started_at": reported["started_at"],
        "client_reference": "OAK-7",
    }
    response = client.post("/api/v1/episodes/", same, format="json")
    assert response.status_code == 200 and response.json()["id"] == reported["id"] and response.json()["kind"] == "away"


def test_bad_interview_steps_name_their_field(world, api, reported, rhi_worker):
    api(world.provider_staff).post(
        f"/api/v1/episodes/{reported['id']}/return/",
        {"returned_at": ago(minutes=5).isoformat(), "confirm_before_report": True},  # back before it was reported
        format="json",
    )
    rhi = api(rhi_worker)
    url = f"/api/v1/episodes/{reported['id']}/return-interview/"
    for body, field in [
        ({"status": "completed", "held_at": ago(minutes=1).isoformat()}, "status"),  # not offered yet
        ({"status": "finished"}, "status"),
        ({"status": "offered", "why_went": "friends"}, "why_went"),  # findings come with completion
    ]:
        before = counts()
        _refused(rhi.post(url, body, format="json"), field, before)
    assert rhi.post(url, {"status": "offered"}, format="json").status_code == 200
    for body, field in [
        ({"status": "completed"}, "held_at"),
        ({"status": "completed", "held_at": ago(hours=1).isoformat()}, "held_at"),  # before it was offered
        (
            {"status": "completed", "held_at": ago(minutes=0).isoformat(), "exploitation_indicators": ["aliens"]},
            "exploitation_indicators",
        ),
    ]:
        before = counts()
        _refused(rhi.post(url, body, format="json"), field, before)


def test_an_unknown_status_filter_is_refused(world, api):
    response = api(world.police_officer).get("/api/v1/episodes/", {"status": "lost"})
    assert response.status_code == 400 and list(response.json()) == ["status"]


def test_a_return_when_the_council_has_no_interview_service_is_refused_naming_the_field(world, api, reported):
    from homeward.agencies.models import Agency, AgencyKind
    from homeward.episodes.models import ReturnInterviewCommission

    ReturnInterviewCommission.objects.all().delete()
    Agency.objects.filter(kind=AgencyKind.RHI).delete()
    before = counts()
    response = api(world.provider_staff).post(
        f"/api/v1/episodes/{reported['id']}/return/", {"returned_at": ago(minutes=5).isoformat()}, format="json"
    )
    assert "No return interview service is set for Manchester" in _refused(response, "return_interview_service", before)
    assert not Agency.objects.filter(kind=AgencyKind.RHI).exists()
