"""The account commands: `user create`, `otp enrol` (a way in outside demo mode) and `token`."""

import base64
import re
import secrets
import shlex
import time
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from homeward.agencies.models import ApiToken, User
from homeward.agencies.services import api_token_create


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _create(**options) -> tuple[str, str]:
    args = ["user", "create"]
    for name, value in options.items():
        args += [f"--{name}", value]
    return _run(*args)


def _printed_password(out: str) -> str:
    return re.search(r"Password \(shown once[^:]*\): (\S+)", out).group(1)


def _code_from(url: str, *, at: float | None = None) -> str:
    """What an authenticator app that was given this otpauth:// address shows."""
    parsed = urlparse(url)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    query = parse_qs(parsed.query)
    secret = query["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    generator = TOTP(key, step=int(query.get("period", ["30"])[0]), digits=int(query.get("digits", ["6"])[0]))
    generator.time = time.time() if at is None else at
    return f"{generator.token():06d}"


# ---------------------------------------------------------------------------------------------
# user create
# ---------------------------------------------------------------------------------------------


def test_it_creates_an_account_and_prints_a_password_once(world, monkeypatch):
    monkeypatch.delenv("HOMEWARD_NEW_PASSWORD", raising=False)
    out, _ = _create(agency=world.manchester.code, role="team_manager", username="t.manager", email="tm@example.org")
    user = User.objects.get(username="t.manager")
    assert (user.agency, user.role, user.email, user.is_service_account) == (
        world.manchester,
        "team_manager",
        "tm@example.org",
        False,
    )
    password = _printed_password(out)
    assert len(password) >= 20 and user.check_password(password)
    assert user.password.startswith("argon2$") and password not in user.password
    assert "homeward otp enrol t.manager" in out


def test_a_person_is_put_in_a_team_at_creation_and_moved_later_audited(world, monkeypatch):
    from homeward.audit.models import AuditEvent

    monkeypatch.delenv("HOMEWARD_NEW_PASSWORD", raising=False)
    _create(agency=world.manchester.code, role="social_worker", username="s.worker", team=" North team ")
    assert User.objects.get(username="s.worker").team == "North team"

    out, _ = _run("user", "team", "s.worker", "South team")
    assert "s.worker is now in team 'South team'." in out
    assert User.objects.get(username="s.worker").team == "South team"
    entry = AuditEvent.objects.filter(object_type="user").latest("seq")
    assert entry.detail == {"team": ["North team", "South team"]}

    _run("user", "team", "s.worker", "")
    assert User.objects.get(username="s.worker").team == ""
    with pytest.raises(CommandError, match="username: No account called 'nobody'"):
        _run("user", "team", "nobody", "North team")


def test_it_reads_the_password_from_the_environment_and_prints_none(world, monkeypatch):
    monkeypatch.setenv("HOMEWARD_NEW_PASSWORD", "a long and unusual passphrase 42")
    out, err = _create(agency=world.west_midlands_police.code, role="police_coordinator", username="mp.coord")
    assert User.objects.get(username="mp.coord").check_password("a long and unusual passphrase 42")
    assert "passphrase" not in out + err and "shown once" not in out


def test_a_weak_password_from_the_environment_is_refused(world, monkeypatch):
    monkeypatch.setenv("HOMEWARD_NEW_PASSWORD", "password")
    with pytest.raises(CommandError, match="password: .*too short"):
        _create(agency=world.manchester.code, role="iro", username="weak")
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.parametrize(
    ("agency", "role", "field"),
    [
        ("E08000003", "police_officer", "role"),  # a council cannot have a police officer
        ("E23000014", "social_worker", "role"),
        ("E08000003", "chief", "role"),
        ("E99999999", "social_worker", "agency"),
    ],
)
def test_the_role_must_be_one_the_agency_kind_holds(world, monkeypatch, agency, role, field):
    monkeypatch.delenv("HOMEWARD_NEW_PASSWORD", raising=False)
    with pytest.raises(CommandError, match=f"^{field}: "):
        _create(agency=agency, role=role, username="someone")
    assert not User.objects.filter(username="someone").exists()


def test_an_existing_username_is_refused(world, monkeypatch):
    monkeypatch.delenv("HOMEWARD_NEW_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="username: There is already an account"):
        _create(agency=world.manchester.code, role="iro", username=world.social_worker.username.upper())


# ---------------------------------------------------------------------------------------------
# otp enrol, and signing in with both outside demo mode
# ---------------------------------------------------------------------------------------------


def test_enrolling_prints_an_otpauth_address_whose_codes_the_device_accepts(world):
    out, _ = _run("otp", "enrol", world.social_worker.username)
    url = next(line for line in out.splitlines() if line.startswith("otpauth://"))
    assert "issuer=Homeward" in url
    device = TOTPDevice.objects.get(user=world.social_worker)
    assert device.confirmed and device.verify_token(_code_from(url))


def test_enrolling_again_replaces_the_key(world):
    first, _ = _run("otp", "enrol", world.social_worker.username)
    second, _ = _run("otp", "enrol", world.social_worker.username)
    first_url, second_url = (
        next(line for line in out.splitlines() if line.startswith("otpauth://")) for out in (first, second)
    )
    assert first_url != second_url
    device = TOTPDevice.objects.get(user=world.social_worker)  # one device: the old key is gone
    assert device.config_url == second_url


def test_enrolling_an_unknown_account_or_a_service_account_is_refused(world):
    with pytest.raises(CommandError, match="No account called"):
        _run("otp", "enrol", "nobody")
    _run("token", "create", "--agency", world.gmp.code, "--role", "police_officer")
    service = User.objects.get(is_service_account=True)
    with pytest.raises(CommandError, match="Service accounts use API tokens"):
        _run("otp", "enrol", service.username)


def test_a_person_created_with_the_commands_can_sign_in_outside_demo_mode(world, monkeypatch, settings):
    settings.DEMO_MODE = False
    monkeypatch.delenv("HOMEWARD_NEW_PASSWORD", raising=False)
    out, _ = _create(agency=world.birmingham.code, role="missing_coordinator", username="b.coord")
    password = _printed_password(out)
    enrolled, _ = _run("otp", "enrol", "b.coord")
    url = next(line for line in enrolled.splitlines() if line.startswith("otpauth://"))

    client = Client()
    step_one = client.post("/sign-in/", {"username": "b.coord", "password": password})
    assert step_one.status_code == 302 and step_one["Location"].startswith("/sign-in/code/")
    step_two = client.post(step_one["Location"], {"code": _code_from(url)})
    assert step_two.status_code == 302 and step_two["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Birmingham" in home.content.decode()


# ---------------------------------------------------------------------------------------------
# token create / revoke / list
# ---------------------------------------------------------------------------------------------


# Random bytes whose URL-safe base64 starts with '-' ("-Pj4-A..."): the draw, one in 64, that once
# gave a prefix `token revoke` read as an option. Pinned, so the tests below see it on every run.
_DASH_FIRST = b"\xf8"


def test_token_create_prints_the_token_and_the_prefix_revoke_needs(world, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(secrets, "token_bytes", lambda n=None: _DASH_FIRST * (n or 32))
        out, err = _run("token", "create", "--agency", world.west_midlands_police.code, "--role", "police_officer")
    raw = out.strip()
    assert raw.startswith("hw_") and "\n" not in raw
    prefix = re.search(r"^prefix (\S+)", err, re.M).group(1)
    assert not prefix.startswith("-")
    printed = re.search(r"revoke it with: (homeward token revoke \S+)\)", err).group(1)
    assert printed == f"homeward token revoke {prefix}" and raw not in err
    token = ApiToken.objects.get(prefix=prefix)
    assert token.user.username == f"svc-{world.west_midlands_police.code.lower()}-police_officer"

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/children/").status_code == 200

    revoked, _ = _run(*shlex.split(printed)[1:])  # the command exactly as printed
    assert "Revoked 1 token(s)." in revoked
    assert client.get("/api/v1/children/").status_code == 401
    listed, _ = _run("token", "list")
    assert any(line.startswith(prefix + "\t") and not line.endswith("\tlive") for line in listed.splitlines())


def test_token_revoke_of_an_unknown_prefix_fails(world):
    with pytest.raises(CommandError, match="No live token"):
        _run("token", "revoke", "nothing1")


def test_token_prefixes_never_start_with_a_dash(world, monkeypatch):
    monkeypatch.setattr(secrets, "token_bytes", lambda n=None: _DASH_FIRST * (n or 32))
    token, raw = api_token_create(agency_code=world.gmp.code, role="police_officer")
    assert raw.startswith("hw_") and not token.prefix.startswith("-") and raw[3:].startswith(token.prefix)


def _token_with_prefix(world, prefix: str) -> ApiToken:
    """A token as the old generator could make one (a prefix with a leading '-')."""
    token, _ = api_token_create(agency_code=world.gmp.code, role="police_officer")
    ApiToken.objects.filter(pk=token.pk).update(prefix=prefix)
    return token


@pytest.mark.parametrize("args", [["--", "-Pj4-A8A"], ["--prefix=-Pj4-A8A"], ["--prefix", "Pj4-A8A-"]])
def test_token_revoke_takes_a_prefix_that_starts_with_a_dash(world, args):
    prefix = args[-1].removeprefix("--prefix=")
    token = _token_with_prefix(world, prefix)
    out, _ = _run("token", "revoke", *args)
    assert "Revoked 1 token(s)." in out
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_homeward_command_line_revokes_a_prefix_that_starts_with_a_dash(world, monkeypatch, capsys):
    """Through the console script's own argument handling, not just call_command."""
    from django.db import connections

    from homeward import cli

    token = _token_with_prefix(world, "-Pj4-A8A")
    # A command run from the command line closes the connections when done; the test's own
    # transaction has to outlive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr("sys.argv", ["homeward", "token", "revoke", "--prefix=-Pj4-A8A"])
    cli.main()
    assert "Revoked 1 token(s)." in capsys.readouterr().out
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_revoke_says_how_to_give_a_prefix(world):
    with pytest.raises(CommandError, match="homeward token revoke -- -"):
        _run("token", "revoke")
    with pytest.raises(CommandError, match="either"):
        _run("token", "revoke", "abc", "--prefix=abd")


def test_token_create_checks_the_role_against_the_agency(world):
    with pytest.raises(CommandError, match="^role: "):
        _run("token", "create", "--agency", world.west_midlands_police.code, "--role", "social_worker")
