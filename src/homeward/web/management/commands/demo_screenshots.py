"""`homeward demo_screenshots`: the README's pictures, taken from the live demo's own pages.

Run beside a running demo (scripts/demo, same HOMEWARD_VAR_DIR and DATABASE_URL, so the demo
accounts' second-factor keys are at hand), whenever the pages change:

    HOMEWARD_DEMO=1 .venv/bin/homeward demo_screenshots --base-url http://127.0.0.1:8000

Signs in as the demo accounts in headless Chromium (devtools.browser, as the browser tests do) and saves the
board, a briefing sheet, the one count and a placement check. Needs the dev extras (Playwright).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.urls import reverse

from homeward.agencies.models import Role, User
from homeward.devtools import browser
from homeward.scrutiny.models import PlacementCheck
from homeward.web import demo

VIEWPORT = {"width": 1280, "height": 860}


class Command(BaseCommand):
    help = "Take the README's screenshots from the running demo's pages (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the demo runs")
        parser.add_argument("--out", type=Path, default=settings.REPO_DIR / "docs" / "screenshots")

    def handle(self, *args, base_url: str, out: Path, **options) -> None:
        demo.require_demo_mode()
        lacking = browser.missing()
        if lacking:
            raise CommandError(f"{lacking} is needed.")
        from playwright.sync_api import sync_playwright

        # Everything read from the database is read first: Playwright's sync API runs an event loop in
        # this thread, where Django refuses queries.
        accounts = {}
        for role in (Role.POLICE_OFFICER, Role.MISSING_COORDINATOR, Role.TEAM_MANAGER):
            user = User.objects.select_related("agency").get(username=demo.demo_username(role))
            accounts[role] = (user, user.totpdevice_set.get(name=demo.DEVICE_NAME))
        council = accounts[Role.TEAM_MANAGER][0].agency
        # The council's farthest placement: the one a check matters most for (its id only is read here).
        farthest = (
            PlacementCheck.objects.filter(child__responsible_authority=council, distance_miles__isnull=False)
            .order_by(F("distance_miles").desc(), "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if farthest is None:
            raise CommandError("The demo council has no placement checks: load the demo world first.")
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            try:
                self._take(chromium, base_url, out, accounts, farthest)
            finally:
                chromium.close()

    def _signed_in(self, chromium, base_url: str, account):
        user, device = account
        context = chromium.new_context(base_url=base_url, viewport=VIEWPORT)
        page = context.new_page()
        page.goto("/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password", exact=True).fill(demo.demo_password(user.role))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter the code from your authenticator app").fill(demo.current_code(device))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if page.get_by_label("Username").count():
            raise CommandError(f"Could not sign in as {user.username} at {base_url}: is the demo running there?")
        return page

    def _shot(self, page, path: str, out: Path, name: str) -> None:
        response = page.goto(path)
        if response is None or response.status != 200:
            raise CommandError(f"{path} answered {response.status if response else 'nothing'}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out / name)
        self.stdout.write(f"saved\t{out / name}\t{path}")

    def _take(self, chromium, base_url: str, out: Path, accounts: dict, farthest: int) -> None:
        police = self._signed_in(chromium, base_url, accounts[Role.POLICE_OFFICER])
        self._shot(police, reverse("episodes:board"), out, "board.png")
        first = police.get_by_test_id("board").locator("tbody tr a[href*='/episodes/']").first
        if not first.count():
            raise CommandError("The demo force's board is empty: run demo_accounts (it makes the demo's day).")
        episode_id = int(first.get_attribute("href").rstrip("/").rsplit("/", 1)[1])
        self._shot(police, reverse("episodes:briefing", args=[episode_id]), out, "briefing.png")

        coordinator = self._signed_in(chromium, base_url, accounts[Role.MISSING_COORDINATOR])
        self._shot(coordinator, reverse("reporting:one-count"), out, "one-count.png")

        manager = self._signed_in(chromium, base_url, accounts[Role.TEAM_MANAGER])
        self._shot(manager, reverse("scrutiny:check", args=[farthest]), out, "placement-check.png")
