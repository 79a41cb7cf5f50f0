"""The Philomena profile (Part A): versioned, its photo private and read only through the access check;
the police see it only while the child is missing (Philomena Protocol)."""

import io
import stat
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from PIL import ExifTags, Image

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


def _image(format_: str = "PNG", size: tuple[int, int] = (8, 6), colour=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format_, **save)
    return buffer.getvalue()


def _pixels(content: bytes) -> tuple:
    with Image.open(io.BytesIO(content)) as image:
        return image.size, image.convert("RGB").getpixel((0, 0))


def _with_gps() -> bytes:
    """A phone photo: EXIF with the camera, the time and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.DateTime] = "2025:06:01 18:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 28.0, 50.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (1.0, 53.0, 34.0),
        }
    )
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    return _image("JPEG", size=(32, 24), exif=exif, xmp=xmp)


PNG = _image()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _photo(content: bytes = PNG, name: str = "amira.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_each_save_is_a_new_version_and_the_photo_carries_over(
    world, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child,
            description="5ft 4, slim, long dark hair",
            phone="07700 900123",
            photo=_photo(),
        )
    second = philomena_profile_save(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        description="5ft 5, hair now short",
        associates="Older males in a grey car",
    )
    assert (first.version, second.version) == (1, 2)
    assert second.photo.name == first.photo.name and first.photo.name.startswith(f"philomena/{world.child.pk}/")
    assert _pixels((private_media / first.photo.name).read_bytes()) == _pixels(PNG)
    current = philomena_profile_current(user=world.provider_staff, child_id=world.child.pk, why="test")
    assert (current.version, current.description, current.phone) == (2, "5ft 5, hair now short", "")
    versions = philomena_profile_versions(user=world.social_worker, child_id=world.child.pk, why="test")
    assert [v.version for v in versions] == [2, 1]
    third = philomena_profile_save(user=world.provider_staff, why="test", child=world.child, remove_photo=True)
    assert not third.photo
    entries = [
        e
        for e in child_timeline(user=world.social_worker, child_id=world.child.pk, why="test").entries
        if e.kind == "profile"
    ]
    assert [(e.detail["version"], e.by) for e in entries] == [
        (1, world.provider_staff.username),
        (2, world.social_worker.username),
        (3, world.provider_staff.username),
    ]


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
        profile = philomena_profile_save(
            user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo()
        )
        assert _files(private_media) == []  # not before the row is committed
    [write] = on_commit
    write()
    assert _pixels((private_media / profile.photo.name).read_bytes()) == _pixels(PNG)


def test_a_profile_rolled_back_leaves_no_photo_on_disk(world, private_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():  # as when a caller's transaction fails after the save
            philomena_profile_save(
                user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo()
            )
            raise RuntimeError("the caller's next step failed")
    assert not PhilomenaProfile.objects.exists() and _files(private_media) == []


def test_a_profile_refused_at_the_save_leaves_no_photo_on_disk(
    world, private_media, django_capture_on_commit_callbacks, monkeypatch
):
    def clash(*args, **kwargs):
        raise IntegrityError("philomena_profile_version_unique")

    monkeypatch.setattr(PhilomenaProfile, "save", clash)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(
            user=world.provider_staff, why="test", child=world.child, description="x", photo=_photo()
        )
    assert list(excinfo.value.message_dict) == ["child"] and _files(private_media) == []


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 20,
        b"%PDF-1.4",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"Meet at the station at 6, come alone\n",
        _image("GIF"),
        _image("BMP"),
    ],
    ids=["gif-start", "pdf", "wave", "text", "gif", "bmp"],
)
def test_only_photos_are_accepted(world, content):
    with pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo(content, "x.png"))
    assert excinfo.value.message_dict == {"photo": ["The photo must be a JPEG, PNG or WebP image."]}
    assert not PhilomenaProfile.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG's first bytes, then nothing an image is made of
        b"\xff\xd8\xff\xe0" + b"not a picture" * 10,
        _image("JPEG")[:-400],  # cut short
    ],
    ids=["png-start-then-zeros", "jpeg-start-then-text", "jpeg-cut-short"],
)
def test_a_file_that_only_starts_like_an_image_is_refused(world, content):
    with pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo(content, "x.png"))
    assert list(excinfo.value.message_dict) == ["photo"]
    assert not PhilomenaProfile.objects.exists()


def _png_header_only(width: int, height: int) -> bytes:
    """A small file whose header claims a vast picture: decoding it would fill the memory (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width,height", [(10_000, 5_000), (30_000, 30_000)])
def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded(world, width, height):
    with pytest.raises(ValidationError) as excinfo:
        philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child,
            photo=_photo(_png_header_only(width, height), "big.png"),
        )
    assert excinfo.value.message_dict == {
        "photo": ["The photo must be at most 40 million pixels (for example 8,000 by 5,000)."]
    }
    assert not PhilomenaProfile.objects.exists()


