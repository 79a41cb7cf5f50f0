"""The demo's first ten minutes (issue 15): a world up to today, each demo role's work waiting, and a
tour on each home page that reaches it in at most two clicks."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import Role, User
from homeward.web import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_world(reference, settings, tmp_path):
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    # Half the demo's 3,000 children: the tour leads to the day's work demo_accounts makes whatever
    # the size, and a smaller world still has police reports to check (4 at this seed, against 6).
    for command, *arguments in (
        ("demo_world", "--seed", "1", "--children", "1500"),
        ("worker", "--once"),
    ):
        call_command(command, *arguments, stdout=StringIO())
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    # The day's work the tour leads to, made whatever the world holds on the day the test runs.
    assert "The demo's day: missing now from" in out.getvalue(), out.getvalue()


def _sign_in_as(open_page, role: str):
    user = User.objects.get(username=demo.demo_username(role))
    page, problems = open_page()
    page.goto("/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(demo.demo_password(role))
    page.get_by_role("button", name="Continue").click()
    device = TOTPDevice.objects.get(user=user, name=demo.DEVICE_NAME)
    page.get_by_label("Enter the code from your authenticator app").fill(demo.current_code(device))
    page.get_by_role("button", name="Sign in").click()
    # The home page with its tour, once the sign-in's redirect has landed (waits, up to the timeout).
    page.get_by_test_id("demo-tour").wait_for(timeout=60_000)
    # The banner is first on the page: wait for the rest of the new document too, before counting.
    page.wait_for_load_state("load")
    return page, problems


def _real(problems) -> list[str]:
    """What went wrong, less the icon's request cut off by a quick click to the next page."""
    return [item for item in problems.items if not (item.startswith("request failed:") and "favicon" in item)]


def _tour_click(page, words: str) -> None:
    # Counted only once the page the link leads to has loaded (not the one it was clicked on).
    with page.expect_navigation():
        page.get_by_test_id("demo-tour").get_by_role("link", name=words).first.click()
    page.wait_for_load_state("load")


def _social_worker(page) -> None:
    # The alert that a child they are allocated to is graded high risk, one click away. (The urgent
    # one, with its clocks, is the team manager's and the nominated officer's.)
    _tour_click(page, "Open your inbox")
    assert "allocated to as high risk" in page.get_by_test_id("inbox").inner_text()


def _team_manager(page) -> None:
    _tour_click(page, "Open your inbox")
    assert page.get_by_test_id("inbox").get_by_text("Urgent").count() >= 1


def _missing_coordinator(page) -> None:
    # Police reports to check in the council's own queue.
    _tour_click(page, "Check police reports")
    assert page.get_by_test_id("review-queue").locator("tbody tr").count() >= 1


def _rhi_worker(page) -> None:
    # An interview due, not yet overdue.
    _tour_click(page, "See interviews due")
    assert page.get_by_test_id("interviews-due").locator("tbody tr").count() >= 1


def _provider_staff(page) -> None:
    # The child missing from their home, on the home page itself, and on the board.
    page.get_by_test_id("home-missing-now").locator("li").first.wait_for()
    _tour_click(page, "See the board")
    assert page.get_by_test_id("board").locator("tbody tr").count() >= 1


def _police_officer(page) -> None:
    # An open episode in the force's area, graded high.
    _tour_click(page, "See the board")
    board = page.get_by_test_id("board")
    assert board.locator("tbody tr").count() >= 1 and "high" in board.inner_text().lower()


WAITING = {
    Role.SOCIAL_WORKER: _social_worker,
    Role.TEAM_MANAGER: _team_manager,
    Role.MISSING_COORDINATOR: _missing_coordinator,
    Role.RHI_WORKER: _rhi_worker,
    Role.PROVIDER_STAFF: _provider_staff,
    Role.POLICE_OFFICER: _police_officer,
}


def test_each_demo_role_finds_its_waiting_work_from_its_home_page_and_every_tour_leads_somewhere(
    demo_world, open_page
) -> None:
    """One sign-in per role (a second within the same 30 seconds would replay its code, refused):
    the tour's three lines, the role's waiting work at most two clicks away, and every tour link a
    page the role may open. (One test: the demo world, as scripts/demo makes it, takes most of a
    minute to load.)"""
    assert set(demo.TOUR) == set(demo.ROLE_KINDS) | set(demo.PARTNER_ROLES)
    for role, steps in demo.TOUR.items():
        page, problems = _sign_in_as(open_page, role)
        assert page.get_by_test_id("demo-tour").locator("li").count() == 3, role
        if role in WAITING:
            WAITING[role](page)
        for _, words, name in steps:
            response = page.goto(reverse(name))
            assert response.status == 200, f"{role}: {words} ({name}) answered {response.status}"
        assert not _real(problems), (role, problems.items)
