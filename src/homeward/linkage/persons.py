"""Synthetic person records from two agencies, with the truth, for measuring linkage.

Each synthetic child is recorded by the council (usually once, sometimes twice) and, for
about half of them, by the police (once or more: each missing report can open a new nominal
record). Records carry the mess real records have: typos, nicknames, spelling differences
between agencies, aliases, double-barrelled surnames cut to one part, day and month swapped,
missing fields, and postcodes from an earlier or later placement. Twins (same surname, date
of birth and address, different first name) are planted as the hard non-matches they are.

Deterministic for a seed: one `random.Random(seed)` drives everything and nothing iterates
over a set. No real person is described: names are drawn independently from frequency lists.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass
from itertools import accumulate
from collections.abc import Sequence

import pyarrow as pa

from homeward.linkage import names

MESS_KINDS: tuple[str, ...] = (
    "typo_first",
    "typo_last",
    "nickname",
    "spelling_first",
    "spelling_last",
    "alias_first",
    "alias_last",
    "double_barrel_reduced",
    "dob_swap",
    "dob_typo",
    "dob_missing",
    "sex_missing",
    "postcode_missing",
    "postcode_move_sector",
    "postcode_move_far",
    "upper_case",
    "duplicate",
    "twin",
)


@dataclass(frozen=True, kw_only=True)
class SourceMess:
    """Per-record probabilities of each kind of mess for one agency's records."""

    typo_first: float
    typo_last: float
    nickname: float
    spelling_first: float
    spelling_last: float
    alias_first: float  # given the child has a known-as first name
    alias_last: float  # given the child has another family surname
    double_barrel_reduced: float  # given the surname is double-barrelled
    dob_swap: float
    dob_typo: float
    dob_missing: float
    sex_missing: float
    postcode_missing: float
    postcode_move_sector: float
    postcode_move_far: float
    upper_case: float
    agency_id_present: float


# Rates were fixed before the engine was measured against them (not tuned to its results).
# Police records are messier: taken in a hurry, often from a carer on the phone.
COUNCIL_MESS = SourceMess(
    typo_first=0.02,
    typo_last=0.02,
    nickname=0.04,
    spelling_first=0.02,
    spelling_last=0.02,
    alias_first=0.05,
    alias_last=0.10,
    double_barrel_reduced=0.15,
    dob_swap=0.01,
    dob_typo=0.01,
    dob_missing=0.01,
    sex_missing=0.01,
    postcode_missing=0.02,
    postcode_move_sector=0.05,
    postcode_move_far=0.05,
    upper_case=0.0,
    agency_id_present=1.0,
)
POLICE_MESS = SourceMess(
    typo_first=0.04,
    typo_last=0.04,
    nickname=0.12,
    spelling_first=0.05,
    spelling_last=0.05,
    alias_first=0.35,
    alias_last=0.35,
    double_barrel_reduced=0.40,
    dob_swap=0.03,
    dob_typo=0.03,
    dob_missing=0.03,
    sex_missing=0.06,
    postcode_missing=0.08,
    postcode_move_sector=0.10,
    postcode_move_far=0.10,
    upper_case=0.30,
    agency_id_present=0.25,
)

P_MALE = 0.57  # DfE: 56-57% of looked-after children and of those who go missing
P_IN_COUNCIL = 0.92  # the rest are known to police only (placed from elsewhere, never recorded)
P_POLICE_GIVEN_COUNCIL = 0.55
POLICE_RECORD_COUNTS = ((1, 0.75), (2, 0.18), (3, 0.07))
P_COUNCIL_DUPLICATE = 0.03
P_DOUBLE_BARRELLED = 0.06
P_KNOWN_AS = 0.04
P_OTHER_SURNAME = 0.04
P_TWIN = 0.005
P_CHILDRENS_HOME = 0.35  # children in homes share the home's postcode
CHILDREN_PER_HOME = 4
REFERENCE_YEAR = 2026
# Ages 0-17; most children who go missing are 10-17 (DfE: ~55% of incidents start at 16+).
AGE_WEIGHTS = (1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 8, 10, 14, 18, 22, 24, 24, 20)

