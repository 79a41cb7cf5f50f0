"""Patterns, not blame: phrases kept in saved text are counted per month, writing agency and family,
shown to the agency's own managers (and a council's managers for its children), never per person."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.episodes import services
from homeward.language.models import PhraseTally
from homeward.language.selectors import phrase_patterns
from tests.conftest import make_user


def _open(world, user, child, circumstances: str):
    episode, _ = services.episode_open(
        user=user,
        why="test",
        child=child.pk,
        kind="missing",
        circumstances=circumstances,
        last_seen_at=timezone.now() - datetime.timedelta(hours=1),
        last_seen_location="Oak House",
    )
    return episode


def test_phrases_kept_are_counted_per_agency_month_and_family(world, episode):
    services.episode_add_update(
        user=world.police_officer,
        why="test",
        episode=episode.pk,
        kind="note",
        text="She absconded again and absconds most weekends. Streetwise.",
        at=timezone.now(),
    )
    rows = {(t.agency, t.authority, t.family): t.kept for t in PhraseTally.objects.all()}
    assert rows == {
        (world.west_midlands_police, world.manchester, "absconded"): 2,
        (world.west_midlands_police, world.manchester, "streetwise"): 1,
    }
    assert PhraseTally.objects.get(family="absconded").month == timezone.localdate().replace(day=1)
    services.episode_add_update(
        user=world.police_officer, why="test", episode=episode.pk, kind="note", text="Absconded.", at=timezone.now()
    )
    assert PhraseTally.objects.get(family="absconded").kept == 3


def test_clean_text_counts_nothing(world):
    _open(world, world.provider_staff, world.child, "Left after a phone call.")
    assert not PhraseTally.objects.exists()


def test_each_agency_sees_its_own_people_and_the_council_sees_its_children(world):
    _open(world, world.provider_staff, world.child, "She is putting herself at risk.")
    _open(world, world.unrelated_social_worker, world.leeds_child, "She is streetwise.")
    home_manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    manchester = make_user(world.manchester, Role.TEAM_MANAGER)
    leeds = make_user(world.leeds, Role.TEAM_MANAGER)
    assert [(r["agency"], r["family"], r["kept"]) for r in phrase_patterns(user=home_manager)] == [
        ("Oak House", "self_risk", 1)
    ]
    # Manchester's managers see what the home wrote about Manchester's child; Leeds's see only Leeds's.
    assert [(r["agency"], r["family"]) for r in phrase_patterns(user=manchester)] == [("Oak House", "self_risk")]
    assert [(r["agency"], r["family"]) for r in phrase_patterns(user=leeds)] == [("Leeds", "streetwise")]
    assert all(set(row) == {"month", "agency", "family", "kept"} for row in phrase_patterns(user=manchester))


@pytest.mark.parametrize("who", ["social_worker", "provider_staff", "police_officer", "inspector", "national_analyst"])
def test_staff_who_are_not_managers_see_no_patterns(world, who):
    with pytest.raises(PermissionDenied):
        phrase_patterns(user=getattr(world, who))


def test_the_command_prints_what_the_manager_may_see(world):
    _open(world, world.provider_staff, world.child, "She absconded.")
    manager = make_user(world.manchester, Role.TEAM_MANAGER)
    out = io.StringIO()
    call_command("language_patterns", manager.username, stdout=out)
    assert out.getvalue().splitlines()[1] == f"{timezone.localdate():%Y-%m}\tOak House\tabsconded\t1"
    with pytest.raises(CommandError):
        call_command("language_patterns", world.social_worker.username, stdout=io.StringIO())


def test_the_page_shows_a_manager_the_counts_and_refuses_everyone_else(world, client_for):
    _open(world, world.provider_staff, world.child, "She is putting herself at risk. She absconded.")
    home_manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    page = client_for(home_manager).get("/language/patterns/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 phrases kept in all." in text and "Oak House" in text
    assert "Amira" not in text and world.provider_staff.username not in text  # never a child, never a person
    assert f"/placements/homes/{world.provider.code}/" in text  # the staff's training records
    home = client_for(home_manager).get("/")
    assert 'data-testid="patterns-link"' in home.content.decode()
    for who in ("provider_staff", "social_worker", "police_officer"):
        assert client_for(getattr(world, who)).get("/language/patterns/").status_code == 403
    assert 'data-testid="patterns-link"' not in client_for(world.social_worker).get("/").content.decode()
