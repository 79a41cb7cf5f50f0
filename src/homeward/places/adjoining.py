"""Which councils adjoin, and so whether a placement is in area, adjoining or distant.

Care Planning, Placement and Case Review (England) Regulations 2010 (as amended 2013): a placement
is out of area when it is outside the responsible authority's area, and distant when it is also not
in the area of an authority adjoining it. So a council's neighbours decide which placements need
the extra approvals the regulations ask of a distant placement.

The neighbours are derived once from the ONS Postcode Directory (`adjoining_derive`, run by
`homeward places-adjoining`) into `data/adjoining.csv`; `data/adjoining_overrides.csv` corrects the
few pairs that postcodes cannot decide (open sea, a border of a few metres), each with its reason.
A border is a border whether on land or mid-estuary; open sea between an island and the mainland
is in no council's area, so the Isle of Wight and the Isles of Scilly adjoin no council.
"""

import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Collection
from functools import cache
from pathlib import Path

from django.db import models

from homeward.places import postcodes, reference

DATA_DIR = Path(__file__).parent / "data"
PAIRS_CSV = DATA_DIR / "adjoining.csv"
OVERRIDES_CSV = DATA_DIR / "adjoining_overrides.csv"

# The derivation draws a coarse map from postcodes: each 500 m cell belongs to the council most of
# its postcodes are in, each empty cell to the nearest council within 8 cells (4 km), and two
# councils adjoin where their cells touch. Why not just "postcodes of both in the same or a
# neighbouring cell": no cell size makes that right. At 1 km it joined some 20 London pairs that are
# a narrow borough apart (Camden and Hackney across Islington); at 500 m it lost borders over moor
# and mountain with no postcode within 1 km of the line (County Durham and Westmorland and Furness,
# Barnsley and Derbyshire, five of Powys's twelve). 500 m cells follow town boundaries closely
# enough; filling 4 km out from the postcodes closed every upland border checked by hand, and
# otherwise bridges only water under about 8 km wide. Council areas take in rivers and estuaries to
# where they meet mid-channel, so such pairs do adjoin (the Mersey, the Humber, the Thames); open sea
# between an island and the mainland is in no council's area, and the overrides table says so.
CELL_METRES = 500
FILL_CELLS = 8


class AreaRelation(models.TextChoices):
    IN_AREA = "in_area", "In area"
    ADJOINING = "adjoining", "Out of area, adjoining council"
    DISTANT = "distant", "Distant: out of area and not adjoining"

    @property
    def out_of_area(self) -> bool:
        return self is not AreaRelation.IN_AREA


def _area(postcode: str) -> str:
    """'M1 1AE' -> 'M', 'SK4 2AA' -> 'SK': the postcode area, one or two letters."""
    return postcode[:2] if postcode[1].isalpha() else postcode[:1]


def _say(progress: bool, text: str) -> None:
    # Neither rich nor tqdm is a Homeward dependency: a line rewritten on stderr does.
    if progress:
        sys.stderr.write(f"\r{text:<60}")
        sys.stderr.flush()


