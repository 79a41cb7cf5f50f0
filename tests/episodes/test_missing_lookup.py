"""Found anywhere (issue 14): any force's look-up of open missing episodes, what a match shows, and
recording the child found."""

import dataclasses
import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.audit.models import Action, AuditEvent
from homeward.children.selectors import child_access_log
from homeward.episodes import lookup, services
from homeward.episodes.lookup import Match, missing_found, missing_lookup
from homeward.episodes.models import Episode, ReturnInterview
from homeward.episodes.selectors import episodes_visible
from tests.conftest import make_user
from tests.support import sign_in

REASON = "Child at Birmingham New Street at 2am"


def _hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _missing(world, child=None, kind="missing"):
    child = child or world.child
    episode, _ = services.episode_open(
        user=world.social_worker,
        why="test",
        child=child.pk,
        kind=kind,
        last_seen_at=_hours_ago(5),
        last_seen_location="Oak House",
        last_seen_postcode="B1 1AA",
    )
    return episode


def _search(user, **terms):
    return missing_lookup(user=user, why="test", reason=REASON, **terms)


# ---------------------------------------------------------------------------------------------
# Finding an open missing child
# ---------------------------------------------------------------------------------------------


def test_an_officer_of_any_force_finds_an_open_missing_child_by_a_misspelled_name(world):
    episode = _missing(world)
    assert not episodes_visible(world.gmp_officer).filter(pk=episode.pk).exists()  # no reason in the scope

    [match] = _search(world.gmp_officer, name="Amirah Okafur")

    assert match.episode_id == episode.pk and match.name == "Amira Okafor" and match.age == 14
    assert any("spelled similarly" in why for why in match.why)


def test_nicknames_aliases_dates_of_birth_and_place_rank_the_match(world):
    episode = _missing(world)
    dob = world.child.date_of_birth
    [by_alias] = _search(world.gmp_officer, name="Mira Okafor")
    assert by_alias.episode_id == episode.pk and any("nickname Mira" in why for why in by_alias.why)
    swapped = datetime.date(dob.year, dob.day, dob.month)  # born on the 1st (conftest): always a date
    [by_swapped_dob] = _search(world.gmp_officer, name="Okafor", date_of_birth=swapped, sex="2")
    assert by_swapped_dob.episode_id == episode.pk and (
        "Date of birth matches with day and month swapped" in by_swapped_dob.why or swapped == dob
    )
    [by_dob] = _search(world.gmp_officer, date_of_birth=dob, sex="2")
    assert by_dob.episode_id == episode.pk and "Date of birth matches" in by_dob.why
    [by_age] = _search(world.gmp_officer, name="Amira", age=14, sex="2", where="B1 1AA")
    assert "Age 14 matches" in by_age.why and any("miles from here" in why for why in by_age.why)
    assert (
        _search(world.gmp_officer, name="Amira Okafor", sex="1")[0].score < by_alias.score
    )  # the other sex counts against


def test_a_child_who_is_not_missing_a_closed_or_away_episode_and_an_unknown_person_give_the_same_answer(world, api):
    client = api(world.gmp_officer)
    terms = {
        "reason": REASON,
        "name": "Jayden Walsh",
        "date_of_birth": world.child_at_home.date_of_birth.isoformat(),
        "sex": "1",
    }

    def answer(body):
        response = client.post("/api/v1/missing-lookup/", body, format="json")
        assert response.status_code == 200
        return response.json()

    not_missing = answer(terms)
    away = _missing(world, world.child_at_home, kind="away")
    while_away = answer(terms)
    services.episode_record_return(user=world.social_worker, why="test", episode=away.pk, returned_at=_hours_ago(1))
    services.episode_close(user=world.social_worker, why="test", episode=away.pk)
    closed = answer(terms)
    unknown = answer({**terms, "name": "Nobody Known"})

    assert not_missing == while_away == closed
    assert not_missing["matches"] == [] and not_missing["message"] == lookup.NO_OPEN_MISSING_REPORT
    assert {**unknown, "terms": None} == {**not_missing, "terms": None}

    # The page too: byte for byte, once the form's one-time token is set aside.
    page = Client()
    sign_in(page, world.gmp_officer)
    form = {"reason": REASON, "name": "Jayden Walsh", "sex": "1"}
    bodies = [
        re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.post("/police/missing-lookup/", form).content.decode()
        )
    ]
    assert lookup.NO_OPEN_MISSING_REPORT in bodies[0]
    bodies.append(
        re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.post("/police/missing-lookup/", form).content.decode()
        )
    )
    assert bodies[0] == bodies[1]


