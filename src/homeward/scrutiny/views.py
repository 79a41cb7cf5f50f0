"""The placement scrutiny pages: the placement check (run, read, signed), the host council's view of
children placed in its area and the notices it has to answer, and a children's home's page.

Each view reads through a scrutiny selector (scoped by the access function, audited, Http404 out of
scope) with the route name as the reason, then validates a form and calls one service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from homeward.agencies.access import access_reasons
from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.children.selectors import child_get
from homeward.episodes.forms import add_service_errors, error_summary
from homeward.safeguarding.selectors import (
    location_assessment_current,
    location_intelligence,
    may_ask_location_intelligence,
)
from homeward.scrutiny import findings, permissions, selectors, services
from homeward.scrutiny.forms import CheckForm, LeavingCareReviewForm, RequirementForm, ResponseForm, TrainingForm
from homeward.web.decorators import verified_login_required


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


def _run(form, call) -> object | None:
    """Call the service; put its ValidationError on the form. The result, or None when refused."""
    try:
        return call()
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@verified_login_required
@require_http_methods(["GET", "POST"])
def check_new(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get(user=request.user, child_id=child_id, why=_why(request))
    if not permissions.may_run_check(request.user, access_reasons(request.user, child)):
        raise PermissionDenied("Only the council that looks after the child checks a placement for it.")
    last = child.placements.exclude(home_postcode="").order_by("-start_date").first()
    form = CheckForm(request.POST or None, child=child, initial={"home_postcode": last.home_postcode if last else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        provider = None
        if data["urn"].strip():
            provider = Agency.objects.filter(kind=AgencyKind.PROVIDER, code=data["urn"].strip().upper()).first()
            if provider is None:
                form.add_error(
                    "urn", f"No children's home or provider with URN {data['urn'].strip()} is known to Homeward"
                )
        if not form.errors:
            check = _run(
                form,
                lambda: services.placement_check_run(
                    user=request.user,
                    why=_why(request),
                    child=child,
                    start_date=data["start_date"],
                    placement_type=data["placement_type"],
                    placement_postcode=data["placement_postcode"],
                    home_postcode=data["home_postcode"],
                    provider=provider,
                    emergency=data["emergency"],
                ),
            )
            if check is not None:
                return redirect("scrutiny:check", check.pk)
    return render(
        request,
        "scrutiny/check_new.html",
        {
            "child": child,
            "form": form,
            "errors": error_summary(form),
            "checks": selectors.checks_of(user=request.user, child=child)[:20],
        },
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, check_id: int) -> HttpResponse:
    found = selectors.check_get(user=request.user, check_id=check_id, why=_why(request))
    reasons = access_reasons(request.user, found.child)
    requirements = list(found.requirements.all())
    chosen = (
        next((r for r in requirements if str(r.pk) == request.POST.get("requirement")), None)
        if request.method == "POST"
        else None
    )
    forms_ = {}
    for requirement in requirements:
        if not requirement.done and permissions.may_record(request.user, reasons, requirement.kind):
            forms_[requirement.pk] = RequirementForm(
                request.POST if requirement is chosen else None, requirement=requirement
            )
    if chosen is not None:
        form = forms_.get(chosen.pk)
        if form is None:
            raise PermissionDenied(f"{chosen.get_kind_display()}: not yours to record.")
        if form.is_valid() and _run(
            form,
            lambda: services.requirement_record(
                user=request.user,
                why=_why(request),
                requirement=chosen,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
            ),
        ):
            messages.success(request, f"{chosen.get_kind_display().split(' (')[0]} recorded.")
            return redirect("scrutiny:check", found.pk)
    rows = [{"requirement": r, "form": forms_.get(r.pk)} for r in requirements]
    return render(
        request,
        "scrutiny/check.html",
        {
            "check": found,
            "child": found.child,
            "rows": rows,
            "f": found.findings,
            "errors": error_summary(*forms_.values()),
            "national_rates": findings.NATIONAL_RATE,
        },
    )


@verified_login_required
@require_GET
def in_your_area(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "scrutiny/in_your_area.html",
        {
            "placed": selectors.placed_in_area(user=request.user, why=_why(request)),
            "requests": selectors.host_requests(user=request.user, why=_why(request)),
            "may_respond": permissions.may_answer_as_host(request.user),
        },
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, requirement_id: int) -> HttpResponse:
    requirement = selectors.host_request_get(user=request.user, requirement_id=requirement_id, why=_why(request))
    form = ResponseForm(request.POST or None, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            lambda: services.requirement_respond(
                user=request.user, why=_why(request), requirement=requirement, response=form.cleaned_data["response"]
            ),
        ):
            messages.success(request, "Your response has been sent to the placing council.")
            return redirect("scrutiny:in-your-area")
    return render(
        request,
        "scrutiny/respond.html",
        {"requirement": requirement, "check": requirement.placement_check, "form": form, "errors": error_summary(form)},
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest, urn: str) -> HttpResponse:
    provider = selectors.home_get(user=request.user, urn=urn, why=_why(request))
    manager = request.user.agency_id == provider.pk and request.user.role == Role.PROVIDER_MANAGER
    form = TrainingForm(request.POST or None) if manager else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("The home's registered manager records its staff's training.")
        if form.is_valid() and _run(
            form,
            lambda: services.staff_training_record(
                user=request.user, why=_why(request), provider=provider, **form.cleaned_data
            ),
        ):
            messages.success(request, "Training recorded.")
            return redirect("scrutiny:home", provider.code)
    today = timezone.localdate()
    location = None
    if provider.postcode and may_ask_location_intelligence(request.user, provider):
        location = location_intelligence(
            user=request.user, postcode=provider.postcode, provider=provider, why=_why(request)
        )
    return render(
        request,
        "scrutiny/home.html",
        {
            "location": location,
            "provider": provider,
            "residents": selectors.home_residents(user=request.user, provider=provider, why=_why(request)),
            "record": findings.home_record(provider, placement_type="K2", today=today),
            "training": selectors.home_training(provider),
            "coverage": findings.training_coverage(provider, on=today),
            "assessment": location_assessment_current(provider),
            "form": form,
            "errors": error_summary(form) if form else [],
            "today": today,
        },
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def leaving_care_review(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get(user=request.user, child_id=child_id, why=_why(request))
    form = LeavingCareReviewForm(request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            lambda: services.leaving_care_review_record(
                user=request.user, why=_why(request), child=child, **form.cleaned_data
            ),
        ):
            messages.success(request, "The review is recorded.")
            return redirect("scrutiny:leaving-care-review", child.pk)
    return render(
        request,
        "scrutiny/leaving_care_review.html",
        {
            "child": child,
            "form": form,
            "errors": error_summary(form),
            "reviews": selectors.leaving_care_reviews(user=request.user, child=child),
            "may_record": permissions.may_run_check(request.user, access_reasons(request.user, child)),
        },
    )