def test_the_photo_is_stored_without_its_exif_and_location(world, private_media, django_capture_on_commit_callbacks):
    upload = _with_gps()
    with Image.open(io.BytesIO(upload)) as original:  # the test's own photo does carry them
        assert (
            original.getexif().get_ifd(ExifTags.IFD.GPSInfo) and original.getexif()[ExifTags.Base.Make] == "PhoneMaker"
        )
    with django_capture_on_commit_callbacks(execute=True):
        profile = philomena_profile_save(
            user=world.provider_staff, why="test", child=world.child, photo=_photo(upload, "IMG_0001.JPG")
        )
    assert profile.photo.name.endswith(".jpg")
    stored = (private_media / profile.photo.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (32, 24)
        assert not image.getexif() and "exif" not in image.info
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"2025:06:01" not in stored
    assert b"xmpmeta" not in stored and upload.count(b"xmpmeta") == 2


def test_a_photo_taken_sideways_is_stored_the_right_way_up(world, private_media, django_capture_on_commit_callbacks):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: show the picture rotated 90 degrees
    with django_capture_on_commit_callbacks(execute=True):
        profile = philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child,
            photo=_photo(_image("JPEG", size=(32, 24), exif=exif), "side.jpg"),
        )
    with Image.open(private_media / profile.photo.name) as image:
        assert image.size == (24, 32) and not image.getexif()


@pytest.mark.parametrize("format_,extension", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_each_format_is_kept_and_named_by_what_it_is(
    world, private_media, django_capture_on_commit_callbacks, format_, extension
):
    with django_capture_on_commit_callbacks(execute=True):
        profile = philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child,
            photo=_photo(_image(format_, size=(20, 10)), "photo.png"),
        )
    assert profile.photo.name.endswith(extension)
    with Image.open(private_media / profile.photo.name) as image:
        assert image.format == format_ and image.size == (20, 10)


def test_the_photo_file_is_readable_only_by_the_service(world, private_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile = philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo())
    path = private_media / profile.photo.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The folders the storage made for it too: no other account on the machine can list or open them.
    for folder in (path.parent, path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_the_photo_is_read_through_the_access_check_and_audited(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        philomena_profile_save(user=world.provider_staff, why="test", child=world.child, photo=_photo())
    photo = philomena_photo(user=world.host_coordinator, child_id=world.child.pk, why="web:photo")
    with photo.file:
        assert _pixels(photo.file.read()) == _pixels(PNG)
    assert photo.content_type == "image/png" and photo.name == f"child-{world.child.pk}-v1.png"
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.child_id, event.why) == (
        "read",
        "philomena_photo",
        world.child.pk,
        "web:photo",
    )
    with pytest.raises(Http404):
        philomena_photo(user=world.unrelated_social_worker, child_id=world.child.pk, why="test")
    profile = PhilomenaProfile.objects.get()
    with pytest.raises(NotImplementedError):
        profile.photo.url  # no URL serves private files  # noqa: B018


def test_the_police_see_part_a_only_while_the_child_is_missing(world):
    philomena_profile_save(user=world.provider_staff, why="test", child=world.child, description="Tall")
    with pytest.raises(Http404):
        philomena_profile_current(user=world.police_officer, child_id=world.child.pk, why="test")
    episode, _ = episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="missing", started_at=ago(hours=1)
    )
    assert (
        philomena_profile_current(user=world.police_officer, child_id=world.child.pk, why="test").description == "Tall"
    )
    briefing = episode_briefing(user=world.police_officer, episode_id=episode.pk, why="test")
    assert (briefing.child, briefing.profile.description, briefing.placement.provider) == (
        world.child,
        "Tall",
        world.provider,
    )
