"""Ofsted's list of children in care (Annex A): what it counts, and that downloading it asks for
the second factor again and is audited under each child."""

import csv
import datetime
import io
import time

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.audit.models import AuditEvent
from homeward.episodes import services as episodes
from homeward.episodes.models import ReturnInterviewCommission
from homeward.oversight import views
from homeward.oversight.annex_a import HEADER, annex_a_rows
from tests.conftest import make_user
from tests.support import sign_in

pytestmark = pytest.mark.django_db


def _ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


@pytest.fixture
def history(world):
    """Amira: two missing episodes (the last offered an interview, which she accepted) and one that
    began away and became missing; Kacper: one episode, more than 12 months ago."""
    service = Agency.objects.create(code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester RHI")
    ReturnInterviewCommission.objects.create(council=world.manchester, service=service)
    worker = make_user(service, Role.RHI_WORKER)

    def episode(child, kind, days, *, change=False, offer=False, accept=False):
        e, _ = episodes.episode_open(
            user=world.social_worker,
            why="test",
            child=child,
            kind=kind,
            started_at=_ago(days=days),
            reported_at=_ago(days=days),
        )
        if change:  # the next day: a change on the day it began would make one SSDA903 period
            episodes.episode_kind_change(
                user=world.social_worker, why="test", episode=e, to_kind="missing", at=_ago(days=days - 1)
            )
        episodes.episode_record_return(
            user=world.social_worker, why="test", episode=e, returned_at=_ago(days=days - (2 if change else 1))
        )
        if offer:
            episodes.return_interview_update(
                user=worker, why="test", episode=e, status="offered", offered_at=_ago(days=days - 2)
            )
        if accept:
            episodes.return_interview_update(user=worker, why="test", episode=e, status="accepted")
        return e

    episode(world.child, "missing", 90)
    episode(world.child, "away", 60, change=True)
    episode(world.child, "missing", 20, offer=True, accept=True)
    episode(world.moved_child, "missing", 390)


def test_it_counts_missing_and_away_episodes_and_the_last_interview(world, history):
    rows = {row.child.pk: row for row in annex_a_rows(user=world.social_worker, authority=world.manchester, why="test")}
    amira = rows[world.child.pk]
    # The away episode that became missing counts once as each (SSDA903 periods).
    assert (amira.missing, amira.away, amira.offered, amira.accepted) == (3, 1, True, True)
    kacper = rows[world.moved_child.pk]
    assert (kacper.missing, kacper.away, kacper.offered, kacper.accepted) == (0, 0, None, None)
    # Leeds's child is not Manchester's to list.
    assert world.leeds_child.pk not in rows


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_it_asks_for_the_code_before_the_download(client, world, history):
    sign_in(client, world.social_worker)
    page = client.get("/oversight/annex-a/")
    assert page.status_code == 200 and 'data-testid="count">3<' in page.content.decode()
    assert 'name="code"' in page.content.decode()
    refused = client.post("/oversight/annex-a/", {"format": "csv"})
    assert refused.status_code == 400 and "Enter the 6-digit code" in refused.content.decode()
    wrong = client.post(
        "/oversight/annex-a/",
        {"format": "csv", "code": "000000" if _code(world.social_worker) != "000000" else "111111"},
    )
    assert wrong.status_code == 400 and "The code is not right" in wrong.content.decode()
    assert not AuditEvent.objects.filter(object_type="annex_a").exists()


def test_with_the_code_it_downloads_the_list_and_audits_each_child(client, world, history):
    sign_in(client, world.social_worker)
    response = client.post("/oversight/annex-a/", {"format": "csv", "code": _code(world.social_worker)})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == HEADER
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[world.child.la_child_id][4:] == ["3", "1", "Y", "Y"]
    assert by_id[world.moved_child.la_child_id][4:] == ["0", "0", "", ""]
    events = AuditEvent.objects.filter(object_type="annex_a", action="export")
    assert sorted(events.values_list("child_id", flat=True)) == sorted(
        [world.child.pk, world.child_at_home.pk, world.moved_child.pk]
    )


def test_a_code_confirmed_recently_serves_another_download_then_lapses(client, world, history, monkeypatch):
    sign_in(client, world.social_worker)
    assert client.post("/oversight/annex-a/", {"format": "csv", "code": _code(world.social_worker)}).status_code == 200
    again = client.post("/oversight/annex-a/", {"format": "xlsx"})
    assert again.status_code == 200
    sheet = load_workbook(io.BytesIO(again.content)).active
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == HEADER
    later = time.time() + (views.CONFIRM_WITHIN_MINUTES + 1) * 60
    monkeypatch.setattr(views.time, "time", lambda: later)
    assert client.post("/oversight/annex-a/", {"format": "csv"}).status_code == 400


def test_it_validates_the_council(client, world, history):
    sign_in(client, world.unrelated_social_worker)
    assert client.get("/oversight/annex-a/", {"authority": world.manchester.code}).status_code == 404
    assert client.post("/oversight/annex-a/", {"authority": world.manchester.code, "format": "csv"}).status_code == 404
    # Leeds's own list holds Leeds's child only.
    page = client.get("/oversight/annex-a/").content.decode()
    assert 'data-testid="count">1<' in page
