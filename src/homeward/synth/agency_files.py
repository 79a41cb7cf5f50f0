"""What each agency's own systems hold of a synthetic world: every council's SSDA903 return and every
police force's missing-person reports, with the truth of what they describe, so that record linkage
and episode reconciliation can be measured (issue 5, item 8).

The world's episodes are what happened. Each agency records its own part of it, its own way:

- A council records the episodes of its children in its SSDA903 Missing table (dates only). It
  never hears of some that the police dealt with: most often a "no apparent risk" (absent) report,
  sometimes any other. Now and then it records the date the episode was reported rather than the
  day the child went. Two absences on one day, or overlapping at day resolution, are one period to
  the DfE (rule 574): the council records them as one. A switch between away and missing is
  recorded under the kind the episode ended as.
- A force writes one report per episode it was told of, under its own reference, with the child's
  name, date of birth and address as a carer gave them on the phone: the mess of
  linkage.persons.POLICE_MESS (nicknames, known-as names, spellings, typos, day and month swapped,
  missing fields, an older or wrong postcode, capitals). A few episodes are reported twice (a second
  call, a second reference). Last-seen times are as the caller remembered them.

Deterministic for a world: one random stream, named for this step, drives everything, and records are
visited in a fixed order. No Django: the benchmark and the `homeward synth` command both use it.
"""

import csv
import dataclasses
import datetime
import json
import random
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from homeward.linkage import persons
from homeward.synth.generator import LONDON, Child, Episode, Placement, World

# What a council leaves out of its SSDA903 Missing table, of the episodes the police dealt with
# (DfE: councils and police "record different things"; APPG 2012: police counted ten times more).
OMIT_IF_NO_APPARENT_RISK = 0.40
OMIT_OTHERWISE = 0.05
RECORDS_REPORT_DATE = 0.03  # MIS_START is the day it was reported, not the day the child went
DUPLICATE_REPORT = 0.03  # a force's second report (second reference) of the same absence
LAST_SEEN_BLANK = 0.05
LAST_SEEN_ROUGH = 0.15  # "about teatime": up to 90 minutes out
POLICE_HEAR_OF_RETURN = 0.85  # a return the police did not handle themselves
OTHER_NAMES_GIVEN = 0.25  # the caller mentions a known-as name

# The police report file's columns (returns/POLICE_FORMAT.md; checked against returns.police in the tests).
POLICE_COLUMNS = (
    "reference",
    "first_name",
    "last_name",
    "other_names",
    "date_of_birth",
    "sex",
    "council_child_id",
    "address",
    "address_postcode",
    "reported_at",
    "reporting_person",
    "reporting_person_relationship",
    "last_seen_at",
    "last_seen_location",
    "last_seen_postcode",
    "last_seen_by",
    "description",
    "clothing",
    "enquiries",
    "out_of_character",
    "previous_missing_history",
    "phone",
    "associates",
    "medical_needs",
    "online_accounts",
    "risk_grade",
    "risk_history",
    "found_at",
    "found_location",
    "found_postcode",
    "found_by",
    "safe_and_well_at",
    "safe_and_well_by",
)
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODES_COLUMNS = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
MISSING_COLUMNS = ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")

_RELATIONSHIP = {"K": "Residential worker", "U": "Foster carer", "P": "Parent"}

EpisodeKey = tuple[str, str, datetime.datetime]  # responsible authority, CHILD, started_at


@dataclass(slots=True)
class CouncilPeriod:
    """One row of a council's SSDA903 Missing table, and the world's episodes it stands for."""

    child: str
    missing: str  # M or A
    mis_start: datetime.date
    mis_end: datetime.date | None
    episodes: list[datetime.datetime]  # started_at of each episode in the period


