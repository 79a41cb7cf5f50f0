"""Found anywhere (issue 14) in a real browser: an officer of another force looks a child up by a
misspelled name, sees the match, and records the child found."""

import datetime

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward.episodes import lookup, services
from tests.episodes.conftest import commission_return_interview_services
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_of_another_force_finds_a_missing_child_and_records_them_found(world, open_page, browser_helpers):
    commission_return_interview_services(world)
    episode, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=4),
        last_seen_location="Oak House",
    )
    services.philomena_profile_save(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        medical_needs="Asthma: carries an inhaler",
        vulnerabilities="Must not be released to Mr X",
    )
    device = browser_helpers.ready_to_sign_in(world.gmp_officer)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.gmp_officer, device, start="/police/missing-lookup/")
    expect(page.locator("h1")).to_have_text("Is this child missing from care?", use_inner_text=True)

    # Nobody by that name: the one answer for everyone who is not an open missing report.
    page.get_by_label("Why are you searching?").fill("Child at Piccadilly station at 2am")
    page.get_by_label("Name (optional)").fill("Nobody Known")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("no-match")).to_have_text(lookup.NO_OPEN_MISSING_REPORT, use_inner_text=True)

    page.get_by_label("Name (optional)").fill("Amirah Okafur")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Search").click()
    [card] = page.get_by_test_id("match").all()
    text = card.inner_text()
    assert "Amira Okafor, 14" in text and "Asthma: carries an inhaler" in text and "Mr X" in text
    assert "West Midlands Police" in text and "Manchester" in text and "Oak House" not in text

    card.get_by_role("link", name="Record Amira Okafor as found").click()
    expect(page.locator("h1")).to_have_text("Record Amira Okafor as found", use_inner_text=True)
    page.get_by_role("button", name="Record as found").click()  # nothing filled in but the time
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []  # the error page too
    page.get_by_label("Where was the child found?").fill("Manchester Piccadilly station")
    page.get_by_label("In whose care is the child now?").fill("PC 1234, British Transport Police office")
    page.get_by_role("button", name="Record as found").click()

    expect(page.get_by_text("Amira Okafor is recorded as found.")).to_be_visible()
    episode.refresh_from_db()
    assert episode.returned_at is not None and episode.location_police_force == world.gmp
    assert axe_violations(page) == []
    assert problems.items == []
