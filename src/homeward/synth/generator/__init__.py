"""A seeded synthetic world: looked-after children, their names, placements, the providers, and
the children's missing and away episodes over the years before the snapshot day. The children are
those looked after on the snapshot day (`children`) and those who left care in the years of episodes
before it, so each year holds everyone looked after in it, as that year's SSDA903 return does.

Calibrated to the DfE national figures in domain.md ("National figures"). Never real people: names
come from lists of common names, NHS numbers from the range reserved for testing (999…), UPNs carry
a DfE LA number that no council holds (950–999) and provider URNs start "SC9".

The world is built by a pipeline of steps (`PIPELINE`), one module each (people, episodes), from the
records (records), the national figures (calibration) and the draws (drawing) they share. Each step draws from its own random stream,
derived from the seed and the step's name, so a step added later (SSDA903 files, police reports)
leaves everything the earlier steps made unchanged for the same seed.

Episodes are the truth of what happened, whoever recorded it: each says whether the police were
told (and their reference), what the council's record holds (kind, with any switch between missing
and away), the risk grades, the return and the return interview. Writers of agency-shaped files
(each council's SSDA903 Missing table, each force's missing-person reports) start from these records
and plant their own omissions and mistakes.
"""

import datetime
import random

from homeward.synth.generator.drawing import lookup_postcode, synthetic_upn
from homeward.synth.generator.episodes import LONDON, LONG_TERM_AFTER, LONG_TERM_NOTE, episode_window, episodes_step
from homeward.synth.generator.people import Step, children_step, former_children_step, placements_step, providers_step
from homeward.synth.generator.records import (
    CHILDRENS_HOME,
    GENERATOR_VERSION,
    Child,
    ChildName,
    Episode,
    EpisodeNote,
    KindChange,
    Placement,
    Provider,
    ReturnInterview,
    RiskGrading,
    World,
    default_as_at,
)
from homeward.synth.generator.summary import episode_summary, world_summary
from homeward.synth.geography import geography

PIPELINE: list[Step] = [providers_step, children_step, placements_step, former_children_step, episodes_step]


def world_generate(
    *,
    seed: int,
    children: int,
    as_at: datetime.date | None = None,
    years: int = 1,
    until: datetime.datetime | None = None,
) -> World:
    """Build a world: `children` looked after on the snapshot day, those who left care in the `years`
    before it, and everyone's episodes in those years. The same seed, size, snapshot day and years
    always give the same world; the years change only the children who left and the episodes.

    With `until` (an aware moment) the world runs up to that moment of its own day, so what is open
    is what would be open then: the demo's world up to now (`as_at` defaults to until's day)."""
    if years < 1:
        raise ValueError("years must be at least 1")
    if until is not None:
        day = until.astimezone(LONDON).date()
        if as_at not in (None, day):
            raise ValueError(f"until: {until.isoformat()} is not on the snapshot day {as_at.isoformat()}")
        as_at = day
    world = World(seed=seed, children_wanted=children, as_at=as_at or default_as_at(), years=years, until=until)
    geo = geography()
    for step in PIPELINE:
        step(world, geo, random.Random(f"{seed}:{step.__name__}"))
    return world


__all__ = [
    "CHILDRENS_HOME",
    "Child",
    "ChildName",
    "Episode",
    "EpisodeNote",
    "GENERATOR_VERSION",
    "KindChange",
    "LONDON",
    "LONG_TERM_AFTER",
    "LONG_TERM_NOTE",
    "PIPELINE",
    "Placement",
    "Provider",
    "ReturnInterview",
    "RiskGrading",
    "Step",
    "World",
    "default_as_at",
    "episode_summary",
    "episode_window",
    "episodes_step",
    "lookup_postcode",
    "synthetic_upn",
    "world_generate",
    "world_summary",
]
