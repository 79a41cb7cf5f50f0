"""Each small form on the episode page: its happy path calls one service, and its bad input is named
in the error summary and changes nothing."""

import datetime

import pytest

from homeward import dates
from homeward.episodes import services
from homeward.episodes.models import Episode, InterviewStatus, ReturnInterview
from tests.episodes_ui.conftest import ago, counts, local_parts, summary_errors


def _post(client, episode, path, data):
    return client.post(f"/episodes/{episode.pk}/{path}/", data)


def _refused(client, episode, path, data) -> dict[str, str]:
    """Post bad input: the action's page comes back with its errors, and nothing has changed."""
    before = counts()
    response = _post(client, episode, path, data)
    assert response.status_code == 200, response.status_code
    assert counts() == before
    return summary_errors(response.content.decode())


def _done(client, episode, path, data, message: str) -> None:
    response = _post(client, episode, path, data)
    assert response.status_code == 302, summary_errors(response.content.decode())
    assert response["Location"] == f"/episodes/{episode.pk}/"
    assert message in client.get(response["Location"]).content.decode()


def test_police_add_their_reference(world, client_for, story):
    episode, police = story.open(), client_for("police_officer")
    _done(police, episode, "police-reference", {"police-reference-reference": "WMP-42"}, "Reference WMP-42 added.")
    assert [r.reference for r in episode.police_references.all()] == ["WMP-42"]
    assert _refused(police, episode, "police-reference", {"police-reference-reference": ""}) == {
        "#police-reference-reference": "Enter your force's reference"
    }
    assert _refused(police, episode, "police-reference", {"police-reference-reference": "X" * 41}) == {
        "#police-reference-reference": "Your force's reference must be 40 characters or fewer"
    }


def test_police_grade_and_regrade_risk(world, client_for, story):
    episode, police = story.open(), client_for("police_officer")
    _done(
        police,
        episode,
        "risk",
        {"risk-risk_grade": "medium", "risk-source": "Call from the home", "risk-rationale": ""},
        "Risk graded medium.",
    )
    _done(
        police,
        episode,
        "risk",
        {"risk-risk_grade": "high", "risk-source": "Seen with older men", "risk-rationale": "CSE"},
        "Risk graded high.",
    )
    episode.refresh_from_db()
    assert episode.risk_grade == "high" and episode.risk_gradings.count() == 2
    errors = _refused(police, episode, "risk", {"risk-risk_grade": "extreme", "risk-source": ""})
    assert errors == {
        "#risk-risk_grade": "Select a risk grade",
        "#risk-source": "Enter where the information for this grade came from",
    }


def test_only_the_police_grade_risk(world, client_for, story):
    episode = story.open()
    before = counts()
    response = _post(client_for("provider_staff"), episode, "risk", {"risk-risk_grade": "low", "risk-source": "Me"})
    assert response.status_code == 403
    assert counts() == before


def test_anyone_acting_adds_a_sighting_enquiry_or_note(world, client_for, story):
    episode, provider = story.open(), client_for("provider_staff")
    data = {
        "update-kind": "sighting",
        **local_parts("update-at", ago(minutes=10)),
        "update-text": "Seen at the bus station",
        "update-location": "Digbeth coach station",
        "update-postcode": "",
    }
    _done(provider, episode, "updates", data, "Sighting added.")
    episode.refresh_from_db()
    assert episode.last_known_location == "Digbeth coach station"
    errors = _refused(provider, episode, "updates", {**data, "update-kind": "", "update-at_year": "20"})
    assert errors == {
        "#update-kind": "Select sighting, enquiry or note",
        "#update-at_day": "The year must include 4 numbers",
    }
    # The service's own rule, named on the field it concerns.
    errors = _refused(
        provider, episode, "updates", {**data, "update-kind": "note", "update-text": "", "update-location": ""}
    )
    assert errors == {"#update-text": "Say what happened."}


def test_missing_becomes_away(world, client_for, story):
    episode, council = story.open(), client_for("social_worker")
    page = council.get(f"/episodes/{episode.pk}/").content.decode()
    assert 'name="kind-to_kind" value="away"' in page and "Change to away" in page
    _done(
        council,
        episode,
        "kind",
        {"kind-to_kind": "away", **local_parts("kind-at", ago(minutes=5)), "kind-text": "Called from a friend's"},
        "Amira is now recorded as away",
    )
    episode.refresh_from_db()
    assert episode.kind == "away" and episode.kind_changes.count() == 1
    errors = _refused(council, episode, "kind", {"kind-to_kind": "away", **local_parts("kind-at", ago(minutes=1))})
    # Its field is hidden (the button says which way): the reason is given at the top of the page.
    assert errors == {"": "The episode is already recorded as away from placement without authorisation."}


