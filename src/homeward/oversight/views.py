"""Oversight pages: a council's compliance with the statutory guidance, the cases behind each figure,
Ofsted's list of children in care (Annex A) and the inspection pack; the two that leave Homeward with
children in them (Annex A, the pack's PDF) ask for the second factor again."""

import datetime
import time

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from homeward.agencies.models import Agency
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.oversight import annex_a, compliance, pack_pdf
from homeward.oversight.pack import duration_text, inspection_pack
from homeward.oversight.exports import FORMATS, export_response
from homeward.web.decorators import verified_login_required

# domain.md: identifiable exports need the second factor again. A code confirmed this recently
# serves another download without asking again (a Homeward default; settings may shorten it).
CONFIRMED_AT_KEY = "oversight_second_factor_confirmed_at"
CONFIRM_WITHIN_MINUTES = 5
MONTHS_SHOWN = 12


def _authority(request: HttpRequest) -> Agency:
    """The council asked for (?authority=code), or the person's own: one they oversee, or not found."""
    overseen = compliance.authorities_overseen(request.user)
    code = request.GET.get("authority") or request.POST.get("authority")
    authority = overseen.filter(code=code).first() if code else overseen.order_by("name").first()
    if authority is None:
        raise Http404("No council's figures to show.")
    return authority


def _month(value: str | None, default: datetime.date) -> datetime.date:
    if not value:
        return default
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise Http404("Not a month.") from None


def _last_complete_month() -> datetime.date:
    return compliance.month_of(timezone.localdate().replace(day=1) - datetime.timedelta(days=1))


def _months_back(last: datetime.date, count: int) -> datetime.date:
    first = last
    for _ in range(count - 1):
        first = compliance.month_of(first - datetime.timedelta(days=1))
    return first


@verified_login_required
@require_GET
def compliance_page(request: HttpRequest) -> HttpResponse:
    authority = _authority(request)
    last = _month(request.GET.get("month"), _last_complete_month())
    first = _months_back(last, MONTHS_SHOWN)
    months = compliance.compliance_by_month(
        user=request.user, authority=authority, first=first, last=last, why="compliance page"
    )
    shown = months[-1]
    rows = [{"figure": f, "time": duration_text(f.median)} for f in shown.figures]
    trend = [{"duty": duty, "shares": [m.figures[i].share for m in months]} for i, duty in enumerate(compliance.DUTIES)]
    return render(
        request,
        "oversight/compliance.html",
        {
            "authority": authority,
            "shown": shown,
            "rows": rows,
            "months": months,
            "trend": trend,
            "previous": compliance.month_of(shown.month - datetime.timedelta(days=1)),
            "next": compliance.month_of(shown.month + datetime.timedelta(days=31))
            if shown.month < _last_complete_month()
            else None,
            "overseen": compliance.authorities_overseen(request.user).order_by("name"),
            "formats": FORMATS,
            "rates": compliance.interview_rates(
                user=request.user, authority=authority, month=shown.month, why="compliance page"
            ),
        },
    )


@verified_login_required
@require_GET
def compliance_cases_page(request: HttpRequest) -> HttpResponse:
    authority = _authority(request)
    duty = request.GET.get("duty") or compliance.DUTIES[0].code
    if duty not in compliance.DUTY_BY_CODE:
        raise Http404("No such duty.")
    month = _month(request.GET.get("month"), _last_complete_month())
    figure = compliance.compliance_cases(
        user=request.user, authority=authority, duty=duty, month=month, why="compliance cases page"
    )
    cases = [
        {"case": case, "time": duration_text(case.took) if case.took is not None else "Not done"}
        for case in figure.cases
    ]
    return render(request, "oversight/cases.html", {"authority": authority, "figure": figure, "cases": cases})


