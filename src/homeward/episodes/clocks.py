"""The clocks that run on a missing episode, each with the source it comes from (architecture rule 3).

Every deadline shown on the board, the timeline or an overdue list is computed here, so a change of
guidance is a change of one line.
"""

import datetime

from django.conf import settings

# DfE statutory guidance on children who run away or go missing from home or care, January 2014:
# RHI within 72 hours of return. The clock starts when the child returns, however long they were away.
RETURN_INTERVIEW_DUE_AFTER = datetime.timedelta(hours=72)

# How long an assigned return-interview service keeps sight of the child after the interview is
# completed or declined: time to finish the write-up and make referrals. A Homeward default (the
# guidance sets none); after it the service sees the child again only when a new return assigns it.
RETURN_INTERVIEW_ACCESS_AFTER_CLOSE = datetime.timedelta(days=30)

# College of Policing APP on missing persons (2017): risk is reviewed as information arrives, and at
# supervisory intervals that each force sets. Defaults, shortest for the highest risk; "no apparent
# risk" (absent) cases are reviewed every 12 hours per APP. A deployment may override any of them with
# settings.HOMEWARD_RISK_REVIEW_HOURS = {"high": 1, ...}. An ungraded episode needs grading now.
RISK_REVIEW_INTERVALS: dict[str, datetime.timedelta] = {
    "high": datetime.timedelta(hours=1),
    "medium": datetime.timedelta(hours=4),
    "low": datetime.timedelta(hours=12),
    "no_apparent_risk": datetime.timedelta(hours=12),
}


def return_interview_due(returned_at: datetime.datetime) -> datetime.datetime:
    return returned_at + RETURN_INTERVIEW_DUE_AFTER


def risk_review_interval(grade: str) -> datetime.timedelta | None:
    """The review interval for a grade; None for an ungraded episode (it is due at once)."""
    overrides = getattr(settings, "HOMEWARD_RISK_REVIEW_HOURS", {}) or {}
    if grade in overrides:
        return datetime.timedelta(hours=overrides[grade])
    return RISK_REVIEW_INTERVALS.get(grade)


def next_risk_review(
    *, grade: str, graded_at: datetime.datetime | None, reported_at: datetime.datetime
) -> datetime.datetime:
    """When the risk grade is next due for review: ungraded episodes are due from the moment reported."""
    interval = risk_review_interval(grade)
    if interval is None or graded_at is None:
        return reported_at
    return graded_at + interval


def risk_review_late(*, grade: str, graded_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether a graded episode's review is past due. The first review runs from the police grading
    (APP 2017), so an episode not yet graded is awaiting its grading, never late for a review: shown
    "Overdue" at the moment it is reported, it read as a failure nobody had had the time to make."""
    interval = risk_review_interval(grade)
    return interval is not None and graded_at is not None and graded_at + interval <= now
