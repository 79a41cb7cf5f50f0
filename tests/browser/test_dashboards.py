"""Two dashboards in a real browser at a phone's width, checked by axe-core (issue 9, item 5)."""

import datetime
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from django.conf import settings
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.episodes.services import episode_open, episode_record_return, return_interview_commission_set
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.REPO_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def axe_violations(page) -> list[str]:
    """axe-core's findings of any impact on the page as it is now (issue 11: none of any impact)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/setup (axe-core is in package.json's devDependencies)")
    # Evaluated through the DevTools protocol, so the page's strict CSP need not allow an inline script.
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']} ({len(v['nodes'])}): {v['help']}" for v in results["violations"]]


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for chart in page.locator("svg.homeward-chart").all():
        box = chart.bounding_box()
        # Drawn about a phone's width (reporting.charts): near 1:1 here, so its 12 px text stays 12 px or so.
        assert 300 <= box["width"] <= PHONE["width"]


@pytest.fixture
def period(world) -> str:
    service = Agency.objects.create(
        code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester return interviews"
    )
    return_interview_commission_set(council=world.manchester, service=service)
    now = timezone.now().replace(microsecond=0)
    for child, kind, ago in (
        (world.child, "missing", 9),
        (world.child_at_home, "away", 4),
        (world.moved_child, "missing", 2),
    ):
        episode, _ = episode_open(
            user=world.social_worker,
            why="test",
            child=child.pk,
            kind=kind,
            started_at=now - datetime.timedelta(days=ago),
        )
        if kind == "away":
            episode_record_return(
                user=world.social_worker,
                why="test",
                episode=episode,
                returned_at=episode.started_at + datetime.timedelta(hours=5),
            )
    today = timezone.localdate()
    return f"?since={(today - datetime.timedelta(days=40)).isoformat()}&until={today.isoformat()}"


def test_a_council_dashboard_reads_on_a_phone_and_passes_axe(world, period, open_page, browser_helpers):
    coordinator = make_user(world.manchester, Role.MISSING_COORDINATOR, "man-coord")
    device = browser_helpers.ready_to_sign_in(coordinator)
    page, problems = open_page()
    page.set_viewport_size(PHONE)
    browser_helpers.sign_in(page, coordinator, device)
    page.get_by_role("button", name="Menu").click()  # the service navigation folds away on a phone
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Children we look after").click()
    expect(page.locator("h1")).to_have_text("Children we look after", use_inner_text=True)
    page.goto(f"/reports/dashboard/{period}&kind=council")
    expect(page.get_by_test_id("episodes")).to_have_text("3", use_inner_text=True)
    assert page.get_by_role("img", name="Missing and away episodes by the month they began", exact=False).count() == 1
    fits_a_phone(page)
    assert axe_violations(page) == [], json.dumps(axe_violations(page), indent=1)
    assert problems.items == []


def test_the_national_dashboard_passes_axe_and_shows_no_small_cell(world, period, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.national_analyst)
    page, problems = open_page()
    page.set_viewport_size(PHONE)
    browser_helpers.sign_in(page, world.national_analyst, device)
    page.goto(f"/reports/dashboard/{period}&kind=national")
    assert page.get_by_test_id("episodes").inner_text().startswith("[c]")
    fits_a_phone(page)
    assert axe_violations(page) == []
    assert problems.items == []
