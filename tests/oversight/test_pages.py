"""The compliance pages and their download: who reaches them, and what they show."""

import csv
import io

import pytest
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.episodes import services as episodes
from homeward.oversight.compliance import DUTIES
from tests.support import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(world):
    episode, _ = episodes.episode_open(
        user=world.social_worker, why="test", child=world.child, kind="missing", started_at=timezone.now()
    )
    return episode


def _client(client, user):
    sign_in(client, user)
    return client


def test_it_shows_each_duty_with_a_link_to_its_cases(client, world, reported):
    month = timezone.localdate().strftime("%Y-%m")
    page = _client(client, world.social_worker).get("/oversight/compliance/", {"month": month}).content.decode()
    assert "Compliance with the statutory guidance" in page and world.manchester.name in page
    assert 'data-testid="duty-host_told"' in page and "1 of 1" in page
    assert f"duty=iro_told&amp;month={month}" in page


def test_the_cases_page_names_the_children(client, world, reported):
    month = timezone.localdate().strftime("%Y-%m")
    response = _client(client, world.social_worker).get(
        "/oversight/compliance/cases/", {"duty": "iro_told", "month": month}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert world.child.la_child_id in page and "Not met" in page and f"/episodes/{reported.pk}/" in page


def test_an_unknown_duty_or_month_is_not_found(client, world):
    c = _client(client, world.social_worker)
    assert c.get("/oversight/compliance/cases/", {"duty": "tea_made"}).status_code == 404
    assert c.get("/oversight/compliance/", {"month": "March"}).status_code == 404


def test_it_validates_the_council(client, world):
    # Another council's figures, asked for by code, are not found; nor are any for the police.
    assert (
        _client(client, world.unrelated_social_worker)
        .get("/oversight/compliance/", {"authority": world.manchester.code})
        .status_code
        == 404
    )
    for user in (world.police_officer, world.provider_staff, world.expired_inspector):
        other = client.__class__()
        sign_in(other, user)
        assert other.get("/oversight/compliance/").status_code == 404
        assert other.get("/oversight/annex-a/").status_code == 404


def test_an_inspector_sees_the_council_they_are_granted(client, world, reported):
    page = _client(client, world.inspector).get("/oversight/compliance/").content.decode()
    assert world.manchester.name in page


def test_the_figures_download_has_no_child_in_it_and_is_audited(client, world, reported):
    month = timezone.localdate().strftime("%Y-%m")
    response = _client(client, world.social_worker).get(
        "/oversight/compliance/download/", {"month": month, "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 12 * len(DUTIES)
    [host] = [r for r in rows if r["month"] == month and r["duty"] == "Host council told"]
    assert (host["met"], host["cases"], host["share_met_percent"]) == ("1", "1", "100.0")
    assert world.child.la_child_id not in response.content.decode()
    event = AuditEvent.objects.filter(action="export", object_type="compliance").latest("seq")
    assert event.username == world.social_worker.username
    xlsx = client.get("/oversight/compliance/download/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/oversight/compliance/download/", {"format": "pdf"}).status_code == 404
