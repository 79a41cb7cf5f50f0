"""The episode pages: report a child missing, the episode and what can be done to it, the live board,
return interviews due, the child's timeline, the Philomena profile and the police briefing sheet.

Each view starts by reading through an episodes or children selector (scoped by the access function,
audited, Http404 out of scope) with the route name as the reason, then validates a form and calls
one service. Service errors name their field and change nothing; the form shows them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from homeward import dates
from homeward.agencies.fields import Field, fields_visible, fields_visible_many
from homeward.audit.refusals import refuse
from homeward.children.selectors import child_access_reasons, child_get, child_lookup
from homeward.episodes import briefing_pdf, clocks, forms, presenters, rules, selectors, services
from homeward.episodes.models import EXPLOITATION_INDICATORS, Episode, InterviewStatus, Kind, RiskGrade, Status
from homeward.language.selectors import child_guide_families
from homeward.safeguarding import selectors as flag_selectors
from homeward.safeguarding.permissions import may_see_flags
from homeward.web.decorators import verified_login_required
from homeward.web.pagination import pagination


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


def _page(request: HttpRequest, template: str, context: dict, forms_=()) -> HttpResponse:
    context.setdefault("errors", forms.error_summary(*forms_))
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# Report a child missing (Philomena Part B)
# ---------------------------------------------------------------------------------------------


@verified_login_required
@require_http_methods(["GET", "POST"])
def report_missing(request: HttpRequest, child_id: int) -> HttpResponse:
    user = request.user
    child = child_get(user=user, child_id=child_id, why=_why(request))
    if not rules.may_act(user, child_access_reasons(user=user, child=child)):
        raise PermissionDenied("Your role cannot report this child missing.")
    # One open episode per child (SSDA903 rule 574): point to it rather than offer a form that must fail.
    open_id = (
        selectors.episodes_visible(user)
        .filter(child=child, returned_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    if open_id is not None:
        episode = selectors.episode_get(user=user, episode_id=open_id, why=_why(request))
        return render(request, "episodes/report_already_open.html", {"child": child, "episode": episode})
    reasons = child_access_reasons(user=user, child=child)
    # Part A as the reporter reads it (the child has no open episode here). Its essentials are asked
    # with the report only of one who keeps it and can see that there is none.
    reads = rules.may_read_profile(user, reasons, has_open_episode=False) and Field.PHILOMENA_PROFILE in fields_visible(
        user=user, child=child
    )
    profile_ = selectors.philomena_profile_current(user=user, child_id=child.pk, why=_why(request)) if reads else None
    part_a = reads and profile_ is None and rules.may_keep_profile(user, reasons)
    form = forms.ReportMissingForm(request.POST or None, child=child, part_a=part_a)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = services.episode_open_with_profile(
                user=user,
                why=_why(request),
                child=child.pk,
                profile=form.profile_data(),
                kind=data["kind"],
                last_seen_at=data["last_seen"],
                last_seen_location=data["last_seen_location"],
                last_seen_postcode=data["last_seen_postcode"],
                clothing=data["clothing"],
                circumstances=data["circumstances"],
                out_of_character=data["out_of_character"],
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            # The reporter's confirmation (alerts app) says so, with who has been told and what happens next.
            return redirect("alerts:reported", episode.pk)
    return _page(request, "episodes/report_missing.html", {"child": child, "form": form, "profile": profile_}, [form])


# ---------------------------------------------------------------------------------------------
# The episode, and the small forms that act on it (one service each)
# ---------------------------------------------------------------------------------------------


def _interview(episode: Episode):
    return getattr(episode, "return_interview", None)


def _require(field: Field, *, user, child, why: str, object_type: str, object_id: str = "") -> frozenset[Field]:
    """The parts of the child's record the user is shown (agencies.fields), when they include `field`;
    otherwise the refusal is audited like the selectors' own and answered not found."""
    shown = fields_visible(user=user, child=child)
    if field not in shown:
        refuse(user=user, object_type=object_type, object_id=object_id, child_id=child.pk, why=why)
        raise Http404("Not found.")
    return shown


