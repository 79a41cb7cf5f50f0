"""The review queue and the one count, in a real browser (issue 5)."""

import datetime

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward import dates
from homeward.agencies.models import Role
from homeward.children.services import child_create, placement_create
from homeward.episodes.services import episode_open
from homeward.linkage.models import PairStatus
from homeward.linkage.services import linkage_run
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_report_submit
from tests.conftest import make_user
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cells(page, test_id: str) -> list[str]:
    return [" ".join(text.split()) for text in page.get_by_test_id(test_id).locator("td").all_inner_texts()]


def test_a_coordinator_checks_a_report_and_the_one_count_follows(world, open_page, browser_helpers):
    went = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    episode_open(user=world.social_worker, why="test", child=world.child.pk, kind="missing", started_at=went)
    dob = world.child.date_of_birth
    # Amira's twin, looked after by Leeds: a report of "A Okafor" born that day fits them both.
    zara = child_create(
        user=world.unrelated_social_worker,
        why="test",
        first_name="Zara",
        last_name="Okafor",
        date_of_birth=dob,
        sex="2",
        la_child_id="LDS002",
    )
    placement_create(
        user=world.unrelated_social_worker,
        why="test",
        child=zara,
        start_date=dob,
        placement_type="K2",
        provider_type="PR4",
        placement_postcode="LS1 1UR",
        home_postcode="LS1 1UR",
    )
    police_report_submit(
        user=make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system"),
        why="test",
        data={
            "reference": "WM/2",
            "first_name": "A",
            "last_name": "Okafor",
            "sex": "F",
            "date_of_birth": str(dob),
            "last_seen_at": (went + datetime.timedelta(minutes=10)).isoformat(),
            "reported_at": (went + datetime.timedelta(hours=1)).isoformat(),
        },
    )
    linkage_run(why="test")
    coordinator = make_user(world.manchester, Role.MISSING_COORDINATOR, "man-coord")
    device = browser_helpers.ready_to_sign_in(coordinator)
    page, problems = open_page()
    browser_helpers.sign_in(page, coordinator, device)
    period = f"?since={(timezone.localdate() - datetime.timedelta(days=30)).isoformat()}&until={timezone.localdate().isoformat()}"

    page.goto(f"/reports/one-count/{period}")
    # Report and episode not yet known to be one: a police-only absence to check, a council-only one.
    assert cells(page, "row-E08000003") == ["Manchester", "0", "1 1 to check", "1", "2"]
    assert page.locator('[data-testid="chart"] svg').count() == 1

    page.get_by_role("link", name="Reports to check").click()
    page.get_by_role("link", name="WM/2").click()
    expect(page.locator("h1")).to_have_text("Is this report about Amira Okafor?", use_inner_text=True)
    comparison = page.get_by_test_id("comparison").inner_text()
    assert "Date of birth" in comparison and dates.when(dob) in comparison
    page.get_by_label("Yes, it is this child").check()
    page.get_by_label("What did you check?").fill("Oak House confirmed it was Amira, not her sister.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Police report WM/2 is linked to Amira Okafor's record.")).to_be_visible()
    assert PoliceReport.objects.get(reference="WM/2").child == world.child
    assert world.child.candidate_pairs.get().status == PairStatus.CONFIRMED

    page.goto(f"/reports/one-count/{period}")
    assert cells(page, "row-E08000003") == ["Manchester", "1", "0", "0", "1"]
    assert axe_violations(page) == []
    assert problems.items == []
