"""The inspection pack: who may read it, what it lists, that it links only to children the reader
sees, that its PDF holds the same figures behind the second factor, and that each read is audited."""

import datetime
import io
import re
import time

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from homeward.agencies.access import visible_children
from homeward.agencies.models import Role
from homeward.audit.models import AuditEvent
from homeward.episodes import services as episodes
from homeward.oversight import views
from homeward.oversight.compliance import DUTIES
from homeward.oversight.pack import inspection_pack
from homeward.safeguarding.services import risk_flag_raise
from tests.conftest import make_user
from tests.support import commissioned_service, sign_in

pytestmark = pytest.mark.django_db


def _ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def _episode(world, child, *, started_days: float, returned_days: float | None, user=None):
    episode, _ = episodes.episode_open(
        user=user or world.social_worker,
        why="test",
        child=child,
        kind="missing",
        started_at=_ago(days=started_days),
        reported_at=_ago(days=started_days),
    )
    if returned_days is not None:
        episodes.episode_record_return(
            user=user or world.social_worker, why="test", episode=episode, returned_at=_ago(days=returned_days)
        )
    return episode


@pytest.fixture
def manager(world):
    return make_user(world.manchester, Role.TEAM_MANAGER)


@pytest.fixture
def history(world):
    """Amira: three episodes, the first two offered an interview the next day, which she declined, the
    last back four days ago with its interview neither held nor declined (overdue); Kacper: one episode,
    back an hour ago (his interview not yet due); Jayden: a practitioner's concern raised; Leeds's
    child: two episodes, none of them Manchester's."""
    service = commissioned_service(world.manchester, "Manchester return interviews")
    commissioned_service(world.leeds, "Leeds return interviews")
    worker = make_user(service, Role.RHI_WORKER)
    for started in (40, 20):
        episode = _episode(world, world.child, started_days=started, returned_days=started - 0.25)
        episodes.return_interview_update(
            user=worker, why="test", episode=episode, status="offered", offered_at=_ago(days=started - 1)
        )
        episodes.return_interview_update(
            user=worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
        )
    overdue = _episode(world, world.child, started_days=4.25, returned_days=4)
    _episode(world, world.moved_child, started_days=1, returned_days=1 / 24)
    risk_flag_raise(
        user=world.social_worker,
        why="test",
        child=world.child_at_home,
        kind="practitioner_concern",
        reason="Seen with older men near the station",
    )
    for started in (30, 6):
        _episode(
            world,
            world.leeds_child,
            started_days=started,
            returned_days=started - 0.25,
            user=world.unrelated_social_worker,
        )
    return overdue


