"""The words of a child's timeline: one function per step of an episode, so an entry reads the same
whether a person took the step (episodes.services) or it arrived with an episode's history in bulk
(episodes.services.batch: the synthetic world)."""

import datetime

from homeward import dates
from homeward.episodes.models import DeclineReason, InterviewStatus, Kind, ReturnHow, RiskGrade


def _with(text: str, added: str) -> str:
    # What the person added in their own words follows the entry's own.
    return f"{text} {added.strip()}".strip()


def reported(
    *,
    kind: str,
    agency_name: str,
    left_at: datetime.datetime | None = None,
    last_seen_at: datetime.datetime | None = None,
    missing_since: datetime.datetime | None = None,
    interviews_still_open: list[datetime.datetime] = (),
) -> str:
    """`interviews_still_open`: the starts of earlier episodes whose return interview is still open."""
    parts = [f"Reported {Kind(kind).label.lower()} by {agency_name}."]
    if left_at:
        parts.append(f"Left {dates.when(left_at)}.")
    if last_seen_at:
        parts.append(f"Last seen by a responsible adult {dates.when(last_seen_at)}.")
    if missing_since:
        parts.append(f"Missing since {dates.when(missing_since)}.")
    for started in interviews_still_open:
        parts.append(f"The return interview after the episode of {dates.when(started, date_only=True)} is still open.")
    return " ".join(parts)


def kind_changed(*, to_kind: str, from_kind: str, text: str = "") -> str:
    return _with(f"Now {Kind(to_kind).label.lower()} (was {Kind(from_kind).label.lower()}).", text)


def police_reference(*, agency_name: str, reference: str) -> str:
    return f"{agency_name} reference {reference}."


def risk_graded(*, grade: str, previous: str, source: str, rationale: str = "") -> str:
    text = f"Risk graded {RiskGrade(grade).label.lower()}"
    text += f" (was {RiskGrade(previous).label.lower()})." if previous else "."
    text += f" Source: {source.strip()}."
    return _with(text, rationale)


def returned(*, at: datetime.datetime, how: str = "", found_by: str = "", text: str = "") -> str:
    summary = f"Returned {dates.when(at)}"
    summary += f": {ReturnHow(how).label.lower()}." if how else "."
    if found_by:
        summary += f" Found by {found_by}."
    return _with(summary, text)


def safe_and_well(text: str = "") -> str:
    return _with("Safe and well check.", text)


def closed(*, agency_name: str, text: str = "") -> str:
    return _with(f"Closed by {agency_name}.", text)


def interview_assigned(*, service_name: str, due_at: datetime.datetime) -> str:
    return f"Return interview assigned to {service_name}; due by {dates.when(due_at)}."


def interview_status(*, status: str, held_in_time: bool | None = None, declined_reason: str = "") -> str:
    """A change of the interview's status. `held_in_time`: a completed interview held within 72
    hours of the return; `declined_reason`: a DeclineReason."""
    text = f"Return interview {InterviewStatus(status).label.lower()}"
    if status == InterviewStatus.COMPLETED:
        return text + (" within 72 hours of return." if held_in_time else " more than 72 hours after return.")
    if status == InterviewStatus.DECLINED and declined_reason:
        return text + f": {DeclineReason(declined_reason).label.lower()}."
    return text + "."
