"""A seeded synthetic world: looked-after children, their names, placements, the providers, and
the children's missing and away episodes over the years before the snapshot day. The children are
those looked after on the snapshot day (`children`) and those who left care in the years of episodes
before it, so each year holds everyone looked after in it, as that year's SSDA903 return does.

Calibrated to the DfE national figures in domain.md ("National figures"). Never real people: names
come from lists of common names, NHS numbers from the range reserved for testing (999…), UPNs carry
a DfE LA number that no council holds (950–999) and provider URNs start "SC9".

The world is built by a pipeline of steps (`PIPELINE`). Each step draws from its own random stream,
derived from the seed and the step's name, so a step added later (SSDA903 files, police reports)
leaves everything the earlier steps made unchanged for the same seed.

Episodes are the truth of what happened, whoever recorded it: each says whether the police were
told (and their reference), what the council's record holds (kind, with any switch between missing
and away), the risk grades, the return and the return interview. Writers of agency-shaped files
(each council's SSDA903 Missing table, each force's missing-person reports) start from these records
and plant their own omissions and mistakes.
"""

import datetime
import hashlib
import itertools
import math
import random
import zoneinfo
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from homeward.children.identifiers import nhs_check_digit, upn_check_letter  # python-stdnum's
from homeward.places import reference
from homeward.places.postcodes import Postcode, directory, distance_miles
from homeward.synth import names as name_lists
from homeward.synth.geography import Geography, geography

GENERATOR_VERSION = 3  # bump when the same seed would give a different world

# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------

CHILDRENS_HOME = "childrens_home"
SECURE_HOME = "secure_childrens_home"
SUPPORTED_ACCOMMODATION = "supported_accommodation"
FOSTERING_AGENCY = "fostering_agency"


@dataclass
class Provider:
    urn: str  # Ofsted URN: the provider's natural key and its Agency code
    name: str
    kind: str  # one of the four kinds above
    sector: str  # "la" (run by a council), "private" or "voluntary"
    owner_authority: str  # the council that runs it, for sector "la"
    postcode: str
    authority: str = ""  # the council whose area it is in: derived, not written out


@dataclass
class Child:
    responsible_authority: str  # ONS code of the council that looks after the child
    la_child_id: str  # SSDA903 CHILD
    first_name: str
    last_name: str
    sex: str  # SSDA903 SEX: 1 male, 2 female
    date_of_birth: datetime.date
    ethnicity: str  # SSDA903 ETHNIC
    upn: str
    nhs_number: str
    home_postcode: str  # the family home (SSDA903 HOME_POST)


@dataclass
class ChildName:
    responsible_authority: str
    la_child_id: str
    kind: str  # alias, nickname or previous (children.models.ChildName.Kind)
    first_name: str
    last_name: str


@dataclass
class Placement:
    responsible_authority: str
    la_child_id: str
    start_date: datetime.date  # SSDA903 DECOM
    end_date: datetime.date | None  # SSDA903 DEC; None for the current placement
    placement_type: str  # SSDA903 PLACE
    provider_type: str  # SSDA903 PLACE_PROVIDER
    urn: str  # the provider's URN, when the placement is with a registered provider
    placement_postcode: str  # SSDA903 PL_POST
    home_postcode: str  # SSDA903 HOME_POST


# Episodes and what happens in them. Times are UTC, to the minute. An episode's natural key is its
# child (responsible_authority, la_child_id) and started_at; the records that belong to an episode
# carry that key. Agencies are named by code: a provider's URN, a council's or a police force's ONS
# code, "RHI-<council code>" for a council's return interview service.


@dataclass(slots=True)
class Episode:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # SSDA903 MIS_START: left, or last seen by a responsible adult
    kind: str  # missing or away (SSDA903 M / A) at the end; switches are in kind_changes
    reported_at: datetime.datetime
    reporting_agency: str  # the placement's provider, or the responsible council (its own carers)
    last_seen_location: str
    last_seen_postcode: str  # blank when not known
    clothing: str
    circumstances: str
    out_of_character: bool | None
    # The force that took the report (that of the place last seen, else of the placement), its own
    # reference and when it was told; all blank for an episode the police never heard of.
    police_force: str
    police_reference: str
    police_reported_at: datetime.datetime | None
    returned_at: datetime.datetime | None  # SSDA903 MIS_END; None: still missing or away on the snapshot day
    return_how: str  # episodes.models.ReturnHow
    found_by: str
    return_place: str
    return_postcode: str
    return_recorded_by: str  # the agency that recorded the return
    safe_and_well_at: datetime.datetime | None  # the police check, for episodes reported to them
    closed_at: datetime.datetime | None
    closed_by: str


@dataclass(slots=True)
class RiskGrading:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    graded_at: datetime.datetime
    grade: str  # no_apparent_risk, low, medium or high (APP 2017)
    force: str
    source: str
    rationale: str


@dataclass(slots=True)
class KindChange:
    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    at: datetime.datetime
    from_kind: str
    to_kind: str
    agency: str  # who recorded the switch


@dataclass(slots=True)
class EpisodeNote:
    """A sighting, an enquiry made or a note, added while the child is away."""

    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    at: datetime.datetime
    kind: str  # sighting, enquiry or note
    agency: str
    text: str
    location: str
    postcode: str


@dataclass(slots=True)
class ReturnInterview:
    """The return home interview after a return: assigned, then offered (or never), then accepted,
    declined or held. A time is blank when that step has not happened by the snapshot."""

    responsible_authority: str
    la_child_id: str
    started_at: datetime.datetime  # the episode
    service: str  # "RHI-<council code>"
    assigned_at: datetime.datetime
    status: str  # episodes.models.InterviewStatus
    offered_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    held_at: datetime.datetime | None
    closed_at: datetime.datetime | None  # when completed or declined
    why_went: str
    where_and_with_whom: str
    harm_suffered: str
    exploitation_indicators: str  # codes (episodes.models.EXPLOITATION_INDICATORS), space-separated
    what_would_help: str


@dataclass
class World:
    seed: int
    children_wanted: int
    as_at: datetime.date  # the snapshot day: 31 March, as in the SSDA903 return, or today for the demo
    years: int = 1  # years of episodes, ending on the snapshot day
    # The moment the world runs up to, on the snapshot day (the demo's "now"); None: the day's end.
    until: datetime.datetime | None = None
    providers: list[Provider] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    child_names: list[ChildName] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    risk_gradings: list[RiskGrading] = field(default_factory=list)
    kind_changes: list[KindChange] = field(default_factory=list)
    episode_notes: list[EpisodeNote] = field(default_factory=list)
    return_interviews: list[ReturnInterview] = field(default_factory=list)
    # Later steps add their records here (police reports, SSDA903 files).


def default_as_at(today: datetime.date | None = None) -> datetime.date:
    """The latest 31 March on or before today: the day the DfE counts children looked after."""
    today = today or datetime.date.today()
    year = today.year if (today.month, today.day) >= (3, 31) else today.year - 1
    return datetime.date(year, 3, 31)


# ---------------------------------------------------------------------------------------------
# National figures the world is calibrated to (domain.md "National figures"; DfE children looked
# after in England, 31 March). Shares need not sum to 1: they are weights.
# ---------------------------------------------------------------------------------------------

MALE_SHARE = 0.57
# Children looked after per 10,000 children, by region (DfE, 31 March 2024): the North East's
# rate is about twice London's.
_CLA_RATE: dict[str, float] = {
    "North East": 110,
    "North West": 97,
    "Yorkshire and the Humber": 83,
    "West Midlands": 88,
    "East Midlands": 66,
    "East of England": 53,
    "London": 50,
    "South East": 56,
    "South West": 61,
}
# Children's homes per head of population, relative to England (Ofsted, children's social care
# data 2023): homes cluster where property is cheap, above all the North West and West Midlands.
_HOMES_FACTOR: dict[str, float] = {
    "North West": 1.8,
    "West Midlands": 1.6,
    "North East": 1.5,
    "East Midlands": 1.25,
    "Yorkshire and the Humber": 1.05,
    "South West": 0.8,
    "South East": 0.65,
    "East of England": 0.55,
    "London": 0.25,
}
# Age at 31 March in years [from, to): under 1, 1–4, 5–9, 10–15, 16–17.
AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (0, 1, 5),
    (1, 5, 17),
    (5, 10, 18),
    (10, 16, 39),
    (16, 18, 23),
)
# SSDA903 ETHNIC codes (DfE CLA 2024): about 73% White, 10% Mixed, 5% Asian, 7% Black, 4% other.
ETHNICITY: dict[str, float] = {
    "WBRI": 64.9,
    "WIRI": 0.4,
    "WIRT": 0.3,
    "WROM": 0.8,
    "WOTH": 6.6,
    "MWBC": 3.2,
    "MWBA": 1.2,
    "MWAS": 1.5,
    "MOTH": 4.4,
    "AIND": 0.6,
    "APKN": 1.4,
    "ABAN": 0.6,
    "AOTH": 2.2,
    "BCRB": 1.2,
    "BAFR": 4.2,
    "BOTH": 1.7,
    "CHNE": 0.1,
    "OOTH": 4.2,
    "REFU": 0.2,
    "NOBT": 0.3,
}
# Placement type by age (weights); together they give the national mix at 31 March: about 70%
# fostered (U1–U6), 13% in children's homes (K2, K1 rare), 4% in supported accommodation (K3,
# 16+ only), 6% placed with parents (P1), 3% placed for adoption (A3–A6), the rest residential.
PLACEMENT_MIX_BY_AGE: tuple[dict[str, float], ...] = (
    {"foster": 80, "P1": 8, "adoption": 4, "R3": 7, "R2": 1},
    {"foster": 78, "P1": 8, "adoption": 12, "R3": 1, "K2": 1},
    {"foster": 85, "P1": 8, "adoption": 4, "K2": 2.5, "S1": 0.5},
    {"foster": 70, "K2": 21, "P1": 5.5, "K1": 0.5, "S1": 1.5, "R5": 0.3, "R1": 0.5, "R2": 0.7},
    {"foster": 52, "K2": 19, "K3": 19, "P1": 4, "R5": 1.5, "S1": 1, "K1": 0.5, "R1": 1, "R2": 0.5},
)
# Foster placements: U1–U3 with relatives or friends, U4–U6 with other carers.
FOSTER_TYPES = {"U1": 5, "U2": 0.2, "U3": 12, "U4": 30, "U5": 1, "U6": 52}
ADOPTION_TYPES = {"A3": 10, "A4": 10, "A5": 20, "A6": 60}