def adjoining_derive(progress: bool = True, *, areas: Collection[str] | None = None) -> set[tuple[str, str]]:
    """(a, b) with a < b for every two councils whose areas touch, derived from postcode locations.

    `areas` restricts the postcodes read to those postcode areas ("M", "OL", ...), for a quick run
    over one region; the result then holds only pairs near that region's postcodes.
    """
    council_of = {district: authority for district, _, authority in reference.districts()}
    files = sorted(path.name.split("_")[1][0] for path in postcodes.DATA_DIR.glob("postcodes_?.msgpack.br"))
    letters = [letter for letter in files if areas is None or any(area[0] == letter for area in areas)]
    counts: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for number, letter in enumerate(letters, 1):
        _say(progress, f"reading postcodes {letter} ({number}/{len(letters)})")
        # Read uncached, one initial letter at a time, so only the cell counts stay in memory.
        table = postcodes._Directory._read(letter)
        for postcode, (district, easting, northing) in table.items():
            council = council_of.get(district)  # None for Scotland and Northern Ireland
            if council and (areas is None or _area(postcode) in areas):
                counts[(int(easting // CELL_METRES), int(northing // CELL_METRES))][council] += 1
        del table

    _say(progress, "drawing the map")
    # Ties go to the lower code so that the same directory always gives the same file.
    owner = {cell: min(tally, key=lambda code: (-tally[code], code)) for cell, tally in counts.items()}
    del counts
    steps = ((1, 0), (-1, 0), (0, 1), (0, -1))
    frontier = list(owner)
    for _ in range(FILL_CELLS):
        reached: dict[tuple[int, int], str] = {}
        for x, y in frontier:
            code = owner[(x, y)]
            for dx, dy in steps:
                cell = (x + dx, y + dy)
                if cell not in owner and (cell not in reached or code < reached[cell]):
                    reached[cell] = code
        owner.update(reached)
        frontier = list(reached)

    pairs: set[tuple[str, str]] = set()
    for (x, y), a in owner.items():
        for cell in ((x + 1, y), (x, y + 1)):
            b = owner.get(cell)
            if b is not None and b != a:
                pairs.add((min(a, b), max(a, b)))
    _say(progress, "")
    if progress:
        sys.stderr.write("\r")
    return pairs


def adjoining_write(pairs: set[tuple[str, str]], path: Path = PAIRS_CSV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["a", "b"])
        writer.writerows(sorted(pairs))


def derived_pairs(path: Path = PAIRS_CSV) -> frozenset[tuple[str, str]]:
    """The committed output of `adjoining_derive`, before overrides."""
    with path.open(newline="") as file:
        return frozenset((row["a"], row["b"]) for row in csv.DictReader(file))


def overrides(path: Path = OVERRIDES_CSV) -> dict[tuple[str, str], bool]:
    """(a, b) with a < b -> whether they adjoin, for the pairs the derivation gets wrong."""
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    result: dict[tuple[str, str], bool] = {}
    for row in rows:
        if not row["a"] < row["b"] or row["adjoining"] not in ("Y", "N") or not row["reason"].strip():
            raise ValueError(f"{path.name}: needs a < b, adjoining Y or N and a reason: {row}")
        result[(row["a"], row["b"])] = row["adjoining"] == "Y"
    return result


def with_overrides(pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """The derived pairs as corrected by the overrides table."""
    result = set(pairs)
    for pair, adjoins in overrides().items():
        (result.add if adjoins else result.discard)(pair)
    return result


@cache
def _neighbours() -> dict[str, frozenset[str]]:
    pairs = with_overrides(derived_pairs())
    found: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        found[a].add(b)
        found[b].add(a)
    return {code: frozenset(found.get(code, ())) for code, _ in reference.authorities()}


def adjoining_councils(code: str) -> frozenset[str]:
    """The codes of the councils whose areas adjoin this one's. KeyError for an unknown council."""
    return _neighbours()[code]


def adjoining(a_code: str, b_code: str) -> bool:
    """Whether two different councils share a border. KeyError for an unknown council."""
    neighbours = _neighbours()
    of_a, of_b = neighbours[a_code], neighbours[b_code]  # both looked up, so either unknown raises
    return b_code in of_a and a_code in of_b


def area_relation(responsible_code: str, host_code: str) -> AreaRelation:
    """Where a placement in the host council's area stands for the responsible council.

    KeyError for a code that is not a council in England or Wales.
    """
    # Care Planning Regs 2010 (as amended 2013), reg 11: out of area means outside the responsible
    # authority's area; a distant placement is out of area and not in an adjoining authority's area.
    adjoins = adjoining(responsible_code, host_code)  # KeyError for an unknown code, even if equal
    if responsible_code == host_code:
        return AreaRelation.IN_AREA
    return AreaRelation.ADJOINING if adjoins else AreaRelation.DISTANT
