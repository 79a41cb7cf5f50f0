"""The steps that make the providers, the children, their placements and the children who left care."""

import datetime
import itertools
import random
from collections import defaultdict
from collections.abc import Callable

from homeward.places.postcodes import Postcode
from homeward.synth import names as name_lists
from homeward.synth.geography import Geography
from homeward.synth.generator.records import (
    CHILDRENS_HOME,
    Child,
    ChildName,
    FOSTERING_AGENCY,
    Placement,
    Provider,
    SECURE_HOME,
    SUPPORTED_ACCOMMODATION,
    World,
)
from homeward.synth.generator.calibration import (
    ADOPTION_TYPES,
    AGE_BANDS,
    ETHNICITY,
    FOSTER_TYPES,
    IN,
    MALE_SHARE,
    PLACEMENT_MIX_BY_AGE,
    _CLA_RATE,
    _HOMES_FACTOR,
    _family,
)
from homeward.synth.generator.drawing import (
    _Bands,
    _Providers,
    _age_band,
    _age_on,
    _birthday,
    _fallback_bands,
    lookup_postcode,
    _name_from,
    _pick,
    _poisson,
    _postcode_in_band,
    _provider,
    synthetic_nhs_number,
    synthetic_upn,
)
from homeward.synth.generator.episodes import LONDON, episode_window


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
    home = lookup_postcode(child.home_postcode)
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
                    return lookup_postcode(provider.postcode), _provider_code(provider, council), provider
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
        return lookup_postcode(provider.postcode), _provider_code(provider, council), provider

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