def test_the_search_reaches_open_missing_episodes_only(world):
    _missing(world, world.child_at_home, kind="away")
    assert _search(world.gmp_officer, name="Jayden Walsh") == []
    episode = _missing(world)
    services.episode_kind_change(user=world.social_worker, why="test", episode=episode.pk, to_kind="away")
    assert _search(world.gmp_officer, name="Amira Okafor") == []


def test_a_match_shows_only_the_least_that_lets_the_officer_act(world, api):
    episode = _missing(world)
    services.episode_grade_risk(
        user=world.police_officer, why="test", episode=episode.pk, risk_grade="high", source="Call from the home"
    )
    services.philomena_profile_save(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        medical_needs="Asthma: carries an inhaler",
        vulnerabilities="Must not be released to Mr X (order in place)",
        associates="Secret associates",
        addresses="12 Secret Road",
        description="Tall",
    )
    assert {f.name for f in dataclasses.fields(Match)} == {
        "episode_id",
        "child_id",
        "name",
        "age",
        "has_photo",
        "risk_grade",
        "risk_graded_at",
        "leading_force",
        "leading_force_contact",
        "responsible_council",
        "responsible_council_contact",
        "medical_needs",
        "vulnerabilities",
        "score",
        "why",
    }

    [match] = _search(world.gmp_officer, name="Amira Okafor")
    assert match.risk_grade == "High" and match.risk_graded_at is not None
    assert match.leading_force == "West Midlands Police" and match.responsible_council == world.manchester.name
    assert match.medical_needs == "Asthma: carries an inhaler" and "Mr X" in match.vulnerabilities
    assert match.leading_force_contact == lookup.NO_CONTACT  # none recorded yet: the page says so

    # The 24-hour contacts, once recorded (homeward agency-contact), are what the officer is shown.
    from django.core.management import call_command

    call_command(
        "agency_contact", world.west_midlands_police.code, "0121 555 0100 (force control room)", stdout=io.StringIO()
    )
    call_command("agency_contact", world.manchester.code, "0161 555 0199 (emergency duty team)", stdout=io.StringIO())
    [match] = _search(world.gmp_officer, name="Amira Okafor")
    assert (match.leading_force_contact, match.responsible_council_contact) == (
        "0121 555 0100 (force control room)",
        "0161 555 0199 (emergency duty team)",
    )

    body = (
        api(world.gmp_officer)
        .post("/api/v1/missing-lookup/", {"reason": REASON, "name": "Amira Okafor"}, format="json")
        .json()
    )
    [shown] = body["matches"]
    assert set(shown) == {
        "episode_id",
        "name",
        "age",
        "photo",
        "risk_grade",
        "risk_graded_at",
        "leading_force",
        "leading_force_contact",
        "responsible_council",
        "responsible_council_contact",
        "medical_needs",
        "vulnerabilities",
        "score",
        "why",
    }
    text = str(body)
    for hidden in ("Secret", "Oak House", "B1 1AA", "MAN001", "9990000018", world.child.date_of_birth.isoformat()):
        assert hidden not in text


def test_only_police_may_search_and_a_reason_and_terms_are_needed(world):
    _missing(world)
    for user in (world.social_worker, world.provider_staff, world.host_coordinator, world.national_analyst):
        with pytest.raises(PermissionDenied):
            _search(user, name="Amira Okafor")
    with pytest.raises(ValidationError) as error:
        missing_lookup(user=world.gmp_officer, why="test", reason=" ", name="Amira Okafor")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _search(world.gmp_officer, age=14)  # an age without sex, no name
    assert "name" in error.value.message_dict
    coordinator = make_user(world.gmp, Role.POLICE_COORDINATOR)
    assert len(_search(coordinator, name="Amira Okafor")) == 1


# ---------------------------------------------------------------------------------------------
# Every search accountable
# ---------------------------------------------------------------------------------------------


