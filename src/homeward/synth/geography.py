"""Where the synthetic world happens: England's councils, their live postcodes, regions and distances.

An index over the reference tables (places.reference) and the ONS postcode directory
(places.postcodes), built once per process because reading the directory is slow.
"""

import math
import re
from collections import Counter, defaultdict
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


@dataclass
class Geography:
    authorities: dict[str, str]  # English councils: code -> name
    authority_of_district: dict[str, str]  # every district in England and Wales -> its council
    district_names: dict[str, str]
    postcodes: dict[str, list[Postcode]]  # each council's live postcodes
    region: dict[str, str]
    population: dict[str, float]  # postcode count: a proxy for population
    centroid: dict[str, tuple[float, float]]
    radius: dict[str, float]  # miles from the centroid to the council's furthest postcode
    _candidates: dict[tuple[str, float, float], list[tuple[str, float]]] = field(default_factory=dict)
    _grid: dict[tuple[int, int], list[Postcode]] = field(default_factory=dict)

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

    def postcodes_at(self, easting: float, northing: float) -> list[Postcode]:
        """The English postcodes in the kilometre grid square that holds a point (none in the sea,
        abroad or in open country), always in the same order."""
        if not self._grid:  # built on first use: about a second
            grid: dict[tuple[int, int], list[Postcode]] = defaultdict(list)
            for authority in self.authorities:
                for postcode in self.postcodes[authority]:
                    grid[(int(postcode.easting // _CELL_METRES), int(postcode.northing // _CELL_METRES))].append(
                        postcode
                    )
            self._grid = dict(grid)
        return self._grid.get((int(easting // _CELL_METRES), int(northing // _CELL_METRES)), [])


_AREA = re.compile(r"[A-Z]+")


@cache
def geography() -> Geography:
    """Built once per process from the reference tables and the postcode directory (slow: ~20 s)."""
    authorities = {code: name for code, name in reference.authorities() if code.startswith("E")}
    authority_of_district = {district: authority for district, _, authority in reference.districts()}
    district_names = {district: name for district, name, _ in reference.districts()}
    by_authority: dict[str, list[Postcode]] = {code: [] for code in authorities}
    for postcode in directory.all_in_letters("ABCDEFGHIKLMNOPRSTUWY"):  # J and Z hold no English postcodes
        authority = authority_of_district.get(postcode.district_code)
        if authority in by_authority:
            by_authority[authority].append(postcode)
    region, population, centroid, radius = {}, {}, {}, {}
    for code, postcodes in by_authority.items():
        if code.startswith("E09"):
            region[code] = "London"
        else:
            areas = Counter(_REGION_BY_AREA.get(_AREA.match(p.postcode).group(), "") for p in postcodes[::20])
            areas.pop("", None)
            region[code] = areas.most_common(1)[0][0]
        population[code] = len(postcodes) * _POPULATION_ADJUST.get(code, 1.0)
        east = sum(p.easting for p in postcodes) / len(postcodes)
        north = sum(p.northing for p in postcodes) / len(postcodes)
        centroid[code] = (east, north)
        radius[code] = max(math.hypot(p.easting - east, p.northing - north) for p in postcodes) / _METRES_PER_MILE
    return Geography(
        authorities=authorities,
        authority_of_district=authority_of_district,
        district_names=district_names,
        postcodes=by_authority,
        region=region,
        population=population,
        centroid=centroid,
        radius=radius,
    )
