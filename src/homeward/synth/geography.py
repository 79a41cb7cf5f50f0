"""Where the synthetic world happens: England's councils, their live postcodes, regions and distances.

An index over the reference tables (places.reference) and the ONS postcode directory
(places.postcodes), built once per process because reading the directory is slow.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

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


class Postcodes(Sequence[Postcode]):
    """Postcodes kept as their codes, each made a Postcode when it is read: a world draws a few
    thousand, and making all 2.2 million English ones up front took seconds and most of a gigabyte."""

    __slots__ = ("codes",)

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [directory.known(code) for code in self.codes[index]]
        return directory.known(self.codes[index])


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
    _candidates: dict[tuple[str, float, float], list[tuple[str, float]]] = field(default_factory=dict)
    _rows: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # beside `postcodes`
    _grid: dict[tuple[int, int], Postcodes] = field(default_factory=dict)

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
        if not self._grid:  # built on first use: about a second
            grid: dict[tuple[int, int], list[str]] = defaultdict(list)
            for authority in self.authorities:
                for code, (_, east, north) in zip(self.postcodes[authority].codes, self._rows[authority], strict=True):
                    grid[(int(east // _CELL_METRES), int(north // _CELL_METRES))].append(code)
            self._grid = {square: Postcodes(codes) for square, codes in grid.items()}
        return self._grid.get((int(easting // _CELL_METRES), int(northing // _CELL_METRES)), ())


_AREA = re.compile(r"[A-Z]+")


@cache
def geography() -> Geography:
    """Built once per process from the reference tables and the postcode directory (slow: ~20 s)."""
    authorities = {code: name for code, name in reference.authorities() if code.startswith("E")}
    authority_of_district = {district: authority for district, _, authority in reference.districts()}
    district_names = {district: name for district, name, _ in reference.districts()}
    # Each council's postcodes as the directory holds them (code, and district and grid reference),
    # no Postcode made for each: one is made when a world draws it (Postcodes).
    codes: dict[str, list[str]] = {code: [] for code in authorities}
    rows: dict[str, list[tuple[str, float, float]]] = {code: [] for code in authorities}
    for code, row in directory.rows_in_letters(_LETTERS):
        authority = authority_of_district.get(row[0])
        if authority in codes:
            codes[authority].append(code)
            rows[authority].append(row)
    region, population, centroid, radius = {}, {}, {}, {}
    for code, postcodes in codes.items():
        if code.startswith("E09"):
            region[code] = "London"
        else:
            areas = Counter(_REGION_BY_AREA.get(_AREA.match(postcode).group(), "") for postcode in postcodes[::20])
            areas.pop("", None)
            region[code] = areas.most_common(1)[0][0]
        population[code] = len(postcodes) * _POPULATION_ADJUST.get(code, 1.0)
        held = rows[code]
        east = sum(row[1] for row in held) / len(held)
        north = sum(row[2] for row in held) / len(held)
        centroid[code] = (east, north)
        radius[code] = max(math.hypot(x - east, y - north) for _, x, y in held) / _METRES_PER_MILE
    return Geography(
        authorities=authorities,
        authority_of_district=authority_of_district,
        district_names=district_names,
        postcodes={code: Postcodes(postcodes) for code, postcodes in codes.items()},
        _rows=rows,
        region=region,
        population=population,
        centroid=centroid,
        radius=radius,
    )
