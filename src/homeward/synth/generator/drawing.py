"""Identifiers, random draws, and places: postcodes and providers at a chosen distance from home."""

import datetime
import itertools
import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from homeward.children.identifiers import nhs_check_digit, upn_check_letter  # python-stdnum's
from homeward.places.postcodes import Postcode, directory, distance_miles
from homeward.synth.geography import Geography
from homeward.synth.generator.records import FOSTERING_AGENCY, Provider, SECURE_HOME, SUPPORTED_ACCOMMODATION, World
from homeward.synth.generator.calibration import (
    AGE_BANDS,
    DISTANCE_BANDS,
    FAR,
    IN,
    LOCAL_MILES,
    MID,
    NEAR,
    _BAND_MILES,
    _METRES_PER_MILE,
    _PEOPLED_SQUARE,
)


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
            fits = [p for p in by_authority.get(authority, ()) if _in_band(home, lookup_postcode(p.postcode), IN)]
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
                if (other_councils or p.sector != "la") and _in_band(home, lookup_postcode(p.postcode), band)
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
def lookup_postcode(postcode: str) -> Postcode:
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
