"""The patterns page (issue 16, "patterns, not blame"): how often the guide's phrases were kept in
text saved about children, per month, writing agency and family, for the agency's managers and, for a
council, every agency writing about its children. Counts only: no person, no child."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from homeward.agencies.models import AgencyKind
from homeward.language.guide import FAMILIES_BY_ID
from homeward.language.selectors import PATTERN_READERS, phrase_patterns
from homeward.web.decorators import no_child_data, verified_login_required


def may_see_patterns(user) -> bool:
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.role in PATTERN_READERS.get(user.agency.kind, set())
    )


def _family_label(family_id: str) -> str:
    family = FAMILIES_BY_ID.get(family_id)
    if family is not None:
        return family.label
    code, _, key = family_id.partition(":")
    return f"{key.replace('_', ' ').capitalize()} (the council's own entry, {code})"


@verified_login_required
@no_child_data  # counts per agency and month (language.models.PhraseTally): no child, no person
@require_GET
def patterns(request: HttpRequest) -> HttpResponse:
    try:
        rows = phrase_patterns(user=request.user)
    except PermissionDenied:
        raise PermissionDenied("Only an agency's managers see how its people write.") from None
    months: dict = defaultdict(list)
    for row in rows:
        months[row["month"]].append({**row, "label": _family_label(row["family"])})
    agency = request.user.agency
    # A home's registered manager links the figures to the staff's training (scrutiny: the home's page).
    training = reverse("scrutiny:home", args=[agency.code]) if agency.kind == AgencyKind.PROVIDER else ""
    return render(
        request,
        "language/patterns.html",
        {
            "months": sorted(months.items(), reverse=True),
            "total": sum(row["kept"] for row in rows),
            "council": agency.kind == AgencyKind.LOCAL_AUTHORITY,
            "training": training,
        },
    )
