"""The child's register of sharing and the form for a decision not to share (children.sharing).

Only the responsible council and inspectors with a grant reach the register; only the council's
social workers and team managers the form. Anyone else is not found (404), never forbidden.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from homeward.children.sharing import PARTS, child_sharing_register, decision_form_child, decision_not_to_share_record
from homeward.children.sharing_forms import DecisionNotToShareForm
from homeward.episodes.forms import add_service_errors, error_summary
from homeward.web.decorators import verified_login_required


@verified_login_required
@require_GET
def child_sharing(request: HttpRequest, child_id: int) -> HttpResponse:
    register = child_sharing_register(user=request.user, child_id=child_id, why=request.resolver_match.view_name)
    decisions = [
        {"decision": decision, "parts": [PARTS[part] for part in decision.parts if part in PARTS]}
        for decision in register.decisions
    ]
    return render(
        request,
        "children/sharing.html",
        {"register": register, "child": register.child, "fields": register.fields, "decisions": decisions},
    )


@verified_login_required
@require_http_methods(["GET", "POST"])
def decision_not_to_share_new(request: HttpRequest, child_id: int) -> HttpResponse:
    why = request.resolver_match.view_name
    child = decision_form_child(user=request.user, child_id=child_id, why=why)
    form = DecisionNotToShareForm(request.POST if request.method == "POST" else None, child=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision_not_to_share_record(
                user=request.user,
                why=why,
                child_id=child.pk,
                agency_id=data["agency"] or None,
                request_kind=data["request_kind"],
                parts=data["parts"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Decision not to share recorded")
            return redirect("children:sharing", child_id=child.pk)
    return render(
        request,
        "children/decision_not_to_share.html",
        {"child": child, "form": form, "errors": error_summary(form)},
    )
