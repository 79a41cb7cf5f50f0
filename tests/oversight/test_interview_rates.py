"""Return interview offer and acceptance rates per council (oversight.compliance.interview_rates),
shown on the council's compliance page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from homeward.agencies.models import Agency, Role
from homeward.audit.models import AuditEvent
from homeward.episodes import services as episodes
from homeward.oversight.compliance import interview_rates, month_of
from tests.conftest import make_user
from tests.episodes.conftest import commission_return_interview_services
from tests.support import sign_in

pytestmark = pytest.mark.django_db


def _ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _returned(world, child, hours_ago: float):
    episode, _ = episodes.episode_open(
        user=world.social_worker if child != world.leeds_child else world.unrelated_social_worker,
        why="test",
        child=child,
        kind="missing",
        started_at=_ago(hours_ago + 1),
        reported_at=_ago(hours_ago + 1),
    )
    episodes.episode_record_return(user=episode.reported_by, why="test", episode=episode, returned_at=_ago(hours_ago))
    return episode


@pytest.fixture
def month(world):
    commission_return_interview_services(world)
    manchester_rhi = make_user(Agency.objects.get(code=f"RHI-{world.manchester.code}"), Role.RHI_WORKER)
    leeds_rhi = make_user(Agency.objects.get(code=f"RHI-{world.leeds.code}"), Role.RHI_WORKER)
    offer = {"status": "offered"}
    # Amira: offered and accepted, then back again, offered and declined.
    accepted = _returned(world, world.child, 9)
    episodes.return_interview_update(user=manchester_rhi, why="test", episode=accepted, **offer)
    episodes.return_interview_update(user=manchester_rhi, why="test", episode=accepted, status="accepted")
    declined = _returned(world, world.child, 7)
    episodes.return_interview_update(user=manchester_rhi, why="test", episode=declined, **offer)
    episodes.return_interview_update(
        user=manchester_rhi, why="test", episode=declined, status="declined", declined_reason="trusted_adult"
    )
    # The moved child: offered and held straight away (held counts as accepted).
    held = _returned(world, world.moved_child, 5)
    episodes.return_interview_update(
        user=manchester_rhi, why="test", episode=held, status="offered", offered_at=_ago(4)
    )
    episodes.return_interview_update(
        user=manchester_rhi,
        why="test",
        episode=held,
        status="completed",
        held_at=_ago(1),
        held_by="R. Tester, Manchester RHI service",
        held_by_independent=True,
    )
    # The child at home: back, not offered yet.
    _returned(world, world.child_at_home, 3)
    # Leeds's child, offered by Leeds's service: another council's figure.
    other = _returned(world, world.leeds_child, 3)
    episodes.return_interview_update(user=leeds_rhi, why="test", episode=other, **offer)
    return month_of(_ago(1))


def test_it_counts_offers_and_acceptances_of_the_councils_returns(world, month):
    rates = interview_rates(user=world.social_worker, authority=world.manchester, month=month)
    assert (rates.returns, rates.offered, rates.accepted, rates.declined) == (4, 3, 2, 1)
    assert (rates.offer_rate, rates.acceptance_rate) == (75.0, 66.7)
    assert AuditEvent.objects.filter(
        object_type="interview_rates", object_id=world.manchester.code, user_id=world.social_worker.pk
    ).exists()


def test_a_month_without_returns_has_no_rates(world, month):
    earlier = month_of(month - datetime.timedelta(days=1))
    rates = interview_rates(user=world.social_worker, authority=world.manchester, month=earlier)
    assert (rates.returns, rates.offer_rate, rates.acceptance_rate) == (0, None, None)


def test_it_validates_who_may_see_a_councils_rates(world, month):
    with pytest.raises(PermissionDenied):
        interview_rates(user=world.unrelated_social_worker, authority=world.manchester, month=month)
    with pytest.raises(PermissionDenied):
        interview_rates(user=world.provider_staff, authority=world.manchester, month=month)


def test_the_compliance_page_shows_them(world, month, client):
    sign_in(client, world.social_worker)
    page = client.get(
        "/oversight/compliance/", {"authority": world.manchester.code, "month": month.strftime("%Y-%m")}
    ).content.decode()
    rates = page.split('data-testid="interview-rates"')[1].split("</dl>")[0]
    assert "75.0%: after 3 of 4 returns" in rates
    assert "66.7%: 2 of 3 offers (1 declined)" in rates
