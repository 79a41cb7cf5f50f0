"""The safeguarding pages: a child's risk flags, exploitation screening and strategy meetings; the
location risk register; screenings due for reassessment.

Each view starts by reading through a safeguarding selector (scoped by the access function, audited,
Http404 out of scope) with the route name as the reason, then validates a form and calls one service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from homeward.episodes.forms import add_service_errors, error_summary
from homeward.safeguarding import permissions, rules, screening, selectors, services
from homeward.safeguarding.forms import (
    CONSULTED,
    ActionForm,
    FlagChangeForm,
    FlagRaiseForm,
    LocationAssessmentForm,
    LocationRiskForm,
    MeetingCancelForm,
    MeetingProposeForm,
    MeetingRecordForm,
    MeetingScheduleForm,
    ScreeningForm,
    WithdrawForm,
)
from homeward.safeguarding.models import FlagKind, FlagStatus, MeetingStatus
from homeward.web.decorators import no_child_data, verified_login_required

FLAG_TAGS = {
    FlagStatus.RAISED: "govuk-tag--red",
    FlagStatus.LOWERED: "govuk-tag--yellow",
    FlagStatus.CLEARED: "govuk-tag--grey",
}
BAND_TAGS = {
    "not_at_risk": "govuk-tag--green",
    "mild": "govuk-tag--yellow",
    "moderate": "govuk-tag--orange",
    "significant": "govuk-tag--red",
}
MEETING_TAGS = {
    MeetingStatus.PROPOSED: "govuk-tag--yellow",
    MeetingStatus.SCHEDULED: "",
    MeetingStatus.HELD: "govuk-tag--green",
    MeetingStatus.CANCELLED: "govuk-tag--grey",
}


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


def _page(request: HttpRequest, template: str, context: dict, forms_=()) -> HttpResponse:
    context.setdefault("errors", error_summary(*forms_))
    return render(request, template, context)


def _run(form, call) -> bool:
    """Call the service; put its ValidationError on the form. True when it succeeded."""
    try:
        call()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Risk flags
# ---------------------------------------------------------------------------------------------


def _indicator_labels(flag) -> list[dict]:
    return [
        {
            "held_at": item.get("held_at"),
            "episode_id": item["episode_id"],
            "indicators": [rules.INDICATOR_LABELS.get(code, code) for code in item["indicators"]],
        }
        for item in flag.facts.get("interviews", [])
    ]


@verified_login_required
@require_http_methods(["GET", "POST"])
def flags(request: HttpRequest, child_id: int) -> HttpResponse:
    found = selectors.risk_flags_for_child(user=request.user, child_id=child_id, why=_why(request))
    child = found.child
    form = FlagRaiseForm(request.POST or None, child=child) if found.may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                "Your role cannot raise a risk flag: the child's social worker or team manager does."
            )
        if form.is_valid() and _run(
            form,
            lambda: services.risk_flag_raise(
                user=request.user,
                why=_why(request),
                child=child.pk,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            ),
        ):
            messages.success(request, f"The {FlagKind(form.cleaned_data['kind']).label.lower()} flag is raised.")
            return redirect("safeguarding:flags", child.pk)
    rows = [
        {
            "flag": f,
            "tag": FLAG_TAGS[f.status],
            "indicators": _indicator_labels(f)
            if found.may_see_findings and f.kind == FlagKind.EXPLOITATION_DISCLOSED
            else [],
        }
        for f in found.flags
    ]
    return _page(
        request,
        "safeguarding/flags.html",
        {
            "child": child,
            "rows": rows,
            "form": form,
            "may_change": found.may_change,
            "may_see_screenings": permissions.may_see_screenings(request.user, found.reasons),
        },
        [form],
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def flag_change(request: HttpRequest, child_id: int, flag_id: int) -> HttpResponse:
    found = selectors.risk_flags_for_child(user=request.user, child_id=child_id, why=_why(request))
    flag = next((f for f in found.flags if str(f.pk) == str(flag_id)), None)
    if flag is None:
        raise Http404("No such flag.")
    if not found.may_change:
        raise PermissionDenied(
            "Your role cannot lower or clear a risk flag: the child's social worker or team manager does."
        )
    form = FlagChangeForm(request.POST or None, child=found.child)
    if request.method == "POST" and form.is_valid():
        change = form.cleaned_data["change"]
        service = services.risk_flag_lower if change == "lower" else services.risk_flag_clear
        if _run(
            form,
            lambda: service(
                user=request.user,
                why=_why(request),
                child=found.child.pk,
                flag=flag.pk,
                reason=form.cleaned_data["reason"],
            ),
        ):
            messages.success(
                request,
                f"The {flag.get_kind_display().lower()} flag is {'lowered' if change == 'lower' else 'cleared'}.",
            )
            return redirect("safeguarding:flags", found.child.pk)
    return _page(
        request,
        "safeguarding/flag_change.html",
        {"child": found.child, "flag": flag, "tag": FLAG_TAGS[flag.status], "form": form},
        [form],
    )


# ---------------------------------------------------------------------------------------------
# Exploitation screening
# ---------------------------------------------------------------------------------------------


@verified_login_required
@require_http_methods(["GET", "POST"])
def screening_form(request: HttpRequest, child_id: int) -> HttpResponse:
    child, reasons, history = selectors.screening_history(user=request.user, child_id=child_id, why=_why(request))
    may_screen = permissions.may_screen(request.user, reasons)
    if request.method == "POST" and not may_screen:
        raise PermissionDenied(
            "Your role cannot record an exploitation screening: the council that looks after the child does."
        )
    form = ScreeningForm(request.POST or None, child=child) if may_screen else None
    if request.method == "POST" and form.is_valid():
        recorded = []
        if _run(
            form,
            lambda: recorded.append(
                services.screening_record(
                    user=request.user,
                    why=_why(request),
                    child=child.pk,
                    answers=form.answers(),
                    screened_at=form.cleaned_data["screened_at"],
                    notes=form.cleaned_data["notes"],
                )
            ),
        ):
            messages.success(request, "The screening is recorded.")
            return redirect("safeguarding:screening-result", child.pk, recorded[0].pk)
    rows = [{"screening": s, "tag": BAND_TAGS[s.band]} for s in history]
    return _page(request, "safeguarding/screening_form.html", {"child": child, "form": form, "rows": rows}, [form])


@verified_login_required
@require_GET
def screening_result(request: HttpRequest, child_id: int, screening_id: int) -> HttpResponse:
    found, _ = selectors.screening_get(
        user=request.user, child_id=child_id, screening_id=screening_id, why=_why(request)
    )
    sections = {
        "vulnerability": "Vulnerability",
        "moderate": "Moderate indicator",
        "significant": "Significant indicator",
    }
    drivers = [
        {**d, "section_label": sections[d["section"]], "when_label": screening.WHEN.get(d["when"], "")}
        for d in found.drivers
    ]
    return render(
        request,
        "safeguarding/screening_result.html",
        {
            "child": found.child,
            "screening": found,
            "tag": BAND_TAGS[found.band],
            "drivers": drivers,
            "tier": screening.TIERS[found.band],
            "significant_drivers": [d for d in drivers if d["section"] == "significant"],
        },
    )


@verified_login_required
@require_GET
def screenings_due(request: HttpRequest) -> HttpResponse:
    rows = selectors.screenings_due(user=request.user, why=_why(request))
    return render(request, "safeguarding/screenings_due.html", {"rows": rows, "tags": BAND_TAGS})


# ---------------------------------------------------------------------------------------------
# Strategy meetings
# ---------------------------------------------------------------------------------------------


@verified_login_required
@require_http_methods(["GET", "POST"])
def meetings(request: HttpRequest, child_id: int) -> HttpResponse:
    child, reasons, found = selectors.strategy_meetings_for_child(
        user=request.user, child_id=child_id, why=_why(request)
    )
    may_manage = permissions.may_manage_meetings(request.user, reasons)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied(
            "Your role cannot propose a strategy meeting: the council that looks after the child does."
        )
    has_open = any(m.is_open for m in found)
    form = MeetingProposeForm(request.POST or None, child=child) if may_manage and not has_open else None
    if request.method == "POST":
        if form is None:
            messages.error(request, "A strategy meeting is already proposed or scheduled for this child.")
            return redirect("safeguarding:meetings", child.pk)
        made = []
        if form.is_valid() and _run(
            form,
            lambda: made.append(
                services.strategy_meeting_propose(
                    user=request.user,
                    why=_why(request),
                    child=child.pk,
                    reason=form.cleaned_data["reason"],
                )
            ),
        ):
            messages.success(request, "The strategy meeting is proposed; the team managers have been told.")
            return redirect("safeguarding:meeting", child.pk, made[0].pk)
    rows = [{"meeting": m, "tag": MEETING_TAGS[m.status]} for m in found]
    return _page(
        request,
        "safeguarding/meetings.html",
        {
            "child": child,
            "rows": rows,
            "form": form,
            "may_manage": may_manage,
            "show_flags": permissions.may_see_flags(request.user, reasons),
        },
        [form],
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, child_id: int, meeting_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    found, reasons = selectors.strategy_meeting_get(user=user, child_id=child_id, meeting_id=meeting_id, why=why)
    child = found.child
    may_manage = permissions.may_manage_meetings(user, reasons)
    post = request.POST if request.method == "POST" else None
    which = (post or {}).get("form", "")
    invitable = {a.pk: a for a in selectors.default_invitees(child)} | {a.pk: a for a in found.invited_agencies.all()}
    forms_ = {
        "schedule": MeetingScheduleForm(
            post if which == "schedule" else None,
            child=child,
            agencies=invitable.values(),
            initial={
                "invited": [str(a.pk) for a in found.invited_agencies.all()],
                "scheduled_for": found.scheduled_for,
            },
        ),
        "record": MeetingRecordForm(
            post if which == "record" else None,
            child=child,
            agencies=found.invited_agencies.all(),
            initial={
                "held_at": found.held_at,
                "decisions": found.decisions,
                "attended": [str(a.pk) for a in found.attended_agencies.all()],
            },
        ),
        "cancel": MeetingCancelForm(post if which == "cancel" else None, child=child),
        "action": ActionForm(
            post if which == "action" else None, child=child, owners=selectors.action_owner_choices(found)
        ),
    }
    if post is not None:
        if which == "done":
            action_id = post.get("action", "")
            try:
                services.meeting_action_complete(
                    user=user, why=why, child=child.pk, meeting=found.pk, action=int(action_id)
                )
            except (ValidationError, ValueError):
                messages.error(request, "That action could not be marked done.")
            else:
                messages.success(request, "The action is marked done.")
            return redirect("safeguarding:meeting", child.pk, found.pk)
        if not may_manage:
            raise PermissionDenied(
                "Your role cannot change a strategy meeting: the council that looks after the child does."
            )
        form = forms_.get(which)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            calls = {
                "schedule": lambda: services.strategy_meeting_schedule(
                    user=user,
                    why=why,
                    child=child.pk,
                    meeting=found.pk,
                    scheduled_for=data["scheduled_for"],
                    invited_agency_ids=[int(i) for i in data["invited"]],
                ),
                "record": lambda: services.strategy_meeting_record(
                    user=user,
                    why=why,
                    child=child.pk,
                    meeting=found.pk,
                    held_at=data["held_at"],
                    decisions=data["decisions"],
                    attended_agency_ids=[int(i) for i in data["attended"]],
                ),
                "cancel": lambda: services.strategy_meeting_cancel(
                    user=user, why=why, child=child.pk, meeting=found.pk, reason=data["cancel_reason"]
                ),
                "action": lambda: services.meeting_action_add(
                    user=user,
                    why=why,
                    child=child.pk,
                    meeting=found.pk,
                    description=data["description"],
                    owner=int(data["owner"]),
                    due_date=data["due_date"],
                ),
            }
            done = {
                "schedule": "The meeting is scheduled.",
                "record": "The meeting's decisions are recorded.",
                "cancel": "The meeting is cancelled.",
                "action": "The action is added and its owner has been told.",
            }
            if _run(form, calls[which]):
                messages.success(request, done[which])
                return redirect("safeguarding:meeting", child.pk, found.pk)
        elif form is None:
            messages.error(request, "Choose what to record.")
    actions = list(found.actions.all())
    return _page(
        request,
        "safeguarding/meeting.html",
        {
            "child": child,
            "meeting": found,
            "tag": MEETING_TAGS[found.status],
            "may_manage": may_manage,
            "forms": forms_,
            "actions": actions,
            "open_form": which,
            "my_open_actions": [a for a in actions if a.owner_id == user.pk and a.done_at is None],
        },
        list(forms_.values()),
    )


# ---------------------------------------------------------------------------------------------
# The location risk register (places, not children: the flags it raises are re-evaluated by the service)
# ---------------------------------------------------------------------------------------------


@no_child_data
@verified_login_required
@require_http_methods(["GET", "POST"])
def locations(request: HttpRequest) -> HttpResponse:
    may_keep = permissions.may_keep_register(request.user)
    if not may_keep:
        raise PermissionDenied("The location risk register is kept by councils and police forces.")
    form = LocationRiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            form,
            lambda: services.location_risk_add(
                user=request.user,
                why=_why(request),
                area_kind=data["area_kind"],
                area=data["area"],
                kind=data["kind"],
                description=data["description"],
                source=data["source"],
                detail_visible_to=data["detail_visible_to"],
                review_on=data["review_on"],
                expires_on=data["expires_on"],
            ),
        ):
            messages.success(
                request,
                "It is on the register. Children your agency can see who were recorded there have been "
                "checked; the councils of any others have been told, to decide.",
            )
            return redirect("safeguarding:locations")
    return _page(
        request,
        "safeguarding/locations.html",
        {"rows": selectors.location_register(user=request.user), "form": form},
        [form],
    )


@no_child_data
@verified_login_required
@require_http_methods(["GET", "POST"])
def location_withdraw(request: HttpRequest, entry_id: int) -> HttpResponse:
    if not permissions.may_keep_register(request.user):
        raise PermissionDenied("The location risk register is kept by councils and police forces.")
    entry = next(
        (e for e in selectors.location_register() if e.pk == entry_id and e.agency_id == request.user.agency_id), None
    )
    if entry is None:
        raise Http404("No such entry of your agency's.")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            lambda: services.location_risk_withdraw(
                user=request.user, why=_why(request), entry=entry.pk, reason=form.cleaned_data["reason"]
            ),
        ):
            messages.success(request, "The entry is withdrawn.")
            return redirect("safeguarding:locations")
    return _page(request, "safeguarding/location_withdraw.html", {"entry": entry, "form": form}, [form])


# ---------------------------------------------------------------------------------------------
# A children's home's location risk assessment (not a child's data: the home's)
# ---------------------------------------------------------------------------------------------


@no_child_data
@verified_login_required
@require_http_methods(["GET", "POST"])
def location_assessment(request: HttpRequest) -> HttpResponse:
    """The registered manager records the home's assessment here; anyone else is told who does."""
    user = request.user
    provider = user.agency if user.agency_id is not None and user.agency.kind == "provider" else None
    may_record = permissions.may_record_location_assessment(user, provider)
    if request.method == "POST" and not may_record:
        raise PermissionDenied("A children's home's location risk assessment is recorded by its registered manager.")
    form = LocationAssessmentForm(request.POST or None) if may_record else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            form,
            lambda: services.location_assessment_record(
                user=user,
                why=_why(request),
                provider=provider,
                assessed_on=data["assessed_on"],
                summary=data["summary"],
                consulted_police="police" in data["consulted"],
                consulted_host_council="host_council" in data["consulted"],
            ),
        ):
            messages.success(request, "The location risk assessment is recorded. Its review is due in a year.")
            return redirect("safeguarding:location-assessment")
    current = selectors.location_assessment_current(provider) if provider is not None else None
    return _page(
        request,
        "safeguarding/location_assessment.html",
        {"provider": provider, "current": current, "form": form, "consulted": CONSULTED},
        [form] if form else [],
    )
