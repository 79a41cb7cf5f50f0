"""Reporting a child missing and the live board, in a real browser (issue 3)."""

import datetime

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward.episodes import services
from homeward.episodes.models import Episode, PhilomenaProfile
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


def _hours_ago(hours: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _board_rows(page) -> list[str]:
    return [row.inner_text() for row in page.locator('[data-testid="board"] tbody tr').all()]


def test_a_provider_reports_a_child_missing_on_a_phone_and_sees_it_on_the_board(world, open_page, browser_helpers):
    device = browser_helpers.ready_to_sign_in(world.provider_staff)
    page, problems = open_page()
    page.set_viewport_size(PHONE)
    browser_helpers.sign_in(page, world.provider_staff, device, start=f"/children/{world.child.pk}/")

    page.get_by_role("link", name="Report Amira missing or away").click()
    expect(page.locator("h1")).to_have_text("Report Amira missing or away", use_inner_text=True)
    # One page, nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Missing", exact=True).check()
    # When last seen starts at now: only the place and what they wore need typing.
    assert page.get_by_label("Year").input_value() != ""
    page.get_by_label("Where was Amira last seen?").fill("Oak House, front door")
    page.get_by_label("What was Amira wearing? (optional)").fill("Black puffer jacket, white trainers")
    # Amira has no Philomena profile: its essentials are asked on the same page, and sent with the report.
    expect(page.get_by_role("heading", name="About Amira")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("What does Amira look like? (optional)").fill("Tall, short dark hair, scar on left hand")
    page.get_by_label("Where might Amira go? (optional)").fill("Aston Park")
    page.get_by_label("Amira's phone number (optional)").fill("07700 900123")
    page.get_by_role("button", name="Send report").click()

    # The reporter is told who now knows, on the report's confirmation.
    expect(page.locator("h1")).to_have_text("Amira Okafor is recorded as missing", use_inner_text=True)
    episode = Episode.objects.get(child=world.child)
    assert page.url.endswith(f"/inbox/reported/{episode.pk}/")
    profile = PhilomenaProfile.objects.get(child=world.child)
    assert (profile.version, profile.places_frequented, profile.phone) == (1, "Aston Park", "07700 900123")

    # To the board through the service navigation's menu (collapsed on a phone).
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Missing now").click()
    expect(page.get_by_test_id("board-count")).to_have_text("1 child missing or away", use_inner_text=True)
    rows = _board_rows(page)
    assert (
        len(rows) == 1
        and "Amira Okafor" in rows[0]
        and "not graded" in rows[0].lower()
        and "Oak House, front door" in rows[0]
    )
    assert problems.items == []


def test_a_police_officer_grades_it_high_and_the_board_shows_it_first(world, open_page, browser_helpers):
    # Two children missing in West Midlands Police's area: Jayden gone longer, neither graded yet.
    services.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child_at_home.pk,
        kind="missing",
        left_at=_hours_ago(6),
        last_seen_location="New Street station",
        last_seen_postcode="B1 1AA",
    )
    services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=_hours_ago(1),
        last_seen_location="Oak House, front door",
    )
    device = browser_helpers.ready_to_sign_in(world.police_officer)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.police_officer, device, start="/board/")

    rows = _board_rows(page)
    assert [("Jayden" in row, "Amira" in row) for row in rows] == [(True, False), (False, True)]
    assert page.locator('[data-testid="board"] .moj-badge--red').count() == 0

    page.get_by_role("link", name="Amira Okafor").click()
    page.get_by_text("Grade risk", exact=True).click()  # a GOV.UK details: opens without a page load
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Source of the information").fill("Call from Oak House: phone off, older men seen nearby")
    page.get_by_label("Rationale (optional)").fill("Aged 14, exploitation concerns")
    page.get_by_role("button", name="Save risk grade").click()
    expect(page.get_by_text("Risk graded high.", exact=True)).to_be_visible()

    page.get_by_role("link", name="Missing now").click()
    rows = _board_rows(page)
    assert "Amira Okafor" in rows[0] and "high risk" in rows[0].lower() and "Jayden Walsh" in rows[1]
    first_badge = page.locator('[data-testid="board"] tbody tr').first.locator(".moj-badge")
    assert first_badge.inner_text().strip().lower() == "high risk"
    assert "moj-badge--red" in first_badge.get_attribute("class")
    # MoJ's sortable table started (module script, no inline code): its column buttons are there.
    assert page.locator('[data-testid="board"] th button').count() >= 5
    assert problems.items == []
