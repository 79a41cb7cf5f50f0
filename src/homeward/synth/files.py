"""The synthetic world on disk: one CSV file per kind of record, and a README naming the columns.

Files are written byte for byte the same for the same world: fixed column order, ISO dates, "\\n"
line ends, UTF-8.
"""

import csv
import dataclasses
import datetime
import re
from pathlib import Path

from homeward.synth.generator import (
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
)


def _columns(record_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record_type))


# File name -> (record type, columns, World attribute). Provider.authority is derived, so not written.
FILES: dict[str, tuple[type, tuple[str, ...], str]] = {
    "providers.csv": (Provider, ("urn", "name", "kind", "sector", "owner_authority", "postcode"), "providers"),
    "children.csv": (Child, _columns(Child), "children"),
    "child_names.csv": (ChildName, _columns(ChildName), "child_names"),
    "placements.csv": (Placement, _columns(Placement), "placements"),
    "episodes.csv": (Episode, _columns(Episode), "episodes"),
    "risk_gradings.csv": (RiskGrading, _columns(RiskGrading), "risk_gradings"),
    "kind_changes.csv": (KindChange, _columns(KindChange), "kind_changes"),
    "episode_notes.csv": (EpisodeNote, _columns(EpisodeNote), "episode_notes"),
    "return_interviews.csv": (ReturnInterview, _columns(ReturnInterview), "return_interviews"),
}
_DATES = {"date_of_birth", "start_date", "end_date"}
_TIMES = {
    "started_at",
    "reported_at",
    "police_reported_at",
    "returned_at",
    "safe_and_well_at",
    "closed_at",
    "graded_at",
    "at",
    "assigned_at",
    "offered_at",
    "accepted_at",
    "held_at",
}
_BOOLEANS = {"out_of_character"}

_COLUMNS_TEXT = """\
providers.csv — placement providers registered with Ofsted
  urn              Ofsted unique reference number ("SC9" + 5 digits: never a real setting's)
  name             the setting's name, its place and who runs it
  kind             childrens_home, secure_childrens_home, supported_accommodation or fostering_agency
  sector           la (run by a council), private or voluntary
  owner_authority  ONS code of the council running it (sector la), else blank
  postcode         where it is (a live postcode in the ONS Postcode Directory)

children.csv — children looked after
  responsible_authority  ONS code of the council that looks after the child (e.g. E08000003)
  la_child_id            the council's own id for the child (SSDA903 CHILD); unique per council
  first_name, last_name  from lists of common names in England: not real people
  sex                    SSDA903 SEX: 1 male, 2 female
  date_of_birth          YYYY-MM-DD
  ethnicity              SSDA903 ETHNIC code (WBRI, MWBC, APKN, BAFR, ...)
  upn                    unique pupil number: check letter + 12 digits; LA number 950-999 (no council's)
  nhs_number             10 digits from the range reserved for testing (999...), valid check digit
  home_postcode          the family home (SSDA903 HOME_POST)

child_names.csv — other names a child is known by
  responsible_authority, la_child_id  the child
  kind                                nickname, alias or previous
  first_name, last_name               either may be blank

placements.csv — each child's placements since coming into care; the current one has no end_date
  responsible_authority, la_child_id  the child
  start_date, end_date                SSDA903 DECOM and DEC (YYYY-MM-DD; end blank while current)
  placement_type                      SSDA903 PLACE (U1-U6, K1, K2, K3, P1, A3-A6, R1-R5, S1)
  provider_type                       SSDA903 PLACE_PROVIDER (PR0-PR5)
  urn                                 the provider's URN (providers.csv), blank when none
  placement_postcode, home_postcode   SSDA903 PL_POST and HOME_POST
  A child whose last placement has an end_date had left care by the snapshot day (on that date).

Times below are UTC, YYYY-MM-DDTHH:MM:SSZ, to the minute; blank when it had not happened by the end
of the snapshot day. Agencies are codes: an Ofsted URN (provider), an ONS code (council, police force
area), or RHI-<council code> (the council's return interview service). An episode is named by its
child and its started_at.

episodes.csv — every missing or away episode, however short, in the years before the snapshot
  responsible_authority, la_child_id  the child
  started_at             SSDA903 MIS_START: when the child left or was last seen by a responsible adult
  kind                   missing or away (SSDA903 M / A) at the end; kind_changes.csv has any switch
  reported_at            when the episode was reported (mostly minutes after; some days, after the return)
  reporting_agency       the placement's provider, or the responsible council (its own foster carers)
  last_seen_location, last_seen_postcode, clothing, circumstances   Philomena Part B
  out_of_character       true, false or blank (not said)
  police_force           the force told (of the place last seen, else of the placement); blank: never told
  police_reference       that force's reference (e.g. GMP/KQD/2025/000123: force, world, year, serial); blank: never told
  police_reported_at     when the force was told
  returned_at            SSDA903 MIS_END; blank: still missing or away on the snapshot day
  return_how             own_accord, police, carer, family or other
  found_by, return_place, return_postcode   who found the child, and where
  return_recorded_by     the agency that recorded the return
  safe_and_well_at       the police safe and well check (episodes reported to the police)
  closed_at, closed_by   when and by whom the record was closed

risk_gradings.csv — each police risk grade (College of Policing APP 2017), in time order
  responsible_authority, la_child_id, started_at   the episode
  graded_at, grade       no_apparent_risk, low, medium or high
  force, source, rationale

kind_changes.csv — a switch between away and missing during an episode (the SSDA903 splits it there)
  responsible_authority, la_child_id, started_at   the episode
  at, from_kind, to_kind, agency

episode_notes.csv — sightings, enquiries and notes added while the child was gone
  responsible_authority, la_child_id, started_at   the episode
  at, kind (sighting, enquiry or note), agency, text, location, postcode

return_interviews.csv — the return home interview after each return (DfE 2014: within 72 hours)
  responsible_authority, la_child_id, started_at   the episode
  service                RHI-<responsible council code>
  assigned_at            when the return was recorded and the interview assigned
  status                 assigned (never offered), offered, accepted, declined or completed
  offered_at, accepted_at, held_at, closed_at   closed_at: when completed or declined
  why_went, where_and_with_whom, harm_suffered, what_would_help   findings (completed only)
  exploitation_indicators   codes from episodes.models.EXPLOITATION_INDICATORS, space-separated
  declined_reason        why it was declined (episodes.models.DeclineReason; declined only)
"""