# How far from home, by placement family: shares of placements in the council's own area, and
# outside it within 50 miles, 50–100 miles and over 100 miles (current placements on the snapshot
# day hold them closely: _Bands). Together they give 45% outside the council (DfE 2024; 41% in 2018),
# 7% over 50 miles and 3% over 100 (DfE 2018), with 60% of children in children's homes (K2) outside
# their council (61–64% in 2017–2018).
IN, NEAR, MID, FAR = "in", "near", "mid", "far"
_BAND_MILES = {IN: (0.0, 50.0), NEAR: (0.0, 50.0), MID: (50.0, 100.0), FAR: (100.0, 1000.0)}
DISTANCE_BANDS: dict[str, tuple[float, float, float, float]] = {
    "home": (40, 38, 13, 9),
    "secure": (15, 35, 25, 25),
    "foster": (56, 40, 2.2, 1.8),
    "supported": (55, 37, 5, 3),
    "parents": (85, 13, 1.2, 0.8),
    "adoption": (45, 49, 4, 2),
    "other": (40, 42, 10, 8),
}
# How far from home a placement in the council's own area (IN) or in another council's within 50
# miles (NEAR) is: the mean, in miles, of the distance drawn (exponential) before looking for a
# postcode that far away in a random direction. Most children placed in their own council live within
# a few miles of home, and most of those placed outside it not far across the boundary: with the
# bands above, 22% of children are placed more than 20 miles from home (DfE 2024). Placements with
# providers (children's homes, supported accommodation) go to the providers there are in the band.
LOCAL_MILES: dict[str, float] = {IN: 4.0, NEAR: 13.0}
_METRES_PER_MILE = 1609.344
_PEOPLED_SQUARE = 30  # postcodes in a square kilometre at which it is taken every time it is drawn


def _family(placement_type: str) -> str:
    if placement_type == "K2":
        return "home"
    if placement_type == "K1":
        return "secure"
    if placement_type == "K3":
        return "supported"
    if placement_type.startswith("U"):
        return "foster"
    if placement_type == "P1":
        return "parents"
    if placement_type.startswith("A"):
        return "adoption"
    return "other"


# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------


def synthetic_upn(rng: random.Random, *, year_allocated: int) -> str:
    # LA number (3) + establishment (4) + year allocated (2) + serial (3). LA numbers 950–999 are not
    # used by any council, so no synthetic UPN can be a real pupil's.
    body = f"{rng.randint(950, 999)}{rng.randint(2000, 7999):04d}{year_allocated % 100:02d}{rng.randint(1, 999):03d}"
    return upn_check_letter(body) + body


def synthetic_nhs_number(rng: random.Random) -> str:
    # 999 000 0000 – 999 999 9999 is reserved for testing: never issued to a patient.
    while True:
        nine = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(nine)
        if check is not None:
            return f"{nine}{check}"


# ---------------------------------------------------------------------------------------------
# Helpers for drawing
# ---------------------------------------------------------------------------------------------


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@cache
def _zipf(length: int) -> list[float]:
    # Offset so that in the long lists the commonest name is 2–3%, as Smith or Oliver is in England.
    offset = length / 3
    return list(itertools.accumulate(1 / (rank + offset) for rank in range(length)))


def _name_from(rng: random.Random, names: Sequence[str]) -> str:
    # Common names first in each list: a Zipf-like skew gives a few common names and a long tail.
    return rng.choices(names, cum_weights=_zipf(len(names)))[0]


