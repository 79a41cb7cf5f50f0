"""A social worker checks a distant placement before making it; the nominated officer and the director
record their approvals on the same page, in a real browser."""

import datetime

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.scrutiny.models import PlacementCheck
from tests.conftest import make_user
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_runs_the_placement_check_and_the_approvals_are_recorded(world, open_page, browser_helpers):
    start = timezone.localdate() + datetime.timedelta(days=14)
    device = browser_helpers.ready_to_sign_in(world.social_worker)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.social_worker, device, start=f"/children/{world.child_at_home.pk}/")
    page.get_by_test_id("placement-check-link").click()
    expect(page.locator("h1")).to_have_text("Check a placement before you make it", use_inner_text=True)

    page.get_by_role("button", name="Run the check").click()  # nothing filled in: each field says what it needs
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter when the placement would start" in summary and "Enter the postcode of the placement" in summary

    page.get_by_label("Day", exact=True).fill(str(start.day))
    page.get_by_label("Month", exact=True).fill(str(start.month))
    page.get_by_label("Year", exact=True).fill(str(start.year))
    page.get_by_label("Children's home (K2)").check()
    page.get_by_label("Ofsted URN of the home").fill(world.provider.code)
    page.get_by_label("Postcode of the placement").fill("b1 1aa")
    page.get_by_label("Postcode of Jayden's home").fill("M1 1AE")
    page.get_by_role("button", name="Run the check").click()

    expect(page.locator("h1")).to_have_text("Placement check", use_inner_text=True)
    assert "Distant" in page.get_by_test_id("relation").inner_text()
    assert "Birmingham" in page.get_by_test_id("geography").inner_text()
    expect(page.get_by_test_id("requirement-director")).to_be_visible()
    expect(page.get_by_test_id("home-record")).to_be_visible()
    # The social worker sends the notice; the approvals are not theirs to give.
    notice = page.get_by_test_id("requirement-host_notice")
    notice.get_by_label("What the notice says").fill("Jayden needs a specialist home; the care plan is attached.")
    notice.get_by_role("button", name="Send the notice to Birmingham").click()
    assert "Sent" in page.get_by_test_id("requirement-host_notice").inner_text()
    assert page.get_by_test_id("requirement-nominated_officer").get_by_role("button").count() == 0
    check = PlacementCheck.objects.get(child=world.child_at_home, placement__isnull=True)
    assert axe_violations(page) == []
    assert problems.items == []

    for role, card in ((Role.NOMINATED_OFFICER, "nominated_officer"), (Role.DIRECTOR, "director")):
        approver = make_user(world.manchester, role, f"man-{card}")
        page, problems = open_page()
        browser_helpers.sign_in(
            page, approver, browser_helpers.ready_to_sign_in(approver), start=f"/placements/checks/{check.pk}/"
        )
        section = page.get_by_test_id(f"requirement-{card}")
        section.get_by_label("Approve").check()
        section.get_by_label("Reasons for the decision").fill(
            "Specialist therapeutic care is not available nearer home."
        )
        section.get_by_role("button", name="Record the decision").click()
        assert "Approved by" in page.get_by_test_id(f"requirement-{card}").inner_text()
        assert axe_violations(page) == []
        assert problems.items == []
    assert set(check.requirements.filter(outcome="approved").values_list("kind", flat=True)) == {
        "nominated_officer",
        "director",
    }
