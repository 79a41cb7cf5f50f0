"""`homeward synth`, `homeward load_world` and `homeward demo_world`."""

from io import StringIO

import pytest
from django.core.management import call_command

from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_synth_writes_the_files_and_prints_the_summary(tmp_path) -> None:
    lines = _run("synth", "--seed", "3", "--children", "200", "--out", str(tmp_path), "--as-at", "2026-03-31")
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [
        "README.txt", "child_names.csv", "children.csv", "episode_notes.csv", "episodes.csv", "kind_changes.csv",
        "placements.csv", "providers.csv", "return_interviews.csv", "risk_gradings.csv",
    ]
    assert (tmp_path / "children.csv").read_text().splitlines()[0].startswith("responsible_authority,la_child_id,")
    assert (tmp_path / "episodes.csv").read_text().splitlines()[0].startswith("responsible_authority,la_child_id,started_at,kind,")
    assert "seed 3, 200 children, as at 2026-03-31, 1 years of episodes" in (tmp_path / "README.txt").read_text()
    summary = dict(line.split("\t") for line in lines if not line.startswith("wrote"))
    assert summary["children"] == "200"
    for figure in ("male_pct", "out_of_area_pct", "over_50_miles_pct", "over_100_miles_pct", "childrens_homes_out_of_area_pct"):
        assert figure in summary
    for figure in ("episodes", "children_missing_pct", "episodes_per_missing_child", "within_2_days_pct", "interview_held_within_72h_pct"):
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
def test_demo_world_generates_once_and_loads_idempotently(reference, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    first = _run("demo_world", "--seed", "2", "--children", "150")
    assert "(generated: seed 2, 150 children, 1 years)" in first[0]
    # The 150 looked after on the snapshot day, and the 56 who left care in the year before it.
    assert "created\tchildren\t206" in first
    second = _run("demo_world", "--seed", "2", "--children", "150")
    assert "(already generated)" in second[0]
    assert "created\tchildren\t0" in second and "created\tepisodes\t0" in second
    assert Child.objects.count() == 206
    assert Placement.objects.current().count() == 150
