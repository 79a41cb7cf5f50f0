"""Signing in: password (Argon2, counted by django-axes), then the authenticator code (django-otp)."""

from django.conf import settings
from django.test import Client

from homeward.web.views import BAD_CREDENTIALS


def test_it_signs_in_with_password_and_code(world, web):
    client = Client()
    response = web.sign_in(client, world.social_worker)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == world.social_worker
    assert home.wsgi_request.user.is_verified()
    assert "Manchester" in home.content.decode()


def test_the_password_step_alone_does_not_sign_in(world, web):
    client = Client()
    web.device_for(web.give_password(world.social_worker))
    response = client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    assert response["Location"] == "/sign-in/code/"
    assert client.get("/children/")["Location"].startswith("/sign-in/")
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(world, web):
    assert web.give_password(world.social_worker).password.startswith("argon2")


def test_wrong_password_and_unknown_username_get_the_same_answer(world, web):
    web.device_for(web.give_password(world.social_worker))
    wrong_password = Client().post(
        "/sign-in/", {"username": world.social_worker.username, "password": "not the password"}
    )
    unknown_user = Client().post("/sign-in/", {"username": "nobody-at-all", "password": "not the password"})
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert BAD_CREDENTIALS in wrong_password.content.decode()
    # Same page apart from the typed username (echoed back) and the CSRF token.
    strip = lambda r, name: r.content.decode().replace(name, "").split("csrfmiddlewaretoken")[0]  # noqa: E731
    assert strip(wrong_password, world.social_worker.username) == strip(unknown_user, "nobody-at-all")


def test_a_wrong_code_is_refused(world, web):
    client = Client()
    device = web.device_for(web.give_password(world.social_worker))
    client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    wrong = f"{(int(web.code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/sign-in/code/", {"code": wrong})
    assert response.status_code == 200
    assert "Enter a correct code" in response.content.decode()
    assert client.get("/")["Location"].startswith("/sign-in/")


def test_a_code_cannot_be_used_twice(world, web):
    device = web.device_for(web.give_password(world.social_worker))
    code = web.code_for(device)
    first = Client()
    first.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    assert first.post("/sign-in/code/", {"code": code})["Location"] == "/"
    second = Client()
    second.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    assert second.post("/sign-in/code/", {"code": code}).status_code == 200  # refused, form shown again


def test_the_code_step_needs_the_password_step_first(world, web):
    device = web.device_for(web.give_password(world.social_worker))
    response = Client().post("/sign-in/code/", {"code": web.code_for(device)})
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_an_account_without_an_authenticator_cannot_sign_in(world, web):
    web.give_password(world.social_worker)
    response = Client().post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    assert response.status_code == 200
    assert "Contact your administrator" in response.content.decode()


def test_it_locks_out_after_repeated_failures_even_with_the_right_password(world, web):
    client = Client()
    web.device_for(web.give_password(world.social_worker))
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/sign-in/", {"username": world.social_worker.username, "password": f"wrong {attempt}"})
    assert response.status_code == 429  # the attempt that reaches the limit is answered with the lockout
    response = client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    assert response.status_code == 429
    assert "You cannot sign in at the moment" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout(world, web):
    client = Client()
    device = web.device_for(web.give_password(world.social_worker))
    client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    statuses = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        wrong = f"{(int(web.code_for(device)) + 1) % 1_000_000:06d}"
        statuses.append(client.post("/sign-in/code/", {"code": wrong}).status_code)
    assert statuses[-1] == 429
    # The half-finished sign-in is dropped, and the right password is refused now too.
    device.throttle_reset()
    assert client.post("/sign-in/code/", {"code": web.code_for(device)})["Location"] == "/sign-in/"
    assert (
        client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password}).status_code
        == 429
    )
    assert "_auth_user_id" not in client.session


def test_it_returns_to_the_page_asked_for_but_only_on_this_site(world, web):
    client = Client()
    device = web.device_for(web.give_password(world.social_worker))
    response = client.post(
        "/sign-in/?next=/children/",
        {"username": world.social_worker.username, "password": web.password, "next": "/children/"},
    )
    assert (
        client.post(response["Location"], {"code": web.code_for(device), "next": "/children/"})["Location"]
        == "/children/"
    )

    other = Client()
    web.device_for(web.give_password(world.host_coordinator))
    response = other.post(
        "/sign-in/",
        {"username": world.host_coordinator.username, "password": web.password, "next": "https://evil.example/"},
    )
    final = other.post(response["Location"], {"code": web.code_for(web.device_for(world.host_coordinator))})
    assert final["Location"] == "/"


def test_sign_out_is_a_post(world, web):
    client = Client()
    web.sign_in(client, world.social_worker)
    assert client.get("/sign-out/").status_code == 405
    response = client.post("/sign-out/")
    assert response["Location"] == "/sign-in/"
    assert "You have signed out" in client.get("/sign-in/").content.decode()
    assert client.get("/")["Location"].startswith("/sign-in/")


def test_sign_out_needs_the_csrf_token(world, web):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/sign-in/")
    token = page.cookies["csrftoken"].value
    web.device_for(web.give_password(world.social_worker))
    step = client.post(
        "/sign-in/", {"username": world.social_worker.username, "password": web.password, "csrfmiddlewaretoken": token}
    )
    client.post(
        step["Location"],
        {
            "code": web.code_for(web.device_for(world.social_worker)),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert client.get("/").status_code == 200
    assert client.post("/sign-out/").status_code == 403
    assert client.get("/").status_code == 200  # still signed in
