"""`homeward synth`, `homeward load_world` and `homeward demo_world`."""

import datetime
import os
import sqlite3
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode
from homeward.synth.generator import LONDON


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_synth_writes_the_files_and_prints_the_summary(tmp_path) -> None:
    lines = _run("synth", "--seed", "3", "--children", "200", "--out", str(tmp_path), "--as-at", "2026-03-31")
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [
        "README.txt",
        "child_names.csv",
        "children.csv",
        "episode_notes.csv",
        "episodes.csv",
        "kind_changes.csv",
        "placements.csv",
        "providers.csv",
        "return_interviews.csv",
        "risk_gradings.csv",
    ]
    assert (tmp_path / "children.csv").read_text().splitlines()[0].startswith("responsible_authority,la_child_id,")
    assert (
        (tmp_path / "episodes.csv")
        .read_text()
        .splitlines()[0]
        .startswith("responsible_authority,la_child_id,started_at,kind,")
    )
    assert "seed 3, 200 children, as at 2026-03-31, 1 years of episodes" in (tmp_path / "README.txt").read_text()
    summary = dict(line.split("\t") for line in lines if not line.startswith("wrote"))
    assert summary["children"] == "200"
    for figure in (
        "male_pct",
        "out_of_area_pct",
        "over_50_miles_pct",
        "over_100_miles_pct",
        "childrens_homes_out_of_area_pct",
    ):
        assert figure in summary
    for figure in (
        "episodes",
        "children_missing_pct",
        "episodes_per_missing_child",
        "within_2_days_pct",
        "interview_held_within_72h_pct",
    ):
        assert figure in summary


def test_synth_writes_the_years_asked_for(tmp_path) -> None:
    _run("synth", "--seed", "3", "--children", "100", "--out", str(tmp_path), "--as-at", "2026-03-31", "--years", "2")
    assert "seed 3, 100 children, as at 2026-03-31, 2 years of episodes" in (tmp_path / "README.txt").read_text()
    starts = [line.split(",")[2] for line in (tmp_path / "episodes.csv").read_text().splitlines()[1:]]
    assert min(starts) < "2025-03-31" and min(starts) >= "2024-03-31T23:00:00Z"  # 1 April 2024, 00:00 in London


@pytest.mark.django_db
def test_load_world_prints_what_it_created(reference, small_world_dir) -> None:
    lines = _run("load_world", str(small_world_dir))
    assert lines[1] == f"created\tchildren\t{Child.objects.count()}"
    assert f"created\tepisodes\t{Episode.objects.count()}" in lines
    again = _run("load_world", str(small_world_dir))
    assert again[1] == "created\tchildren\t0" and "created\tepisodes\t0" in again


@pytest.mark.django_db
def test_demo_world_generates_once_a_day_and_loads_idempotently(reference, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    now = timezone.now().replace(second=0, microsecond=0)
    first = _run("demo_world", "--seed", "2", "--children", "150", "--now", now.isoformat())
    assert f"(generated: seed 2, 150 children, 1 years, up to {now.astimezone(LONDON):%Y-%m-%d %H:%M})" in first[0]
    # The 150 looked after today, and the 56 who left care in the year before it.
    assert "created\tchildren\t206" in first
    second = _run("demo_world", "--seed", "2", "--children", "150")
    assert "(already generated)" in second[0]
    assert "created\tchildren\t0" in second and "created\tepisodes\t0" in second
    assert Child.objects.count() == 206
    assert Placement.objects.current().count() == 150
    # Nothing after the moment the world was made up to.
    assert not Episode.objects.filter(started_at__gt=now).exists()


@pytest.mark.django_db
def test_outside_demo_mode_a_world_of_another_day_is_never_dropped(reference, settings, tmp_path) -> None:
    settings.VAR_DIR, settings.DEMO_MODE = tmp_path, False
    earlier = timezone.now() - datetime.timedelta(days=3)
    _run("demo_world", "--seed", "2", "--children", "60", "--now", earlier.isoformat())
    with pytest.raises(CommandError, match="only in demo mode"):
        _run("demo_world", "--seed", "2", "--children", "60")
    assert Child.objects.exists()


@pytest.mark.slow
def test_a_later_day_moves_the_demo_world_on_without_duplicating_anyone(tmp_path) -> None:
    """As scripts/demo runs it: its own processes and SQLite database (the rebuild drops the file)."""
    env = {**os.environ, "HOMEWARD_VAR_DIR": str(tmp_path), "HOMEWARD_DEMO": "1"}
    env.pop("DATABASE_URL", None)

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "homeward", *args], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def children_and_latest_start() -> tuple[int, str]:
        with sqlite3.connect(tmp_path / "homeward.sqlite3") as db:
            return (
                db.execute("SELECT count(*) FROM children_child").fetchone()[0],
                db.execute("SELECT max(started_at) FROM episodes_episode").fetchone()[0],
            )

    now = timezone.now().replace(second=0, microsecond=0)
    # Three days ago in the morning, so that an hour later is the same day whatever time the test runs
    # (from 23:00 an hour later was the next day, and the world was rightly rebuilt).
    first = (now - datetime.timedelta(days=3)).replace(hour=9, minute=0)
    world = ("demo_world", "--seed", "2", "--children", "150")
    run("migrate", "-v", "0")
    run(*world, "--now", first.isoformat())
    children, latest = children_and_latest_start()
    assert children == 206
    same_day = run(*world, "--now", (first + datetime.timedelta(hours=1)).isoformat())
    assert "(already generated)" in same_day and "created\tchildren\t0" in same_day
    later = run(*world, "--now", now.isoformat())
    assert "database\trebuilt for today" in later
    moved_children, moved_latest = children_and_latest_start()
    assert moved_children == 206 and moved_latest > latest
