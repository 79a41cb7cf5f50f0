"""The Philomena profile (Part A): view, versions, edit with a photo, and the photo served only
through the access check."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from homeward.episodes.models import PhilomenaProfile
from tests.episodes_ui.conftest import PNG, counts, summary_errors


def _profile_form(**overrides) -> dict:
    data = {
        "description": "Tall, short dark hair",
        "associates": "Jay (older friend)",
        "phone": "07700 900123",
        "places_frequented": "Bull Ring",
        "medical_needs": "Asthma: inhaler",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["provider_staff", "social_worker", "host_coordinator", "inspector"])
def test_it_shows_the_current_profile_to_those_with_a_reason(world, client_for, story, who):
    story.profile(associates="Jay")
    html = client_for(who).get(f"/children/{world.child.pk}/profile/").content.decode()
    assert "Tall, short dark hair, scar on left hand" in html and "Jay" in html
    assert f'src="/children/{world.child.pk}/profile/photo/?version=1"' in html


def test_the_police_see_it_only_while_the_child_is_missing(world, client_for, story):
    story.profile()
    police = client_for("police_officer")
    # Philomena Protocol: Part A goes to the police when the child is reported missing.
    assert police.get(f"/children/{world.child.pk}/profile/").status_code == 404
    assert police.get(f"/children/{world.child.pk}/profile/photo/").status_code == 404
    story.open()
    assert police.get(f"/children/{world.child.pk}/profile/").status_code == 200
    assert police.get(f"/children/{world.child.pk}/profile/photo/").status_code == 200
    assert police.get(f"/children/{world.child.pk}/profile/edit/").status_code == 403


@pytest.mark.parametrize("who", ["unrelated_social_worker", "gmp_officer", "other_provider_staff", "national_analyst"])
def test_profile_and_photo_are_refused_out_of_scope(world, client_for, story, who):
    story.profile()
    story.open()
    client = client_for(who)
    for path in ["profile/", "profile/photo/", "profile/photo/?version=1", "profile/edit/"]:
        response = client.get(f"/children/{world.child.pk}/{path}")
        assert response.status_code == 404, path
        assert response.content[:8] != PNG[:8]
    before = counts()
    assert client.post(f"/children/{world.child.pk}/profile/edit/", _profile_form()).status_code == 404
    assert counts() == before


def test_the_photo_is_served_through_the_check_and_never_cached(world, client_for, story):
    story.profile()
    response = client_for("provider_staff").get(f"/children/{world.child.pk}/profile/photo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The photo as stored: decoded and written again (no metadata), the same picture.
    with (
        Image.open(io.BytesIO(b"".join(response.streaming_content))) as served,
        Image.open(io.BytesIO(PNG)) as uploaded,
    ):
        assert served.format == "PNG" and served.size == uploaded.size
        assert served.convert("RGB").tobytes() == uploaded.convert("RGB").tobytes()
    assert client_for("provider_staff").get(f"/children/{world.child.pk}/profile/photo/?version=7").status_code == 404
    assert client_for("provider_staff").get(f"/children/{world.child.pk}/profile/photo/?version=x").status_code == 404


def test_the_provider_writes_a_new_version_with_a_photo(world, client_for, story):
    client = client_for("provider_staff")
    html = client.get(f"/children/{world.child.pk}/profile/").content.decode()
    assert (
        "Nobody has written Amira's profile yet" in html and f'href="/children/{world.child.pk}/profile/edit/"' in html
    )
    photo = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    response = client.post(f"/children/{world.child.pk}/profile/edit/", {**_profile_form(), "photo": photo})
    assert response.status_code == 302 and response["Location"] == f"/children/{world.child.pk}/profile/"
    first = PhilomenaProfile.objects.get(child=world.child)
    assert first.version == 1 and first.photo and first.phone == "07700 900123"

    # The edit form starts from the current version; saving without a photo keeps the photo.
    html = client.get(f"/children/{world.child.pk}/profile/edit/").content.decode()
    assert "Jay (older friend)" in html and "Remove the current photo" in html
    client.post(f"/children/{world.child.pk}/profile/edit/", _profile_form(description="Now has short blonde hair"))
    second = PhilomenaProfile.objects.get(child=world.child, version=2)
    assert second.photo.name == first.photo.name and second.description == "Now has short blonde hair"

    html = client.get(f"/children/{world.child.pk}/profile/").content.decode()
    assert "Version 2" in html and "Profile saved as version 2." in html
    versions = html.split('data-testid="versions"')[1]
    assert (
        f'href="/children/{world.child.pk}/profile/?version=1"' in versions
        and "provider_staff-sc100001, Oak House" in versions
    )
    old = client.get(f"/children/{world.child.pk}/profile/", {"version": 1}).content.decode()
    assert "Tall, short dark hair" in old and "This is version 1, not the current one" in old
    assert client.get(f"/children/{world.child.pk}/profile/", {"version": 9}).status_code == 404

    client.post(f"/children/{world.child.pk}/profile/edit/", _profile_form(remove_photo="on"))
    assert not PhilomenaProfile.objects.get(child=world.child, version=3).photo


def test_bad_input_names_the_field_and_changes_nothing(world, client_for):
    client = client_for("provider_staff")
    before = counts()
    not_an_image = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")
    html = client.post(
        f"/children/{world.child.pk}/profile/edit/", {**_profile_form(description=""), "photo": not_an_image}
    ).content.decode()
    assert summary_errors(html) == {"#description": "Describe Amira so that they can be recognised"}
    # With the description given, the service looks at the photo's bytes and names that field.
    html = client.post(
        f"/children/{world.child.pk}/profile/edit/", {**_profile_form(), "photo": SimpleUploadedFile("n.png", b"text")}
    ).content.decode()
    assert summary_errors(html) == {"#photo": "The photo must be a JPEG, PNG or WebP image."}
    # A file that starts like a PNG but is not one is refused on the same field.
    fake = SimpleUploadedFile("n.png", PNG[:8] + b"\x00" * 64, content_type="image/png")
    html = client.post(f"/children/{world.child.pk}/profile/edit/", {**_profile_form(), "photo": fake}).content.decode()
    assert list(summary_errors(html)) == ["#photo"]
    assert counts() == before


def test_only_the_provider_and_the_responsible_council_keep_it(world, client_for):
    assert client_for("social_worker").get(f"/children/{world.child.pk}/profile/edit/").status_code == 200
    for who in ["host_coordinator", "inspector"]:
        assert client_for(who).get(f"/children/{world.child.pk}/profile/edit/").status_code == 403