def test_each_search_is_audited_and_the_council_sees_who_searched_for_its_child_and_why(world):
    episode = _missing(world)
    _search(world.gmp_officer, name="Amirah Okafur")

    search = AuditEvent.objects.filter(object_type=lookup.SEARCH_OBJECT, user_id=world.gmp_officer.pk).get()
    assert search.action == Action.SEARCH and search.detail["reason"] == REASON
    assert search.detail["terms"]["name"] == "Amirah Okafur" and search.detail["episodes"] == [episode.pk]

    _, log = child_access_log(user=world.social_worker, child_id=world.child.pk, why="test")
    [entry] = log.filter(object_type=lookup.MATCH_OBJECT)
    assert entry.username == world.gmp_officer.username and entry.agency_code == world.gmp.code
    assert REASON in entry.why and entry.object_id == str(episode.pk)

    _search(world.gmp_officer, name="Nobody Known")  # a search that shows nothing is audited too
    assert AuditEvent.objects.filter(object_type=lookup.SEARCH_OBJECT, user_id=world.gmp_officer.pk).count() == 2


def test_searches_are_throttled_per_person(world, api):
    _missing(world)
    for _ in range(lookup.SEARCHES_PER_WINDOW):
        _search(world.gmp_officer, name="Amira Okafor")
    with pytest.raises(lookup.TooManySearches):
        _search(world.gmp_officer, name="Amira Okafor")
    response = api(world.gmp_officer).post(
        "/api/v1/missing-lookup/", {"reason": REASON, "name": "Amira Okafor"}, format="json"
    )
    assert response.status_code == 429 and "10 minutes" in response.json()["detail"]
    page = Client()
    sign_in(page, world.gmp_officer)
    response = page.post("/police/missing-lookup/", {"reason": REASON, "name": "Amira Okafor"})
    assert response.status_code == 429 and b"Too many searches" in response.content
    # Another officer is not held back; the refused attempts are recorded.
    assert len(_search(world.police_officer, name="Amira Okafor")) == 1
    assert (
        AuditEvent.objects.filter(
            object_type=lookup.SEARCH_OBJECT, action=Action.DENIED, user_id=world.gmp_officer.pk
        ).count()
        == 3
    )


# ---------------------------------------------------------------------------------------------
# The photo and "found": only for a current match
# ---------------------------------------------------------------------------------------------


