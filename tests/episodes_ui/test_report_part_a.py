"""The report asks for the essentials of Part A when the child has no Philomena profile yet (issue 11):
saved with the episode in one submit, or not at all."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError

from homeward import dates
from homeward.audit.models import AuditEvent
from homeward.episodes import services
from homeward.episodes.models import Episode, PhilomenaProfile
from tests.episodes_ui.conftest import ago, counts, summary_errors
from tests.episodes_ui.test_report_missing import _form

PART_A = {
    "description": "Tall, short dark hair, scar on left hand",
    "places_frequented": "Aston Park; her aunt's flat on Park Road",
    "associates": "Jay, older friend",
    "medical_needs": "Asthma: needs her blue inhaler",
    "phone": "07700 900123",
}


def _url(world) -> str:
    return f"/children/{world.child.pk}/report-missing/"


@pytest.mark.parametrize("who", ["provider_staff", "social_worker"])
def test_a_child_with_no_profile_is_asked_the_essentials_by_those_who_keep_it(world, client_for, who):
    html = unescape(client_for(who).get(_url(world)).content.decode())
    assert "About Amira" in html and "Amira has no Philomena profile yet" in html
    for label in ["What does Amira look like? (optional)", "Where might Amira go? (optional)", "Amira's phone number"]:
        assert label in html, label
    for name in PART_A:
        assert f'name="{name}"' in html, name


@pytest.mark.parametrize("who", ["police_officer", "host_coordinator"])
def test_those_who_do_not_keep_part_a_are_not_asked(world, client_for, who):
    client = client_for(who)
    html = client.get(_url(world)).content.decode()
    assert "About Amira" not in html and 'name="description"' not in html
    # Answers posted anyway are not the form's: the report is saved, Part A is not written.
    response = client.post(_url(world), _form(**PART_A))
    assert response.status_code == 302
    assert Episode.objects.filter(child=world.child).exists() and not PhilomenaProfile.objects.exists()


def test_the_report_and_the_essentials_are_saved_together(world, client_for):
    before = AuditEvent.objects.filter(object_type="philomena_profile", action="create").count()
    response = client_for("provider_staff").post(_url(world), _form(**PART_A))
    episode = Episode.objects.get(child=world.child)
    assert response.status_code == 302 and response["Location"] == f"/inbox/reported/{episode.pk}/"
    profile = PhilomenaProfile.objects.get(child=world.child)
    assert profile.version == 1 and profile.created_by == world.provider_staff
    assert {name: getattr(profile, name) for name in PART_A} == PART_A
    assert profile.addresses == "" and profile.previous_missing_history == "" and not profile.photo
    assert AuditEvent.objects.filter(object_type="philomena_profile", action="create").count() == before + 1


def test_blank_answers_write_no_profile(world, client_for):
    response = client_for("provider_staff").post(_url(world), _form(description="  ", phone=""))
    assert response.status_code == 302
    assert Episode.objects.filter(child=world.child).exists() and not PhilomenaProfile.objects.exists()


def test_an_invalid_report_saves_neither_and_keeps_the_answers(world, client_for):
    before = counts()
    response = client_for("provider_staff").post(_url(world), _form(last_seen_location="", **PART_A))
    assert response.status_code == 200
    html = response.content.decode()
    assert summary_errors(html) == {"#last_seen_location": "Enter where Amira was last seen"}
    assert "Asthma: needs her blue inhaler" in html and 'value="07700 900123"' in html
    assert counts() == before


def test_an_answer_too_long_is_named_and_saves_neither(world, client_for):
    before = counts()
    response = client_for("provider_staff").post(_url(world), _form(**{**PART_A, "phone": "0" * 101}))
    assert summary_errors(response.content.decode()) == {
        "#phone": "Amira's phone number must be 100 characters or fewer"
    }
    assert counts() == before


def test_a_profile_saved_meanwhile_refuses_the_answers_and_the_report_with_them(world):
    # Someone wrote the profile between the form being shown and sent: the answers would replace it.
    services.philomena_profile_save(user=world.social_worker, why="test", child=world.child.pk, description="Known")
    with pytest.raises(ValidationError) as refused:
        services.episode_open_with_profile(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            kind="missing",
            started_at=ago(hours=2),
            profile=PART_A,
        )
    assert list(refused.value.message_dict) == ["profile"]
    assert not Episode.objects.exists() and PhilomenaProfile.objects.get().version == 1


def test_a_child_with_a_profile_shows_it_is_on_file_instead(world, client_for, story):
    profile = story.profile(photo=None)
    client = client_for("provider_staff")
    html = client.get(_url(world)).content.decode()
    assert 'name="description"' not in html and "About Amira" not in html
    assert f"Part A on file, saved {dates.when(profile.created_at)}." in html
    assert f'href="/children/{world.child.pk}/profile/"' in html
    assert client.post(_url(world), _form(description="Changed")).status_code == 302
    assert list(PhilomenaProfile.objects.values_list("version", "description")) == [(1, profile.description)]
