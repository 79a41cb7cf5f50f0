"""The benchmarks' national world: a synthetic England (homeward.synth) generated to files once per
seed, size and years, and loaded once into the database the settings name; then reused by every
bench that measures at national scale (board, placements, lookup, dashboards, load)."""

import csv
import datetime
import gc
import time
from pathlib import Path

from django.conf import settings

from homeward.children.models import Child
from homeward.episodes.models import Episode
from homeward.places.services import reference_data_load
from homeward.synth.files import world_on_disk, world_write
from homeward.synth.generator import default_as_at, world_generate
from homeward.synth.loader import world_load


def world_directory(*, seed: int, children: int, years: int) -> Path:
    return settings.VAR_DIR / "bench-worlds" / f"seed{seed}-children{children}-years{years}"


def _last_row(path: Path) -> list[str]:
    """The last line of a CSV file, read from its end (the files run to a few hundred megabytes)."""
    with path.open("rb") as source:
        source.seek(0, 2)
        size = source.tell()
        source.seek(max(0, size - 65536))
        tail = source.read().decode("utf-8", errors="replace").splitlines()  # may start mid-character
    return next(csv.reader([tail[-1]]))


def _rows(path: Path) -> int:
    with path.open("rb") as source:
        return sum(block.count(b"\n") for block in iter(lambda: source.read(1 << 20), b"")) - 1


def world_loaded(directory: Path) -> bool:
    """Whether the world in `directory` is in the database: as many children and episodes at least,
    and the last of each in its files (a load is one transaction, so the last row means all rows)."""
    child_row, episode_row = _last_row(directory / "children.csv"), _last_row(directory / "episodes.csv")
    last_child = Child.objects.filter(responsible_authority__code=child_row[0], la_child_id=child_row[1])
    if not last_child.exists() or Child.objects.count() < _rows(directory / "children.csv"):
        return False
    if _rows(directory / "episodes.csv") == 0:
        return True
    started_at = datetime.datetime.fromisoformat(episode_row[2])
    return Episode.objects.filter(
        child__responsible_authority__code=episode_row[0], child__la_child_id=episode_row[1], started_at=started_at
    ).exists() and Episode.objects.count() >= _rows(directory / "episodes.csv")


def _release_generator_memory() -> None:
    from homeward.synth import generator, geography

    geography.geography.cache_clear()
    generator.lookup_postcode.cache_clear()
    gc.collect()


def world_ensure(*, children: int, years: int, seed: int, say) -> dict:
    """The benchmarks' national world: generated unless its files are on disk, loaded unless this
    database holds it already; the generator's memory freed before anything is timed. Returns the
    figures (generate_seconds, load_seconds, and `created` when it was loaded now)."""
    figures: dict = {}
    directory = world_directory(seed=seed, children=children, years=years)
    on_disk = world_on_disk(directory=directory)
    if on_disk and (on_disk[0], on_disk[1], on_disk[3]) == (seed, children, years):
        say("world files", f"{directory} (already generated)")
        figures["generate_seconds"] = 0.0
    else:
        started = time.perf_counter()
        world = world_generate(seed=seed, children=children, as_at=default_as_at(), years=years)
        world_write(world=world, directory=directory)
        del world
        figures["generate_seconds"] = round(time.perf_counter() - started, 1)
        say("world files", f"{directory} (generated in {figures['generate_seconds']} s)")

    reference_data_load()
    if not world_loaded(directory) and Child.objects.exists():
        # Worlds are keyed by the councils' own child ids: another world's children (the demo's, of
        # the same seed) would be taken for this one's and given a second history.
        raise RuntimeError(
            "This database already holds children of another world. Point DATABASE_URL (or, on SQLite, "
            "HOMEWARD_VAR_DIR) at a scratch database and run `homeward migrate` there first."
        )
    if world_loaded(directory):
        figures["load_seconds"] = 0.0
        say("world loaded", "already (reused)")
    else:
        started = time.perf_counter()
        created = world_load(directory=directory)
        figures["load_seconds"] = round(time.perf_counter() - started, 1)
        figures["created"] = created
        say("world loaded", f"in {figures['load_seconds']} s", ", ".join(f"{k} {v}" for k, v in created.items()))

    # Generating held England's postcodes as objects (synth.geography): free them before timing, or
    # every full garbage collection walks them and a measurement here or there takes ten times longer.
    _release_generator_memory()
    return figures
