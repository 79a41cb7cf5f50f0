"""The school's report page (from the child's record) and the report itself, where the carer or the
council answers it. Each view reads through the scoped look-ups (refusals audited, Http404 out of
scope), validates a form and calls one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from homeward.agencies.access import access_reasons
from homeward.children.selectors import child_lookup
from homeward.episodes.forms import add_service_errors, error_summary
from homeward.schools import rules, selectors, services
from homeward.schools.forms import SchoolReportAnswerForm, SchoolReportForm
from homeward.web.decorators import verified_login_required


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


def _run(form, call) -> bool:
    try:
        call()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


@verified_login_required
@require_http_methods(["GET", "POST"])
def report_absence(request: HttpRequest, child_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    child = child_lookup(user=user, child_id=child_id, why=why)
    if not rules.may_report(user, access_reasons(user, child)):
        raise PermissionDenied(
            "A pupil not in school is reported by the designated safeguarding lead of the child's school."
        )
    form = SchoolReportForm(request.POST or None, child=child)
    made = []
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda: made.append(
                services.school_report_absence(
                    user=user,
                    why=why,
                    child=child.pk,
                    last_seen_at=form.cleaned_data["last_seen_at"],
                    details=form.cleaned_data["details"],
                )
            ),
        )
    ):
        messages.success(
            request,
            "The report is sent. The carer and the council have been told, and are asked to say whether "
            f"{child.first_name} is missing.",
        )
        return redirect("schools:report", made[0].pk)
    return render(request, "schools/report_form.html", {"child": child, "form": form, "errors": error_summary(form)})


@verified_login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    user, why = request.user, _why(request)
    found, reasons = selectors.school_report_get(user=user, report_id=report_id, why=why)
    may_answer = rules.may_answer(user, reasons) and found.awaiting
    form = SchoolReportAnswerForm(request.POST or None, child=found.child) if may_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("This report is answered by the carer or the council, once.")
        answered = []
        if form.is_valid() and _run(
            form,
            lambda: answered.append(
                services.school_report_answer(
                    user=user,
                    why=why,
                    report=found.pk,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                )
            ),
        ):
            result = answered[0]
            if result.episode_id is not None:
                messages.success(
                    request,
                    f"{found.child.first_name} is recorded as {result.get_outcome_display().lower()}, "
                    "from the time the school gave.",
                )
                return redirect("alerts:reported", result.episode_id)
            messages.success(request, "The report is answered. The school has been told.")
            return redirect("schools:report", found.pk)
    return render(
        request,
        "schools/report.html",
        {
            "report": found,
            "child": found.child,
            "form": form,
            "errors": error_summary(form) if form else [],
        },
    )
