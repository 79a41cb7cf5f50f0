"""Children's pages: search, the child's record, and its access log.

Every read goes through children.selectors (scoped by the access function, audited), with the
route name as the reason. A child outside the user's scope is not found (404), never forbidden.
"""

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from homeward.agencies.access import Reason
from homeward.agencies.fields import Field, fields_visible, fields_visible_many, placement_ended, placements_visible
from homeward.agencies.models import Role
from homeward.children.identifiers import consistent_identifier, nhs_number_display
from homeward.children.models import Child, Placement
from homeward.children.selectors import (
    child_access_log,
    child_access_reasons,
    child_get,
    child_identifier_shared,
    child_search,
)
from homeward.children.sharing import may_read_register
from homeward.episodes.selectors import child_missing_now, child_open_episode
from homeward.safeguarding.selectors import risk_flag_summary
from homeward.web.decorators import verified_login_required
from homeward.web.pagination import pagination

# SSDA903 code descriptions (DfE children looked after guidance), shown beside the codes.
PLACEMENT_TYPES = {
    "A3": "Placed for adoption with current foster carer (consent)",
    "A4": "Placed for adoption, not with current foster carer (consent)",
    "A5": "Placed for adoption with current foster carer (placement order)",
    "A6": "Placed for adoption, not with current foster carer (placement order)",
    "H5": "Semi-independent living",
    "K1": "Secure children's home",
    "K2": "Children's home",
    "K3": "Supported accommodation (16+)",
    "P1": "With parents or others with parental responsibility",
    "P2": "Independent living",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS or health establishment",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution or prison",
    "S1": "Residential school",
    "T0": "Temporary move",
    "T1": "Temporary: hospital",
    "T2": "Temporary: holiday",
    "T3": "Temporary: with a relative",
    "T4": "Temporary: other",
    "U1": "Foster care with relatives or friends (long term)",
    "U2": "Foster care with relatives or friends (fostering for adoption)",
    "U3": "Foster care with relatives or friends",
    "U4": "Foster care (long term)",
    "U5": "Foster care (fostering for adoption)",
    "U6": "Foster care",
    "Z1": "Other placement",
    **{code: f"Other placement ({code})" for code in ("Z11", "Z12", "Z13", "Z14")},
}
PROVIDER_TYPES = {
    "PR0": "Parents",
    "PR1": "Own council",
    "PR2": "Another council",
    "PR3": "Other public provider",
    "PR4": "Private provider",
    "PR5": "Voluntary provider",
}
ETHNICITIES = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy or Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Not yet obtained",
}
PER_PAGE = 50
ACCESS_LOG_PER_PAGE = 100


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _current(placement: Placement, today: datetime.date) -> bool:
    # The same rule as PlacementQuerySet.current(), applied to the already-fetched placements.
    return placement.start_date <= today and (placement.end_date is None or placement.end_date > today)


def _placement_row(placement: Placement, child: Child) -> dict:
    return {
        "placement": placement,
        "type_label": PLACEMENT_TYPES.get(placement.placement_type, ""),
        "provider_type_label": PROVIDER_TYPES.get(placement.provider_type, ""),
        "out_of_area": placement.host_authority_id is not None
        and placement.host_authority_id != child.responsible_authority_id,
    }


@verified_login_required
@require_GET
def child_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = child_search(
        user=request.user,
        why=request.resolver_match.view_name,
        query=query,
        page=_page_number(request),
        per_page=PER_PAGE,
    )
    today = timezone.localdate()
    shown = fields_visible_many(user=request.user, children=page.object_list)
    rows = []
    for child in page.object_list:
        # A child whose identity the user's reasons do not show is counted, never listed.
        if Field.IDENTITY not in shown[child.pk]:
            continue
        placements = placements_visible(placements=child.placements.all(), fields=shown[child.pk], today=today)
        current = next((p for p in placements if _current(p, today)), None)
        rows.append({"child": child, "age": child.age_on(today), "current": current and _placement_row(current, child)})
    return render(
        request,
        "children/list.html",
        {
            "page": page,
            "rows": rows,
            "withheld": len(page.object_list) - len(rows),
            "query": query,
            "pagination": pagination(page, request.GET),
        },
    )


@verified_login_required
@require_GET
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get(user=request.user, child_id=child_id, why=request.resolver_match.view_name)
    reasons = child_access_reasons(user=request.user, child=child)
    fields = fields_visible(user=request.user, child=child)
    today = timezone.localdate()
    # Newest first (selectors order them), and only those the user's reasons show.
    placements = placements_visible(placements=child.placements.all(), fields=fields, today=today)
    return render(
        request,
        "children/detail.html",
        {
            "child": child,
            # The parts of the record to show (agencies.fields): the template asks this, never the role.
            "fields": fields,
            "age": child.age_on(today),
            "today": today,
            "ethnicity_label": ETHNICITIES.get(child.ethnicity, ""),
            "nhs_number": nhs_number_display(child.nhs_number) if Field.IDENTIFIERS in fields else "",
            # The Children's Wellbeing and Schools Act 2026 identifier, to those shown identifiers.
            "consistent_identifier": consistent_identifier(child) if Field.IDENTIFIERS in fields else None,
            # Another record holding the same identifier is a data problem for the council to resolve.
            "same_identifier": child_identifier_shared(child=child) if Reason.RESPONSIBLE in reasons else None,
            "can_see_sharing": may_read_register(request.user, reasons, fields),
            "other_names": list(child.other_names.all()) if Field.IDENTITY in fields else [],
            # A placement that has not started yet is listed with the current one (it shows its start date).
            "current_placements": [_placement_row(p, child) for p in placements if not placement_ended(p, today)],
            "previous_placements": [_placement_row(p, child) for p in placements if placement_ended(p, today)],
            "reasons": reasons,
            "can_see_access_log": Reason.RESPONSIBLE in reasons,
            # For readers not shown the episodes (a school, the virtual school): whether missing now.
            "missing_now": child_missing_now(child=child) if Field.MISSING_NOW in fields else None,
            "open_episode": child_open_episode(user=request.user, child=child) if Field.EPISODES in fields else None,
            "risk_flags": risk_flag_summary(user=request.user, child=child),
        },
    )


@verified_login_required
@require_GET
def child_access_log_page(request: HttpRequest, child_id: int) -> HttpResponse:
    # Only the responsible authority gets this far; anyone else gets 404 from the selector.
    child, events = child_access_log(user=request.user, child_id=child_id, why=request.resolver_match.view_name)
    page = Paginator(events, ACCESS_LOG_PER_PAGE).get_page(_page_number(request))
    roles = dict(Role.choices)
    rows = [{"event": event, "role": roles.get(event.role, event.role)} for event in page.object_list]
    return render(
        request,
        "children/access_log.html",
        {
            "child": child,
            "fields": fields_visible(user=request.user, child=child),
            "page": page,
            "rows": rows,
            "pagination": pagination(page, request.GET),
        },
    )
