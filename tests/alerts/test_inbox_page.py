"""The inbox page and the unread badge on every page: the person's own alerts only, opening one
marks it read, an urgent one is acknowledged with a POST."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from homeward.agencies import access
from homeward.alerts.models import Alert, Urgency
from homeward.alerts.services import notify
from homeward.audit.models import AuditEvent
from homeward.web.context_processors import homeward as chrome
from tests.support import sign_in

MISSING = "A child you are responsible for has been reported missing"
HIGH_RISK = "The police have graded a child you are responsible for as high risk"


def _alert(user, *, child, subject=MISSING, urgency=Urgency.NORMAL, link=None) -> Alert:
    [alert] = notify(
        event="test",
        recipients=[(user, urgency)],
        subject=subject,
        link=link or f"/children/{child.pk}/",
        child_id=child.pk,
    )
    return alert


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _badge(html: str) -> int | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', html)
    return int(match.group(1)) if match else None


def test_it_lists_the_persons_own_alerts_with_urgency_and_status(world, people):
    normal = _alert(people.team_manager, child=world.child)
    urgent = _alert(people.team_manager, child=world.child, subject=HIGH_RISK, urgency=Urgency.URGENT)
    _alert(people.social_worker, child=world.child, subject="Someone else's alert")
    response = _client(people.team_manager).get("/inbox/")
    assert response.status_code == 200
    html = response.content.decode()
    assert MISSING in html and HIGH_RISK in html and "Someone else" not in html
    rows = {alert.pk: html.split(f'data-testid="alert-{alert.pk}"')[1].split("</tr>")[0] for alert in (normal, urgent)}
    assert "Urgent" in rows[urgent.pk] and f'action="/inbox/{urgent.pk}/acknowledge/"' in rows[urgent.pk]
    assert "Normal" in rows[normal.pk] and f'action="/inbox/{normal.pk}/acknowledge/"' in rows[normal.pk]
    assert "Unread" in rows[normal.pk] and f'href="/inbox/{normal.pk}/"' in rows[normal.pk]


def test_every_alert_names_its_child_inside_homeward_and_the_naming_is_audited(world, people):
    alert = _alert(people.team_manager, child=world.child)
    before = AuditEvent.objects.filter(object_type="child", action="list", child_id=world.child.pk).count()
    html = _client(people.team_manager).get("/inbox/").content.decode()
    row = html.split(f'data-testid="alert-{alert.pk}"')[1].split("</tr>")[0]
    assert world.child.full_name in row.split('data-testid="alert-child"')[1].split("</td>")[0]
    assert world.child.full_name not in alert.subject  # the subject goes by email
    assert AuditEvent.objects.filter(object_type="child", action="list", child_id=world.child.pk).count() == before + 1


def test_a_normal_alert_can_be_acknowledged_too(world, people):
    alert = _alert(people.social_worker, child=world.child)
    response = _client(people.social_worker).post(f"/inbox/{alert.pk}/acknowledge/", follow=True)
    html = response.content.decode()
    assert "Alert acknowledged." in html and "escalation" not in html.split("Alert acknowledged.")[1][:40]
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert "Acknowledged" in html.split(f'data-testid="alert-{alert.pk}"')[1].split("</tr>")[0]


def test_the_inbox_marks_its_list_for_the_refresh_script(world, people):
    _alert(people.team_manager, child=world.child)
    html = _client(people.team_manager).get("/inbox/").content.decode()
    assert 'data-homeward-refresh="30"' in html and 'src="/static/episodes/episodes.js"' in html
    refreshed = html.split('data-homeward-refresh="30"')[1]
    assert 'data-testid="inbox"' in refreshed  # the list is inside the part that refreshes


def test_opening_an_alert_marks_it_read_and_follows_its_link(world, people):
    alert = _alert(people.team_manager, child=world.child)
    client = _client(people.team_manager)
    response = client.get(f"/inbox/{alert.pk}/")
    assert (response.status_code, response["Location"]) == (302, f"/children/{world.child.pk}/")
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert (
        "Read" in client.get("/inbox/").content.decode().split(f'data-testid="alert-{alert.pk}"')[1].split("</tr>")[0]
    )


def test_a_link_that_leaves_homeward_goes_back_to_the_inbox(world, people):
    alert = _alert(people.team_manager, child=world.child, link="//evil.example/")
    response = _client(people.team_manager).get(f"/inbox/{alert.pk}/")
    assert response["Location"] == "/inbox/"


def test_acknowledging_is_a_post_and_stops_the_clocks(world, people):
    alert = _alert(people.team_manager, child=world.child, subject=HIGH_RISK, urgency=Urgency.URGENT)
    client = _client(people.team_manager)
    assert client.get(f"/inbox/{alert.pk}/acknowledge/").status_code == 405
    response = client.post(f"/inbox/{alert.pk}/acknowledge/", follow=True)
    assert response.redirect_chain == [("/inbox/", 302)]
    assert "Alert acknowledged" in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.read_at is not None
    assert "Acknowledged" in response.content.decode()


@pytest.mark.parametrize("action", ["open", "acknowledge"])
def test_nobody_can_open_or_acknowledge_someone_elses_alert(world, people, action):
    alert = _alert(people.social_worker, child=world.child, urgency=Urgency.URGENT)
    client = _client(people.unrelated)
    response = client.get(f"/inbox/{alert.pk}/") if action == "open" else client.post(f"/inbox/{alert.pk}/acknowledge/")
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.read_at is None and alert.acknowledged_at is None


def test_an_alert_about_a_child_no_longer_visible_is_not_listed(world, people):
    _alert(people.host_coordinator, child=world.moved_child, subject="About the child who moved away")
    html = _client(people.host_coordinator).get("/inbox/").content.decode()
    assert "About the child who moved away" not in html and "You have no alerts." in html
    assert _badge(html) is None


def test_every_page_shows_the_unread_count_in_the_header(world, people):
    for _ in range(3):
        _alert(people.team_manager, child=world.child)
    _alert(people.social_worker, child=world.child)
    client = _client(people.team_manager)
    for path in ("/", "/children/", f"/children/{world.child.pk}/", "/inbox/"):
        html = client.get(path).content.decode()
        assert 'data-testid="inbox-link"' in html and 'href="/inbox/"' in html, path
        assert _badge(html) == 3, path
    Alert.objects.filter(recipient=people.team_manager).update(read_at=timezone.now())
    html = client.get("/").content.decode()
    assert 'data-testid="inbox-link"' in html and _badge(html) is None


def test_the_inbox_link_is_marked_current_on_the_inbox(world, people):
    html = _client(people.team_manager).get("/inbox/").content.decode()
    assert re.search(r'href="/inbox/" aria-current="page"', html)


def test_the_badge_does_not_count_as_the_page_asking_the_scope(world, people, rf):
    # The URL-walking test reads this counter to prove each page asked the scoping function itself.
    request = rf.get("/")
    request.user = people.team_manager
    request.user.is_verified = lambda: True
    _alert(people.team_manager, child=world.child)
    before = access.scope_consulted.get()
    assert chrome(request)["inbox_unread"] == 1
    assert access.scope_consulted.get() == before