def _age_on(dob: datetime.date, day: datetime.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _birthday(dob: datetime.date, age: int) -> datetime.date:
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:  # 29 February
        return dob.replace(year=dob.year + age, day=28)


def _age_band(age: int) -> int:
    return (
        next(i for i, (low, high, _) in enumerate(AGE_BANDS) if low <= age < high) if age < 18 else len(AGE_BANDS) - 1
    )


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ---------------------------------------------------------------------------------------------
# Places: postcodes and providers at a chosen distance from home
# ---------------------------------------------------------------------------------------------


def _in_band(home: Postcode, candidate: Postcode, band: str) -> bool:
    low, high = _BAND_MILES[band]
    return low <= distance_miles(home, candidate) < high


def _postcode_around(
    rng: random.Random, geo: Geography, *, home: Postcode, authority: str, band: str
) -> Postcode | None:
    """A postcode near home, in the council's own area (IN) or in another council's (NEAR): a point at
    a distance drawn for the band in a random direction, then a postcode in the kilometre grid square
    it falls in, sparsely peopled squares taken less often (where people live). None when no try
    lands (a home far from any other council has no NEAR postcode)."""
    mean, inside, high = LOCAL_MILES[band], band == IN, _BAND_MILES[band][1]
    for _ in range(200):
        miles = rng.expovariate(1 / mean)
        if miles >= high:
            continue
        angle = rng.uniform(0, math.tau)
        metres = miles * _METRES_PER_MILE
        square = geo.postcodes_at(home.easting + metres * math.cos(angle), home.northing + metres * math.sin(angle))
        if len(square) < _PEOPLED_SQUARE and rng.random() * _PEOPLED_SQUARE >= len(square):
            continue
        candidate = rng.choice(square)
        if (geo.host_authority(candidate) == authority) == inside and _in_band(home, candidate, band):
            return candidate
    return None


def _postcode_in_band(
    rng: random.Random, geo: Geography, *, home: Postcode, authority: str, band: str
) -> Postcode | None:
    """A postcode in the band: in the council's own area (IN) or in another council's (the rest)."""
    if band in LOCAL_MILES:
        found = _postcode_around(rng, geo, home=home, authority=authority, band=band)
        if found is not None:
            return found
    if band == IN:
        own = geo.postcodes[authority]
        for _ in range(60):
            candidate = rng.choice(own)
            if _in_band(home, candidate, IN):
                return candidate
        return None
    candidates = geo.candidates(authority, *_BAND_MILES[band])
    # Near placements go mostly to neighbouring councils; further ones anywhere, by population.
    weights = [geo.population[code] * (math.exp(-miles / 15) if band == NEAR else 1.0) for code, miles in candidates]
    for _ in range(15):
        if not candidates:
            return None
        code = rng.choices([c for c, _ in candidates], weights=weights)[0]
        pool = geo.postcodes[code]
        for _ in range(25):
            candidate = rng.choice(pool)
            if _in_band(home, candidate, band):
                return candidate
    return None


_GOLDEN = (math.sqrt(5) - 1) / 2


class _Bands:
    """The band of each placement, by placement family and whether it is current on the snapshot day.

    Each follows a low-discrepancy sequence (golden-ratio steps from a random start) rather than
    independent draws, so that a world of any size holds the DISTANCE_BANDS shares: 3,000 children
    hold about 370 in children's homes, whose out-of-area share would wander by 2.5 points drawn
    independently.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.at: dict[tuple[str, bool], float] = {}
        self.cumulative = {family: list(itertools.accumulate(weights)) for family, weights in DISTANCE_BANDS.items()}

    def band(self, family: str, *, current: bool) -> str:
        key = (family, current)
        if key not in self.at:
            self.at[key] = self.rng.random()
        self.at[key] = (self.at[key] + _GOLDEN) % 1.0
        cumulative = self.cumulative[family]
        return (IN, NEAR, MID, FAR)[bisect_right(cumulative, self.at[key] * cumulative[-1])]


def _fallback_bands(band: str) -> tuple[str, ...]:
    # Where nothing fits (a home at the tip of Cornwall has no other council within 50 miles), go
    # further rather than fail; the share this moves is far below the calibration tolerances.
    return {IN: (IN, NEAR), NEAR: (NEAR, MID, FAR, IN), MID: (MID, FAR, NEAR, IN), FAR: (FAR, MID, NEAR, IN)}[band]


class _Providers:
    """The providers of each kind by the council they are in, creating one where none fits."""

    def __init__(self, world: World, geo: Geography, rng: random.Random) -> None:
        self.world, self.geo, self.rng = world, geo, rng
        self.by_kind: dict[str, dict[str, list[Provider]]] = defaultdict(lambda: defaultdict(list))
        self.urns = {p.urn for p in world.providers}
        for provider in world.providers:
            self.by_kind[provider.kind][provider.authority].append(provider)
        self.agencies_by_region: dict[tuple[str, str], list[Provider]] = defaultdict(list)
        for provider in world.providers:
            if provider.kind == FOSTERING_AGENCY:
                self.agencies_by_region[(provider.sector, self.geo.region[provider.authority])].append(provider)

    def add(self, *, kind: str, sector: str, postcode: Postcode, owner: str = "") -> Provider:
        provider = _provider(
            self.rng, self.geo, urns=self.urns, kind=kind, sector=sector, postcode=postcode, owner=owner
        )
        self.world.providers.append(provider)
        self.by_kind[kind][provider.authority].append(provider)
        return provider

    def in_band(self, *, kind: str, home: Postcode, authority: str, band: str) -> Provider | None:
        by_authority = self.by_kind[kind]
        if band == IN:
            fits = [p for p in by_authority.get(authority, ()) if _in_band(home, _lookup(p.postcode), IN)]
            return self.rng.choice(fits) if fits else None
        candidates = [
            (code, miles)
            for code, miles in self.geo.candidates(authority, *_BAND_MILES[band])
            if by_authority.get(code)
        ]
        weights = [
            len(by_authority[code]) * (math.exp(-miles / 15) if band == NEAR else 1.0) for code, miles in candidates
        ]
        # Councils seldom have beds to spare in their own homes for other councils' children.
        other_councils = kind == SECURE_HOME or self.rng.random() < 0.1
        for _ in range(12):
            if not candidates:
                return None
            code = self.rng.choices([c for c, _ in candidates], weights=weights)[0]
            fits = [
                p
                for p in by_authority[code]
                if (other_councils or p.sector != "la") and _in_band(home, _lookup(p.postcode), band)
            ]
            if fits:
                return self.rng.choice(fits)
        return None

    def fostering_agency(self, *, sector: str, placed_at: Postcode) -> Provider:
        region = self.geo.region.get(self.geo.host_authority(placed_at), "")
        local = self.agencies_by_region.get((sector, region))
        if local:
            return self.rng.choice(local)
        everywhere = [p for (s, _), ps in sorted(self.agencies_by_region.items()) if s == sector for p in ps]
        return self.rng.choice(everywhere)


@cache
def _lookup(postcode: str) -> Postcode:
    found = directory.get(postcode)
    assert found is not None, f"{postcode} is not in the postcode directory"
    return found


_HOME_WORDS = "Oak Willow Beech Birch Elm Ash Rowan Holly Maple Cedar Hazel Larch Laurel Heather Meadow Brook Orchard Fern Ivy Primrose Bluebell Juniper Hawthorn Clover".split()
_HOME_KINDS = "House Lodge View Cottage Court Grange Place Mews Villa Farm".split()
_SUPPORTED_KINDS = ("Supported Living", "Independence Project", "Young People's Service")
_ORG_WORDS = "Bright Clear New True Safe Green Blue North Key Open Kind Warm Steady Fresh".split()
_ORG_KINDS = "Futures Horizons Pathways Steps Harbour Haven Lighthouse Compass Anchor Bridges Roots Journeys".split()


def _provider(
    rng: random.Random, geo: Geography, *, urns: set[str], kind: str, sector: str, postcode: Postcode, owner: str = ""
) -> Provider:
    while True:
        urn = f"SC9{rng.randrange(100_000):05d}"  # "SC9…" is beyond the URNs Ofsted has issued
        if urn not in urns:
            urns.add(urn)
            break
    authority = geo.host_authority(postcode)
    place = geo.district_names[postcode.district_code]
    organisation = (
        f"{geo.authorities[owner]} Council"
        if sector == "la"
        else f"{rng.choice(_ORG_WORDS)} {rng.choice(_ORG_KINDS)}" + (" Ltd" if sector == "private" else " Trust")
    )
    if kind == FOSTERING_AGENCY:
        name = f"{organisation.removesuffix(' Ltd').removesuffix(' Trust')} Fostering"
    elif kind == SUPPORTED_ACCOMMODATION:
        name = f"{rng.choice(_HOME_WORDS)} {rng.choice(_SUPPORTED_KINDS)}, {place} ({organisation})"
    else:
        name = f"{rng.choice(_HOME_WORDS)} {rng.choice(_HOME_KINDS)}, {place} ({organisation})"
    return Provider(
        urn=urn,
        name=name,
        kind=kind,
        sector=sector,
        owner_authority=owner if sector == "la" else "",
        postcode=postcode.postcode,
        authority=authority,
    )


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------

Step = Callable[[World, Geography, random.Random], None]


def providers_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Children's homes, secure homes, supported accommodation and fostering agencies across England.

    Scaled to the world (England: about 2,900 children's homes, 14 secure homes, a few hundred
    fostering agencies for some 83,000 children); councils' own homes are added as placements need
    them.
    """
    n = world.children_wanted
    homes_weight = {code: geo.population[code] * _HOMES_FACTOR[geo.region[code]] for code in geo.authorities}
    people_weight = {code: geo.population[code] for code in geo.authorities}
    urns: set[str] = {p.urn for p in world.providers}

    def add(kind: str, sector: str, weights: dict[str, float], owner: str = "") -> None:
        authority = _pick(rng, weights)
        postcode = rng.choice(geo.postcodes[authority])
        world.providers.append(_provider(rng, geo, urns=urns, kind=kind, sector=sector, postcode=postcode, owner=owner))

    for _ in range(max(30, round(n * 0.030))):
        add(CHILDRENS_HOME, "private" if rng.random() < 0.93 else "voluntary", homes_weight)
    for _ in range(14):
        authority = _pick(rng, people_weight)
        postcode = rng.choice(geo.postcodes[authority])
        world.providers.append(
            _provider(rng, geo, urns=urns, kind=SECURE_HOME, sector="la", postcode=postcode, owner=authority)
        )
    for _ in range(max(10, round(n * 0.010))):
        add(SUPPORTED_ACCOMMODATION, "private" if rng.random() < 0.8 else "voluntary", homes_weight)
    for region in sorted(set(geo.region.values())):
        # Every region has private and voluntary fostering agencies, more where more people live.
        regional = {code: w for code, w in people_weight.items() if geo.region[code] == region}
        share = sum(regional.values()) / sum(people_weight.values())
        for sector, rate in (("private", 0.0030), ("voluntary", 0.0006)):
            for _ in range(max(1, round(n * rate * share))):
                add(FOSTERING_AGENCY, sector, regional)


def _council_weights(geo: Geography) -> tuple[list[str], list[float]]:
    # Children looked after by each council: population times the regional rate.
    weights = {code: geo.population[code] * _CLA_RATE[geo.region[code]] for code in geo.authorities}
    return list(weights), list(itertools.accumulate(weights.values()))


def children_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Who the children are: council, age, sex, ethnicity, names and identifiers."""
    codes, council_weights = _council_weights(geo)
    ids_by_council: dict[str, set[str]] = defaultdict(set)
    nhs_numbers: set[str] = set()
    for _ in range(world.children_wanted):
        council = rng.choices(codes, cum_weights=council_weights)[0]
        band = rng.choices(AGE_BANDS, weights=[w for *_, w in AGE_BANDS])[0]
        age_days = rng.randrange(int(band[0] * 365.25), int(band[1] * 365.25) - 1)
        dob = world.as_at - datetime.timedelta(days=age_days)
        _new_child(world, geo, rng, council=council, dob=dob, ids_by_council=ids_by_council, nhs_numbers=nhs_numbers)


def _new_child(
    world: World,
    geo: Geography,
    rng: random.Random,
    *,
    council: str,
    dob: datetime.date,
    ids_by_council: dict[str, set[str]],
    nhs_numbers: set[str],
) -> Child:
    """A child of the council born on `dob`, with names and identifiers, added to the world."""
    sex = "1" if rng.random() < MALE_SHARE else "2"
    ethnicity = _pick(rng, ETHNICITY)
    first_pools, surname_pools = name_lists.POOLS_BY_ETHNICITY[ethnicity]
    firsts = rng.choice(first_pools)
    first_name = _name_from(rng, firsts.male if sex == "1" else firsts.female)
    last_name = _surname(rng, rng.choice(surname_pools), sex)
    while True:
        la_child_id = str(rng.randrange(100_000, 10_000_000))
        if la_child_id not in ids_by_council[council]:
            ids_by_council[council].add(la_child_id)
            break
    age = _age_on(dob, world.as_at)
    # UPNs are allocated at school entry; a few under-fives have one from nursery.
    upn = ""
    if rng.random() < (0.95 if age >= 5 else 0.1):
        upn = synthetic_upn(rng, year_allocated=dob.year + min(age, 4))
    nhs_number = ""
    if rng.random() < 0.97:
        while (nhs_number := synthetic_nhs_number(rng)) in nhs_numbers:
            pass
        nhs_numbers.add(nhs_number)
    child = Child(
        responsible_authority=council,
        la_child_id=la_child_id,
        first_name=first_name,
        last_name=last_name,
        sex=sex,
        date_of_birth=dob,
        ethnicity=ethnicity,
        upn=upn,
        nhs_number=nhs_number,
        home_postcode=rng.choice(geo.postcodes[council]).postcode,
    )
    world.children.append(child)
    world.child_names.extend(_other_names(rng, child, firsts, rng.choice(surname_pools)))
    return child


def _surname(rng: random.Random, pool: name_lists.NamePool, sex: str) -> str:
    excluded = name_lists.FEMALE_ONLY_SURNAMES if sex == "1" else name_lists.MALE_ONLY_SURNAMES
    while (surname := _name_from(rng, pool.surnames)) in excluded:
        pass
    return surname


def _other_names(
    rng: random.Random, child: Child, firsts: name_lists.NamePool, surnames: name_lists.NamePool
) -> list[ChildName]:
    found = []

    def add(kind: str, first: str, last: str) -> None:
        found.append(ChildName(child.responsible_authority, child.la_child_id, kind, first, last))

    nickname = name_lists.NICKNAMES.get(child.first_name)
    if nickname and rng.random() < 0.4:
        add("nickname", nickname, "")
    if rng.random() < 0.06:
        # A previous surname: the birth family's, before a change of name.
        previous = _surname(rng, surnames, child.sex)
        if previous != child.last_name:
            add("previous", child.first_name, previous)
    if rng.random() < 0.04:
        # A name used with police or peers, often when the child does not want to be found.
        alias = _name_from(rng, firsts.male if child.sex == "1" else firsts.female)
        if alias != child.first_name:
            add("alias", alias, _surname(rng, surnames, child.sex) if rng.random() < 0.5 else "")
    return found


def _places_rng(world: World, step: str) -> random.Random:
    """The stream a step draws where placements are from (and the providers it opens), apart from its
    own: the children and their placement histories stay the same when how places are chosen changes."""
    return random.Random(f"{world.seed}:{step}:places")


def placements_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Each child's placements since coming into care; the last is current on the snapshot day."""
    places = _places_rng(world, "placements_step")
    providers, bands = _Providers(world, geo, places), _Bands(places)
    for child in world.children:
        world.placements.extend(_placements_for(rng, places, geo, providers, bands, child, as_at=world.as_at))


def _placements_for(
    rng: random.Random,
    places: random.Random,
    geo: Geography,
    providers: _Providers,
    bands: _Bands,
    child: Child,
    *,
    as_at: datetime.date,
    reuse: bool = False,
) -> list[Placement]:
    """The child's placements up to `as_at`, the last still open. With `reuse` (children who have left
    care), none is current on the snapshot day."""
    dob = child.date_of_birth
    # Time in care: most children have been looked after for a year or two; never since before birth.
    days_in_care = min((as_at - dob).days, int(rng.expovariate(1 / 2.3) * 365.25))
    care_start = as_at - datetime.timedelta(days=days_in_care)
    moves = min(_poisson(rng, 0.45 * days_in_care / 365.25), 6, days_in_care)
    starts = [care_start] + sorted(
        care_start + datetime.timedelta(days=d) for d in rng.sample(range(1, days_in_care + 1), moves)
    )
    current_age = _age_on(dob, as_at)
    types = [_placement_type(rng, _age_on(dob, start)) for start in starts[:-1]]
    types.append(_placement_type(rng, current_age))
    if types[-1] == "K3":
        # Supported accommodation is for young people aged 16 or 17 (Supported Accommodation
        # (England) Regulations 2023): the current placement began at 16 at the earliest.
        starts[-1] = max(starts[-1], min(as_at, _birthday(dob, 16) + datetime.timedelta(days=rng.randrange(0, 200))))
    home = _lookup(child.home_postcode)
    placements = []
    for i, (start, placement_type) in enumerate(zip(starts, types, strict=True)):
        end = starts[i + 1] if i + 1 < len(starts) else None
        band = bands.band(_family(placement_type), current=end is None and not reuse)
        postcode, provider_type, provider = _place(
            places, geo, providers, child, home, placement_type, band, reuse=reuse
        )
        placements.append(
            Placement(
                responsible_authority=child.responsible_authority,
                la_child_id=child.la_child_id,
                start_date=start,
                end_date=end,
                placement_type=placement_type,
                provider_type=provider_type,
                urn=provider.urn if provider else "",
                placement_postcode=postcode.postcode,
                home_postcode=child.home_postcode,
            )
        )
    return placements


def _placement_type(rng: random.Random, age: int) -> str:
    kind = _pick(rng, PLACEMENT_MIX_BY_AGE[_age_band(age)])
    if kind == "foster":
        return _pick(rng, FOSTER_TYPES)
    if kind == "adoption":
        return _pick(rng, ADOPTION_TYPES)
    return kind


_PROVIDER_KIND = {"K2": CHILDRENS_HOME, "K1": SECURE_HOME, "K3": SUPPORTED_ACCOMMODATION}
# Provider codes for placements without a registered provider here (SSDA903 PLACE_PROVIDER).
_OTHER_PROVIDERS: dict[str, dict[str, float]] = {
    "adoption": {"PR1": 70, "PR5": 20, "PR2": 10},
    "R1": {"PR4": 80, "PR3": 20},
    "R2": {"PR3": 100},
    "R3": {"PR1": 60, "PR4": 40},
    "R5": {"PR3": 100},
    "S1": {"PR4": 60, "PR5": 25, "PR3": 15},
}


def _place(
    rng: random.Random,
    geo: Geography,
    providers: _Providers,
    child: Child,
    home: Postcode,
    placement_type: str,
    band: str,
    *,
    reuse: bool = False,
) -> tuple[Postcode, str, Provider | None]:
    """Where a placement in the band is, its SSDA903 provider code and its registered provider, if any.

    With `reuse`, a home, secure home or supported accommodation already in the world at any
    distance is taken before a new one is opened: for past placements, so that the homes stay
    sized and spread for the children looked after on the snapshot day.
    """
    family = _family(placement_type)
    council = child.responsible_authority

    kind = _PROVIDER_KIND.get(placement_type)
    if kind:
        provider = None
        if reuse:
            for tried in _fallback_bands(band):
                provider = providers.in_band(kind=kind, home=home, authority=council, band=tried)
                if provider:
                    return _lookup(provider.postcode), _provider_code(provider, council), provider
        for tried in _fallback_bands(band):
            provider = providers.in_band(kind=kind, home=home, authority=council, band=tried)
            if provider:
                break
            postcode = _postcode_in_band(rng, geo, home=home, authority=council, band=tried)
            if postcode:
                # No provider of this kind there yet: open one. Secure homes are all council-run;
                # councils run some ordinary homes too, for their own children.
                if kind == SECURE_HOME or (tried == IN and rng.random() < 0.5):
                    provider = providers.add(
                        kind=kind, sector="la", postcode=postcode, owner=geo.host_authority(postcode)
                    )
                else:
                    provider = providers.add(kind=kind, sector="private", postcode=postcode)
                break
        assert provider is not None
        return _lookup(provider.postcode), _provider_code(provider, council), provider

    if family == "parents" and band == IN and rng.random() < 0.6:
        return home, "PR0", None  # back at the family home
    postcode = next(
        found
        for tried in _fallback_bands(band)
        if (found := _postcode_in_band(rng, geo, home=home, authority=council, band=tried)) is not None
    )
    if family == "parents":
        return postcode, "PR0", None
    if family == "foster":
        if placement_type in {"U1", "U2", "U3"}:
            return postcode, "PR1", None  # family and friends carers are the council's own
        roll = rng.random()
        if roll < 0.60:
            return postcode, "PR1", None
        sector = "private" if roll < 0.96 else "voluntary"
        return (
            postcode,
            "PR4" if sector == "private" else "PR5",
            providers.fostering_agency(sector=sector, placed_at=postcode),
        )
    return postcode, _pick(rng, _OTHER_PROVIDERS["adoption" if family == "adoption" else placement_type]), None


def _provider_code(provider: Provider, council: str) -> str:
    if provider.sector == "la":
        return "PR1" if provider.owner_authority == council else "PR2"
    return "PR4" if provider.sector == "private" else "PR5"


# Children who stop being looked after in a year, for each child looked after on 31 March (DfE
# children looked after 2024: about 31,000 ceased in the year; 83,600 looked after on 31 March; about
# 115,000 at some point in the year), and their age when care ended: about 30% on their 18th
# birthday. Ages [from, to) in years, weight; (18, 18) is the 18th birthday itself.
LEAVERS_PER_YEAR = 0.375
LEAVING_AGES: tuple[tuple[float, float, float], ...] = (
    (0, 1, 7),
    (1, 5, 19),
    (5, 10, 13),
    (10, 16, 19),
    (16, 18, 12),
    (18, 18, 30),
)


def former_children_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Children looked after during the episode years who had left care by the snapshot day.

    With them, each year of the world holds everyone looked after in it, as that year's SSDA903 return
    does, so the yearly shares (11% went missing) are of the right children. Their last placement
    ends on the day care ended.
    """
    codes, council_weights = _council_weights(geo)
    ids_by_council: dict[str, set[str]] = defaultdict(set)
    for child in world.children:
        ids_by_council[child.responsible_authority].add(child.la_child_id)
    nhs_numbers = {child.nhs_number for child in world.children if child.nhs_number}
    places = _places_rng(world, "former_children_step")
    providers, bands = _Providers(world, geo, places), _Bands(places)
    first_day = episode_window(world.as_at, world.years)[0].astimezone(LONDON).date()
    for _ in range(round(world.children_wanted * LEAVERS_PER_YEAR * world.years)):
        council = rng.choices(codes, cum_weights=council_weights)[0]
        left = first_day + datetime.timedelta(days=rng.randrange((world.as_at - first_day).days + 1))  # SSDA903 DEC
        low, high, _ = rng.choices(LEAVING_AGES, weights=[w for *_, w in LEAVING_AGES])[0]
        if low == high:
            dob = _birthday(left, -18)
        else:
            dob = left - datetime.timedelta(days=rng.randrange(max(1, int(low * 365.25)), int(high * 365.25) - 1))
        child = _new_child(
            world, geo, rng, council=council, dob=dob, ids_by_council=ids_by_council, nhs_numbers=nhs_numbers
        )
        # The placements up to the last day in care.
        placements = _placements_for(
            rng, places, geo, providers, bands, child, as_at=left - datetime.timedelta(days=1), reuse=True
        )
        placements[-1].end_date = left
        world.placements.extend(placements)


# ---------------------------------------------------------------------------------------------
# Missing and away episodes
# ---------------------------------------------------------------------------------------------

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
_MINUTES_PER_YEAR = 365.25 * 24 * 60
_DAY = 24 * 60

# Who goes missing, and how often (domain.md "National figures": about 11% of looked-after children
# go missing in a year, 6-7 incidents each, two thirds of them more than once, some dozens of times;
# about half of incidents from children's homes and semi-independent placements, which hold about a
# seventh of the children; 55% of incidents start at 16 or over, 44% at 10-15, under 0.2% below 10).
# A child's episodes are a Poisson process whose rate is the child's own tendency (lasting across
# years) times a factor for age and one for the kind of placement. For over a third of children the
# tendency is 0; the rest draw it from one of two gamma distributions (share of all children, shape,
# mean episodes a year): children who might go once in a while (most never do), and children who go
# repeatedly, whose long tail gives the few missing dozens of times a year. Tuned on a world of
# 85,000 children: 11% of the 117,000 looked after in the year go missing, 6.5 times each.
TENDENCIES: tuple[tuple[float, float, float], ...] = ((0.45, 1.0, 0.2), (0.175, 2.4, 11.7))
AGE_RATE: dict[int, float] = {
    **dict.fromkeys(range(0, 8), 0.0),
    8: 0.002,
    9: 0.006,
    10: 0.05,
    11: 0.12,
    12: 0.22,
    13: 0.5,
    14: 0.8,
    15: 0.95,
    16: 0.92,
    17: 0.85,
}
PLACEMENT_RATE: dict[str, float] = {
    "home": 2.6,
    "supported": 2.6,
    "secure": 0.6,
    "foster": 1.0,
    "parents": 1.2,
    "adoption": 0.05,
    "other": 0.9,
}
# Missing and away (DfE: "away" is undercounted by a fifth or more because many councils record every
# incident as missing). Each council's own practice: its share of incidents recorded as away.
AWAY_PRACTICE: tuple[tuple[float, float], ...] = ((0.25, 0.03), (0.75, 0.28))  # (share of councils, away share)
# How long (about 90% of incidents last 2 days or less): lognormal hours, and a small share of long
# absences (weeks or months) that leave children still missing on the snapshot day (DfE: about 220
# still missing and 60 still away at 31 March).
DURATION_HOURS = {"missing": (7.0, 1.35), "away": (5.0, 1.15)}  # median, sigma
LONG_ABSENCE = {"missing": (0.012, 40.0), "away": (0.012, 20.0)}  # share, mean extra days
# A week gone: the council's note that marks a long-term absence (tests/synth find them by it).
LONG_TERM_AFTER = 7 * 24 * 60  # minutes
LONG_TERM_NOTE = {
    "missing": "Long-term missing: not found after seven days. A long-term plan is agreed with the police; "
    "strategy meetings continue until the child is found.",
    "away": "Long-term away: away from the placement for more than seven days, whereabouts known. "
    "The plan for the child's return is reviewed each week.",
}
# Reported within minutes or hours; some are recorded days later, after the child is back.
REPORT_DELAY_MINUTES = (35.0, 1.0)
LATE_REPORT = (0.04, 1.5)  # share, median days
# The police are told of nearly every "missing" incident and a few "away" ones, and grade risk
# (APP 2017). Initial grades of missing children (roughly: absent / no apparent risk 20%, low 35%,
# medium 38%, high 7%); many forces never grade a child of 13 or under as no apparent risk.
POLICE_TOLD = {"missing": 0.95, "away": 0.06}
RISK_GRADES = ("no_apparent_risk", "low", "medium", "high")
INITIAL_GRADE = {"missing": (24, 33, 36, 7), "away": (75, 25, 0, 0)}  # 13-and-under move "no apparent risk" to low
REGRADE_SHARE = 0.22
# Return home interviews: each council's offer rate (from under 30% to over 90%); about 63% of
# those held are held within 72 hours of the return.
OFFER_RATE_RANGE = (0.22, 0.97)
INTERVIEW_OUTCOME = {"declined": 0.27, "held_when_offered": 0.30, "accepted": 0.43}
# Local hour at which episodes start: few in the small hours, most in the afternoon and evening.
_START_HOURS = (2, 1.5, 1, 0.7, 0.5, 0.5, 0.6, 1, 1.5, 2, 2.2, 2.5, 2.8, 3, 3.5, 4.5, 5.5, 6, 6.5, 6.5, 6, 5, 4, 3)
_CUM_START_HOURS = list(itertools.accumulate(_START_HOURS))


def episode_window(
    as_at: datetime.date, years: int, until: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC moments the episodes run between: midnight (Europe/London) `years` years before the
    end of the snapshot day, to the end of that day, or to `until` on it (a world up to now)."""
    end_day = as_at + datetime.timedelta(days=1)
    try:
        start_day = end_day.replace(year=end_day.year - years)
    except ValueError:  # 29 February
        start_day = end_day.replace(year=end_day.year - years, day=28)

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), LONDON).astimezone(UTC)

    return midnight(start_day), (until.astimezone(UTC) if until else midnight(end_day))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


