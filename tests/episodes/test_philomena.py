"""The Philomena profile (Part A): versioned, its photo private and read only through the access check;
the police see it only while the child is missing (Philomena Protocol)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404

from homeward.audit.models import AuditEvent
from homeward.episodes.models import PhilomenaProfile
from homeward.episodes.selectors import (
    child_timeline,
    episode_briefing,
    philomena_photo,
    philomena_profile_current,
    philomena_profile_versions,
)
from homeward.episodes.services import episode_open, philomena_profile_save
from tests.episodes.conftest import ago

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _photo(content: bytes = PNG, name: str = "amira.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_each_save_is_a_new_version_and_the_photo_carries_over(world, private_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = philomena_profile_save(user=world.provider_staff, why="test", child=world.child,
                                       description="5ft 4, slim, long dark hair", phone="07700 900123", photo=_photo())
    second = philomena_profile_save(user=world.social_worker, why="test", child=world.child.pk,
                                    description="5ft 5, hair now short", associates="Older males in a grey car")
    assert (first.version, second.version) == (1, 2)
    assert second.photo.name == first.photo.name and first.photo.name.startswith(f"philomena/{world.child.pk}/")
    assert (private_media / first.photo.name).read_bytes() == PNG
    current = philomena_profile_current(user=world.provider_staff, child_id=world.child.pk, why="test")
    assert (current.version, current.description, current.phone) == (2, "5ft 5, hair now short", "")
    versions = philomena_profile_versions(user=world.social_worker, child_id=world.child.pk, why="test")
    assert [v.version for v in versions] == [2, 1]
    third = philomena_profile_save(user=world.provider_staff, why="test", child=world.child, remove_photo=True)
    assert not third.photo
    entries = [e for e in child_timeline(user=world.social_worker, child_id=world.child.pk, why="test").entries if e.kind == "profile"]
    assert [(e.detail["version"], e.by) for e in entries] == [(1, world.provider_staff.username), (2, world.social_worker.username), (3, world.provider_staff.username)]


def test_only_the_provider_and_the_responsible_authority_keep_it(world):
    for user in (world.police_officer, world.host_coordinator, world.inspector):
        with pytest.raises(PermissionDenied):
            philomena_profile_save(user=user, why="test", child=world.child, description="x")
    with pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(user=world.unrelated_social_worker, why="test", child=world.child, description="x")
    assert excinfo.value.message_dict == {"child": ["No such child."]}
    assert not PhilomenaProfile.objects.exists()


def _files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def test_the_photo_is_written_only_when_the_profile_commits(world, private_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        profile = philomena_profile_save(user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo())
        assert _files(private_media) == []  # not before the row is committed
    [write] = on_commit
    write()
    assert (private_media / profile.photo.name).read_bytes() == PNG


def test_a_profile_rolled_back_leaves_no_photo_on_disk(world, private_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():  # as when a caller's transaction fails after the save
            philomena_profile_save(user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo())
            raise RuntimeError("the caller's next step failed")
    assert not PhilomenaProfile.objects.exists() and _files(private_media) == []


def test_a_profile_refused_at_the_save_leaves_no_photo_on_disk(world, private_media, django_capture_on_commit_callbacks, monkeypatch):
    from homeward.episodes import services

    def clash(*args, **kwargs):
        raise IntegrityError("philomena_profile_version_unique")

    monkeypatch.setattr(services.PhilomenaProfile, "save", clash)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo())
    assert list(excinfo.value.message_dict) == ["child"] and _files(private_media) == []


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 20, b"%PDF-1.4", b"RIFF\x00\x00\x00\x00WAVE"])
def test_only_photos_are_accepted(world, content):
    with pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo(content, "x.png"))
    assert list(excinfo.value.message_dict) == ["photo"]
    assert not PhilomenaProfile.objects.exists()


def test_the_photo_is_read_through_the_access_check_and_audited(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo())
    photo = philomena_photo(user=world.host_coordinator, child_id=world.child.pk, why="web:photo")
    with photo.file:
        assert photo.file.read() == PNG
    assert photo.content_type == "image/png" and photo.name == f"child-{world.child.pk}-v1.png"
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.child_id, event.why) == ("read", "philomena_photo", world.child.pk, "web:photo")
    with pytest.raises(Http404):
        philomena_photo(user=world.unrelated_social_worker, child_id=world.child.pk, why="test")
    profile = PhilomenaProfile.objects.get()
    with pytest.raises(NotImplementedError):
        profile.photo.url  # no URL serves private files  # noqa: B018


def test_the_police_see_part_a_only_while_the_child_is_missing(world):
    philomena_profile_save(user=world.provider_staff, why="test", child=world.child, description="Tall")
    with pytest.raises(Http404):
        philomena_profile_current(user=world.police_officer, child_id=world.child.pk, why="test")
    episode, _ = episode_open(user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(hours=1))
    assert philomena_profile_current(user=world.police_officer, child_id=world.child.pk, why="test").description == "Tall"
    briefing = episode_briefing(user=world.police_officer, episode_id=episode.pk, why="test")
    assert (briefing.child, briefing.profile.description, briefing.placement.provider) == (world.child, "Tall", world.provider)