POSTCODE_AREAS: tuple[str, ...] = tuple(
    """
    AL B BA BB BD BH BL BN BR BS CA CB CH CM CO CR CT CV CW DA DE DH DL DN DT DY E EC EN EX
    FY GL GU HA HD HG HP HR HU HX IG IP KT L LA LE LN LS LU M ME MK N NE NG NN NR NW OL OX PE
    PL PO PR RG RH RM S SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW UB W WA WD
    WF WN WR WS WV YO
    """.split()
)
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in inward codes (no C, I, K, M, O, V)
ALPHABET = "abcdefghijklmnopqrstuvwxyz"


class _Weighted:
    """Fast repeated weighted choice from a fixed population."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass(kw_only=True)
class Person:
    """One synthetic child as a register would know them, before any agency's mess."""

    cluster_id: int
    sex: str
    first_name: str
    last_name: str
    dob: dt.date
    postcode: str
    agency_id: str
    known_as: str | None
    other_surname: str | None
    twin: bool = False


class NameWorld:
    """Name pools and variant lookups, built once and shared by every record rendered."""

    def __init__(self, *, name_tail: bool) -> None:
        self.boys = _Weighted(*names.name_pool("boy", tail=name_tail))
        self.girls = _Weighted(*names.name_pool("girl", tail=name_tail))
        self.surnames = _Weighted(*names.name_pool("surname", tail=name_tail))
        self.ages = _Weighted([str(a) for a in range(len(AGE_WEIGHTS))], AGE_WEIGHTS)
        self.nicknames: dict[str, tuple[str, ...]] = {k: v for k, v in names.NICKNAMES.items() if v}
        self.first_spellings = _variant_lookup(names.SPELLING_VARIANTS)
        self.last_spellings = _variant_lookup(names.SURNAME_VARIANTS)