_CLOTHES_COLOURS = "black grey navy white red blue green khaki burgundy pink beige".split()
_CLOTHES_TOPS = (
    "hoodie",
    "puffer jacket",
    "tracksuit top",
    "school blazer",
    "denim jacket",
    "T-shirt",
    "coat",
    "sweatshirt",
)
_CLOTHES_BOTTOMS = ("jeans", "tracksuit bottoms", "leggings", "school trousers", "joggers", "skirt", "shorts")
_CLOTHES_SHOES = ("white trainers", "black trainers", "sliders", "school shoes", "boots", "grey trainers")
_CIRCUMSTANCES = (
    "Left after an argument with staff about phone use.",
    "Did not return from school at the expected time.",
    "Went out to meet friends and did not come back by the agreed time.",
    "Left the placement during the night; bed found empty at the morning check.",
    "Seen getting into a car driven by an adult not known to staff.",
    "Walked out after a family contact visit was cancelled.",
    "Said they were going to the shop and did not come back.",
    "Left after receiving several calls from an unknown number.",
    "Did not return after an agreed hour of free time.",
    "Ran off when staff tried to talk about a missed appointment.",
)
_AWAY_CIRCUMSTANCES = (
    "Known to be at a friend's house; refusing to come back tonight.",
    "Staying at a parent's address without agreement.",
    "At a boyfriend's house; address known to staff.",
    "At a relative's home; carer has spoken to the young person by phone.",
    "Out with friends in town past the agreed time; in contact by phone.",
)
_ELSEWHERE = (
    "School",
    "Town centre",
    "Bus station",
    "Train station",
    "Shopping centre",
    "Park",
    "Friend's address",
    "Fast food restaurant",
    "Leisure centre",
    "College",
)
_SIGHTINGS = (
    "Seen by a member of the public",
    "Seen on CCTV",
    "Seen by a friend's parent",
    "Seen by police patrol",
    "Seen by school staff",
    "Posted a photo online from here",
)
_FOUND_PLACES = (
    "Address of an adult known to police",
    "Railway station",
    "Town centre",
    "Park",
    "Friend's address",
    "Shopping centre",
    "Hospital",
    "Flat of an older associate",
)
_FAMILY = ("Mother", "Father", "Aunt", "Grandmother", "Older sibling", "Friend's parent", "Uncle")
_GRADE_SOURCES = (
    "Initial report from the carer",
    "Call from placement staff",
    "Information from the social worker",
    "Review of missing history",
    "Sighting reported by a member of the public",
    "Enquiries at known addresses",
    "Intelligence checks",
    "Contact with the child by phone",
    "Information from a friend",
)
_GRADE_RATIONALE = {
    "no_apparent_risk": "Whereabouts believed known; no concerns raised.",
    "low": "No specific threat identified; history of returning of own accord.",
    "medium": "Known associates of concern; previous missing episodes; vulnerable to exploitation.",
    "high": "Immediate risk of serious harm: believed to be with adults linked to exploitation.",
}
_ENQUIRIES = (
    "Checked known friends' addresses; not there.",
    "Called the child's phone; no answer.",
    "Spoke to school; not seen today.",
    "Checked places frequented in the profile; not found.",
)
_NOTES = (
    "Social worker informed.",
    "Family contacted; no contact from the child.",
    "Strategy discussion to be considered if not found by the morning.",
    "Emergency duty team informed.",
)
_WHY_WENT = (
    "Wanted to see friends.",
    "Unhappy at the placement.",
    "Wanted to see family.",
    "Argument with staff.",
    "Pressured by older associates.",
    "Felt bored and restricted.",
    "Did not want to say.",
)
_WITH_WHOM = (
    "With friends from school.",
    "With a parent.",
    "With older associates; would not name them.",
    "Alone, mostly in town.",
    "With a boyfriend or girlfriend.",
    "With a cousin.",
)
_HARM = (
    "None disclosed.",
    "None disclosed.",
    "None disclosed.",
    "Cold and hungry; slept outside.",
    "Was in a fight.",
    "Given alcohol by adults.",
)
_HELP = (
    "More time with family.",
    "A say in house rules.",
    "Help with school.",
    "Someone to talk to.",
    "Support to stay away from certain people.",
    "A move nearer home.",
)
# Indicators disclosed at a return interview (codes of episodes.models.EXPLOITATION_INDICATORS).
_INDICATORS = (
    "older_controlling_adult",
    "unknown_adults_cars",
    "money_or_gifts",
    "exploitation_hotspot",
    "substance_misuse",
    "criminal_exploitation",
    "carrying_drugs_or_money",
    "peers_exploited",
    "online_grooming",
    "sexual_exploitation",
)


