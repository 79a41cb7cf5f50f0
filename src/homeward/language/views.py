"""The patterns page (issue 16, "patterns, not blame"): how often the guide's phrases were shown to
people writing about children, and how often they then reworded or kept them, per month, writing
agency and family; for the agency's own people also per team, where the team is big enough that no
figure points at one person. For the agency's managers and, for a council (and its integrated care
board), every agency writing about its children. Counts only: no person, no child, no text."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from homeward.agencies.models import AgencyKind
from homeward.language.guide import FAMILIES_BY_ID
from homeward.language.selectors import (
    MIN_TEAM_WRITERS,
    may_see_patterns,
    phrase_patterns,
    phrase_patterns_by_team,
)
from homeward.web.decorators import no_child_data, verified_login_required

__all__ = ["may_see_patterns", "patterns"]


def _family_label(family_id: str) -> str:
    family = FAMILIES_BY_ID.get(family_id)
    if family is not None:
        return family.label
    code, _, key = family_id.partition(":")
    return f"{key.replace('_', ' ').capitalize()} (the council's own entry, {code})"


def _shown(row: dict) -> dict:
    share = f"{round(100 * row['reworded'] / row['shown'])}%" if row["shown"] else ""
    return {**row, "label": _family_label(row["family"]), "share": share}


@verified_login_required
@no_child_data  # counts per agency, team and month (language.models.PhraseTally): no child, no person
@require_GET
def patterns(request: HttpRequest) -> HttpResponse:
    try:
        rows = phrase_patterns(user=request.user)
        by_team = phrase_patterns_by_team(user=request.user)
    except PermissionDenied:
        raise PermissionDenied("Only an agency's managers see how its people write.") from None
    months: dict = defaultdict(list)
    for row in rows:
        months[row["month"]].append(_shown(row))
    agency = request.user.agency
    # A home's registered manager links the figures to the staff's training (scrutiny: the home's page).
    training = reverse("scrutiny:home", args=[agency.code]) if agency.kind == AgencyKind.PROVIDER else ""
    return render(
        request,
        "language/patterns.html",
        {
            "months": [
                {
                    "month": month,
                    "rows": months[month],
                    "teams": [_shown(row) for row in by_team.get(month, {}).get("teams", [])],
                    "folded": by_team.get(month, {}).get("folded", 0),
                }
                for month in sorted(months, reverse=True)
            ],
            "total": {key: sum(row[key] for row in rows) for key in ("shown", "reworded", "kept")},
            "agency": agency,
            "council": agency.kind == AgencyKind.LOCAL_AUTHORITY,
            "partner": agency.kind == AgencyKind.ICB,
            "min_team": MIN_TEAM_WRITERS,
            "training": training,
        },
    )
