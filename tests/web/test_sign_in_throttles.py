"""Sign-in under attack: besides the lockout of one account from one address (test_sign_in.py), a
limit per client address across every username, a limit on failed sign-ins across the whole service,
and the client address taken from a proxy's header only when the proxy is trusted."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client, RequestFactory
from django.utils import timezone

from homeward import settings as project_settings
from homeward.web import views
from homeward.web.views import BAD_CREDENTIALS

ATTACKER = "203.0.113.7"
PROXY = "10.0.0.2"


def _guess(client: Client, username: str, password: str = "Summer2025!", **headers):
    return client.post("/sign-in/", {"username": username, "password": password}, **headers)


def _age_failures(**ago) -> None:
    """As if the failures recorded so far had happened that long ago."""
    AccessFailureLog.objects.update(attempt_time=timezone.now() - datetime.timedelta(**ago))
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(**ago))


def test_one_address_trying_one_password_across_many_usernames_is_stopped(world, web, settings):
    web.device_for(web.give_password(world.social_worker))
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [_guess(attacker, f"guess-{n}").status_code for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS)]
    assert statuses[:-1] == [200] * (settings.LOCKOUT_FAILURES_PER_ADDRESS - 1)
    assert statuses[-1] == 429  # the failure that reaches the limit is answered with the lockout
    # From that address nobody gets in now, not even with the right password (nor is it checked)...
    refused = _guess(attacker, world.social_worker.username, web.password)
    assert refused.status_code == 429 and "You cannot sign in at the moment" in refused.content.decode()
    assert AccessFailureLog.objects.count() == settings.LOCKOUT_FAILURES_PER_ADDRESS  # refusals add nothing
    # ... while the account itself is not locked from anywhere else.
    assert (
        _guess(Client(REMOTE_ADDR="198.51.100.20"), world.social_worker.username, web.password)["Location"]
        == "/sign-in/code/"
    )
    # The address may try again once its failures are older than the cool-off.
    _age_failures(minutes=31)
    assert _guess(attacker, world.social_worker.username, web.password)["Location"] == "/sign-in/code/"


def test_the_address_limit_is_separate_from_and_above_the_account_limit(settings):
    assert settings.LOCKOUT_FAILURES_PER_ADDRESS > settings.AXES_FAILURE_LIMIT


def test_a_good_sign_in_does_not_clear_the_failures_of_its_address(world, web, settings):
    # Someone with one real account must not be able to reset their address's count by signing in.
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS - 1):
        assert _guess(client, f"guess-{n}").status_code == 200
    assert web.sign_in(client, world.social_worker)["Location"] == "/"
    client.post("/sign-out/")
    assert _guess(client, "guess-last").status_code == 429


def test_the_code_step_is_refused_from_a_locked_address(world, web, settings):
    device = web.device_for(web.give_password(world.social_worker))
    client = Client(REMOTE_ADDR=ATTACKER)
    assert _guess(client, world.social_worker.username, web.password)["Location"] == "/sign-in/code/"
    for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS):
        _guess(Client(REMOTE_ADDR=ATTACKER), f"guess-{n}")
    assert client.post("/sign-in/code/", {"code": web.code_for(device)}).status_code == 429
    assert "_auth_user_id" not in client.session


def test_too_many_failures_across_the_service_make_everyone_wait_a_moment(world, web, settings):
    settings.SIGN_IN_FAILURES_PER_MINUTE = 6
    web.device_for(web.give_password(world.social_worker))
    # Spread over many addresses and usernames, so that no address or account limit is reached.
    for n in range(6):
        assert _guess(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), f"guess-{n}").status_code == 200
    recorded = AccessFailureLog.objects.count()
    response = _guess(Client(REMOTE_ADDR="198.51.100.20"), world.social_worker.username, web.password)
    assert response.status_code == 429 and response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Try again shortly" in page and BAD_CREDENTIALS not in page
    assert AccessFailureLog.objects.count() == recorded  # nothing was checked, nothing counted
    # A minute later the failures have fallen out of the window and sign-in works again.
    _age_failures(seconds=61)
    assert (
        _guess(Client(REMOTE_ADDR="198.51.100.20"), world.social_worker.username, web.password)["Location"]
        == "/sign-in/code/"
    )


def test_the_service_limit_is_on_by_default(settings):
    assert settings.SIGN_IN_FAILURES_PER_MINUTE == 300


def test_a_client_set_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(world, web, settings):
    assert not settings.TRUSTED_PROXY_CLIENT_HEADER  # off by default
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [
        _guess(attacker, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}").status_code
        for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS)
    ]
    assert statuses[-1] == 429  # a new made-up address on every try did not help
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_the_trusted_proxys_header_gives_the_client_address(world, web, settings):
    settings.TRUSTED_PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = 1
    web.device_for(web.give_password(world.social_worker))
    # Everyone arrives from the proxy; it appends the address it saw to whatever the client sent.
    for n in range(settings.LOCKOUT_FAILURES_PER_ADDRESS):
        response = _guess(Client(REMOTE_ADDR=PROXY), f"guess-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, {ATTACKER}")
    assert response.status_code == 429
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # Someone else behind the same proxy is not locked out with the attacker.
    other = _guess(
        Client(REMOTE_ADDR=PROXY), world.social_worker.username, web.password, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert other["Location"] == "/sign-in/code/"


@pytest.mark.parametrize(
    "header,proxies,expected",
    [
        ("", 1, PROXY),  # no header: the connection's address
        ("198.51.100.20", 1, "198.51.100.20"),
        ("192.0.2.1, 198.51.100.20", 1, "198.51.100.20"),  # the left part is the client's own say
        ("192.0.2.1, 198.51.100.20, 10.0.0.1", 2, "198.51.100.20"),  # two proxies: the second from the right
        ("198.51.100.20", 2, PROXY),  # fewer entries than proxies: not from them
        ("not-an-address", 1, PROXY),
        (" 2001:db8::1 ", 1, "2001:db8::1"),
    ],
)
def test_client_ip_counts_the_trusted_proxies_from_the_right(settings, header, proxies, expected):
    settings.TRUSTED_PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = proxies
    extra = {"HTTP_X_FORWARDED_FOR": header} if header else {}
    assert views.client_ip(RequestFactory().post("/sign-in/", REMOTE_ADDR=PROXY, **extra)) == expected


def test_client_ip_is_the_connections_address_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXY_CLIENT_HEADER = ""
    request = RequestFactory().post(
        "/sign-in/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20", HTTP_X_REAL_IP="198.51.100.21"
    )
    assert views.client_ip(request) == PROXY


@pytest.mark.parametrize(
    "name,key",
    [
        ("X-Forwarded-For", "HTTP_X_FORWARDED_FOR"),
        ("x-real-ip", "HTTP_X_REAL_IP"),
        ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_FOR"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_the_header_setting_takes_the_name_as_a_proxy_writes_it(name, key):
    assert project_settings._meta_key(name) == key
