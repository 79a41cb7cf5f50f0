"""The police briefing sheet as a PDF: Part A (the Philomena profile, with the photo) and Part B (the
report), the risk, the police references, the child's risk flags and missing history, on one or two
A4 pages.

ReportLab draws it in pure Python: no system library and no browser at run time. The text face is
Bitstream Vera, which ReportLab ships; a character it lacks is written without its accent rather than
as an empty box (the HTML briefing shows every name exactly).
"""

import io
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from homeward import dates
from homeward.episodes import presenters

FONT, BOLD = "HomewardSans", "HomewardSans-Bold"
MARKING = "OFFICIAL-SENSITIVE"
RISK_COLOURS = {"high": "#ca3535", "medium": "#b35900", "low": "#1d70b8", "no_apparent_risk": "#0f7a52", "": "#505a5f"}
PHOTO_WIDTH, PHOTO_HEIGHT = 50 * mm, 65 * mm


def _register_fonts() -> set[int]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont(FONT, str(fonts / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "VeraBd.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    return set(pdfmetrics.getFont(FONT).face.charToGlyph)


_GLYPHS = _register_fonts()


def _plain(text) -> str:
    """Text the font can draw: a letter it lacks loses its accent (ą -> a); anything else becomes ?."""
    out = []
    for char in str(text or ""):
        if ord(char) in _GLYPHS or char in "\n\t":
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) in _GLYPHS for c in base) else "?")
    return "".join(out)


def _text(value, empty: str = "Not recorded") -> str:
    """Escaped for ReportLab's paragraph markup, line breaks kept."""
    value = str(value or "").strip()
    return escape(_plain(value)).replace("\n", "<br/>") if value else f"<font color='#505a5f'>{empty}</font>"


STYLES = {
    "marking": ParagraphStyle("marking", fontName=BOLD, fontSize=9, alignment=TA_CENTER, textColor=colors.black),
    "caption": ParagraphStyle("caption", fontName=FONT, fontSize=10, leading=13, textColor=colors.HexColor("#505a5f")),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=20, leading=24, spaceAfter=4),
    "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=8, spaceAfter=3),
    "key": ParagraphStyle("key", fontName=BOLD, fontSize=9, leading=11.5),
    "value": ParagraphStyle("value", fontName=FONT, fontSize=9, leading=11.5),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10, textColor=colors.HexColor("#505a5f")),
}