@dataclass(slots=True)
class PoliceReportRecord:
    force: str
    row: dict[str, str]  # the report as the force's file holds it (POLICE_COLUMNS)
    # The truth: whose report it is and of which episode.
    responsible_authority: str
    la_child_id: str
    episode_started_at: datetime.datetime
    duplicate: bool
    mess: str


@dataclass
class AgencyFiles:
    world: World
    council_periods: dict[str, list[CouncilPeriod]] = field(default_factory=dict)  # by council
    police_reports: dict[str, list[PoliceReportRecord]] = field(default_factory=dict)  # by force
    # The truth, episode by episode: told to the police, recorded by the council, and why not.
    not_recorded: dict[EpisodeKey, str] = field(default_factory=dict)


def _local_day(value: datetime.datetime) -> datetime.date:
    return value.astimezone(LONDON).date()


def _uk_date(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _utc(value: datetime.datetime | None) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


class _Placements:
    """Each child's placements in date order, to find the one an episode started in."""

    def __init__(self, placements: list[Placement]) -> None:
        self.by_child: dict[tuple[str, str], list[Placement]] = defaultdict(list)
        for p in placements:
            self.by_child[(p.responsible_authority, p.la_child_id)].append(p)
        for rows in self.by_child.values():
            rows.sort(key=lambda p: p.start_date)
        self.starts = {key: [p.start_date for p in rows] for key, rows in self.by_child.items()}

    def at(self, key: tuple[str, str], day: datetime.date) -> Placement | None:
        rows = self.by_child.get(key)
        if not rows:
            return None
        index = bisect_right(self.starts[key], day) - 1
        return rows[max(index, 0)]


def agency_files_generate(world: World) -> AgencyFiles:
    """Every council's SSDA903 return and every force's reports for `world`, with the truth."""
    rng = random.Random(f"{world.seed}:agency_files")
    files = AgencyFiles(world=world)
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    placements = _Placements(world.placements)
    first_grade: dict[EpisodeKey, str] = {}
    history: dict[EpisodeKey, list[dict]] = defaultdict(list)
    for g in world.risk_gradings:
        key = (g.responsible_authority, g.la_child_id, g.started_at)
        first_grade.setdefault(key, g.grade)
        history[key].append(
            {"grade": g.grade, "graded_at": _utc(g.graded_at), "source": g.source, "rationale": g.rationale}
        )
    known_as, other_surname = _other_names(world)
    names = persons.NameWorld(name_tail=False)
    providers = {p.urn: p for p in world.providers}

    episodes = sorted(world.episodes, key=lambda e: (e.responsible_authority, e.la_child_id, e.started_at))
    by_child: dict[tuple[str, str], list[Episode]] = defaultdict(list)
    for e in episodes:
        by_child[(e.responsible_authority, e.la_child_id)].append(e)
    for (council, child_id), rows in sorted(by_child.items()):
        omitted: dict[datetime.datetime, str] = {}
        for e in rows:
            if e.police_force:
                grade = first_grade.get((council, child_id, e.started_at))
                if rng.random() < (OMIT_IF_NO_APPARENT_RISK if grade == "no_apparent_risk" else OMIT_OTHERWISE):
                    omitted[e.started_at] = "no_apparent_risk" if grade == "no_apparent_risk" else "not_recorded"
        # A council that knew the child went missing that day, or the day before or after, knows of
        # this absence too: what it misses are absences it heard nothing about.
        known_days = [d for e in rows if e.started_at not in omitted for d in _days(e)]
        for e in rows:
            if e.started_at in omitted:
                day = _local_day(e.started_at)
                if any(abs((day - other).days) <= 1 for other in known_days):
                    del omitted[e.started_at]
        files.not_recorded.update({(council, child_id, started_at): why for started_at, why in omitted.items()})
        kept = [e for e in rows if e.started_at not in omitted]
        if kept:
            files.council_periods.setdefault(council, []).extend(_periods(rng, child_id, kept))

    for e in episodes:
        if not e.police_force:
            continue
        child_key = (e.responsible_authority, e.la_child_id)
        child = children[child_key]
        placement = placements.at(child_key, _local_day(e.started_at))
        report = _police_report(
            rng,
            names,
            e,
            child,
            placement,
            providers,
            history[(*child_key, e.started_at)],
            known_as.get(child_key),
            other_surname.get(child_key),
            reference=e.police_reference,
            duplicate=False,
        )
        files.police_reports.setdefault(e.police_force, []).append(report)
        if rng.random() < DUPLICATE_REPORT:
            # A second call about the same absence, taken as a new report some hours later.
            again = e.police_reported_at + datetime.timedelta(minutes=rng.randrange(60, 30 * 60))
            if e.returned_at is None or again < e.returned_at + datetime.timedelta(days=1):
                files.police_reports[e.police_force].append(
                    _police_report(
                        rng,
                        names,
                        e,
                        child,
                        placement,
                        providers,
                        history[(*child_key, e.started_at)],
                        known_as.get(child_key),
                        other_surname.get(child_key),
                        reference=f"{e.police_reference}/R",
                        duplicate=True,
                        reported_at=again,
                    )
                )
    return files


def _days(e: Episode) -> tuple[datetime.date, ...]:
    """The local days an episode starts and ends on."""
    return (_local_day(e.started_at),) + ((_local_day(e.returned_at),) if e.returned_at else ())


def _other_names(world: World) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Each child's first known-as name and other surname, as the council keeps them."""
    known_as: dict[tuple[str, str], str] = {}
    other_surname: dict[tuple[str, str], str] = {}
    for n in world.child_names:
        key = (n.responsible_authority, n.la_child_id)
        if n.first_name and key not in known_as:
            known_as[key] = n.first_name
        if n.last_name and key not in other_surname:
            other_surname[key] = n.last_name
    return known_as, other_surname


def _periods(rng: random.Random, child_id: str, episodes: list[Episode]) -> list[CouncilPeriod]:
    """The council's SSDA903 periods for one child's recorded episodes."""
    recorded = []
    for e in episodes:
        start = _local_day(e.started_at)
        end = _local_day(e.returned_at) if e.returned_at else None
        if rng.random() < RECORDS_REPORT_DATE:
            reported = _local_day(e.reported_at)
            if end is None or reported <= end:
                start = reported
        recorded.append((start, end, "A" if e.kind == "away" else "M", e.started_at))
    periods: list[CouncilPeriod] = []
    for start, end, code, started_at in sorted(recorded, key=lambda r: (r[0], r[3])):
        last = periods[-1] if periods else None
        # DfE rule 574: no two periods start on one day, none overlaps another, none starts while
        # one is open. The council records such absences as one period.
        if last is not None and (last.mis_end is None or start == last.mis_start or start < last.mis_end):
            last.mis_end = None if last.mis_end is None or end is None else max(last.mis_end, end)
            last.missing = "M" if "M" in (last.missing, code) else "A"
            last.episodes.append(started_at)
            continue
        periods.append(CouncilPeriod(child=child_id, missing=code, mis_start=start, mis_end=end, episodes=[started_at]))
    return periods


def _police_report(
    rng: random.Random,
    names: persons.NameWorld,
    e: Episode,
    child: Child,
    placement: Placement | None,
    providers: dict,
    gradings: list[dict],
    known_as: str | None,
    other_surname: str | None,
    *,
    reference: str,
    duplicate: bool,
    reported_at: datetime.datetime | None = None,
) -> PoliceReportRecord:
    postcode = placement.placement_postcode if placement else child.home_postcode
    person = persons.Person(
        cluster_id=0,
        sex="M" if child.sex == "1" else "F",
        first_name=child.first_name,
        last_name=child.last_name,
        dob=child.date_of_birth,
        postcode=postcode,
        agency_id=child.la_child_id,
        known_as=known_as,
        other_surname=other_surname,
    )
    _, first, last, dob, sex, postcode_given, agency_id, _, _, mess = persons.render_record(
        rng,
        names,
        person,
        rates=persons.POLICE_MESS,
        council=False,
        duplicate=duplicate,
    )
    other_names = known_as if known_as and first != known_as and rng.random() < OTHER_NAMES_GIVEN else ""

    last_seen: datetime.datetime | None = e.started_at
    roll = rng.random()
    if roll < LAST_SEEN_BLANK:
        last_seen = None
    elif roll < LAST_SEEN_BLANK + LAST_SEEN_ROUGH:
        last_seen = e.started_at + datetime.timedelta(minutes=rng.randrange(-90, 91))
    found = None
    if e.returned_at is not None and (e.return_how == "police" or rng.random() < POLICE_HEAR_OF_RETURN):
        found = e.returned_at
    if last_seen is not None and found is not None and last_seen > found:
        last_seen = found
    reported = reported_at or e.police_reported_at
    if last_seen is not None and last_seen > reported:
        last_seen = reported
    safe_and_well = (
        e.safe_and_well_at if found is not None and e.safe_and_well_at and e.safe_and_well_at >= found else None
    )

    provider = providers.get(placement.urn) if placement and placement.urn else None
    row = dict.fromkeys(POLICE_COLUMNS, "")
    row.update(
        reference=reference,
        first_name=first,
        last_name=last,
        other_names=other_names,
        date_of_birth=dob or "",
        sex=sex or "",
        council_child_id=agency_id or "",
        address=provider.name
        if provider
        else "Foster placement"
        if placement and placement.placement_type.startswith("U")
        else "",
        address_postcode=postcode_given or "",
        reported_at=_utc(reported),
        reporting_person_relationship=_RELATIONSHIP.get(placement.placement_type[:1], "Social worker")
        if placement
        else "",
        last_seen_at=_utc(last_seen),
        last_seen_location=e.last_seen_location,
        last_seen_postcode=e.last_seen_postcode,
        clothing=e.clothing,
        out_of_character="" if e.out_of_character is None else ("Y" if e.out_of_character else "N"),
        risk_grade=gradings[-1]["grade"] if gradings else "",
        risk_history=json.dumps(gradings, separators=(",", ":")) if gradings else "",
        found_at=_utc(found),
        found_location=e.return_place if found else "",
        found_postcode=e.return_postcode if found else "",
        found_by=e.found_by if found else "",
        safe_and_well_at=_utc(safe_and_well),
        safe_and_well_by=f"Officer of {e.police_force}" if safe_and_well else "",
    )
    return PoliceReportRecord(
        force=e.police_force,
        row=row,
        responsible_authority=e.responsible_authority,
        la_child_id=e.la_child_id,
        episode_started_at=e.started_at,
        duplicate=duplicate,
        mess=",".join(mess),
    )


def council_view(files: AgencyFiles) -> World:
    """The world without the episodes no council recorded (and their grades, notes, switches and
    interviews): what councils' own records would bring into Homeward, for the demonstration, whose
    police reports then show the gaps."""
    world = files.world

    def kept(record) -> bool:
        return (record.responsible_authority, record.la_child_id, record.started_at) not in files.not_recorded

    return dataclasses.replace(
        world,
        episodes=[e for e in world.episodes if kept(e)],
        risk_gradings=[g for g in world.risk_gradings if kept(g)],
        kind_changes=[k for k in world.kind_changes if kept(k)],
        episode_notes=[n for n in world.episode_notes if kept(n)],
        return_interviews=[i for i in world.return_interviews if kept(i)],
    )


# ---------------------------------------------------------------------------------------------
# The truth of the one count
# ---------------------------------------------------------------------------------------------

BOTH, POLICE_ONLY, COUNCIL_ONLY = "both", "police_only", "council_only"


@dataclass(frozen=True, slots=True)
class CountUnit:
    """One absence in the one count: a council period (known to both, or to the council only), or an
    episode only the police recorded (however many reports they made of it)."""

    known: str
    responsible_authority: str
    la_child_id: str
    started_on: datetime.date


def one_count_truth(files: AgencyFiles) -> list[CountUnit]:
    reported = {
        (r.responsible_authority, r.la_child_id, r.episode_started_at)
        for reports in files.police_reports.values()
        for r in reports
    }
    units = []
    for council, periods in sorted(files.council_periods.items()):
        for p in periods:
            known = BOTH if any((council, p.child, start) in reported for start in p.episodes) else COUNCIL_ONLY
            units.append(CountUnit(known, council, p.child, p.mis_start))
    for council, child, started_at in sorted(files.not_recorded):
        units.append(CountUnit(POLICE_ONLY, council, child, _local_day(started_at)))
    return units


def one_count_totals(
    units: list[CountUnit], *, since: datetime.date | None = None, until: datetime.date | None = None
) -> Counter:
    """Units by kind (both, police_only, council_only), for those starting in [since, until]."""
    return Counter(
        u.known for u in units if (since is None or u.started_on >= since) and (until is None or u.started_on <= until)
    )


# ---------------------------------------------------------------------------------------------
# On disk
# ---------------------------------------------------------------------------------------------

README = """\
What each agency's systems hold of this synthetic world (never real people).

903/<council code>/header.csv, episodes.csv, missing.csv
    the council's SSDA903 return (DfE columns and codes; dates dd/mm/yyyy), for every year of the
    world: `homeward import-903 DIR --la CODE`
police/<force code>.csv
    the force's missing-person reports (returns/POLICE_FORMAT.md): `homeward import-police FILE --force CODE`
truth/police_reports.csv
    force, reference -> the child (responsible_authority, la_child_id) and episode (started_at, UTC)
    it describes; duplicate: a second report of the same absence; mess: what the force got wrong
truth/council_missing.csv
    council, CHILD, MIS_START -> the world's episodes (started_at, UTC, ";"-separated) in the period
truth/not_recorded.csv
    episodes the police dealt with that the council's return never recorded, and why:
    no_apparent_risk (a "no apparent risk" report) or not_recorded
truth/one_count.csv
    the one count, unit by unit: known (both, police_only, council_only), responsible_authority,
    la_child_id, started_on (local date)
"""


def _write(path: Path, columns: tuple[str, ...], rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return path


# The return in the format of the world's snapshot year (31 March 2025 or later): SEX is M/F from
# 2024-25 (domain.md, "What has changed since 2017").
SEX_CODES = {"1": "M", "2": "F"}
# Settings registered with Ofsted, whose URN the return carries, or Xs when the council does not know it.
NEEDS_URN = {"K1", "K2", "K3"}


def _unknown_upn(child: Child, as_at: datetime.date) -> str:
    """The DfE's code for a UPN not known: UN1 for a child under 6 and not yet at school, UN5 (the
    sources that collate UPNs do not hold it) for a child of school age."""
    age = (
        as_at.year
        - child.date_of_birth.year
        - ((as_at.month, as_at.day) < (child.date_of_birth.month, child.date_of_birth.day))
    )
    return "UN1" if age < 6 else "UN5"


def _episode_rows(placements: list[Placement]):
    """The Episodes table: RNE S when a period of care begins and P at a move; REC X1 at a move and
    E8 when care ends (the world does not say why a child left care; E8 is the DfE's "any other
    reason", the code its rule 580 asks for when the child is missing as care ends)."""
    starts = {(p.la_child_id, p.start_date) for p in placements}
    ends = {(p.la_child_id, p.end_date) for p in placements if p.end_date is not None}
    for p in sorted(placements, key=lambda p: (p.la_child_id, p.start_date)):
        rec = "" if p.end_date is None else ("X1" if (p.la_child_id, p.end_date) in starts else "E8")
        rne = "P" if (p.la_child_id, p.start_date) in ends else "S"
        urn = p.urn or ("XXXXXXX" if p.placement_type in NEEDS_URN else "")
        yield (
            p.la_child_id,
            _uk_date(p.start_date),
            rne,
            "",
            "",
            p.placement_type,
            p.provider_type,
            _uk_date(p.end_date),
            rec,
            "",
            p.home_postcode,
            p.placement_postcode,
            urn,
        )


def agency_files_write(files: AgencyFiles, directory: Path) -> list[Path]:
    """Write the councils' returns, the forces' reports and the truth under `directory`."""
    world = files.world
    written: list[Path] = []
    by_council: dict[str, list[Child]] = defaultdict(list)
    for c in world.children:
        by_council[c.responsible_authority].append(c)
    placements: dict[str, list[Placement]] = defaultdict(list)
    for p in world.placements:
        placements[p.responsible_authority].append(p)
    dob = {(c.responsible_authority, c.la_child_id): c.date_of_birth for c in world.children}
    for council in sorted(by_council):
        folder = directory / "903" / council
        written.append(
            _write(
                folder / "header.csv",
                HEADER_COLUMNS,
                (
                    (
                        c.la_child_id,
                        SEX_CODES[c.sex],
                        _uk_date(c.date_of_birth),
                        c.ethnicity,
                        c.upn or _unknown_upn(c, world.as_at),
                        "",
                        "",
                    )
                    for c in sorted(by_council[council], key=lambda c: c.la_child_id)
                ),
            )
        )
        written.append(_write(folder / "episodes.csv", EPISODES_COLUMNS, _episode_rows(placements[council])))
        written.append(
            _write(
                folder / "missing.csv",
                MISSING_COLUMNS,
                (
                    (p.child, _uk_date(dob[(council, p.child)]), p.missing, _uk_date(p.mis_start), _uk_date(p.mis_end))
                    for p in files.council_periods.get(council, [])
                ),
            )
        )
    for force in sorted(files.police_reports):
        written.append(
            _write(
                directory / "police" / f"{force}.csv",
                POLICE_COLUMNS,
                ([r.row[column] for column in POLICE_COLUMNS] for r in files.police_reports[force]),
            )
        )
    truth = directory / "truth"
    written.append(
        _write(
            truth / "police_reports.csv",
            (
                "force",
                "reference",
                "responsible_authority",
                "la_child_id",
                "episode_started_at",
                "duplicate",
                "mess",
            ),
            (
                (
                    r.force,
                    r.row["reference"],
                    r.responsible_authority,
                    r.la_child_id,
                    _utc(r.episode_started_at),
                    "true" if r.duplicate else "false",
                    r.mess,
                )
                for force in sorted(files.police_reports)
                for r in files.police_reports[force]
            ),
        )
    )
    written.append(
        _write(
            truth / "council_missing.csv",
            ("council", "CHILD", "MIS_START", "episodes"),
            (
                (council, p.child, _uk_date(p.mis_start), ";".join(_utc(s) for s in p.episodes))
                for council in sorted(files.council_periods)
                for p in files.council_periods[council]
            ),
        )
    )
    written.append(
        _write(
            truth / "not_recorded.csv",
            ("responsible_authority", "la_child_id", "started_at", "reason"),
            (
                (council, child, _utc(started_at), reason)
                for (council, child, started_at), reason in sorted(files.not_recorded.items())
            ),
        )
    )
    written.append(
        _write(
            truth / "one_count.csv",
            ("known", "responsible_authority", "la_child_id", "started_on"),
            (
                (u.known, u.responsible_authority, u.la_child_id, u.started_on.isoformat())
                for u in one_count_truth(files)
            ),
        )
    )
    readme = directory / "README-agency-files.txt"
    readme.write_text(README, encoding="utf-8")
    return [*written, readme]
