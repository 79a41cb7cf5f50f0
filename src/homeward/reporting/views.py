"""The one count: the page (table, chart, links to the gaps), its CSV, and the list of gaps with
their likely reasons. Figures come from reporting.selectors, which start from the scoping function."""

import datetime

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from homeward.episodes.forms import error_summary
from homeward.linkage.models import Known
from homeward.oversight.exports import export_response
from homeward.reporting import charts, selectors
from homeward.returns.export import collection_year, latest_year_ending
from homeward.web.decorators import verified_login_required

YEARS_SHOWN = 6


class PeriodForm(forms.Form):
    """A collection year, or any period from one date to another (ISO dates, for the CSV's callers)."""

    year = forms.TypedChoiceField(label="Year", coerce=int, required=False)
    by = forms.ChoiceField(label="Count by", required=False, widget=forms.RadioSelect,
                           choices=[(selectors.BY_COUNCIL, "Council looking after the child"), (selectors.BY_FORCE, "Police force")])
    since = forms.DateField(label="From", required=False, input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": "From must be a date written as yyyy-mm-dd"})
    until = forms.DateField(label="To", required=False, input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": "To must be a date written as yyyy-mm-dd"})

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        latest = latest_year_ending(timezone.localdate()).year
        self.latest = latest
        self.fields["year"].choices = [
            (y, f"1 April {y - 1} to 31 March {y}") for y in range(latest, latest - YEARS_SHOWN, -1)
        ]
        self.fields["year"].error_messages["invalid_choice"] = "Choose one of the years listed"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if (since is None) != (until is None) and not self.errors:
            self.add_error("until" if since else "since", "Give both dates of the period, or neither")
        elif since and until and until < since:
            self.add_error("until", "To must be on or after From")
        if not data.get("by"):
            data["by"] = selectors.BY_COUNCIL
        if since is None or until is None:
            data["since"], data["until"] = collection_year(datetime.date(data.get("year") or self.latest, 3, 31))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, dict | None]:
    form = PeriodForm(request.GET)
    return form, (form.cleaned_data if form.is_valid() else None)


def _why(request: HttpRequest) -> str:
    return request.resolver_match.view_name


@verified_login_required
@require_GET
def one_count_page(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    rows = []
    chart = ""
    if period:
        rows = selectors.one_count(user=request.user, why=_why(request), since=period["since"], until=period["until"],
                                   by=period["by"])
        since, until = period["since"], period["until"]
        title = (f"Missing and away episodes from {since.day} {since:%B %Y} to {until.day} {until:%B %Y}, "
                 f"by {'council' if period['by'] == selectors.BY_COUNCIL else 'police force'}: known to both, police only, council only")
        chart = charts.one_count_bars(rows[:-1][:15], title=title)
    return render(request, "reporting/one_count.html", {
        "form": form, "period": period, "rows": rows, "chart": chart, "errors": error_summary(form),
        "query": request.GET.urlencode(), "national": selectors.sees_national_figures(request.user),
    })


@verified_login_required
@require_GET
def one_count_csv(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return HttpResponse("\n".join(item["text"] for item in error_summary(form)) + "\n", status=400,
                            content_type="text/plain; charset=utf-8")
    rows = selectors.one_count(user=request.user, why=_why(request), since=period["since"], until=period["until"],
                               by=period["by"])
    return export_response(
        header=["from", "to", "by", "code", "name", "known_to_both", "police_only", "council_only", "combined",
                "police_only_awaiting_review"],
        rows=([period["since"].isoformat(), period["until"].isoformat(), period["by"], row.code, row.name,
               row.both, row.police_only, row.council_only, row.combined, row.awaiting_review] for row in rows),
        fmt="csv", filename=f'one-count-{period["by"]}-{period["since"]:%Y%m%d}-{period["until"]:%Y%m%d}',
    )


@verified_login_required
@require_GET
def gaps_page(request: HttpRequest, known: str) -> HttpResponse:
    form, period = _period(request)
    page = None
    if period:
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        page = selectors.gaps(user=request.user, why=_why(request), since=period["since"], until=period["until"],
                              known=known, page=number)
    return render(request, "reporting/gaps.html", {
        "form": form, "period": period, "page": page, "known": known, "errors": error_summary(form),
        "title": "Known to the police only" if known == Known.POLICE_ONLY else "Known to the council only",
        "query": request.GET.urlencode(),
    })
