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
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.7:.0f}" font-size="13" font-family="sans-serif" '
            f'text-anchor="end">{escape(row.name[:32])}</text>'
        )
        x = float(label_width)
        for key, colour in COLOURS.items():
            value = getattr(row, key)
            if value:
                w = value * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                    f"<title>{escape(row.name)}: {LABELS[key].lower()} {value:,}</title></rect>"
                )
                x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + bar * 0.7:.0f}" font-size="13" font-family="sans-serif">{row.combined:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Dashboards: horizontal bars, one row per category, so that the labels stay readable on a 390 px
# phone. The viewBox is about a phone's width: it is drawn near 1:1 there and scaled up (to the
# stylesheet's max-width) on a wider screen. A suppressed cell (None, reporting.disclosure) is drawn
# as no bar with the "[c]" mark.
SERIES_COLOURS = ("#1d70b8", "#f47738", "#28a197", "#4c2c92")


def _shown(value) -> str:
    return "[c]" if value is None else f"{value:,}"


def bars(
    rows,
    *,
    series: list[tuple[str, str]],
    chart_id: str,
    title: str,
    width: int = 360,
    label_width: int = 118,
    bar: int = 18,
    gap: int = 8,
) -> str:
    """rows: (label, {series key: count or None}) or (label, values, total shown at the bar's end);
    series: (key, label), stacked in that order."""
    rows = [(row[0], row[1], row[2] if len(row) > 2 else None) for row in rows]
    legend = len(series) > 1
    top = 26 if legend else 4
    height = top + len(rows) * (bar + gap) + 4
    longest = max((sum(v or 0 for v in values.values()) for _, values, _ in rows), default=0) or 1
    scale = (width - label_width - 52) / longest
    description = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{_shown(values.get(key))} {name.lower()}" if legend else _shown(values.get(key)) for key, name in series
        )
        for label, values, _ in rows
    )
    suppressed = (
        " [c]: fewer than 10, not shown." if any(v is None for _, values, _ in rows for v in values.values()) else ""
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="homeward-chart" data-testid="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}.{suppressed}</desc>',
    ]
    if legend:
        x = label_width
        for (_, name), colour in zip(series, SERIES_COLOURS):
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
            parts.append(
                f'<text x="{x + 16}" y="14" font-size="12" font-family="sans-serif" fill="#0b0c0c">{escape(name)}</text>'
            )
            x += 16 + 8 * len(name)
    for i, (label, values, total) in enumerate(rows):
        y = top + i * (bar + gap)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.75:.0f}" font-size="12" font-family="sans-serif" '
            f'text-anchor="end" fill="#0b0c0c">{escape(label)}</text>'
        )
        x = float(label_width)
        hidden = False
        for (key, name), colour in zip(series, SERIES_COLOURS):
            value = values.get(key)
            hidden |= value is None
            if value:
                w = value * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                    f"<title>{escape(label)}: {name.lower()} {value:,}</title></rect>"
                )
                x += w
        if total is None and not hidden:
            total = sum(v or 0 for v in values.values())
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + bar * 0.75:.0f}" font-size="12" font-family="sans-serif" '
            f'fill="#0b0c0c">{_shown(total)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