def _episode_get(request: HttpRequest, episode_id: int) -> Episode:
    """The episode, for a reader shown who the child is (not a council's performance analyst, who works
    on figures); its interview findings only when the reader's reasons show findings at all (not to
    inspectors) as well as this interview's (episodes.rules)."""
    user, why = request.user, _why(request)
    found = selectors.episode_lookup(user=user, episode_id=episode_id, why=why)
    shown = _require(
        Field.EPISODES, user=user, child=found.child, why=why, object_type="episode", object_id=str(found.pk)
    )
    episode = selectors.episode_get(user=user, episode_id=found.pk, why=why)
    episode.interview_findings_visible = episode.interview_findings_visible and Field.INTERVIEW_FINDINGS in shown
    episode.fields_shown = shown
    return episode


@dataclass(frozen=True)
class Action:
    """One thing a person can do to an episode: its form, who sees it, and the service it calls."""

    title: str
    form: type
    template: str  # the form's partial, shared by the episode page and the action's own page
    shown: Callable[[object, Episode], bool]  # the role may, and the episode is in a state for it
    allowed: Callable[[object, Episode], bool]  # the role may (else 403)
    run: Callable[..., str]  # (user, why, episode, data) -> the success message


def _may_act(user, episode) -> bool:
    return rules.may_act(user, episode.access_reasons)


def _may_police(user, episode) -> bool:
    return rules.may_police(user, episode.access_reasons)


def _may_interview(user, episode) -> bool:
    interview = _interview(episode)
    return interview is not None and rules.may_record_interview(user, episode.access_reasons, interview)


def _open(episode) -> bool:
    return episode.is_open


def _returned_not_closed(episode) -> bool:
    return episode.returned_at is not None and episode.closed_at is None


def _run_police_reference(user, why, episode, data) -> str:
    services.episode_add_police_reference(user=user, why=why, episode=episode.pk, reference=data["reference"])
    return f"Reference {data['reference']} added."


def _run_risk(user, why, episode, data) -> str:
    services.episode_grade_risk(
        user=user,
        why=why,
        episode=episode.pk,
        risk_grade=data["risk_grade"],
        source=data["source"],
        rationale=data["rationale"],
    )
    return f"Risk graded {RiskGrade(data['risk_grade']).label.lower()}."


def _run_update(user, why, episode, data) -> str:
    update = services.episode_add_update(
        user=user,
        why=why,
        episode=episode.pk,
        kind=data["kind"],
        text=data["text"],
        at=data["at"],
        location=data["location"],
        postcode=data["postcode"],
    )
    return f"{update.get_kind_display()} added."


def _run_kind(user, why, episode, data) -> str:
    services.episode_kind_change(
        user=user, why=why, episode=episode.pk, to_kind=data["to_kind"], at=data["at"], text=data["text"]
    )
    return f"{episode.child.first_name} is now recorded as {Kind(data['to_kind']).label.lower()}."


def _run_return(user, why, episode, data) -> str:
    services.episode_record_return(
        user=user,
        why=why,
        episode=episode.pk,
        returned_at=data["returned_at"],
        how=data["how"],
        found_by=data["found_by"],
        place=data["place"],
        postcode=data["postcode"],
        text=data["text"],
        confirm_before_report=data["confirm_before_report"],
    )
    return f"{episode.child.first_name}'s return is recorded. A return interview is due within 72 hours."


def _run_safe_and_well(user, why, episode, data) -> str:
    services.episode_record_safe_and_well(user=user, why=why, episode=episode.pk, at=data["at"], text=data["text"])
    return "Safe and well check recorded."


def _run_close(user, why, episode, data) -> str:
    services.episode_close(user=user, why=why, episode=episode.pk, text=data["text"])
    return "Episode closed."


def _run_interview_status(user, why, episode, data) -> str:
    interview = services.return_interview_update(
        user=user,
        why=why,
        episode=episode.pk,
        status=data["status"],
        declined_reason=data["declined_reason"],
        declined_detail=data["declined_detail"],
    )
    return f"Return interview recorded as {interview.get_status_display().lower()}."


def _run_interview_findings(user, why, episode, data) -> str:
    interview = _interview(episode)
    completing = interview is not None and interview.status != InterviewStatus.COMPLETED
    services.return_interview_update(
        user=user,
        why=why,
        episode=episode.pk,
        status=InterviewStatus.COMPLETED if completing else None,
        held_at=data["held_at"],
        why_went=data["why_went"],
        where_and_with_whom=data["where_and_with_whom"],
        harm_suffered=data["harm_suffered"],
        exploitation_indicators=data["exploitation_indicators"],
        what_would_help=data["what_would_help"],
        child_words=data["child_words"],
        held_by=data["held_by"],
        held_by_independent=data["held_by_independent"] == "yes",
    )
    return "Return interview completed." if completing else "Return interview findings updated."