def _client(client, user):
    sign_in(client, user)
    return client


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _linked_children(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/children/(\d+)/', page)}


def test_the_council_and_an_inspector_read_the_pack(client, world, manager, history):
    for user in (manager, world.social_worker, world.inspector):
        c = client.__class__()
        response = _client(c, user).get("/oversight/inspection-pack/", {"month": _month()})
        assert response.status_code == 200
        assert world.manchester.name in response.content.decode()


def test_it_validates_the_council(client, world, history):
    # Another council's manager, the police, a provider and a lapsed inspector: not found.
    leeds_manager = make_user(world.leeds, Role.TEAM_MANAGER)
    for user in (leeds_manager, world.police_officer, world.provider_staff, world.expired_inspector):
        c = client.__class__()
        sign_in(c, user)
        assert c.get("/oversight/inspection-pack/", {"authority": world.manchester.code}).status_code == 404
        assert c.post("/oversight/inspection-pack.pdf", {"authority": world.manchester.code}).status_code == 404
    assert AuditEvent.objects.filter(object_type="inspection_pack").count() == 0


def test_the_menu_offers_oversight_to_managers_and_inspectors(client, world, manager):
    for user, offered in (
        (manager, True),
        (world.inspector, True),
        (world.social_worker, False),
        (world.expired_inspector, False),
        (world.police_officer, False),
    ):
        c = client.__class__()
        page = _client(c, user).get("/").content.decode()
        assert ('href="/oversight/compliance/"' in page) is offered, user.username


def test_it_lists_the_most_episodes_overdue_interviews_and_open_flags(world, manager, history):
    pack = inspection_pack(
        user=manager, authority=world.manchester, first=timezone.localdate(), last=timezone.localdate(), why="test"
    )
    assert [(row.child.la_child_id, row.episodes) for row in pack.most_episodes.rows] == [("MAN001", 3), ("MAN003", 1)]
    [overdue] = pack.overdue_interviews.rows
    assert (overdue.child.la_child_id, overdue.episode_id, pack.overdue_interviews.total) == ("MAN001", history.pk, 1)
    assert overdue.overdue_for == "24.0 hours"
    flagged = {row.child.la_child_id: row.flags for row in pack.open_flags.rows}
    assert flagged["MAN002"] == ["Practitioner's concern"]
    assert "LDS001" not in flagged


def test_it_gives_the_compliance_figures_over_the_months(world, manager, history):
    pack = inspection_pack(
        user=manager, authority=world.manchester, first=_ago(days=60).date(), last=timezone.localdate(), why="test"
    )
    [offered] = [line for line in pack.duties if line.period.duty.code == "interview_offered"]
    # Amira's three returns are more than 72 hours old; Kacper's is not yet a case.
    assert (offered.period.numerator, offered.period.denominator) == (2, 3)


def test_it_links_only_to_children_the_reader_sees(client, world, manager, history):
    page = _client(client, manager).get("/oversight/inspection-pack/", {"month": _month()}).content.decode()
    linked = _linked_children(page)
    assert linked == {world.child.pk, world.moved_child.pk, world.child_at_home.pk}
    assert linked <= set(visible_children(manager).values_list("pk", flat=True))
    assert "LDS001" not in page and f"/episodes/{history.pk}/" in page


def test_a_host_councils_pack_holds_only_its_own_children(client, world, history):
    # Birmingham's coordinator sees Amira (placed in Birmingham), but she is Manchester's child.
    page = _client(client, world.host_coordinator).get("/oversight/inspection-pack/").content.decode()
    assert world.birmingham.name in page and "MAN001" not in page and _linked_children(page) == set()


def test_each_read_is_audited_once_per_child_named(client, world, history):
    _client(client, world.inspector).get("/oversight/inspection-pack/", {"month": _month()})
    events = AuditEvent.objects.filter(object_type="inspection_pack", username=world.inspector.username)
    assert sorted(e.child_id for e in events) == sorted([world.child.pk, world.moved_child.pk, world.child_at_home.pk])
    assert {e.action for e in events} == {"list"}


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_pdf_asks_for_the_code_again(client, world, manager, history):
    c = _client(client, manager)
    assert c.get("/oversight/inspection-pack.pdf").status_code == 405
    refused = c.post("/oversight/inspection-pack.pdf", {"authority": world.manchester.code, "month": _month()})
    assert refused.status_code == 400 and "Enter the 6-digit code" in refused.content.decode()
    confirmed = c.post(
        "/oversight/inspection-pack.pdf",
        {"authority": world.manchester.code, "month": _month(), "code": _code(manager)},
    )
    assert confirmed.status_code == 200 and confirmed["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(object_type="inspection_pack", action="export").count() == 3


def _met(text: str) -> list[str]:
    return re.findall(r"\d+ of \d+", text)


def test_the_pdf_opens_and_holds_the_same_figures_and_is_audited(client, world, manager, history):
    c = _client(client, manager)
    page = c.get("/oversight/inspection-pack/", {"month": _month()}).content.decode()
    on_page = _met(page[page.index('data-testid="pack-compliance"') : page.index("</table>")])
    # A code confirmed a moment ago serves the PDF without asking again.
    session = c.session
    session[views.CONFIRMED_AT_KEY] = int(time.time())
    session.save()
    response = c.post("/oversight/inspection-pack.pdf", {"month": _month()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Inspection pack" in text and world.manchester.name in text
    assert len(on_page) == len(DUTIES) and "2 of 3" in on_page and _met(text) == on_page
    assert "MAN001" in text and "MAN002" in text and "LDS001" not in text
    assert f"Episode {history.pk}" in text and "Practitioner's concern" in text
    exported = AuditEvent.objects.filter(object_type="inspection_pack", action="export", username=manager.username)
    assert sorted(e.child_id for e in exported) == sorted(
        [world.child.pk, world.moved_child.pk, world.child_at_home.pk]
    )
