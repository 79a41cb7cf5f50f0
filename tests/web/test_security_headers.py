"""Pages carry a strict Content-Security-Policy and contain nothing it would block."""

import re

import pytest
from django.conf import settings
from django.test import Client

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def _assert_clean(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "'unsafe-inline'" not in csp
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html)
    assert not EVENT_HANDLER.search(html)
    assert '<script type="module" src="/static/homeward/init.js"></script>' in html


@pytest.mark.parametrize(
    "page", ["/", "/children/", "/children/?q=Amira", "/children/{child}/", "/children/{child}/access-log/"]
)
def test_signed_in_pages_are_csp_clean(world, web, page):
    client = Client()
    web.force_sign_in(client, world.social_worker)
    response = client.get(page.format(child=world.child.pk))
    assert response.status_code == 200
    _assert_clean(response)
    assert response["Cache-Control"] == "no-store"


def test_the_sign_in_pages_are_csp_clean(world, web):
    client = Client()
    _assert_clean(client.get("/sign-in/"))
    web.device_for(web.give_password(world.social_worker))
    step = client.post("/sign-in/", {"username": world.social_worker.username, "password": web.password})
    _assert_clean(client.get(step["Location"]))


def test_the_lockout_page_is_csp_clean(world):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/sign-in/", {"username": "someone", "password": f"wrong {attempt}"})
    assert response.status_code == 429
    _assert_clean(response)


def test_error_pages_carry_the_headers(world, web):
    client = Client()
    web.force_sign_in(client, world.unrelated_social_worker)
    response = client.get(f"/children/{world.child.pk}/")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
