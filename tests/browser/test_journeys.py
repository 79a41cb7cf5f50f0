"""A person signs in with password and code, finds a child and opens the record, in a real browser."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_search_and_open_a_child(world, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.social_worker)
    page, problems = open_page()

    page.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
    # GOV.UK Frontend's JavaScript started (init.js, no inline script): the password can be revealed.
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    page.get_by_label("Password", exact=True).fill("secret")
    page.get_by_role("button", name="Show password").click()
    assert page.get_by_label("Password", exact=True).get_attribute("type") == "text"

    browser_helpers.sign_in(page, world.social_worker, device)
    expect(page.locator("h1")).to_have_text(world.manchester.name, use_inner_text=True)
    assert "Signed in as" in page.get_by_test_id("signed-in-as").inner_text()

    page.get_by_role("link", name="Children", exact=True).click()
    page.get_by_label("Search for a child").fill("Okafor")
    page.get_by_role("button", name="Search").click()
    assert "1 child matches" in page.locator("#results-heading").inner_text()
    page.get_by_role("link", name="Okafor, Amira").click()

    expect(page.locator("h1")).to_have_text("Amira Okafor", use_inner_text=True)
    assert "Responsible authority" in page.get_by_test_id("access-reasons").inner_text()
    expect(page.get_by_text("Out of area").first).to_be_visible()

    # The stylesheet and its fonts arrived: GOV.UK styles are applied and the GDS font is in use.
    assert "GDS Transport" in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.govuk-header')).backgroundColor") != "rgba(0, 0, 0, 0)"
    )
    page.evaluate("document.fonts.ready")
    assert any(url.endswith("/govuk-frontend.min.css") for url in problems.loaded)
    assert any(
        "/static/govuk-frontend/dist/govuk/assets/fonts/" in url and url.endswith(".woff2") for url in problems.loaded
    )
    assert problems.items == []


def test_it_all_works_without_javascript(world, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.host_coordinator)
    page, problems = open_page(javascript=False)

    browser_helpers.sign_in(page, world.host_coordinator, device, start="/children/")
    assert page.url.endswith("/children/")
    page.get_by_label("Search for a child").fill("Amira")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Okafor, Amira").click()
    assert "Host authority of the current placement" in page.get_by_test_id("access-reasons").inner_text()

    page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/sign-in/")
    expect(page.get_by_text("You have signed out")).to_be_visible()
    assert problems.items == []


def test_a_child_out_of_scope_is_not_found(world, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.unrelated_social_worker)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.unrelated_social_worker, device)
    response = page.goto(f"/children/{world.child.pk}/")
    assert response.status == 404
    assert "Okafor" not in page.content()