def _force_abbreviation(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word not in {"and", "of", "the"}).upper()


class _Episodes:
    """Draws each child's episodes across the window, and what happens in each."""

    def __init__(self, world: World, geo: Geography, rng: random.Random) -> None:
        self.world, self.geo, self.rng = world, geo, rng
        self.start, self.end = episode_window(world.as_at, world.years, world.until)
        self.span = (self.end - self.start).total_seconds() / 60  # the snapshot, in minutes from the start
        self.providers = {p.urn: p for p in world.providers}
        self.forces = dict(reference.police_forces())
        self._midnights: dict[datetime.date, float] = {}
        # Each council's practice: how much it records as away, and how often it offers an interview.
        self.away_share: dict[str, float] = {}
        self.offer_rate: dict[str, float] = {}
        low, high = OFFER_RATE_RANGE
        for code in sorted(geo.authorities):
            practice = rng.choices(AWAY_PRACTICE, weights=[share for share, _ in AWAY_PRACTICE])[0][1]
            self.away_share[code] = min(0.6, max(0.0, rng.gauss(practice, practice / 4)))
            self.offer_rate[code] = low + (high - low) * rng.betavariate(1.6, 0.9)

    # Time: minutes from the window's start (floats while drawing; whole minutes in the records).

    def minute_of(self, day: datetime.date) -> float:
        """Local midnight at the start of `day`."""
        found = self._midnights.get(day)
        if found is None:
            found = (datetime.datetime.combine(day, datetime.time(), LONDON) - self.start).total_seconds() / 60
            self._midnights[day] = found
        return found

    def at(self, minute: float) -> datetime.datetime:
        return self.start + datetime.timedelta(minutes=int(minute))

    def local_day(self, minute: float) -> datetime.date:
        return self.at(minute).astimezone(LONDON).date()

    # Places

    def force_of(self, postcode: str) -> str:
        return reference.force_for_authority(self.geo.host_authority(_lookup(postcode)))

    def postcode_near(self, authority: str, *, far_share: float = 0.0, near_share: float = 0.0) -> str:
        """A postcode in the council's area, or in a council nearby or far away."""
        rng, roll = self.rng, self.rng.random()
        if roll < far_share + near_share:
            band = (50.0, 1000.0) if roll < far_share else (0.0, 50.0)
            candidates = self.geo.candidates(authority, *band)
            if candidates:
                weights = [self.geo.population[code] for code, _ in candidates]
                authority = rng.choices([code for code, _ in candidates], weights=weights)[0]
        return rng.choice(self.geo.postcodes[authority]).postcode

    # The child's episodes

    def child_episodes(self, child: Child, placements: list[Placement]) -> None:
        rng, roll = self.rng, self.rng.random()
        for share, shape, mean in TENDENCIES:
            if roll < share:
                tendency = rng.gammavariate(shape, mean / shape)
                break
            roll -= share
        else:
            return
        segments = self._segments(child, placements, tendency)
        t, i = 0.0, 0
        while i < len(segments):
            # The next start: walk the cumulative rate through the segments.
            need, start = rng.expovariate(1.0), None
            while i < len(segments):
                low, high, rate, placement, until = segments[i]
                t = max(t, low)
                if t < high and rate > 0:
                    available = (high - t) * rate
                    if need <= available:
                        start = t + need / rate
                        break
                    need -= available
                i += 1
            if start is None:
                return
            start = self._time_of_day(start, not_before=t, before=min(until - 30, self.span))
            if start >= until - 30:
                t = start + 60
                continue
            kind = "away" if rng.random() < self.away_share[child.responsible_authority] else "missing"
            duration = self._duration(kind)
            # The episode ends with the placement (SSDA903 rules 575/577); one that would end after
            # the snapshot is still open on the snapshot day.
            end: float | None = min(start + duration, until)
            if end >= self.span:
                end = None
            start, end = int(start), (None if end is None else max(int(start) + 5, int(end)))
            self._episode(child, placement, kind, start, end)
            if end is None:
                return
            t = end + 60 + rng.expovariate(1 / 360)

    def _segments(self, child: Child, placements: list[Placement], tendency: float) -> list[tuple]:
        """(from, to, rate per minute, placement, placement end) for each stretch of one placement at
        one age, within the window."""
        segments = []
        per_minute = tendency / _MINUTES_PER_YEAR
        for placement in placements:
            low = max(0.0, self.minute_of(placement.start_date))
            until = self.minute_of(placement.end_date) if placement.end_date else self.span + _DAY * 3650
            high = min(until, self.span)
            if high <= low:
                continue
            factor = PLACEMENT_RATE[_family(placement.placement_type)]
            age = _age_on(child.date_of_birth, self.local_day(low))
            while low < high:
                birthday = self.minute_of(_birthday(child.date_of_birth, age + 1))
                upto = min(high, birthday)
                segments.append((low, upto, per_minute * factor * AGE_RATE.get(age, AGE_RATE[17]), placement, until))
                low, age = upto, age + 1
        return segments

    def _time_of_day(self, start: float, *, not_before: float, before: float) -> float:
        """Move the start to a likely local hour on the same day, when that still fits."""
        day = self.local_day(start)
        hour = bisect_right(_CUM_START_HOURS, self.rng.random() * _CUM_START_HOURS[-1])
        moved = self.minute_of(day) + hour * 60 + self.rng.randrange(60)
        return moved if not_before <= moved < before else start

    def _duration(self, kind: str) -> float:
        share, mean_days = LONG_ABSENCE[kind]
        if self.rng.random() < share:
            return 2 * _DAY + self.rng.expovariate(1 / (mean_days * _DAY))
        median, sigma = DURATION_HOURS[kind]
        return max(5.0, _lognormal(self.rng, median * 60, sigma))

    def _episode(self, child: Child, placement: Placement, kind: str, start: int, end: int | None) -> None:
        rng, key = self.rng, (child.responsible_authority, child.la_child_id)
        snapshot = self.span - 1
        stop = snapshot if end is None else min(end, snapshot)  # nothing after the return or the snapshot
        age = _age_on(child.date_of_birth, self.local_day(start))
        family = _family(placement.placement_type)
        provider = self.providers.get(placement.urn) if placement.urn else None
        reporter = provider.urn if provider else child.responsible_authority
        placement_force = self.force_of(placement.placement_postcode)
        council = self.geo.host_authority(_lookup(placement.placement_postcode))

        # Where last seen (Philomena Part B).
        roll = rng.random()
        if roll < 0.55:
            location = (
                provider.name
                if provider and family in {"home", "secure", "supported"}
                else ("Foster home" if family == "foster" else "Placement address")
            )
            postcode = placement.placement_postcode
        elif roll < 0.92:
            location, postcode = rng.choice(_ELSEWHERE), self.postcode_near(council)
        else:
            location, postcode = "Walking away from the placement", ""
        clothing = (
            f"{rng.choice(_CLOTHES_COLOURS)} {rng.choice(_CLOTHES_TOPS)}, {rng.choice(_CLOTHES_COLOURS)} "
            f"{rng.choice(_CLOTHES_BOTTOMS)}, {rng.choice(_CLOTHES_SHOES)}"
        )
        circumstances = rng.choice(_AWAY_CIRCUMSTANCES if kind == "away" else _CIRCUMSTANCES)
        out_of_character = rng.choices((None, False, True), weights=(25, 65, 10))[0]

        # Reported: within minutes or hours; a few days later, after the return.
        if rng.random() < LATE_REPORT[0]:
            delay = _lognormal(rng, LATE_REPORT[1] * _DAY, 0.6)
        else:
            delay = 2 + _lognormal(rng, *REPORT_DELAY_MINUTES)
        reported = int(min(start + delay, snapshot))

        # A switch between away and missing while the child is still gone.
        changes: list[tuple[int, str, str]] = []
        final_kind = kind
        length = (end if end is not None else self.span) - start
        if length > 120 and rng.random() < (0.06 if kind == "away" else 0.02):
            at = int(start + length * rng.uniform(0.15, 0.6))
            if reported < at < stop:
                final_kind = "missing" if kind == "away" else "away"
                changes.append((at, kind, final_kind))

        # The police: told soon after the report (or after the switch to missing), while the child is still gone.
        force = reference_ = ""
        police_at = None
        told_from = changes[0][0] if changes and final_kind == "missing" else reported
        told_kind = final_kind if changes and final_kind == "missing" else kind
        if rng.random() < POLICE_TOLD[told_kind]:
            at = int(told_from + 1 + _lognormal(rng, 8, 0.8))
            if at < stop:
                force, police_at = (self.force_of(postcode) if postcode else placement_force), at

        gradings = self._gradings(key, start, told_kind, age, force, police_at, stop) if police_at else []
        notes = self._notes(key, start, reported, stop, length, council, force, reporter)
        if length > LONG_TERM_AFTER and start + LONG_TERM_AFTER < stop:
            # The long absences above are meant: the record says so, as the council would, a week in.
            notes.append(
                EpisodeNote(
                    key[0],
                    key[1],
                    self.at(start),
                    self.at(start + LONG_TERM_AFTER),
                    "note",
                    key[0],
                    LONG_TERM_NOTE[final_kind],
                    "",
                    "",
                )
            )
            notes.sort(key=lambda note: note.at)

        return_how = found_by = return_place = return_postcode = recorded_by = closed_by = ""
        returned = safe_and_well = closed = None
        if end is not None:
            returned = self.at(end)
            return_how = rng.choices(
                ("own_accord", "police", "carer", "family", "other"),
                weights=(45, 25, 12, 13, 5) if force else (65, 0, 20, 12, 3),
            )[0]
            if return_how == "police":
                found_by = f"Officers of {self.forces[force]}"
                return_place = rng.choice(_FOUND_PLACES)
                return_postcode = self.postcode_near(council, near_share=0.25, far_share=0.12)
            elif return_how == "family":
                found_by, return_place, return_postcode = rng.choice(_FAMILY), "Family home", child.home_postcode
            elif return_how == "carer":
                found_by = "Placement staff" if provider else "Foster carer" if family == "foster" else "Carer"
                return_place, return_postcode = rng.choice(_ELSEWHERE), self.postcode_near(council)
            elif return_how == "other":
                found_by, return_place, return_postcode = "Member of the public", rng.choice(_ELSEWHERE), ""
            else:
                return_place, return_postcode = "Placement", placement.placement_postcode
            recorded_by = force if return_how == "police" and force else reporter
            recorded = int(min(end + _lognormal(rng, 40, 1.0), max(end, snapshot)))
            last = end
            if force and rng.random() < 0.9:
                at = end + _lognormal(rng, 6 * 60, 0.8)
                if at < snapshot:
                    safe_and_well, last = self.at(at), at
            if rng.random() < 0.85:
                at = last + _lognormal(rng, 2 * _DAY, 0.9)
                if at < snapshot:
                    closed, closed_by = self.at(at), force or child.responsible_authority
            self._interview(key, child.responsible_authority, start, end, recorded, snapshot)

        started = self.at(start)
        self.world.episodes.append(
            Episode(
                responsible_authority=key[0],
                la_child_id=key[1],
                started_at=started,
                kind=final_kind,
                reported_at=self.at(reported),
                reporting_agency=reporter,
                last_seen_location=location,
                last_seen_postcode=postcode,
                clothing=clothing,
                circumstances=circumstances,
                out_of_character=out_of_character,
                police_force=force,
                police_reference=reference_,
                police_reported_at=self.at(police_at) if police_at else None,
                returned_at=returned,
                return_how=return_how,
                found_by=found_by,
                return_place=return_place,
                return_postcode=return_postcode,
                return_recorded_by=recorded_by,
                safe_and_well_at=safe_and_well,
                closed_at=closed,
                closed_by=closed_by,
            )
        )
        self.world.kind_changes.extend(
            KindChange(key[0], key[1], started, self.at(at), from_kind, to_kind, reporter)
            for at, from_kind, to_kind in changes
        )
        self.world.risk_gradings.extend(gradings)
        self.world.episode_notes.extend(notes)

    def _gradings(
        self, key, start: int, kind: str, age: int, force: str, police_at: int, stop: float
    ) -> list[RiskGrading]:
        rng = self.rng
        grade = rng.choices(RISK_GRADES, weights=INITIAL_GRADE[kind])[0]
        if grade == "no_apparent_risk" and age <= 13 and kind == "missing":
            grade = "low"  # many forces never grade a child of 13 or under as no apparent risk
        at = police_at + min(_lognormal(rng, 20, 0.9), max(0.0, stop - police_at - 1))
        gradings = [
            RiskGrading(
                key[0],
                key[1],
                self.at(start),
                self.at(at),
                grade,
                force,
                rng.choice(_GRADE_SOURCES[:3]),
                _GRADE_RATIONALE[grade],
            )
        ]
        chance = REGRADE_SHARE
        while rng.random() < chance:
            at += _lognormal(rng, 5 * 60, 1.0)
            if at >= stop:
                break
            step = 1 if rng.random() < 0.65 else -1
            index = min(len(RISK_GRADES) - 1, max(0, RISK_GRADES.index(grade) + step))
            if RISK_GRADES[index] == grade:
                break
            grade = RISK_GRADES[index]
            gradings.append(
                RiskGrading(
                    key[0],
                    key[1],
                    self.at(start),
                    self.at(at),
                    grade,
                    force,
                    rng.choice(_GRADE_SOURCES[3:]),
                    _GRADE_RATIONALE[grade],
                )
            )
            chance /= 3
        return gradings

    def _notes(
        self, key, start: int, reported: int, stop: float, length: float, council: str, force: str, reporter: str
    ) -> list[EpisodeNote]:
        """Sightings, enquiries and notes between the report and the return (or the snapshot)."""
        rng, notes = self.rng, []
        if length < 180 or stop <= reported + 60:
            return notes

        def at() -> datetime.datetime:
            return self.at(reported + (stop - reported) * rng.uniform(0.1, 0.9))

        if rng.random() < (0.25 if force else 0.1):
            postcode = self.postcode_near(council, near_share=0.28, far_share=0.12)
            notes.append(
                EpisodeNote(
                    key[0],
                    key[1],
                    self.at(start),
                    at(),
                    "sighting",
                    force or reporter,
                    rng.choice(_SIGHTINGS) + ".",
                    self.geo.district_names[_lookup(postcode).district_code],
                    postcode,
                )
            )
        if force and rng.random() < 0.12:
            notes.append(
                EpisodeNote(key[0], key[1], self.at(start), at(), "enquiry", force, rng.choice(_ENQUIRIES), "", "")
            )
        if rng.random() < 0.08:
            notes.append(EpisodeNote(key[0], key[1], self.at(start), at(), "note", key[0], rng.choice(_NOTES), "", ""))
        notes.sort(key=lambda note: note.at)
        return notes

    def _interview(self, key, council: str, start: int, end: int, assigned: int, snapshot: float) -> None:
        rng = self.rng
        times: dict[str, float | None] = {"offered": None, "accepted": None, "held": None, "closed": None}
        status = "assigned"
        if rng.random() < self.offer_rate[council]:
            offered = end + _lognormal(rng, 30 * 60, 0.9)
            outcome = rng.choices(list(INTERVIEW_OUTCOME), weights=list(INTERVIEW_OUTCOME.values()))[0]
            if offered < snapshot:
                status, times["offered"] = "offered", offered
                if outcome == "declined":
                    closed = offered + _lognormal(rng, 60, 1.0)
                    if closed < snapshot:
                        status, times["closed"] = "declined", closed
                elif outcome == "held_when_offered":
                    closed = offered + _lognormal(rng, 8 * 60, 1.0)
                    if closed < snapshot:
                        status, times["held"], times["closed"] = "completed", offered, closed
                else:
                    accepted = offered + _lognormal(rng, 4 * 60, 1.0)
                    held = accepted + _lognormal(rng, 30 * 60, 0.9)
                    closed = held + _lognormal(rng, 8 * 60, 1.0)
                    if accepted < snapshot:
                        status, times["accepted"] = "accepted", accepted
                        if closed < snapshot and rng.random() < 0.92:
                            status, times["held"], times["closed"] = "completed", held, closed
        findings = ("", "", "", "", "")
        if status == "completed":
            indicators = rng.sample(_INDICATORS, rng.choice((1, 1, 2, 3))) if rng.random() < 0.25 else []
            findings = (
                rng.choice(_WHY_WENT),
                rng.choice(_WITH_WHOM),
                rng.choice(_HARM),
                " ".join(sorted(indicators)),
                rng.choice(_HELP),
            )
        self.world.return_interviews.append(
            ReturnInterview(
                key[0],
                key[1],
                self.at(start),
                f"RHI-{council}",
                self.at(assigned),
                status,
                *(
                    self.at(times[name]) if times[name] is not None else None
                    for name in ("offered", "accepted", "held", "closed")
                ),
                *findings,
            )
        )

    def police_references(self) -> None:
        """Each force numbers its reports in the order it received them, year by year. A mark of the
        world (three letters from its seed, size and years) keeps two worlds' references apart."""
        digest = hashlib.sha256(f"{self.world.seed}:{self.world.children_wanted}:{self.world.years}".encode()).digest()
        mark = "".join(chr(ord("A") + byte % 26) for byte in digest[:3])
        serials: Counter[tuple[str, int]] = Counter()
        told = sorted(
            (e for e in self.world.episodes if e.police_force),
            key=lambda e: (e.police_force, e.police_reported_at, e.responsible_authority, e.la_child_id),
        )
        for episode in told:
            year = episode.police_reported_at.astimezone(LONDON).year
            serials[(episode.police_force, year)] += 1
            episode.police_reference = f"{_force_abbreviation(self.forces[episode.police_force])}/{mark}/{year}/{serials[(episode.police_force, year)]:06d}"


