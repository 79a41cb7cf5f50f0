"""Report a child missing (Philomena Part B): /children/<id>/report-missing/."""

import datetime

import pytest
from django.utils import timezone

from homeward.episodes.models import Episode, UpdateKind
from tests.episodes_ui.conftest import ago, counts, local_parts, summary_errors


def _form(**overrides) -> dict:
    data = {
        "kind": "missing",
        **local_parts("last_seen", ago(minutes=40)),
        "last_seen_location": "Oak House, front door",
        "last_seen_postcode": "b1 1aa",
        "clothing": "Black puffer jacket, white trainers",
        "circumstances": "Left after a phone call",
        "out_of_character": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("who", ["provider_staff", "social_worker", "host_coordinator", "police_officer"])
def test_the_form_is_offered_to_everyone_who_acts_on_the_child(world, client_for, who):
    response = client_for(who).get(f"/children/{world.child.pk}/report-missing/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Report Amira missing or away" in html
    # The DfE definitions are the radios' hints.
    assert (
        "Nobody knows where they are. The police treat them as missing until they are found and known to be safe."
        in html
    )
    assert "You know where they are" in html
    # Defaults to now (Europe/London), so a carer only corrects what is different.
    now = timezone.localtime()
    assert f'name="last_seen_year" type="text" value="{now.year}"' in html


@pytest.mark.parametrize("who", ["unrelated_social_worker", "gmp_officer", "other_provider_staff", "national_analyst"])
def test_it_is_not_found_for_those_who_cannot_see_the_child(world, client_for, who):
    client = client_for(who)
    assert client.get(f"/children/{world.child.pk}/report-missing/").status_code == 404
    before = counts()
    assert client.post(f"/children/{world.child.pk}/report-missing/", _form()).status_code == 404
    assert counts() == before


def test_an_inspector_can_see_the_child_but_not_report(world, client_for):
    assert client_for("inspector").get(f"/children/{world.child.pk}/report-missing/").status_code == 403


def test_a_provider_reports_a_child_missing(world, client_for):
    client = client_for("provider_staff")
    response = client.post(f"/children/{world.child.pk}/report-missing/", _form())
    episode = Episode.objects.get(child=world.child)
    assert response.status_code == 302 and response["Location"] == f"/inbox/reported/{episode.pk}/"
    assert episode.kind == "missing" and episode.is_open
    assert episode.reported_by == world.provider_staff and episode.reporting_agency == world.provider
    assert episode.last_seen_postcode == "B1 1AA" and episode.location_police_force == world.west_midlands_police
    assert episode.out_of_character is True and episode.clothing.startswith("Black puffer")
    # Entered in Europe/London to the minute; stored in UTC.
    assert abs(episode.started_at - ago(minutes=40)) < datetime.timedelta(minutes=2)
    assert episode.updates.get().kind == UpdateKind.REPORTED

    page = client.get(response["Location"]).content.decode()
    assert "Amira Okafor is recorded as missing" in page


def test_away_and_an_unanswered_question(world, client_for):
    response = client_for("social_worker").post(
        f"/children/{world.child.pk}/report-missing/",
        _form(kind="away", out_of_character=None, last_seen_postcode="", clothing=""),
    )
    assert response.status_code == 302
    episode = Episode.objects.get(child=world.child)
    assert episode.kind == "away" and episode.out_of_character is None and episode.clothing == ""


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"kind": None}, "kind", "Select whether Amira is missing or away"),
        ({"kind": "lost"}, "kind", "Select whether Amira is missing or away"),
        (
            {"last_seen_day": "", "last_seen_month": "", "last_seen_year": "", "last_seen_time": ""},
            "last_seen_day",
            "Enter when Amira was last seen",
        ),
        ({"last_seen_month": ""}, "last_seen_day", "The date must include a month"),
        ({"last_seen_day": "31", "last_seen_month": "2"}, "last_seen_day", "The date must be a real date"),
        ({"last_seen_time": "25:00"}, "last_seen_day", "The time must be a real time"),
        ({"last_seen_location": ""}, "last_seen_location", "Enter where Amira was last seen"),
        ({"last_seen_postcode": "NOT A POSTCODE"}, "last_seen_postcode", "is not a postcode"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, client_for, overrides, field, message):
    before = counts()
    response = client_for("provider_staff").post(f"/children/{world.child.pk}/report-missing/", _form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "<title>Error:" in html
    # The error summary links to the field's first input, and the field shows the same message.
    errors = summary_errors(html)
    assert list(errors) == [f"#{field}"] and message in errors[f"#{field}"]
    assert f'id="{field}"' in html and 'class="govuk-error-message"' in html
    assert counts() == before


def test_a_time_in_the_future_is_refused_by_the_service_and_named(world, client_for):
    before = counts()
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    html = (
        client_for("provider_staff")
        .post(f"/children/{world.child.pk}/report-missing/", _form(**local_parts("last_seen", tomorrow)))
        .content.decode()
    )
    errors = summary_errors(html)
    assert list(errors) == ["#last_seen_day"] and errors["#last_seen_day"].startswith(
        "The time last seen cannot be in the future"
    )
    assert counts() == before


def test_a_child_already_missing_points_to_the_open_report(world, client_for, story):
    episode = story.open()
    client = client_for("provider_staff")
    html = client.get(f"/children/{world.child.pk}/report-missing/").content.decode()
    assert "Amira Okafor is already reported missing" in html and f'href="/episodes/{episode.pk}/"' in html
    before = counts()
    client.post(f"/children/{world.child.pk}/report-missing/", _form())
    assert counts() == before


def test_the_child_page_offers_the_report_only_to_those_who_may_make_it(world, client_for, story):
    link = f'href="/children/{world.child.pk}/report-missing/"'
    assert link in client_for("provider_staff").get(f"/children/{world.child.pk}/").content.decode()
    inspector_page = client_for("inspector").get(f"/children/{world.child.pk}/").content.decode()
    assert link not in inspector_page and f'href="/children/{world.child.pk}/timeline/"' in inspector_page
    episode = story.open()
    page = client_for("provider_staff").get(f"/children/{world.child.pk}/").content.decode()
    assert link not in page and f'href="/episodes/{episode.pk}/"' in page and "Amira is missing." in page
