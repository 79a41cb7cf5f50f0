"""Fixtures for the episode pages: a signed-in client for any user of the shared `world`, episodes
in each state, the return-interview service, and counts that show a refused form changed nothing."""

import datetime
import struct
import zlib
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from homeward.agencies.models import Agency, Role, User
from homeward.audit.models import AuditEvent
from homeward.episodes import services
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
    KindChange,
    PhilomenaProfile,
    PoliceReference,
    ReturnInterview,
    RiskGrading,
)
from tests.episodes.conftest import commission_return_interview_services
from tests.support import sign_in


def _png(width: int = 4, height: int = 6) -> bytes:
    """A real PNG (red pixels), made here so that no image file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = _png()


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def local_parts(prefix: str, value: datetime.datetime) -> dict[str, str]:
    """A moment as the GOV.UK date input and time box post it (Europe/London)."""
    local = timezone.localtime(value)
    return {
        f"{prefix}_day": str(local.day),
        f"{prefix}_month": str(local.month),
        f"{prefix}_year": str(local.year),
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def counts() -> dict[str, int]:
    models = [Episode, EpisodeUpdate, KindChange, PoliceReference, ReturnInterview, RiskGrading, PhilomenaProfile]
    return {model.__name__: model.objects.count() for model in models} | {
        # Writes leave CREATE/UPDATE entries; reading the page again only adds READ entries (and a
        # refused look-up a DENIED one).
        "audit_writes": AuditEvent.objects.exclude(action__in=["read", "list", "search", "denied"]).count(),
    }


def make_user(agency: Agency, role: str, username: str) -> User:
    user = User(
        username=username, agency=agency, role=role, first_name=username.split("-")[0].title(), last_name="Tester"
    )
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Photos go to a directory of this test's own.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def client_for(world):
    def make(who) -> Client:
        user = getattr(world, who) if isinstance(who, str) else who
        client = Client()
        sign_in(client, user)
        return client

    return make


@pytest.fixture
def world(world):
    commission_return_interview_services(world)
    return world


@pytest.fixture
def rhi_worker(world) -> User:
    """A worker at Manchester's return-interview service."""
    return make_user(Agency.objects.get(code=f"RHI-{world.manchester.code}"), Role.RHI_WORKER, "rhi-manchester")


@pytest.fixture
def story(world, django_capture_on_commit_callbacks):
    """Episodes for the world's child, in each state, made through the services."""

    def open_(child=None, *, by=None, kind="missing", hours=3, **extra) -> Episode:
        episode, _ = services.episode_open(
            user=by or world.provider_staff,
            why="test",
            child=(child or world.child).pk,
            kind=kind,
            last_seen_at=ago(hours=hours),
            last_seen_location=extra.pop("location", "Oak House, front door"),
            clothing=extra.pop("clothing", "Black puffer jacket"),
            **extra,
        )
        return episode

    def grade(episode, grade="high", *, by=None) -> Episode:
        return services.episode_grade_risk(
            user=by or world.police_officer,
            why="test",
            episode=episode.pk,
            risk_grade=grade,
            source="Call from Oak House",
        )

    def return_(episode, *, by=None, hours_ago=1) -> Episode:
        return services.episode_record_return(
            user=by or world.provider_staff,
            why="test",
            episode=episode.pk,
            returned_at=ago(hours=hours_ago),
            how="own_accord",
        )

    def profile(child=None, *, photo: bytes | None = PNG, by=None, **fields):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("photo.png", photo, content_type="image/png") if photo else None
        fields.setdefault("description", "Tall, short dark hair, scar on left hand")
        with django_capture_on_commit_callbacks(execute=True):  # the photo is written on commit
            return services.philomena_profile_save(
                user=by or world.provider_staff, why="test", child=(child or world.child).pk, photo=upload, **fields
            )

    return SimpleNamespace(open=open_, grade=grade, return_=return_, profile=profile)


def summary_errors(html: str) -> dict[str, str]:
    """The error summary's items: {href: text} ("" for an item with no link)."""
    import re
    from html import unescape

    if "govuk-error-summary__list" not in html:
        return {}
    listing = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    items = {}
    for item in re.findall(r"<li>(.*?)</li>", listing, re.S):
        link = re.match(r'<a href="([^"]*)">(.*)</a>', item.strip(), re.S)
        items[link.group(1) if link else ""] = unescape(link.group(2) if link else item.strip())
    return items
