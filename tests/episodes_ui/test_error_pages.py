"""When a form is refused, the page says so in GOV.UK's words and says what to do."""

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
