"""`homeward demo_accounts` and `homeward demo_code`: demo mode only, idempotent, and they really sign in."""

import datetime
import logging
from io import StringIO

import pytest
from axes.models import AccessFailureLog
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.models import InspectorGrant, Role, User
from homeward.alerts.models import Alert
from homeward.audit.models import AuditEvent
from homeward.children.services import child_create, placement_create
from homeward.episodes.models import Episode, Kind
from homeward.web.demo import demo_accounts_ensure, demo_day_ensure, demo_totp_key
from homeward.web.management.commands.demo_accounts import allocate_demo_caseload
from homeward.web.views import BAD_CREDENTIALS


def test_they_refuse_outside_demo_mode(world, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_accounts", stdout=StringIO())
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_code", "demo-social-worker", stdout=StringIO())
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_it_makes_one_account_per_role_at_sensible_agencies(world, settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    users = {u.role: u for u in User.objects.filter(username__startswith="demo-").select_related("agency")}
    assert set(users) == set(Role.values)
    assert users[Role.SOCIAL_WORKER].agency == world.manchester  # the council with the most children
    assert users[Role.POLICE_OFFICER].agency == world.gmp  # covers most of Manchester's current placements
    assert users[Role.PROVIDER_MANAGER].agency == world.provider
    assert users[Role.RHI_WORKER].agency.code == f"RHI-{world.manchester.code}"
    assert users[Role.NATIONAL_ANALYST].agency.code == "DFE"
    assert InspectorGrant.objects.filter(user=users[Role.INSPECTOR], authority=world.manchester).count() == 1
    for user in users.values():
        assert user.password.startswith("argon2")
        assert user.check_password(f"demo-password-{user.role}")
        assert TOTPDevice.objects.get(user=user, confirmed=True).key == demo_totp_key(user.username)
    text = out.getvalue()
    assert "demo-social-worker" in text and "demo-password-social_worker" in text
    assert "homeward demo_code USERNAME" in text and "otpauth://totp/Homeward%3Ademo-social-worker?secret=" in text


def test_running_it_again_changes_nothing(world, settings):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    before = {u.username: (u.pk, u.password, u.agency_id) for u in User.objects.filter(username__startswith="demo-")}
    call_command("demo_accounts", stdout=StringIO())
    after = {u.username: (u.pk, u.password, u.agency_id) for u in User.objects.filter(username__startswith="demo-")}
    assert before == after
    assert TOTPDevice.objects.filter(user__username__startswith="demo-").count() == len(Role.values)
    assert InspectorGrant.objects.filter(user__username="demo-inspector").count() == 1


def test_the_printed_code_signs_the_demo_account_in(world, settings):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    client = Client()
    step = client.post("/sign-in/", {"username": "demo-police-officer", "password": "demo-password-police_officer"})
    out = StringIO()
    call_command("demo_code", "demo-police-officer", stdout=out, stderr=StringIO())
    assert client.post(step["Location"], {"code": out.getvalue().strip()})["Location"] == "/"
    assert "Greater Manchester Police" in client.get("/").content.decode()


def test_demo_code_will_not_reveal_other_accounts(world, settings, web):
    settings.DEMO_MODE = True
    web.device_for(world.social_worker)
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_code", world.social_worker.username, stdout=StringIO())


def test_demo_accounts_cannot_sign_in_once_demo_mode_is_off(world, settings):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    settings.DEMO_MODE = False
    response = Client().post("/sign-in/", {"username": "demo-social-worker", "password": "demo-password-social_worker"})
    assert response.status_code == 200
    assert BAD_CREDENTIALS in response.content.decode()


def test_a_demo_password_is_refused_outside_demo_mode_even_with_a_real_authenticator(world, settings, web, caplog):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    settings.DEMO_MODE = False
    # Someone enrolled an authenticator of their own on a demo account left in the database: its
    # password is still the one published in the source, so it must not open the account.
    demo_user = User.objects.get(username="demo-social-worker")
    web.device_for(demo_user)
    client = Client(REMOTE_ADDR="203.0.113.9")
    with caplog.at_level(logging.WARNING, logger="homeward.web.views"):
        response = client.post(
            "/sign-in/", {"username": "demo-social-worker", "password": "demo-password-social_worker"}
        )
    assert response.status_code == 200
    assert BAD_CREDENTIALS in response.content.decode()
    assert "homeward_pending_sign_in" not in client.session
    # Said in the log and the audit, and counted as a failed sign-in from that address.
    assert any(
        "demo-social-worker" in record.getMessage() and "demo password" in record.getMessage()
        for record in caplog.records
    )
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_type, event.user_id, event.why) == (
        "denied",
        "sign_in",
        demo_user.pk,
        "web:sign-in",
    )
    assert event.detail == {"reason": "a published demo password outside demo mode", "ip_address": "203.0.113.9"}
    assert AccessFailureLog.objects.filter(username="demo-social-worker", ip_address="203.0.113.9").count() == 1


def test_any_account_with_a_published_demo_password_is_refused_outside_demo_mode(world, settings, web):
    settings.DEMO_MODE = False
    world.social_worker.set_password("demo-password-social_worker")
    world.social_worker.save()
    web.device_for(world.social_worker)
    response = Client().post(
        "/sign-in/", {"username": world.social_worker.username, "password": "demo-password-social_worker"}
    )
    assert response.status_code == 200 and BAD_CREDENTIALS in response.content.decode()


def test_a_demo_password_is_accepted_in_demo_mode(world, settings):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    response = Client().post("/sign-in/", {"username": "demo-social-worker", "password": "demo-password-social_worker"})
    assert response.status_code == 302 and response["Location"] == "/sign-in/code/"
    assert not AuditEvent.objects.filter(object_type="sign_in").exists()


def test_running_it_again_lifts_a_lockout_left_by_the_demo_accounts(world, settings):
    settings.DEMO_MODE = True
    call_command("demo_accounts", stdout=StringIO())
    for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS):  # someone mistyping at the demo
        Client().post(
            "/sign-in/",
            {"username": "demo-social-worker" if n % 2 else "demo-police-officer", "password": f"wrong {n}"},
        )
    assert (
        Client()
        .post("/sign-in/", {"username": "demo-social-worker", "password": "demo-password-social_worker"})
        .status_code
        == 429
    )
    call_command("demo_accounts", stdout=StringIO())
    response = Client().post("/sign-in/", {"username": "demo-social-worker", "password": "demo-password-social_worker"})
    assert response["Location"] == "/sign-in/code/"


