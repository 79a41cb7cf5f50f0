"""Real-browser tests: Playwright driving Debian's Chromium (its headless shell, devtools.browser)
against pytest-django's live server.

Chromium is not downloaded by Playwright here (closed network): the Debian package is used. Without
it these tests skip locally, and fail under CI=true, where nothing may be skipped.
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import User
from homeward.devtools import browser as chromium

PASSWORD = "correct horse battery staple"


def _require(condition: bool, what: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required under CI=true")
        pytest.skip(f"{what} is not available")


@pytest.fixture(scope="module")
def browser():
    """Chromium, for one test module; Playwright is stopped again before other tests run."""
    why = chromium.missing()
    _require(why is None, why)
    from playwright.sync_api import sync_playwright

    _require(
        (Path(settings.STATICFILES_DIRS[0]) / "govuk-frontend/dist/govuk/govuk-frontend.min.css").exists(),
        "Built GOV.UK Frontend assets (scripts/build-assets)",
    )
    # Playwright's sync API keeps an event loop in this thread while it runs, and Django refuses ORM
    # calls from a thread with a running loop. The test's own calls are ordinary blocking ones, made
    # one at a time, so allow them, for as long as Playwright runs and no longer.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = chromium.launch(playwright)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Problems:
    """Console errors, uncaught exceptions and failed requests seen while a page was open."""

    def __init__(self, page) -> None:
        self.items: list[str] = []
        self.loaded: list[str] = []  # every URL answered 2xx/3xx
        page.on("response", lambda response: response.status < 400 and self.loaded.append(response.url))
        page.on("console", lambda message: message.type == "error" and self.items.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.items.append(f"exception: {error}"))
        page.on("requestfailed", lambda request: self.items.append(f"request failed: {request.url}"))
        page.on(
            "response",
            lambda response: response.status >= 400 and self.items.append(f"{response.status}: {response.url}"),
        )


@pytest.fixture
def open_page(browser, live_server):
    """open_page(javascript=True) -> (page, problems), in a fresh browser context each time."""
    contexts = []

    def make(*, javascript: bool = True):
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        return page, Problems(page)

    yield make
    for context in contexts:
        context.close()


def ready_to_sign_in(user: User) -> TOTPDevice:
    """Give the person a password and an authenticator app; return the app's device."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    return device


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    generator.time = time.time()
    return f"{generator.token():06d}"


def sign_in(page, user: User, device: TOTPDevice, *, start: str = "/") -> None:
    page.goto(start)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter the code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def browser_helpers():
    from types import SimpleNamespace

    return SimpleNamespace(ready_to_sign_in=ready_to_sign_in, sign_in=sign_in, current_code=current_code)