ACTIONS: dict[str, Action] = {
    "police-reference": Action(
        "Add a police reference",
        forms.PoliceReferenceForm,
        "episodes/_form_police_reference.html",
        shown=lambda u, e: _may_police(u, e) and e.closed_at is None,
        allowed=_may_police,
        run=_run_police_reference,
    ),
    "risk": Action(
        "Grade risk",
        forms.RiskForm,
        "episodes/_form_risk.html",
        shown=lambda u, e: _may_police(u, e) and e.closed_at is None,
        allowed=_may_police,
        run=_run_risk,
    ),
    "update": Action(
        "Add a sighting, enquiry or note",
        forms.UpdateForm,
        "episodes/_form_update.html",
        shown=lambda u, e: _may_act(u, e) and e.closed_at is None,
        allowed=_may_act,
        run=_run_update,
    ),
    "kind": Action(
        "Change missing or away",
        forms.KindForm,
        "episodes/_form_kind.html",
        shown=lambda u, e: _may_act(u, e) and _open(e),
        allowed=_may_act,
        run=_run_kind,
    ),
    "return": Action(
        "Record the return",
        forms.ReturnForm,
        "episodes/_form_return.html",
        shown=lambda u, e: _may_act(u, e) and _open(e),
        allowed=_may_act,
        run=_run_return,
    ),
    "safe-and-well": Action(
        "Record the safe and well check",
        forms.SafeAndWellForm,
        "episodes/_form_safe_and_well.html",
        shown=lambda u, e: _may_police(u, e) and _returned_not_closed(e) and e.safe_and_well_at is None,
        allowed=_may_police,
        run=_run_safe_and_well,
    ),
    "close": Action(
        "Close the episode",
        forms.CloseForm,
        "episodes/_form_close.html",
        shown=lambda u, e: rules.may_close(u, e.access_reasons) and _returned_not_closed(e),
        allowed=lambda u, e: rules.may_close(u, e.access_reasons),
        run=_run_close,
    ),
    "interview-status": Action(
        "Record the return interview offer",
        forms.InterviewStatusForm,
        "episodes/_form_interview_status.html",
        shown=lambda u, e: _may_interview(u, e) and bool(presenters.interview_next_statuses(_interview(e).status)),
        allowed=_may_interview,
        run=_run_interview_status,
    ),
    "interview-findings": Action(
        "Record the return interview",
        forms.InterviewFindingsForm,
        "episodes/_form_interview_findings.html",
        shown=lambda u, e: (
            _may_interview(u, e)
            and _interview(e).status in (InterviewStatus.OFFERED, InterviewStatus.ACCEPTED, InterviewStatus.COMPLETED)
        ),
        allowed=_may_interview,
        run=_run_interview_findings,
    ),
}


def _action_form(name: str, episode: Episode, data=None):
    form_class = ACTIONS[name].form
    kwargs = {"child": episode.child, "prefix": name}
    if form_class is forms.KindForm:
        kwargs["episode"] = episode
    if form_class is forms.InterviewFindingsForm and data is None:
        interview = _interview(episode)
        if (
            interview is not None
            and interview.status == InterviewStatus.COMPLETED
            and episode.interview_findings_visible
        ):
            kwargs["initial"] = {
                "held_at": interview.held_at,
                "why_went": interview.why_went,
                "where_and_with_whom": interview.where_and_with_whom,
                "harm_suffered": interview.harm_suffered,
                "exploitation_indicators": interview.exploitation_indicators,
                "what_would_help": interview.what_would_help,
                "child_words": interview.child_words,
                "held_by": interview.held_by,
                "held_by_independent": {True: "yes", False: "no"}.get(interview.held_by_independent, ""),
            }
    return form_class(data, **kwargs)


