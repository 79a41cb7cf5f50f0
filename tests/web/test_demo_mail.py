"""The demo's emails: in demo mode `homeward serve` runs one SMTP sink (devtools.smtp_sink), points the
processes' email at it, and the sink keeps each message as a file that /demo/mail/ lists."""

import importlib
import smtplib
import stat
import subprocess
import sys
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.management.base import CommandError
from django.test import Client
from django.urls import clear_url_caches

import homeward.urls
import homeward.web.urls
from homeward.web import demo
from homeward.web.management.commands.serve import Command as Serve
from tests.support import sign_in

URL = "/demo/mail/"


def _load_urls() -> None:
    """urls.py adds the page only in demo mode, when it is imported: import it again."""
    importlib.reload(homeward.web.urls)
    importlib.reload(homeward.urls)
    clear_url_caches()


@pytest.fixture
def demo_mode(settings, tmp_path):
    was = django_settings.DEMO_MODE
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    _load_urls()
    yield
    settings.DEMO_MODE = was
    _load_urls()


def _signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _send(environment: dict, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = "homeward@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(environment["HOMEWARD_SMTP_HOST"], int(environment["HOMEWARD_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)


def test_it_is_not_found_outside_demo_mode(world):
    assert not django_settings.DEMO_MODE
    assert _signed_in(world.social_worker).get(URL).status_code == 404


def test_it_is_not_found_if_demo_mode_ends_under_a_running_process(world, demo_mode, settings):
    settings.DEMO_MODE = False
    assert _signed_in(world.social_worker).get(URL).status_code == 404


def test_it_requires_signing_in(world, demo_mode):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_it_shows_a_message_delivered_to_the_sink_over_smtp(world, demo_mode):
    with demo.mail_sink() as environment:
        _send(
            environment,
            to="sw@example.org",
            subject="A child you are responsible for has been reported missing",
            body="Sign in to Homeward to see who.\nhttp://127.0.0.1:8000/inbox/1/",
        )
    response = _signed_in(world.social_worker).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "A child you are responsible for has been reported missing" in page
    assert "sw@example.org" in page
    assert "Sign in to Homeward to see who.<br>http://127.0.0.1:8000/inbox/1/" in page


def test_the_demo_sign_in_hint_links_to_it(demo_mode):
    assert f'href="{URL}"' in Client().get("/sign-in/").content.decode()


def test_it_says_so_when_there_are_no_emails(world, demo_mode):
    assert "No emails yet" in _signed_in(world.social_worker).get(URL).content.decode()


def test_it_lists_the_latest_fifty_newest_first(world, demo_mode):
    with demo.mail_sink() as environment:
        for n in range(demo.MAIL_SHOWN + 2):
            _send(environment, to="sw@example.org", subject=f"Alert {n:02d}", body="Sign in to see it.")
    kept = demo.kept_mail()
    assert [m.subject for m in kept] == [f"Alert {n:02d}" for n in range(demo.MAIL_SHOWN + 1, 1, -1)]


def test_the_kept_files_are_readable_by_this_account_only(demo_mode):
    with demo.mail_sink() as environment:
        _send(environment, to="sw@example.org", subject="Alert", body="Sign in to see it.")
    [kept] = demo.mail_directory().iterdir()
    assert kept.suffix == ".eml"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(demo.mail_directory().stat().st_mode) == 0o700


def test_serve_points_the_processes_email_at_the_sink_in_demo_mode(demo_mode, monkeypatch):
    started = []

    def start(self, name, command, env):
        # While serve runs, its sink takes a real SMTP conversation at the address it gives its processes.
        _send(env, to="sw@example.org", subject=f"Sent by {name}", body="Sign in to see it.")
        started.append(name)
        return subprocess.Popen([sys.executable, "-c", ""])

    monkeypatch.setattr(Serve, "_collect_static", lambda self, env: None)
    monkeypatch.setattr(Serve, "_start", start)
    stopping = SimpleNamespace(is_set=lambda: False, now=False, reason="")
    with pytest.raises(CommandError, match="gunicorn stopped by itself"):
        Serve()._serve(bind="127.0.0.1:0", workers=1, no_worker=False, stopping=stopping)
    assert started == ["gunicorn", "worker"]
    assert sorted(m.subject for m in demo.kept_mail()) == ["Sent by gunicorn", "Sent by worker"]


def test_serve_starts_no_sink_outside_demo_mode(monkeypatch):
    environments = []

    def start(self, name, command, env):
        environments.append(env)
        return subprocess.Popen([sys.executable, "-c", ""])

    monkeypatch.setattr(Serve, "_collect_static", lambda self, env: None)
    monkeypatch.setattr(Serve, "_start", start)
    monkeypatch.delenv("HOMEWARD_SMTP_PORT", raising=False)
    stopping = SimpleNamespace(is_set=lambda: False, now=False, reason="")
    with pytest.raises(CommandError):
        Serve()._serve(bind="127.0.0.1:0", workers=1, no_worker=True, stopping=stopping)
    assert "HOMEWARD_SMTP_PORT" not in environments[0]