def test_the_demo_day_reports_a_child_missing_even_when_the_home_has_one_missing_that_no_one_was_told_of(
    world, settings
):
    """A world loaded up to today may hold a child missing from the demo home already, loaded as
    history without alerts: the demo's day still reports one, so the social worker's inbox has it
    (CI once found that inbox empty)."""
    settings.DEMO_MODE = True
    second = child_create(
        user=world.social_worker,
        why="test",
        first_name="Tomasz",
        last_name="Lis",
        date_of_birth=world.child.date_of_birth,
        sex="1",
        la_child_id="MAN004",
    )
    placement_create(
        user=world.social_worker,
        why="test",
        child=second,
        start_date=timezone.localdate() - datetime.timedelta(days=60),
        placement_type="K2",
        provider_type="PR4",
        provider=world.provider,
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )
    accounts = demo_accounts_ensure()
    allocate_demo_caseload(accounts)  # the demo social worker holds the new child's case
    officer = next(a.user for a in accounts if a.user.role == Role.POLICE_OFFICER)
    officer.agency = world.west_midlands_police  # the force of the demo home (Oak House, Birmingham)
    officer.save(update_fields=["agency"])
    loaded = Episode.objects.create(
        child=world.child,
        kind=Kind.MISSING,
        started_at=timezone.now() - datetime.timedelta(hours=5),
        reported_at=timezone.now() - datetime.timedelta(hours=4),
        reported_by=world.provider_staff,
        reporting_agency=world.provider,
    )
    assert not Alert.objects.filter(related_id=loaded.pk).exists()

    made = demo_day_ensure(accounts)
    social_worker = next(a.user for a in accounts if a.user.role == Role.SOCIAL_WORKER)
    assert any(line.startswith("missing now from Oak House") for line in made), made
    high = Alert.objects.get(recipient=social_worker, kind="risk_high")
    assert Episode.objects.get(pk=high.related_id).child == second
    assert not any(line.startswith("missing now") for line in demo_day_ensure(accounts))  # once only