def _episode_context(user, episode: Episode) -> dict:
    interview = _interview(episode)
    placements = getattr(episode.child, "current_placements", [])
    now = timezone.now()
    context = {
        "episode": episode,
        "child": episode.child,
        "age": episode.child.age_on(timezone.localdate()),
        "placement": placements[0] if placements else None,
        "gradings": sorted(episode.risk_gradings.all(), key=lambda g: (g.graded_at, g.pk), reverse=True),
        "updates": sorted(episode.updates.all(), key=lambda u: (u.at, u.pk), reverse=True),
        "kind_changes": list(episode.kind_changes.all()),
        "interview": interview,
        "interview_tag": presenters.INTERVIEW_TAGS.get(interview.status, "") if interview else "",
        "interview_overdue": bool(interview and interview.closed_at is None and interview.due_at < now),
        "interview_next": presenters.interview_next_statuses(interview.status) if interview else [],
        "findings_visible": episode.interview_findings_visible,
        "indicators": [
            EXPLOITATION_INDICATORS.get(code, code) for code in (interview.exploitation_indicators if interview else [])
        ],
        "status_tag": presenters.STATUS_TAGS.get(episode.status, ""),
        "status_label": Status(episode.status).label,
        "missing_for": (episode.returned_at or now) - episode.started_at,
        "may_read_profile": Field.PHILOMENA_PROFILE in episode.fields_shown,
        "now": now,
    }
    if episode.is_open:
        review = clocks.next_risk_review(
            grade=episode.risk_grade, graded_at=episode.risk_graded_at, reported_at=episode.reported_at
        )
        context.update(
            next_review_at=review,
            awaiting_grading=not episode.risk_grade,
            review_overdue=clocks.risk_review_late(grade=episode.risk_grade, graded_at=episode.risk_graded_at, now=now),
        )
    return context


