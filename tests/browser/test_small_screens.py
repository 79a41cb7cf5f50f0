"""On a 390px phone the page keeps its width: wide tables scroll inside their own region."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", ["/children/", "/oversight/compliance/"])
def test_wide_tables_scroll_inside_the_page_on_a_phone(world, open_page, browser_helpers, path):
    device = browser_helpers.ready_to_sign_in(world.social_worker)
    page, problems = open_page()
    page.set_viewport_size(PHONE)
    browser_helpers.sign_in(page, world.social_worker, device, start=path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    regions = page.locator(".homeward-table-scroll")
    assert regions.count() >= 1
    # Each is a labelled region a keyboard can reach, and none is wider than the phone.
    for region in regions.all():
        assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
        assert region.get_attribute("tabindex") == "0"
        assert region.evaluate("element => element.clientWidth") <= PHONE["width"]
    assert problems.items == []