def test_recording_the_return_assigns_the_interview(world, client_for, story, rhi_worker):
    episode, provider = story.open(hours=5), client_for("provider_staff")
    too_early = local_parts("return-returned_at", ago(hours=6))
    errors = _refused(provider, episode, "return", {**too_early, "return-how": "own_accord"})
    assert (
        list(errors) == ["#return-returned_at_day"]
        and "The return time cannot be before the episode started" in errors["#return-returned_at_day"]
    )
    errors = _refused(provider, episode, "return", {"return-how": "teleported"})
    assert errors == {
        "#return-returned_at_day": "Enter when Amira returned or was found",
        "#return-how": "Select how they returned",
    }

    assert "confirm_before_report" not in provider.get(f"/episodes/{episode.pk}/return/").content.decode()
    # Back half an hour ago, before the report (made just now): the form asks, naming the field.
    back = ago(minutes=30)
    answers = {**local_parts("return-returned_at", back), "return-how": "own_accord", "return-place": "Oak House"}
    before = counts()
    response = _post(provider, episode, "return", answers)
    assert response.status_code == 200 and counts() == before
    html = response.content.decode()
    assert summary_errors(html) == {
        "#return-returned_at_day": (
            f"The return time is before the episode was reported ({dates.when(episode.reported_at)}). "
            "Check the time, or confirm it is right."
        )
    }
    assert 'name="return-confirm_before_report" type="checkbox"' in html and "Yes, the return time is right" in html
    assert 'value="Oak House"' in html  # what was typed comes back
    _done(provider, episode, "return", {**answers, "return-confirm_before_report": "on"}, "return is recorded")
    episode.refresh_from_db()
    assert not episode.is_open and abs(episode.returned_at - back) < datetime.timedelta(minutes=1)
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.service == rhi_worker.agency and interview.due_at == episode.returned_at + datetime.timedelta(
        hours=72
    )


def test_the_police_record_the_safe_and_well_check_and_close(world, client_for, story):
    episode = story.return_(story.open(), hours_ago=2)
    police = client_for("police_officer")
    errors = _refused(police, episode, "safe-and-well", local_parts("safe-and-well-at", ago(hours=3)))
    assert (
        list(errors) == ["#safe-and-well-at_day"]
        and "cannot be before the child returned" in errors["#safe-and-well-at_day"]
    )
    _done(
        police,
        episode,
        "safe-and-well",
        {**local_parts("safe-and-well-at", ago(hours=1)), "safe-and-well-text": "Seen at home"},
        "Safe and well check recorded.",
    )
    _done(police, episode, "close", {"close-text": "Enquiries complete"}, "Episode closed.")
    episode.refresh_from_db()
    assert episode.safe_and_well_by == world.police_officer and episode.closed_at is not None
    # Closed already: the service says so, at the top of the page (it is no field's fault).
    assert _refused(police, episode, "close", {"close-text": ""}) == {
        "": f"This episode was closed on {dates.when(episode.closed_at)}."
    }