def episodes_step(world: World, geo: Geography, rng: random.Random) -> None:
    """Each child's missing and away episodes in the `years` before the snapshot, with the police
    reports, risk grades, sightings, returns and return interviews that follow them."""
    maker = _Episodes(world, geo, rng)
    by_child: dict[tuple[str, str], list[Placement]] = defaultdict(list)
    for placement in world.placements:
        by_child[(placement.responsible_authority, placement.la_child_id)].append(placement)
    for child in world.children:
        placements = sorted(by_child[(child.responsible_authority, child.la_child_id)], key=lambda p: p.start_date)
        maker.child_episodes(child, placements)
    maker.police_references()


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


# ---------------------------------------------------------------------------------------------
# Summary: the calibration figures, measured on current placements as the DfE does at 31 March, and
# the episodes' over the year to that day
# ---------------------------------------------------------------------------------------------


def world_summary(world: World) -> dict[str, float]:
    geo = geography()
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    current = [p for p in world.placements if p.end_date is None]
    out_of_area = over_20 = over_50 = over_100 = homes = homes_out = 0
    types: Counter[str] = Counter()
    for placement in current:
        home, placed = _lookup(placement.home_postcode), _lookup(placement.placement_postcode)
        miles = distance_miles(home, placed)
        outside = geo.host_authority(placed) != placement.responsible_authority
        out_of_area += outside
        over_20 += miles > 20
        over_50 += miles > 50
        over_100 += miles > 100
        types[_family(placement.placement_type)] += 1
        if placement.placement_type in {"K1", "K2"}:
            homes += 1
            homes_out += outside
    # The DfE's snapshot: the children looked after on the day (not those who had left care before it).
    looked_after = [children[(p.responsible_authority, p.la_child_id)] for p in current]
    ages = Counter(_age_band(_age_on(c.date_of_birth, world.as_at)) for c in looked_after)

    def pct(part: float, whole: float) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    n = len(current)
    summary: dict[str, float] = {
        "providers": len(world.providers),
        "childrens_homes": sum(p.kind in {CHILDRENS_HOME, SECURE_HOME} for p in world.providers),
        "children": len(looked_after),
        "former_children": len(world.children) - len(looked_after),
        "child_names": len(world.child_names),
        "placements": len(world.placements),
        "male_pct": pct(sum(c.sex == "1" for c in looked_after), len(looked_after)),
        "white_pct": pct(sum(c.ethnicity.startswith("W") for c in looked_after), len(looked_after)),
        "out_of_area_pct": pct(out_of_area, n),
        "over_20_miles_pct": pct(over_20, n),
        "over_50_miles_pct": pct(over_50, n),
        "over_100_miles_pct": pct(over_100, n),
        "childrens_homes_out_of_area_pct": pct(homes_out, homes),
    }
    for family in ("foster", "home", "secure", "supported", "parents", "adoption", "other"):
        summary[f"{family}_pct"] = pct(types[family], n)
    for i, (low, high, _) in enumerate(AGE_BANDS):
        summary[f"age_{int(low)}_{int(high) - 1}_pct"] = pct(ages[i], len(looked_after))
    return summary


