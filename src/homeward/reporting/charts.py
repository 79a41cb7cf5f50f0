"""Charts drawn on the server as SVG (no script, no CDN: the service runs on closed networks). Each
chart repeats what a table beside it says; the table is the accessible version."""

from html import escape

# GOV.UK Design System colours: blue, orange, turquoise (distinct in greyscale too, by order and label).
COLOURS = {"both": "#1d70b8", "police_only": "#f47738", "council_only": "#28a197"}
LABELS = {"both": "Known to both", "police_only": "Police only", "council_only": "Council only"}


def one_count_bars(rows, *, title: str, width: int = 640, bar: int = 22, gap: int = 8, label_width: int = 220) -> str:
    """Horizontal stacked bars, one per row (council or force): known to both, police only, council only."""
    rows = list(rows)
    top = 30
    height = top + len(rows) * (bar + gap) + 10
    longest = max((r.combined for r in rows), default=0) or 1
    scale = (width - label_width - 70) / longest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="one-count-chart-title" class="homeward-chart">',
        f'<title id="one-count-chart-title">{escape(title)}</title>',
    ]
    x = label_width
    for key, colour in COLOURS.items():  # the legend
        parts.append(f'<rect x="{x}" y="4" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="16" font-size="13" font-family="sans-serif">{LABELS[key]}</text>')
        x += 130
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar * 0.7:.0f}" font-size="13" font-family="sans-serif" '
                     f'text-anchor="end">{escape(row.name[:32])}</text>')
        x = float(label_width)
        for key, colour in COLOURS.items():
            value = getattr(row, key)
            if value:
                w = value * scale
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                             f'<title>{escape(row.name)}: {LABELS[key].lower()} {value:,}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar * 0.7:.0f}" font-size="13" font-family="sans-serif">{row.combined:,}</text>')
    parts.append("</svg>")
    return "".join(parts)
