"""The inspection pack in a real browser: an inspector finds it, axe-core reports no serious or
critical violation on it, and the code asked again brings the PDF (issue 9, item 7)."""

import datetime
import time

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind
from homeward.episodes.services import episode_open, episode_record_return, return_interview_commission_set
from tests.browser.test_dashboards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_reads_the_pack_and_downloads_its_pdf(world, open_page, browser_helpers):
    service = Agency.objects.create(
        code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI, name="Manchester return interviews"
    )
    return_interview_commission_set(council=world.manchester, service=service)
    now = timezone.now().replace(microsecond=0)
    episode, _ = episode_open(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        kind="missing",
        started_at=now - datetime.timedelta(days=5),
    )
    # Back four days ago and no interview held: overdue.
    episode_record_return(
        user=world.social_worker, why="test", episode=episode, returned_at=now - datetime.timedelta(days=4)
    )
    device = browser_helpers.ready_to_sign_in(world.inspector)
    # A ten-second time step (the app's own setting for the device; 30 by default), so the new code
    # the download asks for comes within seconds, not up to half a minute (issue 10).
    device.step = 10
    device.save(update_fields=["step"])
    page, problems = open_page()
    browser_helpers.sign_in(page, world.inspector, device)
    signed_in_step = int(time.time() // device.step)

    page.get_by_role("link", name="Oversight").click()
    page.get_by_role("link", name=f"The inspection pack for {world.manchester.name}").click()
    expect(page.locator("h1")).to_have_text("Inspection pack", use_inner_text=True)
    page.goto(f"/oversight/inspection-pack/?month={timezone.localdate():%Y-%m}")
    overdue = page.get_by_test_id("pack-overdue-interviews")
    assert "MAN001" in overdue.inner_text() and overdue.get_by_role("link", name=f"Episode {episode.pk}").count() == 1
    assert page.get_by_test_id("pack-most-episodes").get_by_role("link", name="MAN001").count() == 1
    assert axe_violations(page) == []

    # django-otp refuses a code used once already: wait for the one after the sign-in's.
    while int(time.time() // device.step) == signed_in_step:
        time.sleep(0.5)
    page.get_by_label("Enter the code from your authenticator app").fill(browser_helpers.current_code(device))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack (PDF)").click()
    assert download.value.suggested_filename.startswith(f"inspection-pack-{world.manchester.code}-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    # A navigation that ends in a download is reported as an aborted request: that one is expected.
    assert [
        p for p in problems.items if not p.startswith("request failed:") or "/oversight/inspection-pack.pdf" not in p
    ] == []
