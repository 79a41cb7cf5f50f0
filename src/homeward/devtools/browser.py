"""The one browser the real-browser tests, `bench journeys` and `demo_screenshots` drive.

Debian's chromium-headless-shell: Chromium's old headless mode, the build Playwright itself runs
for a headless browser (Playwright downloads no browser on a closed network, so Debian's is used).
The full `chromium` binary's only headless mode is the new one, a whole browser without a window.
Run alone on this 2-core machine, the 24 tests in tests/browser took 267 s of the machine's CPU
(187 s wall) with it and 130 s (124 s) with the shell. In the full suite, whose two processes keep
both cores busy, the pass took as long either way (8:01 against 7:56), presumably because most of
what the new mode adds is work it does only while a core is idle.
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
