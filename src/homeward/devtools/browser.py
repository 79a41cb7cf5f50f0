"""The one browser the real-browser tests, `bench journeys` and `demo_screenshots` drive.

Debian's chromium-headless-shell: Chromium's old headless mode, the build Playwright itself runs
for a headless browser (Playwright downloads no browser on a closed network, so Debian's is used).
The full `chromium` binary's only headless mode is the new one, a whole browser without a window:
on this 2-core machine the browser tests took 267 s of the machine's CPU with it and 130 s with the
shell (issue 10: the suite is CPU-bound), the same 24 tests passing.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium-headless-shell"
INSTALL = "apt-get install chromium-headless-shell, or scripts/setup --dev"
# No sandbox: these run as root in a container. The rest turn off what only a person's browser needs.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def missing() -> str | None:
    """What the browser needs that is not installed here ("... is needed"), or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium's headless shell at {CHROMIUM} ({INSTALL})"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "The playwright package (scripts/setup --dev installs the dev extras)"
    return None


def launch(playwright):
    """The browser, headless, from a running `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
