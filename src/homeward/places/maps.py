"""Maps drawn on the server as SVG from OS grid eastings and northings (no tile server, no script:
the service runs on closed networks). Like the charts (reporting/charts.py), a map repeats what a
list beside it says; the list is the accessible version, and the map carries a title, a description
and a text label on every mark.
"""

import hashlib
import math
from dataclasses import dataclass
from functools import cache
from html import escape

from homeward.places import postcodes

METRES_PER_MILE = 1609.344
HOME, HOTSPOT, REGISTER = "home", "hotspot", "register"
# GOV.UK Design System colours: black (the home), orange (hotspots), red (register entries); each
# mark also differs in shape, so colour is never the only cue.
COLOURS = {HOME: "#0b0c0c", HOTSPOT: "#f47738", REGISTER: "#d4351c"}
LABELS = {
    HOME: "The home or placement",
    HOTSPOT: "Where children went missing, were seen or found",
    REGISTER: "On the location risk register",
}
FONT = 'font-size="13" font-family="sans-serif"'


@dataclass(frozen=True)
class MapPoint:
    easting: float
    northing: float
    kind: str  # HOME, HOTSPOT or REGISTER
    label: str
    count: int = 0  # a hotspot's episodes: its circle's area follows it


@cache  # a few thousand sectors in all: small
def _sector_centres(letter: str) -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = {}
    for code in postcodes.directory.all_in_letters(letter):
        total = sums.setdefault(code.sector, [0.0, 0.0, 0])
        total[0] += code.easting
        total[1] += code.northing
        total[2] += 1
    return {sector: (e / n, north / n) for sector, (e, north, n) in sums.items()}


def sector_centre(sector: str) -> tuple[float, float] | None:
    """The mean grid reference of a postcode sector's live postcodes ("B1 1"): where a count about the
    sector is drawn, rather than at any one address."""
    sector = (sector or "").strip().upper()
    return _sector_centres(sector[:1]).get(sector) if sector else None


def _nice_miles(radius_miles: float) -> float:
    """A round length for the scale bar, about a third of the radius."""
    target = radius_miles / 3
    for step in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if step >= target:
            return step
    return 100.0


def map_svg(
    *, centre: tuple[float, float], points: list[MapPoint], radius_miles: float = 10, title: str, size: int = 560
) -> str:
    """A square map `radius_miles` each way of `centre` (easting, northing), north up: the home as a
    black square, hotspots as orange circles sized by their count, register entries as red triangles,
    each labelled; a legend and a scale bar in miles. Points outside the square are left off (the
    description says how many)."""
    radius_m = radius_miles * METRES_PER_MILE
    scale = size / (2 * radius_m)
    left, top = centre[0] - radius_m, centre[1] + radius_m
    legend_height = 24 * 3 + 8
    height = size + legend_height
    ident = "map-" + hashlib.sha1(title.encode()).hexdigest()[:8]

    def xy(point: MapPoint) -> tuple[float, float]:
        return (point.easting - left) * scale, (top - point.northing) * scale

    shown = [p for p in points if 0 <= xy(p)[0] <= size and 0 <= xy(p)[1] <= size]
    counts = {kind: sum(1 for p in shown if p.kind == kind) for kind in COLOURS}
    left_off = len(points) - len(shown)
    description = (
        f"{counts[HOME]} home, {counts[HOTSPOT]} hotspot{'s' if counts[HOTSPOT] != 1 else ''} and "
        f"{counts[REGISTER]} register entr{'ies' if counts[REGISTER] != 1 else 'y'} within {radius_miles:g} miles"
        + (f"; {left_off} further away not shown" if left_off else "")
        + "."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="homeward-map">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{size}" height="{size}" fill="#f3f2f1" stroke="#b1b4b6"/>',
    ]
    # Hotspots first (underneath), biggest first, so that smaller circles and the markers stay visible.
    most = max((p.count for p in shown if p.kind == HOTSPOT), default=1) or 1
    for point in sorted(shown, key=lambda p: ({HOTSPOT: 0, REGISTER: 1, HOME: 2}.get(p.kind, 1), -p.count)):
        x, y = xy(point)
        label = escape(point.label)
        if point.kind == HOTSPOT:
            r = 6 + 24 * math.sqrt(point.count / most)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{COLOURS[HOTSPOT]}" fill-opacity="0.45" '
                f'stroke="{COLOURS[HOTSPOT]}" data-kind="hotspot"><title>{label}</title></circle>'
            )
            parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" {FONT} text-anchor="middle">{label}</text>')
        elif point.kind == REGISTER:
            parts.append(
                f'<path d="M{x:.1f} {y - 9:.1f} L{x + 8:.1f} {y + 6:.1f} L{x - 8:.1f} {y + 6:.1f} Z" '
                f'fill="{COLOURS[REGISTER]}" data-kind="register"><title>{label}</title></path>'
            )
            parts.append(f'<text x="{x + 11:.1f}" y="{y + 5:.1f}" {FONT}>{label}</text>')
        else:
            parts.append(
                f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{COLOURS[HOME]}" '
                f'data-kind="home"><title>{label}</title></rect>'
            )
            parts.append(f'<text x="{x + 11:.1f}" y="{y + 5:.1f}" {FONT} font-weight="bold">{label}</text>')
    # The scale bar, bottom left inside the map.
    miles = _nice_miles(radius_miles)
    bar = miles * METRES_PER_MILE * scale
    parts.append(
        f'<g data-kind="scale"><rect x="12" y="{size - 22}" width="{bar:.1f}" height="6" fill="#0b0c0c"/>'
        f'<text x="12" y="{size - 28}" {FONT}>{miles:g} mile{"s" if miles != 1 else ""}</text></g>'
    )
    # The legend, under the map.
    for i, kind in enumerate((HOME, HOTSPOT, REGISTER)):
        y = size + 20 + i * 24
        if kind == HOME:
            parts.append(f'<rect x="12" y="{y - 7}" width="14" height="14" fill="{COLOURS[HOME]}"/>')
        elif kind == HOTSPOT:
            parts.append(
                f'<circle cx="19" cy="{y}" r="8" fill="{COLOURS[HOTSPOT]}" fill-opacity="0.45" stroke="{COLOURS[HOTSPOT]}"/>'
            )
        else:
            parts.append(f'<path d="M19 {y - 9} L27 {y + 6} L11 {y + 6} Z" fill="{COLOURS[REGISTER]}"/>')
        parts.append(f'<text x="34" y="{y + 5}" {FONT}>{escape(LABELS[kind])}</text>')
    parts.append("</svg>")
    return "".join(parts)