def world_readme(
    *, seed: int, children: int, as_at: datetime.date, years: int, until: datetime.datetime | None = None
) -> str:
    up_to = f", up to {_text(until)}" if until else ""
    return (
        "Homeward synthetic world (never real people).\n"
        f"generator {GENERATOR_VERSION}, seed {seed}, {children} children, as at {as_at.isoformat()}, "
        f"{years} years of episodes{up_to}\n\n"
        "Made by `homeward synth`; loaded by `homeward load_world DIR`. Codes are the DfE's SSDA903\n"
        "codes and ONS geography codes. The children are those looked after on the snapshot day, and\n"
        "those who left care in the years of episodes before it. A placement's host authority, police\n"
        "force and distance, and where an episode's police force is, are not written: they are derived\n"
        "from the postcodes when the world is loaded.\n\n" + _COLUMNS_TEXT
    )


_README_LINE = re.compile(
    r"seed (\d+), (\d+) children, as at (\d{4}-\d\d-\d\d), (\d+) years of episodes(?:, up to (\S+Z))?\n"
)


def _until(found: re.Match) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(found[5]) if found[5] else None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def world_write(*, world: World, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    # The README marks a complete world (world_on_disk): remove it until every file is written.
    (directory / "README.txt").unlink(missing_ok=True)
    written = []
    for file_name, (_, columns, records) in FILES.items():
        path = directory / file_name
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(
                [_text(getattr(record, column)) for column in columns] for record in getattr(world, records)
            )
        written.append(path)
    readme = directory / "README.txt"
    readme.write_text(
        world_readme(
            seed=world.seed, children=world.children_wanted, as_at=world.as_at, years=world.years, until=world.until
        ),
        encoding="utf-8",
    )
    return [*written, readme]


def world_on_disk(*, directory: Path) -> tuple[int, int, datetime.date, int] | None:
    """(seed, children, as_at, years) of the complete world in `directory` written by this generator
    version, or None when there is none."""
    readme = directory / "README.txt"
    if not readme.exists() or not all((directory / name).exists() for name in FILES):
        return None
    text = readme.read_text(encoding="utf-8")
    found = _README_LINE.search(text)
    if not found:
        return None
    seed, children, as_at, years = int(found[1]), int(found[2]), datetime.date.fromisoformat(found[3]), int(found[4])
    expected = world_readme(seed=seed, children=children, as_at=as_at, years=years, until=_until(found))
    return (seed, children, as_at, years) if text == expected else None


def _parser(column: str):
    if column in _DATES:
        return lambda text: datetime.date.fromisoformat(text) if text else None
    if column in _TIMES:
        return lambda text: datetime.datetime.fromisoformat(text) if text else None
    if column in _BOOLEANS:
        return lambda text: {"true": True, "false": False}.get(text)
    return None


def world_read(*, directory: Path) -> World:
    """The records in a world directory (seed, size and day from its README, when it has one)."""
    readme = directory / "README.txt"
    found = _README_LINE.search(readme.read_text(encoding="utf-8")) if readme.exists() else None
    world = World(
        seed=int(found[1]) if found else 0,
        children_wanted=int(found[2]) if found else 0,
        as_at=datetime.date.fromisoformat(found[3]) if found else datetime.date.min,
        years=int(found[4]) if found else 1,
        until=_until(found) if found else None,
    )
    for file_name, (record_type, columns, attribute) in FILES.items():
        with (directory / file_name).open(encoding="utf-8", newline="") as source:
            reader = csv.reader(source)
            header = next(reader, None)
            if tuple(header or ()) != columns:
                raise ValueError(f"{file_name}: expected columns {', '.join(columns)}")
            parsers = [(i, parse) for i, column in enumerate(columns) if (parse := _parser(column))]
            records = getattr(world, attribute)
            for row in reader:
                if len(row) != len(columns):
                    raise ValueError(
                        f"{file_name} line {reader.line_num}: expected {len(columns)} values, found {len(row)}"
                    )
                values: list = row
                for i, parse in parsers:
                    values[i] = parse(row[i])
                records.append(record_type(*values))
    return world