@verified_login_required
@require_GET
def episode_detail(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode_get(request, episode_id)
    context = _episode_context(request.user, episode)
    context["actions"] = [
        {"name": name, "title": action.title, "template": action.template, "form": _action_form(name, episode)}
        for name, action in ACTIONS.items()
        if action.shown(request.user, episode)
    ]
    # The language guide's phrases marked in what was reported and in each update (language_marked).
    context["language_families"] = child_guide_families(episode.child)
    return _page(request, "episodes/episode_detail.html", context)


def _act(request: HttpRequest, episode_id: int, name: str) -> HttpResponse:
    """GET: the action's form on a page of its own. POST: validate, call the service, back to the episode."""
    action = ACTIONS[name]
    episode = _episode_get(request, episode_id)
    if not action.allowed(request.user, episode):
        raise PermissionDenied(f"Your role cannot {action.title.lower()}.")
    form = _action_form(name, episode, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = action.run(request.user, _why(request), episode, form.cleaned_data)
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("episodes:detail", episode.pk)
    context = _episode_context(request.user, episode)
    context.update(action={"name": name, "title": action.title, "template": action.template, "form": form})
    return _page(request, "episodes/action.html", context, [form])


def _action_view(name: str):
    @verified_login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, episode_id: int) -> HttpResponse:
        return _act(request, episode_id, name)

    view.__name__ = view.__qualname__ = f"episode_{name.replace('-', '_')}"
    return view


episode_police_reference = _action_view("police-reference")
episode_risk = _action_view("risk")
episode_update = _action_view("update")
episode_kind = _action_view("kind")
episode_return = _action_view("return")
episode_safe_and_well = _action_view("safe-and-well")
episode_close = _action_view("close")
episode_interview_status = _action_view("interview-status")
episode_interview_findings = _action_view("interview-findings")


# ---------------------------------------------------------------------------------------------
# The live board, and return interviews due
# ---------------------------------------------------------------------------------------------


def _identified(user, children) -> set[int]:
    # Lists name only the children the user is shown who they are (agencies.fields); the counts stay.
    return {pk for pk, shown in fields_visible_many(user=user, children=children).items() if Field.IDENTITY in shown}


@verified_login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    chosen = presenters.BoardFilter.from_query(request.GET)
    result = selectors.board(user=request.user, why=_why(request), kinds=chosen.kinds, risk_grades=chosen.risk_grades)
    named = _identified(request.user, [row.child for row in result.rows])
    rows = [
        {
            "row": row,
            "badge": presenters.risk_badge(row.episode.risk_grade),
            "missing_for": presenters.duration(row.missing_for),
            "missing_minutes": int(row.missing_for.total_seconds() // 60),
            "review_late": clocks.risk_review_late(
                grade=row.episode.risk_grade, graded_at=row.episode.risk_graded_at, now=result.at
            ),
        }
        for row in result.rows
        if row.child.pk in named
    ]
    return render(
        request,
        "episodes/board.html",
        {
            "board": result,
            "rows": rows,
            "filter": chosen,
            "options": chosen.options(),
            "tags": chosen.tags(),
            "truncated": result.matched > len(result.rows),
            # The page refreshes itself (episodes.js) only while the person is using it, so the session's
            # idle limit still signs out a board left unattended.
            "idle_seconds": settings.SESSION_IDLE_SECONDS,
        },
    )


@verified_login_required
@require_GET
def interviews(request: HttpRequest) -> HttpResponse:
    """The next job first: interviews still to come, soonest due first, and the overdue ones apart, in
    a section of their own; read separately so that neither crowds the other out of the list."""
    user, why = request.user, _why(request)
    overdue_only = request.GET.get("overdue") == "1"
    now = timezone.now()
    upcoming = [] if overdue_only else selectors.interviews_due(user=user, why=why, upcoming_only=True, now=now)
    overdue = selectors.interviews_due(user=user, why=why, overdue_only=True, now=now)
    named = _identified(user, [row.child for row in (*upcoming, *overdue)])
    counts = selectors.interviews_due_counts(user=user, now=now)

    def rows(due) -> list[dict]:
        return [
            {
                "row": row,
                "tag": presenters.INTERVIEW_TAGS.get(row.interview.status, ""),
                "left": presenters.duration(row.due_at - now) if not row.overdue else "",
                "late": presenters.duration(now - row.due_at) if row.overdue else "",
            }
            for row in due
            if row.child.pk in named
        ]

    upcoming_count = counts["due"] - counts["overdue"]
    return render(
        request,
        "episodes/interviews.html",
        {
            "upcoming": rows(upcoming),
            "overdue": rows(overdue),
            "overdue_only": overdue_only,
            "overdue_count": counts["overdue"],
            "upcoming_count": upcoming_count,
            "due_count": counts["due"],
            "upcoming_truncated": not overdue_only and len(upcoming) < upcoming_count,
            "overdue_truncated": len(overdue) < counts["overdue"],
        },
    )


# ---------------------------------------------------------------------------------------------
# The child's timeline
# ---------------------------------------------------------------------------------------------


@verified_login_required
@require_GET
def timeline(request: HttpRequest, child_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    child = child_lookup(user=user, child_id=child_id, why=why)
    shown = _require(
        Field.EPISODES, user=user, child=child, why=why, object_type="child_timeline", object_id=str(child.pk)
    )
    result = selectors.child_timeline(user=user, child_id=child.pk, why=why, page=request.GET.get("page", 1))
    reasons = child_access_reasons(user=user, child=result.child)
    has_open = result.has_open_episode
    # Each episode's link and start, made once for the many entries that point to it.
    links = {
        e.id: {"href": reverse("episodes:detail", args=[e.id]), "started": dates.when(e.started_at)}
        for e in result.episodes
    }
    return render(
        request,
        "episodes/timeline.html",
        {
            "child": result.child,
            "page": result.page,
            "episode_count": result.page.paginator.count,
            "pagination": pagination(result.page, request.GET),
            "episodes": [
                {
                    "summary": e,
                    "badge": presenters.risk_badge(e.risk_grade),
                    "duration": presenters.duration(e.duration),
                    "status_tag": presenters.STATUS_TAGS.get(e.status, ""),
                    "interview_tag": presenters.INTERVIEW_TAGS.get(e.interview_status, ""),
                }
                for e in result.episodes
            ],
            # Newest first, as the MoJ timeline shows them.
            "entries": [
                {
                    "entry": entry,
                    "episode": links.get(entry.episode_id),
                    "at": dates.when(entry.at),
                    "at_iso": timezone.localtime(entry.at).isoformat(),
                }
                for entry in reversed(result.entries)
            ],
            "may_report": rules.may_act(user, reasons) and not has_open,
            "may_read_profile": Field.PHILOMENA_PROFILE in shown,
            # Read once for the page's many entries (language_marked).
            "language_families": child_guide_families(result.child),
        },
    )


# ---------------------------------------------------------------------------------------------
# Philomena profile (Part A)
# ---------------------------------------------------------------------------------------------


def _version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404("No such version.") from None


@verified_login_required
@require_GET
def profile(request: HttpRequest, child_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    child = child_get(user=user, child_id=child_id, why=why)
    _require(Field.PHILOMENA_PROFILE, user=user, child=child, why=why, object_type="philomena_profile")
    current = selectors.philomena_profile_current(user=user, child_id=child.pk, why=why)  # Http404 if not for this user
    versions = selectors.philomena_profile_versions(user=user, child_id=child.pk, why=why)
    wanted = _version(request)
    shown = current if wanted is None else next((v for v in versions if v.version == wanted), None)
    if wanted is not None and shown is None:
        raise Http404("No such version.")
    return render(
        request,
        "episodes/profile.html",
        {
            "child": child,
            "profile": shown,
            "latest": current,
            "versions": versions,
            "may_keep": rules.may_keep_profile(user, child_access_reasons(user=user, child=child)),
        },
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, child_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    child = child_get(user=user, child_id=child_id, why=why)
    if not rules.may_keep_profile(user, child_access_reasons(user=user, child=child)):
        raise PermissionDenied("Your role cannot change this child's Philomena profile.")
    current = selectors.philomena_profile_current(user=user, child_id=child.pk, why=why)
    initial = {name: getattr(current, name) for name in forms.PROFILE_TEXT_FIELDS} if current else {}
    form = forms.ProfileForm(request.POST or None, request.FILES or None, child=child, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.philomena_profile_save(
                user=user,
                why=why,
                child=child.pk,
                photo=data["photo"],
                remove_photo=data["remove_photo"],
                **{name: data[name] for name in forms.PROFILE_TEXT_FIELDS},
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, f"Profile saved as version {saved.version}.")
            return redirect("episodes:profile", child.pk)
    return _page(request, "episodes/profile_edit.html", {"child": child, "form": form, "current": current}, [form])


@verified_login_required
@require_GET
def profile_photo(request: HttpRequest, child_id: int) -> FileResponse:
    user, why = request.user, _why(request)
    child = child_lookup(user=user, child_id=child_id, why=why)
    _require(Field.PHILOMENA_PROFILE, user=user, child=child, why=why, object_type="philomena_profile")
    photo = selectors.philomena_photo(user=user, child_id=child.pk, why=why, version=_version(request))
    response = FileResponse(photo.file, content_type=photo.content_type, filename=photo.name)
    # A child's photo must not stay in a shared computer's cache, nor be reachable without this check.
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'inline; filename="{photo.name}"'
    return response


# ---------------------------------------------------------------------------------------------
# The briefing sheet for the police
# ---------------------------------------------------------------------------------------------


def _briefing_context(request: HttpRequest, episode_id: int) -> dict:
    user, why = request.user, _why(request)
    found = selectors.episode_lookup(user=user, episode_id=episode_id, why=why)
    shown = _require(
        Field.EPISODES, user=user, child=found.child, why=why, object_type="episode", object_id=str(found.pk)
    )
    result = selectors.episode_briefing(user=user, episode_id=found.pk, why=why)
    episode = result.episode
    return {
        "briefing": result,
        "episode": episode,
        "child": result.child,
        "history": presenters.missing_history(result.history),
        # The child's raised flags, as the child's page shows them to the same reader (None: not theirs to see).
        "flags": (
            flag_selectors.risk_flag_summary(user=user, child=result.child).raised
            if may_see_flags(user, episode.access_reasons)
            else None
        ),
        # The selector reads Part A by episodes.rules; the sheet shows it only where the table does (agencies.fields).
        "profile": result.profile if Field.PHILOMENA_PROFILE in shown else None,
        "placement": result.placement,
        "gradings": sorted(episode.risk_gradings.all(), key=lambda g: (g.graded_at, g.pk), reverse=True),
        "badge": presenters.risk_badge(episode.risk_grade),
        "missing_for": presenters.duration((episode.returned_at or timezone.now()) - episode.started_at),
        "age": result.child.age_on(timezone.localdate()),
        "printed_at": timezone.now(),
    }


@verified_login_required
@require_GET
def briefing(request: HttpRequest, episode_id: int) -> HttpResponse:
    return render(request, "episodes/briefing.html", _briefing_context(request, episode_id))


@verified_login_required
@require_GET
def briefing_pdf_view(request: HttpRequest, episode_id: int) -> HttpResponse:
    context = _briefing_context(request, episode_id)
    profile_ = context["profile"]
    photo = None
    if profile_ is not None and profile_.photo:
        found = selectors.philomena_photo(
            user=request.user, child_id=context["child"].pk, why=_why(request), version=profile_.version
        )
        with found.file as file:
            photo = file.read()
    user = request.user
    content = briefing_pdf.render(
        context, photo=photo, printed_by=f"{user.get_full_name() or user.username}, {user.agency.name}"
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="briefing-episode-{context["episode"].pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
