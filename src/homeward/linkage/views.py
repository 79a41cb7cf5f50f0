"""The review queue: pairs of a police report and a child that linkage could not decide, side by side
with how each field compared, for a person to decide. Each view reads through linkage.selectors
(scoped by the access function, audited, Http404 out of scope) and writes through one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from homeward import dates
from homeward.episodes.forms import add_service_errors, error_summary
from homeward.linkage import selectors, services
from homeward.linkage.forms import PairDecisionForm
from homeward.linkage.models import PairStatus
from homeward.web.decorators import verified_login_required

# How the engine names each compared field, in the words of the page.
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "dob": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "agency_id": "Council's child id",
}


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


@verified_login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    pairs = selectors.review_queue(user=request.user, why=_why(request))
    return render(
        request,
        "linkage/review.html",
        {
            "pairs": pairs,
            "waiting": selectors.review_queue_size(user=request.user),
            "may_review": selectors.may_review(request.user),
            "last_run": selectors.last_run(),
        },
    )


def _comparison(pair) -> list[dict]:
    """Rows of the side-by-side table: what the report says, what the child's record says, how the
    engine compared them and how much that weighed (log2 of the Bayes factor)."""
    report, child = pair.police_report, pair.child
    shown = {
        "first_name": (report.first_name, child.first_name),
        "last_name": (report.last_name, child.last_name),
        "dob": (dates.when(report.date_of_birth), dates.when(child.date_of_birth)),
        "sex": (report.sex, {"1": "M", "2": "F"}.get(child.sex, "")),
        "postcode": (report.address_postcode or report.last_seen_postcode, ""),
        "agency_id": (report.council_child_id, child.la_child_id),
    }
    by_field = {f["field"]: f for f in pair.explanation.get("fields", [])}
    rows = []
    for name, (on_report, on_record) in shown.items():
        compared = by_field.get(name, {})
        if name == "postcode":
            on_record = compared.get("child") or ""
        rows.append(
            {
                "label": FIELD_LABELS[name],
                "report": on_report or "Not given",
                "child": on_record or "Not recorded",
                "level": compared.get("level", ""),
                "weight": compared.get("match_weight"),
            }
        )
    return rows


@verified_login_required
@require_http_methods(["GET", "POST"])
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pair_id=pair_id, why=_why(request))
    form = PairDecisionForm(request.POST or None, child=pair.child)
    if request.method == "POST" and pair.status == PairStatus.REVIEW and form.is_valid():
        try:
            services.link_pair_decide(
                user=request.user,
                why=_why(request),
                pair=pair,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            decided = "linked to" if form.cleaned_data["decision"] == PairStatus.CONFIRMED else "kept apart from"
            messages.success(
                request, f"Police report {pair.police_report.reference} is {decided} {pair.child.full_name}'s record."
            )
            return redirect("linkage:review")
    return render(
        request,
        "linkage/pair.html",
        {
            "pair": pair,
            "rows": _comparison(pair),
            "form": form,
            "errors": error_summary(form),
            "others": selectors.other_candidates(user=request.user, pair=pair, why=_why(request)),
        },
    )