def _facts(rows: list[tuple[str, str]], key_width: float) -> Table:
    data = [[Paragraph(escape(key), STYLES["key"]), Paragraph(value, STYLES["value"])] for key, value in rows]
    table = Table(data, colWidths=[key_width, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _photo(photo: bytes | None):
    if not photo:
        return Paragraph("No photo on file", STYLES["caption"])
    try:
        reader = ImageReader(io.BytesIO(photo))
        width, height = reader.getSize()
        scale = min(PHOTO_WIDTH / width, PHOTO_HEIGHT / height)
        return Image(io.BytesIO(photo), width=width * scale, height=height * scale)
    except Exception:  # a damaged file must not stop the rest of the briefing reaching the police
        return Paragraph("The photo on file could not be shown: see it in Homeward", STYLES["caption"])


def marked_pdf(story: list, *, title: str, footer: str, logged: str, compress: bool = True) -> bytes:
    """A4 pages of `story` marked OFFICIAL-SENSITIVE at top and bottom, with the footer (what this is,
    when and by whom printed), the notice that views are logged, and the page number: the frame of
    every PDF Homeward prints (the police briefing, the inspection pack)."""
    buffer = io.BytesIO()
    footer, logged = _plain(footer), _plain(logged)

    def decorate(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(BOLD, 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 9 * mm, MARKING)
        canvas.drawCentredString(A4[0] / 2, 7 * mm, MARKING)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#505a5f"))
        canvas.drawString(15 * mm, 14 * mm, footer)
        canvas.drawString(15 * mm, 11 * mm, logged)
        canvas.drawRightString(A4[0] - 15 * mm, 11 * mm, f"Page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=20 * mm,
        title=_plain(title),
        author="Homeward",
        subject=MARKING,
        pageCompression=1 if compress else 0,
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def render(context: dict, *, photo: bytes | None = None, printed_by: str = "", compress: bool = True) -> bytes:
    """The PDF for views._briefing_context's context. `compress=False` leaves the text readable in the bytes."""
    episode, child, profile, placement = context["episode"], context["child"], context["profile"], context["placement"]
    when = dates.when
    grade = episode.risk_grade or ""
    footer = (
        f"Homeward briefing, episode {episode.pk}. Printed {when(context['printed_at'])}"
        + (f" by {printed_by}" if printed_by else "")
        + "."
    )
    state = episode.get_kind_display().lower() if episode.is_open else "returned"
    story = [
        Paragraph(f"Briefing for the police: child {escape(state)}", STYLES["caption"]),
        Paragraph(_text(child.full_name), STYLES["title"]),
    ]

    references = "<br/>".join(
        f"{_text(r.force.name)}: <b>{_text(r.reference)}</b>" for r in episode.police_references.all()
    ) or _text("", "None yet")
    risk = f"<font color='{RISK_COLOURS.get(grade, '#505a5f')}'><b>{escape(presenters.risk_badge(grade)['label'])}</b></font>"
    if episode.risk_graded_at:
        risk += f", graded {escape(when(episode.risk_graded_at))}"
    started = f"{escape(when(episode.started_at))} ({escape(context['missing_for'])})"
    facts = _facts(
        [
            ("Born", f"{dates.when(child.date_of_birth)} (age {context['age']})"),
            ("Sex", _text(child.get_sex_display())),
            (
                f"{episode.get_kind_display()} since"
                if episode.is_open
                else f"Was {episode.get_kind_display().lower()} from",
                started,
            ),
            ("Risk", risk),
            ("Police references", references),
            (
                "Placement",
                _text(
                    ", ".join(
                        p
                        for p in (
                            placement.provider.name if placement and placement.provider else "",
                            placement.placement_postcode if placement else "",
                        )
                        if p
                    )
                ),
            ),
            ("Council", _text(f"{child.responsible_authority.name} (child {child.la_child_id})")),
        ],
        32 * mm,
    )
    top = Table([[_photo(photo), facts]], colWidths=[PHOTO_WIDTH + 6 * mm, None])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [top, Spacer(1, 4 * mm)]

    out_of_character = {None: "Not said", True: "Yes", False: "No"}[episode.out_of_character]
    last_seen = _text(", ".join(p for p in (episode.last_seen_location, episode.last_seen_postcode) if p))
    if episode.last_seen_at:
        last_seen += f", {escape(when(episode.last_seen_at))}"
    part_b = [
        ("Last seen", last_seen),
        ("Wearing", _text(episode.clothing)),
        ("What is known", _text(episode.circumstances, "Nothing recorded")),
        ("Out of character", out_of_character),
        (
            "Reported",
            _text(
                f"{when(episode.reported_at)} by {episode.reported_by.get_full_name() or episode.reported_by.username}, "
                f"{episode.reporting_agency.name}"
            ),
        ),
    ]
    if episode.last_known_location and episode.last_known_location != episode.last_seen_location:
        part_b.insert(
            1,
            (
                "Last known to be",
                _text(", ".join(p for p in (episode.last_known_location, episode.last_known_postcode) if p)),
            ),
        )
    if episode.returned_at:
        part_b.append(("Returned", escape(when(episode.returned_at))))
    story += [KeepTogether([Paragraph("Part B: going missing", STYLES["h2"]), _facts(part_b, 38 * mm)])]

    gradings = context.get("gradings") or []
    if gradings:
        lines = [
            f"<b>{escape(g.get_grade_display())}</b>, {escape(when(g.graded_at))}, {_text(g.agency.name)}: {_text(g.source)}"
            + (f". {_text(g.rationale)}" if g.rationale else "")
            for g in gradings
        ]
        story += [Paragraph("Risk grades, latest first", STYLES["h2"])] + [
            Paragraph(line, STYLES["value"]) for line in lines
        ]

    flags = context.get("flags")
    if flags is not None:  # None: not the reader's to see
        story.append(Paragraph("Risk flags", STYLES["h2"]))
        story += [
            Paragraph(
                f"<b>{_text(f.get_kind_display())}</b>, raised {escape(when(f.raised_at))}: {_text(f.explanation)}",
                STYLES["value"],
            )
            for f in flags
        ] or [Paragraph("No risk flags raised.", STYLES["value"])]

    history = context["history"]
    story.append(Paragraph("Missing history", STYLES["h2"]))
    if history["rows"]:
        story.append(_facts([(label, escape(value)) for label, value in history["counts"]], 60 * mm))
        story.append(Spacer(1, 2 * mm))
        header = [Paragraph(escape(h), STYLES["key"]) for h in ("Started", "Missing or away", "For", "Where found")]
        rows = [
            [Paragraph(_text(row[key]), STYLES["value"]) for key in ("started", "kind", "duration", "found")]
            for row in history["rows"]
        ]
        table = Table([header, *rows], colWidths=[42 * mm, 28 * mm, 32 * mm, None])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story.append(table)
        if history["more"]:
            story.append(Paragraph(escape(history["more"]), STYLES["small"]))
    else:
        story.append(Paragraph(escape(f"{history['summary']}."), STYLES["value"]))

    story.append(Paragraph("Part A: Philomena profile", STYLES["h2"]))
    if profile is None:
        story.append(Paragraph("No Philomena profile is on file.", STYLES["value"]))
    else:
        story.append(Paragraph(escape(f"Version {profile.version}, saved {when(profile.created_at)}"), STYLES["small"]))
        story.append(
            _facts(
                [
                    ("Description", _text(profile.description)),
                    ("Friends and associates", _text(profile.associates)),
                    ("Addresses", _text(profile.addresses)),
                    ("Places they go", _text(profile.places_frequented)),
                    ("Phone numbers", _text(profile.phone)),
                    ("Social media", _text(profile.social_media)),
                    ("Medical needs", _text(profile.medical_needs)),
                    ("Vulnerabilities", _text(profile.vulnerabilities)),
                    ("Previous missing history", _text(profile.previous_missing_history, history["summary"])),
                    ("Transport", _text(profile.transport)),
                    ("Money", _text(profile.financial)),
                ],
                38 * mm,
            )
        )

    return marked_pdf(
        story,
        title=f"Police briefing: {child.full_name}",
        footer=footer,
        logged="Every view of this record in Homeward is logged.",
        compress=compress,
    )
