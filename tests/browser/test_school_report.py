"""A school reports a pupil not in school; the carer confirms the child missing; the episode starts
from the school's time (issue 18), in a real browser."""

import datetime

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward.episodes.models import Episode
from homeward.schools.models import SchoolReport
from tests.partners import partners  # noqa: F401
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_school_lead_reports_a_pupil_and_the_carer_confirms_her_missing(world, partners, open_page, browser_helpers):
    expected = timezone.localtime(timezone.now() - datetime.timedelta(hours=3)).replace(second=0, microsecond=0)

    # The school's designated safeguarding lead, from Amira's record: who she is and who to call, no more.
    device = browser_helpers.ready_to_sign_in(partners.school_lead)
    page, problems = open_page()
    school = page
    browser_helpers.sign_in(page, partners.school_lead, device, start=f"/children/{world.child.pk}/")
    expect(page.get_by_test_id("missing-now")).to_have_text(
        "Amira is not recorded as missing or away now.", use_inner_text=True
    )
    expect(page.get_by_test_id("contacts")).to_be_visible()
    page.get_by_role("link", name="Report Amira not in school").click()
    expect(page.locator("h1")).to_have_text("Report Amira not in school", use_inner_text=True)
    page.get_by_label("Day").fill(str(expected.day))
    page.get_by_label("Month").fill(str(expected.month))
    page.get_by_label("Year").fill(str(expected.year))
    page.get_by_label("Time").fill(expected.strftime("%H:%M"))
    page.get_by_label("What does the school know?").fill(
        "Not at registration at the start of the day. Called Oak House: no answer. Her friend has not seen her."
    )
    page.get_by_role("button", name="Send the report").click()
    report = SchoolReport.objects.get(child=world.child)
    assert page.url.endswith(f"/school-reports/{report.pk}/")
    assert page.get_by_test_id("outcome").inner_text().startswith("Awaiting confirmation")
    assert axe_violations(page) == []
    assert problems.items == []

    # The carer is told in their inbox, opens the report and confirms Amira missing.
    device = browser_helpers.ready_to_sign_in(world.provider_staff)
    page, problems = open_page()
    browser_helpers.sign_in(page, world.provider_staff, device, start="/inbox/")
    page.get_by_role("link", name="A school reports a child in care not in school").click()
    assert page.url.endswith(f"/school-reports/{report.pk}/")
    page.get_by_label("Missing: we do not know where they are").check()
    page.get_by_role("button", name="Save the answer").click()

    # The carer lands on the report's confirmation (who was told); the episode starts from the school's time.
    episode = Episode.objects.get(child=world.child)
    assert page.url.endswith(f"/inbox/reported/{episode.pk}/")
    expect(page.locator("h1")).to_have_text("Amira Okafor is recorded as missing", use_inner_text=True)
    assert episode.kind == "missing" and episode.started_at == expected and episode.reported_at == report.reported_at
    assert problems.items == []

    # The school hears the answer (still signed in: a second code in the same 30 seconds would be
    # refused as a replay), and sees Amira is missing now: not the episode itself.
    school.goto(f"/children/{world.child.pk}/")
    assert school.get_by_test_id("missing-now").inner_text().startswith("Missing since")
    assert school.get_by_role("link", name="Report Amira not in school").count() == 0
    school.goto("/inbox/")
    expect(
        school.get_by_role("link", name="The pupil your school reported not in school is confirmed missing")
    ).to_be_visible()
