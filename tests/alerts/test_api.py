"""GET /api/v1/alerts/ and POST /api/v1/alerts/{id}/acknowledge/."""

from homeward.alerts.models import Urgency
from homeward.alerts.services import notify
from tests.support import sign_in


def _alert(world, user):
    [alert] = notify(
        event="episode_opened",
        recipients=[(user, Urgency.URGENT)],
        subject="A child you are responsible for has been reported missing",
        link=f"/children/{world.child.pk}/",
        child_id=world.child.pk,
    )
    return alert


def test_it_lists_the_callers_own_alerts(world, people, client):
    alert = _alert(world, people.social_worker)
    sign_in(client, people.social_worker)
    body = client.get("/api/v1/alerts/").json()
    assert body["count"] == 1
    [item] = body["results"]
    assert (item["id"], item["urgency"], item["child_id"], item["acknowledged_at"]) == (
        alert.pk,
        "urgent",
        world.child.pk,
        None,
    )


def test_it_validates_ownership(world, people, client):
    alert = _alert(world, people.social_worker)
    sign_in(client, people.unrelated)
    assert client.get("/api/v1/alerts/").json()["count"] == 0
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledge_works(world, people, client):
    alert = _alert(world, people.social_worker)
    sign_in(client, people.social_worker)
    response = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_acknowledge_only_allows_post(world, people, client):
    alert = _alert(world, people.social_worker)
    sign_in(client, people.social_worker)
    assert client.get(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 405


def test_it_needs_signing_in(world, client):
    assert client.get("/api/v1/alerts/").status_code == 401
