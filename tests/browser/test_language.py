"""Believed and trusted (issue 16), in a real browser: a carer reporting a child missing is shown
the words that may blame the child, why, and what to write instead; they reword, or keep their
wording, and the record holds exactly what they chose. What they did is counted once, for their
home and team, as reworded or kept (the patterns page)."""

import pytest
from playwright.sync_api import expect

from homeward.episodes.models import Episode
from homeward.language.models import PhraseTally
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "she is putting herself at risk with her boyfriend"


def _counted() -> set[tuple]:
    return {(t.agency.name, t.team, t.family, t.shown, t.reworded, t.kept) for t in PhraseTally.objects.all()}


@pytest.fixture
def carer(world):
    world.provider_staff.team = "Day staff"
    world.provider_staff.save()
    return world.provider_staff


def _report_with(page, text: str) -> None:
    page.get_by_role("link", name="Report Amira missing or away").click()
    page.get_by_label("Missing", exact=True).check()
    page.get_by_label("Where was Amira last seen?").fill("Oak House, front door")
    page.get_by_label("What do you know? (optional)").fill(text)
    page.get_by_role("button", name="Send report").click()


def _sees_the_notes(page) -> None:
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    notes = page.get_by_test_id("language-notes")
    expect(notes).to_be_visible()
    text = notes.inner_text()
    assert "“putting herself at risk”" in text and "“boyfriend”" in text
    assert "It says the child is the cause of the danger" in text  # why
    assert "Say who or what the child is at risk from" in text  # what instead
    assert "makes abuse sound like romance" in text
    # The words come back as typed; nothing is changed for the writer.
    assert page.get_by_label("What do you know? (optional)").input_value() == TYPED
    assert not Episode.objects.exists()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_carer_rewords_and_the_record_holds_the_new_words(world, carer, open_page, browser_helpers, javascript):
    device = browser_helpers.ready_to_sign_in(carer)
    page, problems = open_page(javascript=javascript)
    browser_helpers.sign_in(page, carer, device, start=f"/children/{world.child.pk}/")
    _report_with(page, TYPED)
    _sees_the_notes(page)

    reworded = "We are worried she is being exploited by a man aged 24 who collects her in a car"
    page.get_by_label("What do you know? (optional)").fill(reworded)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Amira Okafor is recorded as missing", use_inner_text=True)
    assert Episode.objects.get().circumstances == reworded
    assert _counted() == {
        ("Oak House", "Day staff", "boyfriend", 1, 1, 0),
        ("Oak House", "Day staff", "self_risk", 1, 1, 0),
    }
    if javascript:  # axe runs as a script in the page
        assert axe_violations(page) == []
    assert problems.items == []


def test_a_carer_keeps_their_wording_and_the_record_holds_exactly_what_they_typed(
    world, carer, open_page, browser_helpers
):
    device = browser_helpers.ready_to_sign_in(carer)
    page, problems = open_page(javascript=False)
    browser_helpers.sign_in(page, carer, device, start=f"/children/{world.child.pk}/")
    _report_with(page, TYPED)
    _sees_the_notes(page)

    page.get_by_label("Keep my wording").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Amira Okafor is recorded as missing", use_inner_text=True)
    assert Episode.objects.get().circumstances == TYPED
    assert _counted() == {
        ("Oak House", "Day staff", "boyfriend", 1, 0, 1),
        ("Oak House", "Day staff", "self_risk", 1, 0, 1),
    }
    # The reader sees the same words, marked, with the notes beside them.
    page.get_by_role("link", name="Go to the episode").click()
    marked = page.get_by_test_id("language-marked").first
    assert marked.inner_text().replace("[1]", "").replace("[2]", "") == TYPED
    expect(page.locator("mark", has_text="putting herself at risk")).to_be_visible()
    assert problems.items == []
