"""The consistent child identifier (Children's Wellbeing and Schools Act 2026, s16LC): the NHS number
by default, shown to those who see identifiers, the key a force's look-up matches first and exactly,
and never a reason to take two councils' children for one. With the setting "none" nothing keys on it."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from homeward.agencies.models import ApiToken, hash_token

from homeward.children.apps import consistent_identifier_configured
from homeward.children.identifiers import consistent_identifier, consistent_identifier_field
from homeward.children.models import Child
from homeward.children.selectors import child_identifier_shared
from homeward.episodes import lookup, services
from tests.support import sign_in

NHS_NUMBER = "9990000018"  # the world's child's (tests/conftest.py)
OTHER_NHS_NUMBER = "9990000026"
REASON = "Child at Piccadilly station at 2am"


def _page(user, path: str) -> str:
    client = Client()
    sign_in(client, user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _missing(world, child):
    episode, _ = services.episode_open(
        user=world.social_worker if child.responsible_authority == world.manchester else world.unrelated_social_worker,
        why="test",
        child=child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=5),
        last_seen_location="The home",
    )
    return episode


def _api(user) -> APIClient:
    raw = f"hw_identifier-{user.pk}"
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _search(user, **terms):
    return lookup.missing_lookup(user=user, why="test", reason=REASON, **terms)


# ---------------------------------------------------------------------------------------------
# The setting
# ---------------------------------------------------------------------------------------------


def test_the_nhs_number_is_the_consistent_identifier_by_default(world):
    assert consistent_identifier_field() == "nhs_number"
    assert consistent_identifier(world.child) == ("NHS number", "999 000 0018")
    assert consistent_identifier(world.child_at_home) is None  # not known: no identifier, not a blank one


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="none")
def test_with_the_setting_none_there_is_no_consistent_identifier(world):
    assert consistent_identifier_field() is None
    assert consistent_identifier(world.child) is None


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="nhs")
def test_a_setting_that_names_no_identifier_stops_with_the_allowed_values(world):
    with pytest.raises(ImproperlyConfigured, match="nhs_number, none"):
        consistent_identifier(world.child)


# ---------------------------------------------------------------------------------------------
# The child's page
# ---------------------------------------------------------------------------------------------


def test_the_childs_page_shows_the_consistent_identifier_to_those_shown_identifiers(world):
    page = _page(world.social_worker, f"/children/{world.child.pk}/")
    assert 'data-testid="consistent-identifier"' in page and "999 000 0018" in page
    assert "Consistent child identifier" in page


def test_the_police_are_not_shown_the_consistent_identifier(world):
    page = _page(world.police_officer, f"/children/{world.child.pk}/")
    assert "Consistent child identifier" not in page and "999 000 0018" not in page


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="none")
def test_with_the_setting_none_the_page_shows_the_nhs_number_but_no_consistent_identifier(world):
    page = _page(world.social_worker, f"/children/{world.child.pk}/")
    assert "Consistent child identifier" not in page
    assert "999 000 0018" in page  # still the child's NHS number, only no longer the key


# ---------------------------------------------------------------------------------------------
# Two councils' children with one number: reported, never merged
# ---------------------------------------------------------------------------------------------


def test_a_number_held_by_another_councils_child_is_reported_to_each_council_and_both_records_kept(world):
    Child.objects.filter(pk=world.leeds_child.pk).update(nhs_number=NHS_NUMBER)

    shared = child_identifier_shared(child=world.child)
    assert (shared.label, shared.in_own_council, shared.in_other_councils) == ("NHS number", 0, 1)
    page = _page(world.social_worker, f"/children/{world.child.pk}/")
    assert 'data-testid="same-identifier"' in page and "looked after by another council has the same NHS number" in page
    assert "Hussain" not in page  # the other council's child is counted, not shown
    leeds_page = _page(world.unrelated_social_worker, f"/children/{world.leeds_child.pk}/")
    assert 'data-testid="same-identifier"' in leeds_page
    assert Child.objects.filter(nhs_number=NHS_NUMBER).count() == 2


def test_a_child_whose_number_no_one_else_holds_has_no_warning(world):
    assert child_identifier_shared(child=world.child) is None
    assert 'data-testid="same-identifier"' not in _page(world.social_worker, f"/children/{world.child.pk}/")


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="none")
def test_with_the_setting_none_a_shared_number_is_not_keyed_on(world):
    Child.objects.filter(pk=world.leeds_child.pk).update(nhs_number=NHS_NUMBER)
    assert child_identifier_shared(child=world.child) is None


# ---------------------------------------------------------------------------------------------
# A force's look-up (episodes.lookup): the number first and exactly, before names and dates
# ---------------------------------------------------------------------------------------------


def test_a_force_finds_a_missing_child_by_the_nhs_number_alone(world):
    episode = _missing(world, world.child)
    [match] = _search(world.gmp_officer, nhs_number="999 000 0018")
    assert match.episode_id == episode.pk
    assert match.why[0] == "NHS number matches: the consistent child identifier"


def test_the_look_up_page_asks_for_the_nhs_number_and_finds_the_child_by_it(world):
    episode = _missing(world, world.child)
    client = Client()
    sign_in(client, world.gmp_officer)
    assert 'name="nhs_number"' in client.get("/police/missing-lookup/").content.decode()
    page = client.post(
        "/police/missing-lookup/", {"reason": "Child at Piccadilly station at 2am", "nhs_number": "999 000 0018"}
    ).content.decode()
    assert "NHS number matches: the consistent child identifier" in page
    assert f"/police/missing-lookup/found/{episode.pk}/" in page
    wrong = client.post("/police/missing-lookup/", {"reason": "Child at the station", "nhs_number": "999 000 0019"})
    assert "NHS number" in wrong.content.decode() and 'id="nhs_number-error"' in wrong.content.decode()


def test_the_nhs_number_match_comes_before_a_better_name_match(world):
    Child.objects.filter(pk=world.leeds_child.pk).update(nhs_number=OTHER_NHS_NUMBER)
    _missing(world, world.child)  # Amira Okafor, 9990000018
    leeds = _missing(world, world.leeds_child)  # Amira Hussain, 9990000026

    matches = _search(world.gmp_officer, name="Amira Okafor", nhs_number=OTHER_NHS_NUMBER)

    assert [m.episode_id for m in matches][0] == leeds.pk
    assert matches[0].score < matches[1].score  # ranked first by the number, not by its score


def test_two_missing_children_with_one_nhs_number_are_both_shown_and_each_says_so(world):
    Child.objects.filter(pk=world.leeds_child.pk).update(nhs_number=NHS_NUMBER)
    _missing(world, world.child)
    _missing(world, world.leeds_child)

    matches = _search(world.gmp_officer, nhs_number=NHS_NUMBER)

    assert {m.child_id for m in matches} == {world.child.pk, world.leeds_child.pk}
    assert all(lookup.SAME_IDENTIFIER_TWICE in m.why for m in matches)


def test_a_wrong_nhs_number_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as raised:
        _search(world.gmp_officer, nhs_number="9990000019")
    assert "nhs_number" in raised.value.message_dict


def test_an_nhs_number_of_a_child_not_missing_gives_the_same_answer_as_no_child(world):
    assert _search(world.gmp_officer, nhs_number="9990000018") == []


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="none")
def test_with_the_setting_none_the_look_up_does_not_key_on_the_nhs_number(world):
    _missing(world, world.child)
    with pytest.raises(ValidationError) as raised:
        _search(world.gmp_officer, nhs_number=NHS_NUMBER)  # the number alone is no term at all
    assert "name" in raised.value.message_dict
    [match] = _search(world.gmp_officer, name="Amira Okafor", nhs_number=NHS_NUMBER)
    assert not any("NHS number" in why for why in match.why)


def test_the_look_up_api_takes_the_nhs_number(world):
    episode = _missing(world, world.child)
    api = _api(world.gmp_officer)
    response = api.post("/api/v1/missing-lookup/", {"reason": REASON, "nhs_number": NHS_NUMBER}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["terms"]["nhs_number"] == NHS_NUMBER
    assert [m["episode_id"] for m in body["matches"]] == [episode.pk]
    bad = api.post("/api/v1/missing-lookup/", {"reason": REASON, "nhs_number": "123"}, format="json")
    assert bad.status_code == 400 and "nhs_number" in bad.json()


@override_settings(HOMEWARD_CONSISTENT_IDENTIFIER="upn")
def test_the_system_check_names_a_setting_that_names_no_identifier(db):
    [error] = consistent_identifier_configured(None)
    assert error.id == "homeward.children.E001" and "'upn'" in error.msg


def test_the_system_check_passes_the_default(db):
    assert consistent_identifier_configured(None) == []
