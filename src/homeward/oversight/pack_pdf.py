"""The inspection pack as a PDF: the same four parts as the page, drawn with ReportLab in the face and
styles of the police briefing sheet (episodes.briefing_pdf), each child's ID a link into Homeward."""

from urllib.parse import urljoin
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from homeward import dates
from homeward.episodes.briefing_pdf import STYLES, marked_pdf
from homeward.episodes.briefing_pdf import _plain as plain  # the letters the shared face can draw
from homeward.oversight.pack import Listed, Pack

RULE = colors.HexColor("#b1b4b6")


def _cell(text, style: str = "value") -> Paragraph:
    return Paragraph(escape(plain(text)), STYLES[style])


def _linked(text: str, href: str, base_url: str) -> Paragraph:
    return Paragraph(
        f'<link href="{escape(urljoin(base_url, href))}" color="#1d70b8"><u>{escape(plain(text))}</u></link>',
        STYLES["value"],
    )


def _table(header: list[str], rows: list[list], widths: list[float | None]) -> Table:
    table = Table([[_cell(h, "key") for h in header]] + rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _section(title: str, listed: Listed, empty: str, header: list[str], rows: list[list], widths: list) -> list:
    heading = Paragraph(escape(title), STYLES["h2"])
    if not listed.rows:
        return [heading, _cell(empty)]
    shown = (
        f"All {listed.total}."
        if listed.total == len(listed.rows)
        else f"The first {len(listed.rows)} of {listed.total}."
    )
    return [KeepTogether([heading, _cell(shown, "small"), Spacer(1, 1.5 * mm)]), _table(header, rows, widths)]


def render(pack: Pack, *, base_url: str, printed_by: str = "", compress: bool = True) -> bytes:
    """The PDF of one pack; `compress=False` leaves the text readable in the bytes."""
    when = dates.when
    footer = (
        f"Homeward inspection pack, {pack.authority.name}. Printed {when(pack.at)}"
        + (f" by {printed_by}" if printed_by else "")
        + "."
    )
    period = f"{pack.first:%B %Y} to {pack.last:%B %Y}"
    story = [
        _cell(pack.authority.name, "caption"),
        Paragraph("Inspection pack", STYLES["title"]),
        _cell(
            f"Compliance figures for {period}; the lists as at {when(pack.at)}. Children are named by the council's child ID.",
            "caption",
        ),
        Spacer(1, 3 * mm),
        Paragraph("Compliance with the statutory guidance", STYLES["h2"]),
        _table(
            ["Duty", f"Met, {period}", "Share met", "Typical time (median)", f"Share met, {pack.last:%B %Y}"],
            [
                [
                    _cell(line.period.duty.name),
                    _cell(f"{line.period.numerator} of {line.period.denominator}"),
                    _cell("No cases" if line.period.share is None else f"{line.period.share}%"),
                    _cell(line.time),
                    _cell("No cases" if line.latest.share is None else f"{line.latest.share}%"),
                ]
                for line in pack.duties
            ],
            [None, 30 * mm, 22 * mm, 30 * mm, 28 * mm],
        ),
    ]
    story += _section(
        "Children with the most episodes in the last 12 months",
        pack.most_episodes,
        "No child went missing or away.",
        ["Child ID", "Episodes", "The last began"],
        [
            [
                _linked(row.child.la_child_id, row.child.link, base_url),
                _cell(row.episodes),
                _cell(when(row.last_started_at)),
            ]
            for row in pack.most_episodes.rows
        ],
        [45 * mm, 30 * mm, None],
    )
    story += _section(
        "Return interviews overdue",
        pack.overdue_interviews,
        "No return interview is overdue.",
        ["Child ID", "Episode", "Returned", "Due by", "Overdue by", "Service"],
        [
            [
                _linked(row.child.la_child_id, row.child.link, base_url),
                _linked(f"Episode {row.episode_id}", row.link, base_url),
                _cell(when(row.returned_at)),
                _cell(when(row.due_at)),
                _cell(row.overdue_for),
                _cell(row.service),
            ]
            for row in pack.overdue_interviews.rows
        ],
        # The episode's column is wide enough for "Episode 12345678": a real record's number, on one line.
        [24 * mm, 34 * mm, 30 * mm, 30 * mm, 22 * mm, None],
    )
    story += _section(
        "Open risk flags",
        pack.open_flags,
        "No child has a risk flag raised.",
        ["Child ID", "Flags raised", "Raised since"],
        [
            [_linked(row.child.la_child_id, row.link, base_url), _cell("; ".join(row.flags)), _cell(when(row.since))]
            for row in pack.open_flags.rows
        ],
        [30 * mm, None, 38 * mm],
    )
    return marked_pdf(
        story,
        title=f"Inspection pack: {pack.authority.name}",
        footer=footer,
        logged="Every view of these children's records in Homeward is logged.",
        compress=compress,
    )
