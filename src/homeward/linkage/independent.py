"""A second generator of person lists, written apart from `linkage.persons`, with other mess.

The engine's defaults were learnt on `linkage.persons`, so measuring it only there measures
the model against its own mirror. This generator shares nothing with that one but the name
vocabulary (`linkage.names` word lists, drawn with its own frequencies and its own tail of
invented names; no nickname or spelling-variant tables, which the engine also knows). Its
mess is of another kind: keyboard slips (a neighbouring key, a doubled or dropped letter),
OCR misreadings (rn/m, cl/d, 1/7 in dates), given name and surname transposed, the date
missing or replaced by 1 January of the year, several children at one address (hostels,
foster families), twins who share everything but the given name, and addresses abroad.

Field shapes are chosen when the list is rendered (`shape`): dates as ISO, yyyymmdd or
dd/mm/yyyy; UK postcodes or 4-digit foreign ones; the two name fields, one "SURNAME, Given"
or "Given Surname" field, or given names cut to an initial; any field left out.

Deterministic for a seed: one `random.Random(seed)` drives everything. No real person is
described: names are drawn independently from word lists.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate
from collections.abc import Sequence

import pyarrow as pa

from homeward.linkage import names as vocabulary

DATE_FORMATS: dict[str, str] = {"iso": "%Y-%m-%d", "yyyymmdd": "%Y%m%d", "dmy": "%d/%m/%Y"}
POSTCODE_STYLES: tuple[str, ...] = ("uk", "foreign4")
NAME_STYLES: tuple[str, ...] = ("split", "one_field", "initials")
FIELDS: tuple[str, ...] = ("first_name", "last_name", "dob", "sex", "postcode")


@dataclass(frozen=True, kw_only=True)
class Shape:
    """How the fields of a list are written (not what is wrong with them)."""

    dates: str = "iso"
    postcodes: str = "uk"
    names: str = "split"
    # Fields the list does not have at all (their column is left out).
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dates not in DATE_FORMATS:
            raise ValueError(f"dates must be one of {', '.join(DATE_FORMATS)}")
        if self.postcodes not in POSTCODE_STYLES:
            raise ValueError(f"postcodes must be one of {', '.join(POSTCODE_STYLES)}")
        if self.names not in NAME_STYLES:
            raise ValueError(f"names must be one of {', '.join(NAME_STYLES)}")
        unknown = set(self.missing) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)} (fields: {', '.join(FIELDS)})")


@dataclass(frozen=True, kw_only=True)
class Mess:
    """Per-record probabilities of each kind of mess (chosen before any model was run)."""

    keyboard_slip: float = 0.05  # per name field
    ocr_misread: float = 0.03  # per name field, and the date's digits
    transposed_names: float = 0.03
    dob_missing: float = 0.04
    dob_first_of_january: float = 0.01  # date unknown, recorded as 1 January of the year
    sex_missing: float = 0.05
    postcode_missing: float = 0.05
    moved: float = 0.20  # a different address (placement moves)
    abroad: float = 0.02  # given the list is UK-shaped: an address abroad
    middle_name: float = 0.05  # a second given name in the given-name field


@dataclass(frozen=True, kw_only=True)
class World:
    """Who exists: children, households and twins (before any list records them)."""

    p_twin: float = 0.01
    p_shared_address: float = 0.30  # lives where other children in the list live
    children_per_address: int = 6
    # Records per child: in list "a" and/or list "b", sometimes twice in one list.
    p_in_a: float = 0.8
    p_in_b_given_a: float = 0.6
    p_second_record: float = 0.08


@dataclass(kw_only=True)
class _Child:
    cluster_id: int
    sex: str
    given: str
    surname: str
    born: dt.date
    address: str
    middle: str = field(default="")


_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# What OCR confuses, both ways: letter shapes in names, digit shapes in dates.
_OCR_LETTERS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("cl", "d"),
    ("li", "h"),
    ("vv", "w"),
    ("ri", "n"),
    ("e", "c"),
    ("l", "i"),
)
_OCR_DIGITS: dict[str, str] = {"1": "7", "7": "1", "0": "8", "8": "0", "3": "8", "5": "6", "6": "5"}
_SYLLABLES = ("ka ri an el mo to sa na li vi ra de bo lu mi ze ta no ha ja be fi go ru si xa ye").split()


def _neighbours() -> dict[str, str]:
    """Letters next to each letter on a QWERTY keyboard (same row and rows above/below)."""
    out: dict[str, str] = {}
    for r, row in enumerate(_KEYBOARD):
        for c, letter in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_KEYBOARD):
                    near += [_KEYBOARD[other][i] for i in (c - 1, c) if 0 <= i < len(_KEYBOARD[other])]
            out[letter] = "".join(near)
    return out


_NEAR = _neighbours()


class _Pool:
    """Weighted draws with this generator's own frequencies: a shuffled vocabulary under a
    flatter power law than the first generator's, plus invented names for the tail."""

    def __init__(self, rng: random.Random, words: Sequence[str], *, invented: int) -> None:
        items = list(dict.fromkeys(w for w in words if "-" not in w))
        rng.shuffle(items)
        items += [_invent(rng) for _ in range(invented)]
        self.items = list(dict.fromkeys(items))
        self.cum = list(accumulate(1.0 / (rank + 20) ** 0.8 for rank in range(len(self.items))))

    def pick(self, rng: random.Random) -> str:
        x = rng.random() * self.cum[-1]
        lo, hi = 0, len(self.cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return self.items[lo]


def _invent(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize()


def generate_independent_people(
    *,
    n_records: int,
    seed: int,
    shape: Shape = Shape(),
    mess: Mess = Mess(),
    world: World = World(),
) -> tuple[pa.Table, pa.Table]:
    """Make `n_records` person records in two lists ("a" and "b") and their truth.

    Returns `(records, truth)`. `records`: record_id, source ("a"/"b") and the fields of
    `shape` (first_name, last_name or one `name`, dob, sex, postcode), all strings or null.
    `truth`: record_id, cluster_id (same child = same id), mess (comma-separated kinds).
    """
    if n_records < 0:
        raise ValueError("n_records must not be negative")
    rng = random.Random(seed)
    boys = _Pool(rng, vocabulary.BOY_NAMES, invented=len(vocabulary.BOY_NAMES))
    girls = _Pool(rng, vocabulary.GIRL_NAMES, invented=len(vocabulary.GIRL_NAMES))
    surnames = _Pool(rng, vocabulary.SURNAMES, invented=4 * len(vocabulary.SURNAMES))
    addresses: list[str] = []
    rows: list[tuple] = []
    cluster = 0
    while len(rows) < n_records:
        child = _child(rng, cluster, boys, girls, surnames, addresses, shape, world)
        cluster += 1
        family = [child]
        if rng.random() < world.p_twin:
            family.append(_twin(rng, cluster, child, boys, girls))
            cluster += 1
        for member in family:
            for source in _sources(rng, world):
                rows.append(_render(rng, member, source, shape, mess, twin=len(family) > 1))
    del rows[n_records:]
    rng.shuffle(rows)
    ids = [f"{row[0].upper()}{i:08d}" for i, row in enumerate(rows)]
    columns: dict[str, pa.Array] = {
        "record_id": pa.array(ids, pa.string()),
        "source": pa.array([r[0] for r in rows], pa.string()),
    }
    rendered = {name: [r[1][name] for r in rows] for name in rows[0][1]} if rows else {}
    for name, values in rendered.items():
        columns[name] = pa.array(values, pa.string())
    records = pa.table(columns)
    truth = pa.table(
        {
            "record_id": pa.array(ids, pa.string()),
            "cluster_id": pa.array([r[2] for r in rows], pa.int64()),
            "mess": pa.array([",".join(r[3]) for r in rows], pa.string()),
        }
    )
    return records, truth


def _child(
    rng: random.Random,
    cluster: int,
    boys: _Pool,
    girls: _Pool,
    surnames: _Pool,
    addresses: list[str],
    shape: Shape,
    world: World,
) -> _Child:
    sex = "M" if rng.random() < 0.55 else "F"
    pool = boys if sex == "M" else girls
    if rng.random() < world.p_shared_address:
        if not addresses or rng.random() < 1 / world.children_per_address:
            addresses.append(_address(rng, shape))
        address = addresses[rng.randrange(len(addresses))]
    else:
        address = _address(rng, shape)
    # Ages 0-17, weighted to teenagers (most children who go missing are 12-17).
    age = min(17, int(rng.triangular(0, 18, 16)))
    born = dt.date(2025 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
    given = pool.pick(rng)
    middle = pool.pick(rng)
    return _Child(
        cluster_id=cluster,
        sex=sex,
        given=given,
        surname=surnames.pick(rng),
        born=born,
        address=address,
        middle=middle if middle != given else "",
    )


def _twin(rng: random.Random, cluster: int, child: _Child, boys: _Pool, girls: _Pool) -> _Child:
    sex = child.sex if rng.random() < 0.6 else ("F" if child.sex == "M" else "M")
    pool = boys if sex == "M" else girls
    given = pool.pick(rng)
    while given == child.given:
        given = pool.pick(rng)
    return _Child(
        cluster_id=cluster,
        sex=sex,
        given=given,
        surname=child.surname,
        born=child.born,
        address=child.address,
        middle=pool.pick(rng),
    )


def _sources(rng: random.Random, world: World) -> list[str]:
    in_a = rng.random() < world.p_in_a
    in_b = not in_a or rng.random() < world.p_in_b_given_a
    out = []
    for source, present in (("a", in_a), ("b", in_b)):
        if present:
            out += [source] * (2 if rng.random() < world.p_second_record else 1)
    return out


def _render(
    rng: random.Random, child: _Child, source: str, shape: Shape, mess: Mess, *, twin: bool
) -> tuple[str, dict[str, str | None], int, list[str]]:
    kinds: list[str] = ["twin"] if twin else []
    r = rng.random
    given, surname = child.given, child.surname
    if child.middle and r() < mess.middle_name:
        given = f"{given} {child.middle}"
        kinds.append("middle_name")
    if r() < mess.keyboard_slip:
        given = _keyboard_slip(rng, given)
        kinds.append("keyboard_given")
    if r() < mess.keyboard_slip:
        surname = _keyboard_slip(rng, surname)
        kinds.append("keyboard_surname")
    if r() < mess.ocr_misread:
        given = _ocr(rng, given)
        kinds.append("ocr_given")
    if r() < mess.ocr_misread:
        surname = _ocr(rng, surname)
        kinds.append("ocr_surname")
    if r() < mess.transposed_names:
        given, surname = surname, given
        kinds.append("transposed_names")
    if shape.names == "initials":
        given = given[0]

    dob: str | None = child.born.strftime(DATE_FORMATS[shape.dates])
    if r() < mess.dob_missing:
        dob = None
        kinds.append("dob_missing")
    elif r() < mess.dob_first_of_january:
        dob = child.born.replace(month=1, day=1).strftime(DATE_FORMATS[shape.dates])
        kinds.append("dob_first_of_january")
    elif r() < mess.ocr_misread:
        dob = _ocr_date(rng, child.born, shape)
        kinds.append("ocr_dob")

    sex: str | None = child.sex if r() >= mess.sex_missing else None
    if sex is None:
        kinds.append("sex_missing")

    postcode: str | None = child.address
    if r() < mess.postcode_missing:
        postcode = None
        kinds.append("postcode_missing")
    elif r() < mess.moved:
        postcode = _address(rng, shape)
        kinds.append("moved")
    if postcode and shape.postcodes == "uk" and r() < mess.abroad:
        postcode = _foreign_postcode(rng)
        kinds.append("abroad")

    fields: dict[str, str | None] = {}
    if shape.names == "one_field":
        if "first_name" not in shape.missing and "last_name" not in shape.missing:
            fields["name"] = f"{surname.upper()}, {given}" if r() < 0.5 else f"{given} {surname}"
    else:
        fields["first_name"] = given
        fields["last_name"] = surname
    fields["dob"] = dob
    fields["sex"] = sex
    fields["postcode"] = postcode
    for missing in shape.missing:
        fields.pop(missing, None)
    return source, fields, child.cluster_id, kinds


def _keyboard_slip(rng: random.Random, name: str) -> str:
    """A neighbouring key hit instead, a letter doubled or a letter dropped (never the first)."""
    if len(name) < 3:
        return name
    pos = rng.randrange(1, len(name))
    letter = name[pos].lower()
    kind = rng.random()
    if kind < 0.6 and letter in _NEAR:
        return name[:pos] + rng.choice(_NEAR[letter]) + name[pos + 1 :]
    if kind < 0.8:
        return name[:pos] + name[pos] + name[pos:]
    return name[:pos] + name[pos + 1 :]


def _ocr(rng: random.Random, name: str) -> str:
    """One letter shape read as another (rn as m, d as cl, ...), either way round."""
    lowered = name.lower()
    options = [(seen, read) for a, b in _OCR_LETTERS for seen, read in ((a, b), (b, a)) if seen in lowered[1:]]
    if not options:
        return name
    seen, read = rng.choice(options)
    at = lowered.index(seen, 1)
    return name[:at] + read + name[at + len(seen) :]


def _ocr_date(rng: random.Random, born: dt.date, shape: Shape) -> str:
    """One digit of the written date misread; kept only if it is still a real date."""
    text = born.strftime(DATE_FORMATS[shape.dates])
    positions = [i for i, ch in enumerate(text) if ch in _OCR_DIGITS]
    rng.shuffle(positions)
    for pos in positions:
        candidate = text[:pos] + _OCR_DIGITS[text[pos]] + text[pos + 1 :]
        try:
            dt.datetime.strptime(candidate, DATE_FORMATS[shape.dates])
        except ValueError:
            continue
        return candidate
    return text


def _address(rng: random.Random, shape: Shape) -> str:
    if shape.postcodes == "foreign4":
        return _foreign_postcode(rng)
    area = rng.choice(("LS", "M", "B", "NE", "BS", "L", "S", "NG", "CF", "G", "EH", "PO", "TS"))
    return (
        f"{area}{rng.randrange(1, 30)} "
        f"{rng.randrange(10)}{rng.choice('ABDEFGHJLNPRSTUWXYZ')}{rng.choice('ABDEFGHJLNPRSTUWXYZ')}"
    )


def _foreign_postcode(rng: random.Random) -> str:
    """Four digits, as in Australia, Denmark, Norway or Switzerland."""
    return f"{rng.randrange(1000, 10000)}"