@verified_login_required
@require_GET
def compliance_download(request: HttpRequest) -> HttpResponse:
    """The figures for twelve months: counts and times only, no child, so no second factor asked."""
    authority = _authority(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404("No such format.")
    last = _month(request.GET.get("month"), _last_complete_month())
    months = compliance.compliance_by_month(
        user=request.user,
        authority=authority,
        first=_months_back(last, MONTHS_SHOWN),
        last=last,
        why="compliance figures download",
    )
    audit_record(
        user=request.user,
        action=Action.EXPORT,
        object_type="compliance",
        object_id=authority.code,
        why="compliance figures download",
        detail={"format": fmt, "last": last.isoformat()},
    )
    return export_response(
        header=compliance.FIGURES_HEADER,
        rows=compliance.figures_rows(months),
        fmt=fmt,
        sheet="Compliance",
        filename=f"compliance-{authority.code}-{last:%Y-%m}",
    )


class AnnexAForm(forms.Form):
    format = forms.ChoiceField(
        label="File format",
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
        initial="xlsx",
        error_messages={"required": "Select a file format", "invalid_choice": "Select a file format"},
    )
    code = forms.CharField(required=False, max_length=8)

    def __init__(self, *args, **kwargs) -> None:
        # Ids are the field names: the error summary links to #format (the first radio) and #code.
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


def _confirm_within_minutes() -> int:
    return getattr(settings, "HOMEWARD_EXPORT_CONFIRM_MINUTES", CONFIRM_WITHIN_MINUTES)


def _confirmed_recently(request: HttpRequest) -> bool:
    at = request.session.get(CONFIRMED_AT_KEY)
    return isinstance(at, int) and time.time() - at <= _confirm_within_minutes() * 60


def _confirm_second_factor(request: HttpRequest, code: str) -> str | None:
    """Check the code on the device the person signed in with; None when it is right."""
    device = getattr(request.user, "otp_device", None)
    if device is None:
        raise PermissionDenied("Signed in without a second factor.")
    if not code:
        return "Enter the 6-digit code from your authenticator app"
    # django-otp makes each wrong code wait longer before the next is checked, as at sign-in.
    allowed, _ = device.verify_is_allowed()
    if allowed and device.verify_token(code):
        request.session[CONFIRMED_AT_KEY] = int(time.time())
        return None
    # A wrong code counts towards the lockout like one at sign-in (django-axes listens for this).
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()}, request=request)
    if not allowed:
        return "You entered a wrong code a moment ago. Wait a few seconds, then try again"
    return "The code is not right. Enter the code your authenticator app shows now"


@verified_login_required
@require_http_methods(["GET", "POST"])
def annex_a_page(request: HttpRequest) -> HttpResponse:
    authority = _authority(request)
    count = annex_a.annex_a_count(user=request.user, authority=authority)
    form = AnnexAForm(request.POST or None)
    errors = {}
    if request.method == "POST" and form.is_valid():
        error = None if _confirmed_recently(request) else _confirm_second_factor(request, form.cleaned_data["code"])
        if error is None:
            fmt = form.cleaned_data["format"]
            rows = annex_a.annex_a_rows(user=request.user, authority=authority, why=f"Annex A download ({fmt})")
            return export_response(
                header=annex_a.HEADER,
                rows=[row.cells() for row in rows],
                fmt=fmt,
                sheet="Annex A",
                filename=f"annex-a-children-in-care-{authority.code}-{timezone.localdate():%Y%m%d}",
            )
        errors["code"] = error
    errors.update({name: messages[0] for name, messages in form.errors.items()})
    return render(
        request,
        "oversight/annex_a.html",
        {
            "authority": authority,
            "count": count,
            "form": form,
            "field_errors": errors,
            "errors": [{"href": f"#{name}", "text": text} for name, text in errors.items()],
            "confirmed": _confirmed_recently(request),
            "minutes": _confirm_within_minutes(),
            "overseen": compliance.authorities_overseen(request.user).order_by("name"),
        },
        status=400 if errors else 200,
    )


def _pack_page(
    request: HttpRequest, authority: Agency, last: datetime.date, *, error: str | None = None
) -> HttpResponse:
    pack = inspection_pack(
        user=request.user, authority=authority, first=_months_back(last, MONTHS_SHOWN), last=last, why="inspection pack"
    )
    return render(
        request,
        "oversight/pack.html",
        {
            "authority": authority,
            "pack": pack,
            "overseen": compliance.authorities_overseen(request.user).order_by("name"),
            "confirmed": _confirmed_recently(request),
            "minutes": _confirm_within_minutes(),
            "code_error": error,
            "errors": [{"href": "#code", "text": error}] if error else [],
        },
        status=400 if error else 200,
    )


@verified_login_required
@require_GET
def inspection_pack_page(request: HttpRequest) -> HttpResponse:
    return _pack_page(request, _authority(request), _month(request.GET.get("month"), _last_complete_month()))


@verified_login_required
@require_POST
def inspection_pack_pdf(request: HttpRequest) -> HttpResponse:
    """The pack as a PDF. It names children and leaves Homeward, so, like Annex A, it asks for the
    second factor again (unless confirmed a few minutes ago)."""
    authority = _authority(request)
    last = _month(request.POST.get("month"), _last_complete_month())
    error = (
        None if _confirmed_recently(request) else _confirm_second_factor(request, request.POST.get("code", "").strip())
    )
    if error is not None:
        return _pack_page(request, authority, last, error=error)
    pack = inspection_pack(
        user=request.user,
        authority=authority,
        first=_months_back(last, MONTHS_SHOWN),
        last=last,
        why="inspection pack PDF",
        exported=True,
    )
    user = request.user
    content = pack_pdf.render(
        pack,
        base_url=request.build_absolute_uri("/"),
        printed_by=f"{user.get_full_name() or user.username}, {user.agency.name}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inspection-pack-{authority.code}-{last:%Y-%m}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
