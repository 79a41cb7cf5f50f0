"""Synthetic worlds shared by the synth tests: built once per session (the postcode directory is slow)."""

import datetime
from pathlib import Path

import pytest

from homeward.synth.files import world_write
from homeward.synth.generator import World, world_generate

AS_AT = datetime.date(2026, 3, 31)


@pytest.fixture(scope="session")
def world() -> World:
    """Big enough for the national shares to show: the calibration tests measure this one."""
    return world_generate(seed=1, children=3000, as_at=AS_AT)


@pytest.fixture(scope="session")
def small_world_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("small-world")
    world_write(world=world_generate(seed=5, children=300, as_at=AS_AT), directory=directory)
    return directory


@pytest.fixture(scope="session")
def open_world() -> World:
    """Two years of episodes, with children still missing or away on the snapshot day."""
    world = world_generate(seed=4, children=1200, as_at=AS_AT, years=2)
    assert sum(e.returned_at is None for e in world.episodes) >= 3
    return world


@pytest.fixture(scope="session")
def open_world_dir(tmp_path_factory, open_world) -> Path:
    directory = tmp_path_factory.mktemp("open-world")
    world_write(world=open_world, directory=directory)
    return directory