def test_the_photo_is_served_only_to_an_officer_with_a_current_match(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_url_walk import _png

    settings.MEDIA_ROOT = tmp_path
    _missing(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            photo=SimpleUploadedFile("p.png", _png(), content_type="image/png"),
        )
    page = Client()
    sign_in(page, world.gmp_officer)
    url = f"/police/missing-lookup/photo/{world.child.pk}/"
    assert page.get(url).status_code == 404
    [match] = _search(world.gmp_officer, name="Amira Okafor")
    assert match.has_photo
    response = page.get(url)
    assert response.status_code == 200 and response["Cache-Control"].startswith("private, no-store")
    other = Client()
    sign_in(other, make_user(world.gmp, Role.POLICE_COORDINATOR))
    assert other.get(url).status_code == 404


def test_recording_found_tells_every_agency_and_starts_the_interview_clock(world):
    manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    wmp_coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    coordinator = make_user(world.manchester, Role.MISSING_COORDINATOR)
    rhi_worker = make_user(
        ReturnInterview._meta.get_field("service").related_model.objects.get(code=f"RHI-{world.manchester.code}"),
        Role.RHI_WORKER,
    )
    episode = _missing(world)
    Alert.objects.all().delete()
    _search(world.gmp_officer, name="Amirah Okafur")
    found_at = _hours_ago(0.5)

    missing_found(
        user=world.gmp_officer,
        why="test",
        episode_id=episode.pk,
        found_at=found_at,
        found_where="Manchester Piccadilly station",
        in_care_of="PC 1234, Manchester Piccadilly",
        postcode="M1 1AE",
    )

    episode.refresh_from_db()
    assert (
        episode.returned_at == found_at
        and episode.return_how == "police"
        and episode.location_police_force == world.gmp
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.due_at == found_at + datetime.timedelta(hours=72)
    told = {alert.recipient for alert in Alert.objects.filter(child_id=world.child.pk)}
    assert {
        world.social_worker,
        coordinator,
        world.host_coordinator,
        world.provider_staff,
        manager,
        wmp_coordinator,
        world.police_officer,
        rhi_worker,
    } <= told
    assert world.gmp_officer not in told
    assert "In the care of PC 1234" in episode.updates.get(kind="return").text


def test_the_found_page_asks_when_the_child_was_found_before_the_report(world):
    episode = _missing(world)  # reported just now, last seen 5 hours ago
    page = Client()
    sign_in(page, world.gmp_officer)
    _search(world.gmp_officer, name="Amira Okafor")
    url = f"/police/missing-lookup/found/{episode.pk}/"
    assert "confirm_before_report" not in page.get(url).content.decode()
    found = timezone.localtime(_hours_ago(1))
    answers = {
        "found_at_day": found.day,
        "found_at_month": found.month,
        "found_at_year": found.year,
        "found_at_time": found.strftime("%H:%M"),
        "found_where": "Piccadilly station",
        "in_care_of": "PC 1234",
    }
    response = page.post(url, answers)
    html = response.content.decode()
    assert response.status_code == 200 and Episode.objects.get(pk=episode.pk).returned_at is None
    assert 'href="#found_at_day">The return time is before the episode was reported (' in html
    assert 'name="confirm_before_report" type="checkbox"' in html and "Yes, the time found is right" in html
    response = page.post(url, {**answers, "confirm_before_report": "on"})
    assert response.status_code == 302
    assert Episode.objects.get(pk=episode.pk).returned_at < Episode.objects.get(pk=episode.pk).reported_at


def test_found_needs_a_current_match_of_an_open_missing_episode(world):
    episode = _missing(world)
    with pytest.raises(Http404):  # never searched
        missing_found(
            user=world.gmp_officer,
            why="test",
            episode_id=episode.pk,
            found_at=_hours_ago(0),
            found_where="x",
            in_care_of="y",
        )
    _search(world.gmp_officer, name="Amira Okafor")
    with pytest.raises(Http404):  # a council cannot use the look-up's grant
        missing_found(
            user=world.social_worker,
            why="test",
            episode_id=episode.pk,
            found_at=_hours_ago(0),
            found_where="x",
            in_care_of="y",
        )
    later = timezone.now() + lookup.MATCH_VALID_FOR + datetime.timedelta(minutes=1)
    assert lookup.match_current(world.gmp_officer, child_id=world.child.pk, episode_id=episode.pk)
    assert not lookup.match_current(world.gmp_officer, child_id=world.child.pk, episode_id=episode.pk, now=later)
    with pytest.raises(ValidationError) as error:
        missing_found(
            user=world.gmp_officer,
            why="test",
            episode_id=episode.pk,
            found_at=_hours_ago(0),
            found_where="",
            in_care_of="",
        )
    assert {"found_where", "in_care_of"} <= set(error.value.message_dict)
    missing_found(
        user=world.gmp_officer,
        why="test",
        episode_id=episode.pk,
        found_at=_hours_ago(0),
        found_where="x",
        in_care_of="y",
    )
    with pytest.raises(Http404):  # returned now: no longer open missing
        missing_found(
            user=world.gmp_officer,
            why="test",
            episode_id=episode.pk,
            found_at=_hours_ago(0),
            found_where="x",
            in_care_of="y",
        )


def test_the_found_page_records_the_child_found(world):
    episode = _missing(world)
    page = Client()
    sign_in(page, world.gmp_officer)
    url = f"/police/missing-lookup/found/{episode.pk}/"
    assert page.get(url).status_code == 404
    response = page.post("/police/missing-lookup/", {"reason": REASON, "name": "Amirah Okafur", "sex": "2"})
    assert b"Amira Okafor" in response.content and url.encode() in response.content
    assert page.get(url).status_code == 200
    now = timezone.localtime()
    response = page.post(
        url,
        {
            "found_at_day": now.day,
            "found_at_month": now.month,
            "found_at_year": now.year,
            "found_at_time": now.strftime("%H:%M"),
            "found_where": "Piccadilly station",
            "in_care_of": "PC 1234",
        },
    )
    assert response.status_code == 302
    assert Episode.objects.get(pk=episode.pk).returned_at is not None
