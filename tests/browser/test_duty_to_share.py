"""The duty to share in a real browser: a social worker finds what has been shared from the child's
page and records a decision not to share; axe-core finds nothing serious on either page. (The form
is a plain POST: tests/children/test_duty_to_share.py drives it with no script at all.)"""

import pytest
from playwright.sync_api import expect

from homeward.children.models import DecisionNotToShare
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_records_a_decision_not_to_share(world, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.police_officer)
    page, problems = open_page(javascript=False)
    browser_helpers.sign_in(page, world.police_officer, device, start=f"/children/{world.child.pk}/")
    assert page.get_by_role("link", name="See what has been shared with other agencies").count() == 0

    device = browser_helpers.ready_to_sign_in(world.social_worker)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.social_worker, device, start=f"/children/{world.child.pk}/")
    assert page.get_by_test_id("consistent-identifier").inner_text().startswith("Consistent child identifier")
    page.get_by_role("link", name="See what has been shared with other agencies").click()
    expect(page.locator("h1")).to_have_text("Shared with other agencies", use_inner_text=True)
    assert world.west_midlands_police.name in page.get_by_test_id("disclosures").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Record a decision not to share").click()
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    assert "Choose which parts of the record were not shared." in summary.inner_text()
    assert axe_violations(page) == []

    page.get_by_label("Which agency was not given the information?").select_option(label=world.provider.name)
    page.get_by_label("Family home address").check()
    page.get_by_label("Why would sharing be more detrimental to the child than not sharing?").fill(
        "Her mother must not learn where she lives; the home's staff would pass on the family address."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("h1")).to_have_text("Shared with other agencies", use_inner_text=True)
    assert "Oak House" in page.get_by_test_id("decisions").inner_text()
    assert DecisionNotToShare.objects.get(child=world.child).agency == world.provider
    assert problems.items == []
