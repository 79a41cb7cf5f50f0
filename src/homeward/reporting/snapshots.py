"""England's dashboard from figures computed ahead (models.NationalFigures).

The national dashboard counts every episode of the period: grouping them all takes over a second at
national scale, so its figures are computed by `homeward refresh-dashboards` (run from cron, like
`homeward link-records`) for the periods the page offers, and shown with the time they were computed.
A period asked for that has none, or whose figures are older than MAX_AGE, is computed there and
then (and kept), so no one is shown figures older than MAX_AGE. Only the national figures are kept:
they need no scoping (DfE statisticians see every episode's figures, never an episode), where a
council's or a force's depend on which children it may see today, so theirs are always computed live.
What is kept is what the page shows: already disclosure-controlled.
"""

import dataclasses
import datetime
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from homeward.reporting import dashboards
from homeward.reporting.disproportionality import Row
from homeward.reporting.models import NationalFigures

MAX_AGE = datetime.timedelta(hours=1)


def encode(figures: dict) -> dict:
    """The figures as JSON: months keyed by ISO date, the fairness rows as dicts."""
    return {
        **figures,
        "months": [[month.isoformat(), row] for month, row in figures["months"].items()],
        "fairness": {name: [dataclasses.asdict(row) for row in rows] for name, rows in figures["fairness"].items()},
    }


def decode(stored: dict) -> dict:
    return {
        **stored,
        "months": {datetime.date.fromisoformat(month): row for month, row in stored["months"]},
        "fairness": {name: [Row(**row) for row in rows] for name, rows in stored["fairness"].items()},
    }


def national_figures_refresh(*, since: datetime.date, until: datetime.date) -> NationalFigures:
    """Compute the national figures for the period now and keep them (replacing any kept before)."""
    scope = dashboards.national_scope()
    started = time.perf_counter()
    figures = dashboards.dashboard_figures(scope=scope, since=since, until=until)
    seconds = round(time.perf_counter() - started, 3)
    values = {"computed_at": timezone.now(), "seconds": seconds, "figures": encode(figures)}
    try:
        with transaction.atomic():
            kept, _ = NationalFigures.objects.update_or_create(since=since, until=until, defaults=values)
    except IntegrityError:  # another request kept the same period first: the later figures stand
        kept, _ = NationalFigures.objects.update_or_create(since=since, until=until, defaults=values)
    return kept


def national_figures(*, since: datetime.date, until: datetime.date) -> tuple[dict, datetime.datetime]:
    """The national figures for the period and when they were computed: those kept if younger than
    MAX_AGE, else computed now."""
    kept = NationalFigures.objects.filter(since=since, until=until).first()
    if kept is None or kept.computed_at < timezone.now() - MAX_AGE:
        kept = national_figures_refresh(since=since, until=until)
    return decode(kept.figures), kept.computed_at
