"""How episodes look on the pages: durations in words, risk badges, the board's filter. Nothing here
reads the database; it shapes what the selectors returned."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from homeward import dates
from homeward.episodes.models import INTERVIEW_TRANSITIONS, InterviewStatus, Kind, ReturnHow, RiskGrade

NOT_GRADED = "not_graded"  # the filter's word for a blank grade

# MoJ badges. MoJ Frontend has no orange badge: homeward-badge--orange (episodes.css) fills the gap.
RISK_BADGES = {
    RiskGrade.HIGH: ("High risk", "moj-badge--red"),
    RiskGrade.MEDIUM: ("Medium risk", "homeward-badge--orange"),
    RiskGrade.LOW: ("Low risk", "moj-badge--blue"),
    RiskGrade.NO_APPARENT_RISK: ("Very low", "moj-badge--green"),
    "": ("Not graded", "moj-badge--grey"),
}
# The order the board sorts by (selectors.RISK_ORDER), for the sortable table's data-sort-value.
RISK_RANK = {RiskGrade.HIGH: 0, "": 1, RiskGrade.MEDIUM: 2, RiskGrade.LOW: 3, RiskGrade.NO_APPARENT_RISK: 4}
INTERVIEW_TAGS = {
    InterviewStatus.ASSIGNED: "govuk-tag--grey",
    InterviewStatus.OFFERED: "",  # the default tag is blue (GOV.UK Frontend 6 has no --blue)
    InterviewStatus.ACCEPTED: "govuk-tag--turquoise",
    InterviewStatus.DECLINED: "govuk-tag--orange",
    InterviewStatus.COMPLETED: "govuk-tag--green",
}
STATUS_TAGS = {"open": "govuk-tag--red", "returned": "govuk-tag--yellow", "closed": "govuk-tag--grey"}


def _plural(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def duration(value: datetime.timedelta | None) -> str:
    """ "2 days 3 hours", "5 hours 10 minutes", "25 minutes": the two largest units, for a person to read."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    return _plural(minutes, "minute")


def risk_badge(grade: str) -> dict:
    label, css = RISK_BADGES.get(grade or "", RISK_BADGES[""])
    return {"label": label, "css": css, "rank": RISK_RANK.get(grade or "", len(RISK_RANK))}


def interview_next_statuses(status: str) -> list[str]:
    """The statuses a person can record next with a button (completion has its own form)."""
    return [
        s
        for s in (InterviewStatus.OFFERED, InterviewStatus.ACCEPTED, InterviewStatus.DECLINED)
        if s in INTERVIEW_TRANSITIONS.get(status, set())
    ]


# ---------------------------------------------------------------------------------------------
# The board's filter (GET parameters: works without JavaScript)
# ---------------------------------------------------------------------------------------------

KIND_OPTIONS = [(Kind.MISSING.value, "Missing"), (Kind.AWAY.value, "Away")]
RISK_OPTIONS = [
    (RiskGrade.HIGH.value, "High"),
    (NOT_GRADED, "Not graded"),
    (RiskGrade.MEDIUM.value, "Medium"),
    (RiskGrade.LOW.value, "Low"),
    (RiskGrade.NO_APPARENT_RISK.value, "Very low (no apparent risk)"),
]


@dataclass
class BoardFilter:
    kinds: list[str]
    risks: list[str]  # risk grade values, NOT_GRADED for blank

    @classmethod
    def from_query(cls, query: QueryDict) -> "BoardFilter":
        # Unknown values are dropped, not refused: a filter link never breaks the board.
        kinds = [k for k, _ in KIND_OPTIONS if k in query.getlist("kind")]
        risks = [r for r, _ in RISK_OPTIONS if r in query.getlist("risk")]
        return cls(kinds=kinds, risks=risks)

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.risks)

    @property
    def risk_grades(self) -> list[str]:
        """The chosen risks as stored on an episode (selectors.board): "" for not yet graded."""
        return ["" if risk == NOT_GRADED else risk for risk in self.risks]

    def options(self) -> dict:
        return {
            "kinds": [{"value": v, "label": label, "checked": v in self.kinds} for v, label in KIND_OPTIONS],
            "risks": [{"value": v, "label": label, "checked": v in self.risks} for v, label in RISK_OPTIONS],
        }

    def tags(self) -> list[dict]:
        """The selected filters, each a link that removes it (MoJ filter tags)."""
        labels = dict(KIND_OPTIONS) | dict(RISK_OPTIONS)
        chosen = [("kind", k) for k in self.kinds] + [("risk", r) for r in self.risks]
        tags = []
        for name, value in chosen:
            rest = [(n, v) for n, v in chosen if (n, v) != (name, value)]
            tags.append({"label": labels[value], "href": "?" + urlencode(rest) if rest else "?"})
        return tags


NO_EARLIER_EPISODES = "No earlier episodes on record"


def _found(episode) -> str:
    place = ", ".join(part for part in (episode.return_place, episode.return_postcode) if part)
    how = ReturnHow(episode.return_how).label if episode.return_how else ""
    if place and how:
        return f"{place} ({how[:1].lower()}{how[1:]})"
    return place or how or "Not recorded"


def missing_history(history) -> dict:
    """The briefing's missing history (selectors.MissingHistory) in words, the same on the sheet and
    in the PDF: a one-line summary (also shown for a blank "Previous missing history" in Part A), the
    counts, and the latest episodes with their start, length and where the child was found."""
    if not history.total:
        return {"summary": NO_EARLIER_EPISODES, "counts": [], "rows": [], "more": ""}

    def kinds(missing: int, away: int) -> str:
        return f"{missing} missing, {away} away"

    last_year = history.missing_last_year + history.away_last_year
    listed = len(history.latest)
    return {
        "summary": (
            f"From the record: {_plural(history.total, 'earlier episode')} ({kinds(history.missing_total, history.away_total)}), "
            f"{last_year} of them in the 12 months before this one."
        ),
        "counts": [
            ("In the 12 months before this episode", kinds(history.missing_last_year, history.away_last_year)),
            ("In all, before this episode", kinds(history.missing_total, history.away_total)),
        ],
        "rows": [
            {
                "started": dates.when(e.started_at),
                "kind": dict(KIND_OPTIONS)[e.kind],
                "duration": duration(e.returned_at - e.started_at) if e.returned_at else "Not recorded",
                "found": _found(e),
            }
            for e in history.latest
        ],
        "more": f"The {listed} latest of {history.total} are listed." if history.total > listed else "",
    }