def test_the_interview_service_offers_and_completes_the_interview(world, client_for, story, rhi_worker):
    episode = story.return_(story.open())
    service = client_for(rhi_worker)
    page = service.get(f"/episodes/{episode.pk}/").content.decode()
    assert f'action="/episodes/{episode.pk}/return-interview/"' in page and "Record that it was offered" in page
    # Findings come with completion, after the offer: the findings form is not offered yet.
    assert "return-interview/findings/" not in page
    assert _refused(service, episode, "return-interview", {"interview-status-status": "completed"}) == {
        "#interview-status-status": "Choose what to record"
    }
    _done(
        service,
        episode,
        "return-interview",
        {"interview-status-status": "offered"},
        "Return interview recorded as offered.",
    )
    _done(
        service,
        episode,
        "return-interview",
        {"interview-status-status": "accepted"},
        "Return interview recorded as accepted.",
    )
    # It was in fact offered soon after the return (the button records the moment it was pressed).
    ReturnInterview.objects.filter(episode=episode).update(
        offered_at=episode.returned_at + datetime.timedelta(minutes=5)
    )

    findings = {
        **local_parts("interview-findings-held_at", ago(minutes=5)),
        "interview-findings-why_went": "Wanted to see friends",
        "interview-findings-where_and_with_whom": "A flat in Aston",
        "interview-findings-harm_suffered": "",
        "interview-findings-exploitation_indicators": ["money_or_gifts", "older_controlling_adult"],
        "interview-findings-what_would_help": "More contact with family",
        "interview-findings-child_words": "I just wanted to be with my mates",
        "interview-findings-held_by": "Sam Lee, Manchester RHI service",
        "interview-findings-held_by_independent": "yes",
    }
    errors = _refused(
        service, episode, "return-interview/findings", {**findings, "interview-findings-held_by_independent": ""}
    )
    assert errors == {
        "#interview-findings-held_by_independent": (
            "Select yes if the person who held it is independent of the placement and the council"
        )
    }
    errors = _refused(
        service,
        episode,
        "return-interview/findings",
        {**findings, "interview-findings-exploitation_indicators": ["made_up"]},
    )
    assert errors == {"#interview-findings-exploitation_indicators": "Select indicators from the list"}
    errors = _refused(
        service, episode, "return-interview/findings", {**findings, "interview-findings-held_at_time": ""}
    )
    assert errors == {"#interview-findings-held_at_day": "Enter the time, like 14:30"}
    _done(service, episode, "return-interview/findings", findings, "Return interview completed.")
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.status == InterviewStatus.COMPLETED and interview.held_within_72_hours
    assert interview.exploitation_indicators == ["money_or_gifts", "older_controlling_adult"]
    assert (interview.held_by, interview.held_by_independent) == ("Sam Lee, Manchester RHI service", True)
    assert (
        interview.child_words == "I just wanted to be with my mates" and interview.why_went == "Wanted to see friends"
    )
    # Completed: the findings can be corrected; the form comes back filled in.
    page = service.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Wanted to see friends" in page and "Save the findings" in page
    assert "Sam Lee, Manchester RHI service: independent of the placement and the council" in page
    assert 'data-testid="child-words">I just wanted to be with my mates<' in page
    _done(
        service,
        episode,
        "return-interview/findings",
        {**findings, "interview-findings-harm_suffered": "None disclosed"},
        "Return interview findings updated.",
    )
    interview.refresh_from_db()
    assert interview.harm_suffered == "None disclosed" and interview.status == InterviewStatus.COMPLETED


def test_a_decline_through_the_page_needs_its_reason(world, client_for, story, rhi_worker):
    episode = story.return_(story.open())
    service = client_for(rhi_worker)
    _done(
        service,
        episode,
        "return-interview",
        {"interview-status-status": "offered"},
        "Return interview recorded as offered.",
    )
    page = service.get(f"/episodes/{episode.pk}/").content.decode()
    assert "If they declined, why?" in page and "Could not be reached after the offer" in page
    assert _refused(service, episode, "return-interview", {"interview-status-status": "declined"}) == {
        "#interview-status-declined_reason": "Select why the child declined the interview."
    }
    _done(
        service,
        episode,
        "return-interview",
        {"interview-status-status": "declined", "interview-status-declined_reason": "trusted_adult"},
        "Return interview recorded as declined.",
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert (interview.status, interview.declined_reason) == (InterviewStatus.DECLINED, "trusted_adult")
    page = service.get(f"/episodes/{episode.pk}/").content.decode()
    assert 'data-testid="declined-reason">Chose to talk to an adult they already trust instead<' in page


def test_a_provider_cannot_record_the_interview(world, client_for, story, rhi_worker):
    episode = story.return_(story.open())
    before = counts()
    assert (
        _post(
            client_for("provider_staff"), episode, "return-interview", {"interview-status-status": "offered"}
        ).status_code
        == 403
    )
    assert counts() == before


def test_each_action_has_a_page_of_its_own(world, client_for, story):
    episode = story.open()
    html = client_for("police_officer").get(f"/episodes/{episode.pk}/risk/").content.decode()
    assert '<h1 class="govuk-heading-l">Grade risk</h1>' in html and 'name="risk-risk_grade"' in html


@pytest.mark.parametrize(
    "path",
    [
        "police-reference",
        "risk",
        "updates",
        "kind",
        "return",
        "safe-and-well",
        "close",
        "return-interview",
        "return-interview/findings",
    ],
)
def test_an_unrelated_council_gets_404_and_changes_nothing(world, client_for, story, path):
    episode = story.open()
    before = counts()
    response = _post(
        client_for("unrelated_social_worker"), episode, path, {"risk-risk_grade": "low", "risk-source": "x"}
    )
    assert response.status_code == 404
    assert counts() == before
    assert Episode.objects.get(pk=episode.pk).risk_grade == ""


def test_the_services_refuse_what_the_page_never_offered(world, client_for, story):
    """A form posted after the state moved on (another tab): the service's reason, nothing changed."""
    episode = story.open()
    services.episode_record_return(user=world.social_worker, why="test", episode=episode.pk, returned_at=ago(minutes=1))
    errors = _refused(
        client_for("provider_staff"), episode, "return", local_parts("return-returned_at", ago(minutes=1))
    )
    assert list(errors) == ["#return-returned_at_day"] and "already recorded" in errors["#return-returned_at_day"]
