"""When a form is refused, the page says so in GOV.UK's words and says what to do."""

import html
import re

from django.conf import settings
from django.test import Client

from tests.support import sign_in


def test_a_refused_action_says_why_and_what_to_do(world, client_for, story):
    episode = story.return_(story.open())
    response = client_for("provider_staff").post(
        f"/episodes/{episode.pk}/return-interview/", {"interview-status-status": "offered"}
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert '<h1 class="govuk-heading-l">You cannot do this</h1>' in page and "govuk-template" in page
    assert "ask your agency's Homeward administrator" in page
    assert 'data-testid="reason">Your role cannot record the return interview offer.<' in page


def test_a_form_without_its_csrf_token_says_nothing_was_saved(world, story):
    episode = story.open()
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.provider_staff)
    response = client.post(
        f"/episodes/{episode.pk}/updates/", {"update-kind": "note", "update-text": "Called her friend"}
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your form could not be sent" in page and "Nothing you entered has been saved." in page
    assert not episode.updates.filter(text="Called her friend").exists()


def test_a_form_left_open_across_a_new_sign_in_shows_back_what_was_typed(world, story):
    # Signing in again changes the CSRF token: the form open in another tab is refused, and the
    # person's words are on the page to copy, not lost.
    episode = story.open()
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.provider_staff)
    page = client.get(f"/episodes/{episode.pk}/").content.decode()
    stale = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    # Signing in again in another tab: Django's login() gives the browser a new token (the test
    # client's own login does not, so the cookie is renewed here as the sign-in page would).
    del client.cookies[settings.CSRF_COOKIE_NAME]
    client.get(f"/episodes/{episode.pk}/")
    note = "Called her friend Jade's mum at 10pm: she was seen near the bus station with two older lads."
    response = client.post(
        f"/episodes/{episode.pk}/updates/",
        {"csrfmiddlewaretoken": stale, "update-kind": "note", "update-text": note, "update-at-hour": "22"},
    )
    page = response.content.decode()
    assert response.status_code == 403 and "Nothing you entered has been saved." in page
    assert "What you typed" in page and html.escape(note) in page
    assert not episode.updates.filter(text=note).exists()


def test_a_form_posted_from_another_site_shows_nothing_back(world, story):
    episode = story.open()
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.provider_staff)
    response = client.post(
        f"/episodes/{episode.pk}/updates/",
        {"update-kind": "note", "update-text": "Ring this number now to keep your account"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 403
    assert "What you typed" not in response.content.decode()
    assert "Ring this number" not in response.content.decode()
