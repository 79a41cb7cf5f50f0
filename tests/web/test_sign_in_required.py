"""Every page but sign-in and health needs a signed-in person who has also passed the second factor."""

import pytest
from django.test import Client

PAGES = ["/", "/children/", "/children/?q=Amira", "/children/{child}/", "/children/{child}/access-log/"]


def _url(page: str, world) -> str:
    return page.format(child=world.child.pk)


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_strangers_to_sign_in(world, page):
    url = _url(page, world)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_a_password_without_the_second_factor_is_not_enough(world, page):
    client = Client()
    client.force_login(world.social_worker)  # authenticated, but no OTP device verified
    response = client.get(_url(page, world))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("page", ["/sign-in/", "/healthz"])
def test_sign_in_and_health_are_open(db, page):
    assert Client().get(page).status_code == 200


def test_the_sign_in_page_sends_a_signed_in_person_home(world, web):
    client = Client()
    web.force_sign_in(client, world.social_worker)
    assert client.get("/sign-in/")["Location"] == "/"