def _variant_lookup(groups: Sequence[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for name in group:
            out[name] = tuple(other for other in group if other != name)
    return out


def generate_person_pairs(
    *,
    n_records: int,
    seed: int,
    council_mess: SourceMess = COUNCIL_MESS,
    police_mess: SourceMess = POLICE_MESS,
    name_tail: bool = True,
) -> tuple[pa.Table, pa.Table]:
    """Make `n_records` council and police person records and their truth.

    Returns `(records, truth)`. `records` columns: record_id, source ("council"/"police"),
    first_name, last_name, dob (ISO string or null), sex ("M"/"F" or null), postcode,
    agency_id (the council's child id; on some police records), aliases (list of known-as
    names). `truth` columns: record_id, cluster_id (same child = same id) and mess (the
    kinds of mess planted in that record, comma-separated, from MESS_KINDS).

    Names follow ONS-like frequencies: the embedded common names plus a generated tail of
    rare ones (`name_tail=False` draws only from the embedded lists, which makes unrelated
    children share names far more often than real ones do).
    """
    if n_records < 0:
        raise ValueError("n_records must not be negative")
    rng = random.Random(seed)
    world = NameWorld(name_tail=name_tail)
    homes: list[str] = []
    rows: list[tuple] = []  # (is_council, first, last, dob, sex, pc, agency, aliases, cluster, mess)
    cluster = 0
    while len(rows) < n_records:
        child = _new_child(rng, world, cluster, homes)
        cluster += 1
        family = [child]
        if rng.random() < P_TWIN:
            family.append(_twin_of(rng, world, child, cluster))
            cluster += 1
        for member in family:
            rows.extend(_records_for(rng, world, member, council_mess=council_mess, police_mess=police_mess))
    del rows[n_records:]
    # Shuffle so that record order and ids say nothing about who is who.
    rng.shuffle(rows)
    record_ids = [f"{'C' if row[0] else 'P'}{i:08d}" for i, row in enumerate(rows)]
    records = pa.table(
        {
            "record_id": pa.array(record_ids, pa.string()),
            "source": pa.array(["council" if r[0] else "police" for r in rows], pa.string()),
            "first_name": pa.array([r[1] for r in rows], pa.string()),
            "last_name": pa.array([r[2] for r in rows], pa.string()),
            "dob": pa.array([r[3] for r in rows], pa.string()),
            "sex": pa.array([r[4] for r in rows], pa.string()),
            "postcode": pa.array([r[5] for r in rows], pa.string()),
            "agency_id": pa.array([r[6] for r in rows], pa.string()),
            "aliases": pa.array([r[7] for r in rows], pa.list_(pa.string())),
        }
    )
    truth = pa.table(
        {
            "record_id": pa.array(record_ids, pa.string()),
            "cluster_id": pa.array([r[8] for r in rows], pa.int64()),
            "mess": pa.array([",".join(r[9]) for r in rows], pa.string()),
        }
    )
    return records, truth


def _new_child(rng: random.Random, world: NameWorld, cluster: int, homes: list[str]) -> Person:
    sex = "M" if rng.random() < P_MALE else "F"
    first = (world.boys if sex == "M" else world.girls).pick(rng)
    last = world.surnames.pick(rng)
    if rng.random() < P_DOUBLE_BARRELLED and "-" not in last:
        other = world.surnames.pick(rng)
        if other != last and "-" not in other:
            last = f"{last}-{other}"
    age = int(world.ages.pick(rng))
    born = dt.date(REFERENCE_YEAR - 1 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if rng.random() < P_CHILDRENS_HOME:
        # A new home roughly every CHILDREN_PER_HOME children sent to homes.
        if not homes or rng.random() < 1 / CHILDREN_PER_HOME:
            homes.append(_random_postcode(rng))
        postcode = homes[rng.randrange(len(homes))]
    else:
        postcode = _random_postcode(rng)
    known_as = None
    if rng.random() < P_KNOWN_AS:
        nicks = world.nicknames.get(first)
        known_as = rng.choice(nicks) if nicks and rng.random() < 0.5 else rng.choice(names.STREET_ALIASES)
    other_surname = world.surnames.pick(rng) if rng.random() < P_OTHER_SURNAME else None
    if other_surname == last:
        other_surname = None
    return Person(
        cluster_id=cluster,
        sex=sex,
        first_name=first,
        last_name=last,
        dob=born,
        postcode=postcode,
        agency_id=f"LA{rng.randrange(800, 940)}-{cluster:07d}",
        known_as=known_as,
        other_surname=other_surname,
    )


def _twin_of(rng: random.Random, world: NameWorld, child: Person, cluster: int) -> Person:
    sex = child.sex if rng.random() < 0.5 else ("F" if child.sex == "M" else "M")
    pool = world.boys if sex == "M" else world.girls
    first = pool.pick(rng)
    while first == child.first_name:
        first = pool.pick(rng)
    return Person(
        cluster_id=cluster,
        sex=sex,
        first_name=first,
        last_name=child.last_name,
        dob=child.dob,
        postcode=child.postcode,
        agency_id=f"LA{rng.randrange(800, 940)}-{cluster:07d}",
        known_as=None,
        other_surname=child.other_surname,
        twin=True,
    )


def _records_for(
    rng: random.Random,
    world: NameWorld,
    child: Person,
    *,
    council_mess: SourceMess,
    police_mess: SourceMess,
) -> list[tuple]:
    out: list[tuple] = []
    in_council = rng.random() < P_IN_COUNCIL
    if in_council:
        n_council = 2 if rng.random() < P_COUNCIL_DUPLICATE else 1
        for i in range(n_council):
            out.append(render_record(rng, world, child, rates=council_mess, council=True, duplicate=i > 0))
    if not in_council or rng.random() < P_POLICE_GIVEN_COUNCIL:
        draw, n_police = rng.random(), 1
        for count, p in POLICE_RECORD_COUNTS:
            n_police = count
            if draw < p:
                break
            draw -= p
        for i in range(n_police):
            out.append(render_record(rng, world, child, rates=police_mess, council=False, duplicate=i > 0))
    return out


def render_record(
    rng: random.Random,
    world: NameWorld,
    child: Person,
    *,
    rates: SourceMess,
    council: bool,
    duplicate: bool,
) -> tuple:
    """One agency's record of `child`, with that agency's mess drawn from `rates`:
    (is_council, first, last, dob, sex, postcode, agency_id, aliases, cluster_id, mess)."""
    mess: list[str] = []
    if duplicate:
        mess.append("duplicate")
    if child.twin:
        mess.append("twin")
    r = rng.random

    first = child.first_name
    if child.known_as and r() < rates.alias_first:
        first = child.known_as
        mess.append("alias_first")
    elif first in world.nicknames and r() < rates.nickname:
        first = rng.choice(world.nicknames[first])
        mess.append("nickname")
    elif first in world.first_spellings and r() < rates.spelling_first:
        first = rng.choice(world.first_spellings[first])
        mess.append("spelling_first")
    if r() < rates.typo_first:
        first = _typo(rng, first)
        mess.append("typo_first")

    last = child.last_name
    if child.other_surname and r() < rates.alias_last:
        last = child.other_surname
        mess.append("alias_last")
    elif "-" in last and r() < rates.double_barrel_reduced:
        last = rng.choice(last.split("-"))
        mess.append("double_barrel_reduced")
    elif last in world.last_spellings and r() < rates.spelling_last:
        last = rng.choice(world.last_spellings[last])
        mess.append("spelling_last")
    if r() < rates.typo_last:
        last = _typo(rng, last)
        mess.append("typo_last")
    if r() < rates.upper_case:
        first, last = first.upper(), last.upper()
        mess.append("upper_case")

    dob: str | None = child.dob.isoformat()
    born = child.dob
    if r() < rates.dob_missing:
        dob = None
        mess.append("dob_missing")
    elif born.day <= 12 and born.day != born.month and r() < rates.dob_swap:
        dob = dt.date(born.year, born.day, born.month).isoformat()
        mess.append("dob_swap")
    elif r() < rates.dob_typo:
        dob = _dob_typo(rng, born).isoformat()
        mess.append("dob_typo")

    sex: str | None = child.sex
    if r() < rates.sex_missing:
        sex = None
        mess.append("sex_missing")

    postcode: str | None = child.postcode
    if r() < rates.postcode_missing:
        postcode = None
        mess.append("postcode_missing")
    elif r() < rates.postcode_move_sector:
        postcode = _same_district(rng, child.postcode)
        mess.append("postcode_move_sector")
    elif r() < rates.postcode_move_far:
        postcode = _random_postcode(rng)
        mess.append("postcode_move_far")

    agency_id = child.agency_id if r() < rates.agency_id_present else None
    if council and duplicate:
        # A duplicate in a council's system is a second case with its own child id.
        agency_id = f"{child.agency_id}-{rng.randrange(10, 99)}"
    aliases: list[str] = []
    if council:
        # Councils keep "known as" names on the child's record.
        aliases = [n for n in (child.known_as, child.other_surname) if n]
    return (council, first, last, dob, sex, postcode, agency_id, aliases, child.cluster_id, mess)


def _typo(rng: random.Random, name: str) -> str:
    """One keyboard slip: insert, delete, transpose or substitute a letter."""
    if len(name) < 2:
        return name + rng.choice(ALPHABET)
    # Slips at the first letter are rarer than later in the word.
    pos = rng.randrange(1, len(name)) if rng.random() < 0.9 else 0
    kind = rng.randrange(4)
    letter = rng.choice(ALPHABET)
    if name[pos].isupper():
        letter = letter.upper()
    if kind == 0:
        return name[:pos] + letter + name[pos:]
    if kind == 1:
        return name[:pos] + name[pos + 1 :]
    if kind == 2 and pos < len(name) - 1:
        return name[:pos] + name[pos + 1] + name[pos] + name[pos + 2 :]
    if letter.lower() == name[pos].lower():
        letter = "e" if letter.lower() != "e" else "a"
    return name[:pos] + letter + name[pos + 1 :]


def _dob_typo(rng: random.Random, born: dt.date) -> dt.date:
    """One of day, month, year keyed wrongly (the other two right)."""
    for _ in range(10):
        part = rng.randrange(3)
        try:
            if part == 0:
                day = born.day + rng.choice((-10, -1, 1, 10))
                return born.replace(day=day)
            if part == 1:
                month = born.month + rng.choice((-1, 1, 3))
                return born.replace(month=month)
            return born.replace(year=born.year + rng.choice((-1, 1)))
        except ValueError:
            continue
    return born + dt.timedelta(days=1)  # every other slip gave an impossible date


def _random_postcode(rng: random.Random) -> str:
    area = rng.choice(POSTCODE_AREAS)
    return _postcode(rng, f"{area}{rng.randrange(1, 25)}")


def _same_district(rng: random.Random, postcode: str) -> str:
    outward, inward = postcode.split(" ")
    sector = int(inward[0])
    new_sector = (sector + rng.randrange(1, 10)) % 10
    return f"{outward} {new_sector}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"


def _postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randrange(10)}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
