"""Least data per reason on the episode pages and API (agencies.fields): what a child said at a return
interview goes to the service and the council that looks after the child, not to inspectors or to the
council's performance analyst; Part A not to the analyst either."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from homeward.agencies import fields
from homeward.agencies.fields import Field
from homeward.agencies.models import ApiToken, Role, hash_token
from homeward.audit.models import Action, AuditEvent
from homeward.episodes import services
from tests.conftest import make_user

SAID = "Met an older friend"


@pytest.fixture
def analyst(world):
    return make_user(world.manchester, Role.ANALYST)


@pytest.fixture
def interviewed(story, rhi_worker):
    episode = story.return_(story.open())
    services.return_interview_update(user=rhi_worker, why="test", episode=episode.pk, status="offered")
    services.return_interview_update(
        user=rhi_worker, why="test", episode=episode.pk, status="completed", held_at=timezone.now(), why_went=SAID
    )
    return episode


def _api(user) -> APIClient:
    raw = f"hw_test-{user.pk}"
    ApiToken.objects.get_or_create(user=user, key_hash=hash_token(raw), defaults={"prefix": raw[3:11]})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_api_gives_findings_to_the_service_and_the_responsible_council_only(
    world, interviewed, rhi_worker, analyst
):
    def findings(user):
        return _api(user).get(f"/api/v1/episodes/{interviewed.pk}/").json()["return_interview_findings"]

    assert findings(world.social_worker)["why_went"] == SAID
    assert findings(rhi_worker)["why_went"] == SAID
    for user in (world.inspector, analyst, world.provider_staff, world.police_officer):
        assert findings(user) is None, user.username
    # The inspector still sees that the interview was held, and when.
    assert (
        _api(world.inspector).get(f"/api/v1/episodes/{interviewed.pk}/").json()["return_interview"]["status"]
        == "completed"
    )


def test_an_inspector_sees_the_interview_was_held_but_not_what_was_said(world, client_for, interviewed):
    html = client_for("inspector").get(f"/episodes/{interviewed.pk}/").content.decode()
    assert 'data-testid="return-interview"' in html and "Completed" in html
    assert SAID not in html


def test_a_performance_analyst_cannot_read_the_philomena_profile(world, client_for, story, analyst):
    story.profile()
    assert client_for("social_worker").get(f"/children/{world.child.pk}/profile/").status_code == 200
    client = client_for(analyst)
    for path in (f"/children/{world.child.pk}/profile/", f"/children/{world.child.pk}/profile/photo/"):
        assert client.get(path).status_code == 404, path
    refused = AuditEvent.objects.filter(
        username=analyst.username, action=Action.DENIED, object_type="philomena_profile"
    )
    assert refused.count() == 2
    timeline = client.get(f"/children/{world.child.pk}/timeline/").content.decode()
    assert f"/children/{world.child.pk}/profile/" not in timeline


def test_the_briefing_shows_part_a_only_where_the_table_does(world, client_for, story, monkeypatch):
    story.profile(description="Scar on left hand")
    episode = story.open()
    assert (
        "Scar on left hand" in client_for("host_coordinator").get(f"/episodes/{episode.pk}/briefing/").content.decode()
    )
    host = "Host authority of the current placement"
    monkeypatch.setitem(
        fields.SHOWN_BY_REASON, host, fields.Shown(fields.SHOWN_BY_REASON[host].always - {Field.PHILOMENA_PROFILE})
    )
    assert (
        "Scar on left hand"
        not in client_for("host_coordinator").get(f"/episodes/{episode.pk}/briefing/").content.decode()
    )


def test_a_performance_analyst_gets_no_page_about_an_identified_child(world, client_for, story, analyst):
    episode = story.open()
    client = client_for(analyst)
    for path in (
        f"/episodes/{episode.pk}/",
        f"/episodes/{episode.pk}/briefing/",
        f"/episodes/{episode.pk}/briefing.pdf",
        f"/children/{world.child.pk}/timeline/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert world.child.last_name not in response.content.decode(), path
    assert (
        AuditEvent.objects.filter(username=analyst.username, action=Action.DENIED, child_id=world.child.pk).count() == 4
    )
    assert not AuditEvent.objects.filter(username=analyst.username, action=Action.READ).exists()


def test_the_board_counts_for_a_performance_analyst_but_names_no_one(world, client_for, story, analyst):
    story.open()
    assert world.child.last_name in client_for("social_worker").get("/board/").content.decode()
    html = client_for(analyst).get("/board/").content.decode()
    assert world.child.last_name not in html and world.child.first_name not in html