def world_children_now(world: World) -> int:
    """Children looked after on the snapshot day."""
    return sum(p.end_date is None for p in world.placements)


def episode_summary(world: World) -> dict[str, float]:
    """The episode calibration figures, over the year to the snapshot day (as the DfE counts them)."""
    start, end = episode_window(world.as_at, 1)
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    placements: dict[tuple[str, str], list[Placement]] = defaultdict(list)
    for placement in world.placements:
        placements[(placement.responsible_authority, placement.la_child_id)].append(placement)
    first_kind = {(c.responsible_authority, c.la_child_id, c.started_at): c.from_kind for c in world.kind_changes}
    first_grade: dict[tuple, str] = {}
    for grading in world.risk_gradings:
        first_grade.setdefault((grading.responsible_authority, grading.la_child_id, grading.started_at), grading.grade)
    regraded = Counter((g.responsible_authority, g.la_child_id, g.started_at) for g in world.risk_gradings)

    # Everyone looked after at some point in the year, as the DfE counts "went missing in the year".
    first_day, end_day = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    in_care = {
        (p.responsible_authority, p.la_child_id)
        for p in world.placements
        if p.start_date < end_day and (p.end_date is None or p.end_date > first_day)
    }
    year = [e for e in world.episodes if start <= e.started_at < end]
    per_child = Counter((e.responsible_authority, e.la_child_id) for e in year)
    ages, homes, short, away, told_missing, missing = Counter(), 0, 0, 0, 0, 0
    grades: Counter[str] = Counter()
    for e in year:
        key = (e.responsible_authority, e.la_child_id)
        day = e.started_at.astimezone(LONDON).date()
        age = _age_on(children[key].date_of_birth, day)
        ages["under_10" if age < 10 else "10_15" if age < 16 else "16_plus"] += 1
        placement = next(p for p in placements[key] if p.start_date <= day and (p.end_date is None or day < p.end_date))
        homes += placement.placement_type in {"K1", "K2", "K3"}
        short += e.returned_at is not None and e.returned_at - e.started_at <= datetime.timedelta(days=2)
        kind = first_kind.get((*key, e.started_at), e.kind)
        away += kind == "away"
        if kind == "missing":
            missing += 1
            told_missing += bool(e.police_force)
            if e.police_force and (*key, e.started_at) not in first_kind:
                grades[first_grade[(*key, e.started_at)]] += 1
    interviews = [i for i in world.return_interviews if start <= i.started_at < end]
    returned_at = {(e.responsible_authority, e.la_child_id, e.started_at): e.returned_at for e in world.episodes}
    held = [i for i in interviews if i.held_at is not None]
    within = sum(
        i.held_at <= returned_at[(i.responsible_authority, i.la_child_id, i.started_at)] + datetime.timedelta(hours=72)
        for i in held
    )
    by_council: dict[str, list[bool]] = defaultdict(list)
    for interview in interviews:
        by_council[interview.responsible_authority].append(interview.offered_at is not None)
    offer_rates = sorted(sum(offers) / len(offers) for offers in by_council.values() if len(offers) >= 40)
    open_now = [e for e in world.episodes if e.returned_at is None]
    delays = sorted((e.reported_at - e.started_at).total_seconds() / 60 for e in year)

    def pct(part: float, whole: float) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    n, missing_children = len(year), len(per_child)
    graded = sum(grades.values())
    return {
        "episodes": len(world.episodes),
        "episodes_last_year": n,
        "children_looked_after_in_year": len(in_care),
        "children_missing_pct": pct(missing_children, len(in_care)),
        "episodes_per_missing_child": round(n / missing_children, 2) if missing_children else 0.0,
        "missing_more_than_once_pct": pct(sum(count > 1 for count in per_child.values()), missing_children),
        "children_over_50_episodes": sum(count > 50 for count in per_child.values()),
        "most_episodes_in_year": max(per_child.values(), default=0),
        "within_2_days_pct": pct(short, n),
        "childrens_home_or_supported_pct": pct(homes, n),
        "age_under_10_pct": pct(ages["under_10"], n),
        "age_10_15_pct": pct(ages["10_15"], n),
        "age_16_plus_pct": pct(ages["16_plus"], n),
        "away_pct": pct(away, n),
        "open_missing": sum(e.kind == "missing" for e in open_now),
        "open_away": sum(e.kind == "away" for e in open_now),
        "open_pct_of_children": pct(len(open_now), world_children_now(world)),
        "missing_told_police_pct": pct(told_missing, missing),
        **{f"grade_{grade}_pct": pct(grades[grade], graded) for grade in RISK_GRADES},
        "regraded_pct": pct(sum(count > 1 for count in regraded.values()), len(regraded)),
        "report_delay_median_minutes": round(delays[len(delays) // 2], 1) if delays else 0.0,
        "reported_over_a_day_late_pct": pct(sum(d > 24 * 60 for d in delays), n),
        "interview_offered_pct": pct(sum(i.offered_at is not None for i in interviews), len(interviews)),
        "interview_held_within_72h_pct": pct(within, len(held)),
        "council_offer_rate_min_pct": round(100 * offer_rates[0], 1) if offer_rates else 0.0,
        "council_offer_rate_max_pct": round(100 * offer_rates[-1], 1) if offer_rates else 0.0,
    }
