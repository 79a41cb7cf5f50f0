"""The one count: the page (table, chart, links to the gaps), its CSV, and the list of gaps with
their likely reasons; and the dashboards, one view for every kind. Figures come from
reporting.selectors and reporting.dashboards, which start from the scoping function."""

import datetime

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from homeward import dates
from homeward.episodes.forms import error_summary
from homeward.linkage.models import Known
from homeward.oversight.exports import export_response
from homeward.reporting import charts, dashboards, disclosure, selectors, snapshots
from homeward.returns.export import collection_year, latest_year_ending
from homeward.web.decorators import no_child_data, verified_login_required

YEARS_SHOWN = 6


def _dates_checked(form: forms.Form, since: datetime.date | None, until: datetime.date | None) -> bool:
    """The period forms' rule for their two dates: both or neither, To not before From. False (with
    the error added to the form) when the dates given do not make a period."""
    if (since is None) != (until is None) and not form.errors:
        form.add_error("until" if since else "since", "Give both dates of the period, or neither")
        return False
    if since and until and until < since:
        form.add_error("until", "To must be on or after From")
        return False
    return True


class PeriodForm(forms.Form):
    """A collection year, or any period from one date to another (ISO dates, for the CSV's callers)."""

    year = forms.TypedChoiceField(label="Year", coerce=int, required=False)
    by = forms.ChoiceField(
        label="Count by",
        required=False,
        widget=forms.RadioSelect,
        choices=[(selectors.BY_COUNCIL, "Council looking after the child"), (selectors.BY_FORCE, "Police force")],
    )
    since = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "From must be a date written as yyyy-mm-dd"},
    )
    until = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "To must be a date written as yyyy-mm-dd"},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        latest = latest_year_ending(today).year
        # The year under way first, and chosen unless another is: a coordinator counts this year's
        # absences as they happen, not only last year's once it is over.
        self.current, self.today = latest + 1, today
        self.fields["year"].choices = [
            (self.current, f"This collection year to date: 1 April {latest} to {dates.when(today)}"),
            *((y, f"1 April {y - 1} to 31 March {y}") for y in range(latest, latest - YEARS_SHOWN, -1)),
        ]
        self.fields["year"].error_messages["invalid_choice"] = "Choose one of the years listed"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        _dates_checked(self, since, until)
        if not data.get("by"):
            data["by"] = selectors.BY_COUNCIL
        if since is None or until is None:
            year = data.get("year") or self.current
            if year == self.current:
                data["since"], data["until"] = datetime.date(year - 1, 4, 1), self.today
            else:
                data["since"], data["until"] = collection_year(datetime.date(year, 3, 31))
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
        rows = selectors.one_count(
            user=request.user, why=_why(request), since=period["since"], until=period["until"], by=period["by"]
        )
        since, until = period["since"], period["until"]
        title = (
            f"Missing and away episodes from {since.day} {since:%B %Y} to {until.day} {until:%B %Y}, "
            f"by {'council' if period['by'] == selectors.BY_COUNCIL else 'police force'}: known to both, police only, council only"
        )
        chart = charts.one_count_bars(rows[:-1][:15], title=title)
    return render(
        request,
        "reporting/one_count.html",
        {
            "form": form,
            "period": period,
            "rows": rows,
            "chart": chart,
            "errors": error_summary(form),
            "query": request.GET.urlencode(),
            "national": selectors.sees_national_figures(request.user),
        },
    )


@verified_login_required
@require_GET
def one_count_csv(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return HttpResponse(
            "\n".join(item["text"] for item in error_summary(form)) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.one_count(
        user=request.user, why=_why(request), since=period["since"], until=period["until"], by=period["by"]
    )
    return export_response(
        header=[
            "from",
            "to",
            "by",
            "code",
            "name",
            "known_to_both",
            "police_only",
            "council_only",
            "combined",
            "police_only_awaiting_review",
        ],
        rows=(
            [
                period["since"].isoformat(),
                period["until"].isoformat(),
                period["by"],
                row.code,
                row.name,
                row.both,
                row.police_only,
                row.council_only,
                row.combined,
                row.awaiting_review,
            ]
            for row in rows
        ),
        fmt="csv",
        filename=f"one-count-{period['by']}-{period['since']:%Y%m%d}-{period['until']:%Y%m%d}",
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
        page = selectors.gaps(
            user=request.user, why=_why(request), since=period["since"], until=period["until"], known=known, page=number
        )
    return render(
        request,
        "reporting/gaps.html",
        {
            "form": form,
            "period": period,
            "page": page,
            "known": known,
            "errors": error_summary(form),
            "title": "Known to the police only" if known == Known.POLICE_ONLY else "Known to the council only",
            "query": request.GET.urlencode(),
        },
    )


class DashboardPeriodForm(forms.Form):
    """The current collection year to date (the default), one of the finished years before it, or any
    period from one date to another (ISO dates, as the one count's form takes them)."""

    period = forms.ChoiceField(label="Period", required=False)
    since = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "From must be a date written as yyyy-mm-dd"},
    )
    until = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "To must be a date written as yyyy-mm-dd"},
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        latest = latest_year_ending(today)
        # 1 April of the collection year under way: the day after the latest finished one ends.
        self.to_date = (latest + datetime.timedelta(days=1), today)
        self.years = {
            str(y): collection_year(datetime.date(y, 3, 31)) for y in range(latest.year, latest.year - YEARS_SHOWN, -1)
        }
        self.fields["period"].choices = [
            ("", f"This collection year to date: 1 April {self.to_date[0].year} to {today.day} {today:%B %Y}"),
            *(
                (value, f"1 April {since.year} to 31 March {until.year}")
                for value, (since, until) in self.years.items()
            ),
        ]
        self.fields["period"].error_messages["invalid_choice"] = "Choose one of the periods listed"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if _dates_checked(self, since, until) and (since is None or until is None):
            data["since"], data["until"] = self.years.get(data.get("period") or "", self.to_date)
        return data


@no_child_data
@verified_login_required
@require_GET
def dashboard_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/dashboards.html", {"choices": dashboards.dashboards_for(user=request.user)})


@verified_login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    # ?kind= names the dashboard; without it, the first of the viewer's (their own council's or force's).
    choices = dashboards.dashboards_for(user=request.user)
    kind = request.GET.get("kind") or (choices[0].kind if choices else "")
    scope = dashboards.dashboard_scope(user=request.user, kind=kind, area=request.GET.get("area", ""))
    form = DashboardPeriodForm(request.GET, today=timezone.localdate())
    period = form.cleaned_data if form.is_valid() else None
    context = {
        "scope": scope,
        "form": form,
        "period": period,
        "errors": error_summary(form),
        "figures": None,
        "area": request.GET.get("area", ""),
    }
    if period and not disclosure.period_allowed(period["since"], period["until"], controlled=scope.controlled):
        context["too_short"] = True
    elif period:
        since, until = period["since"], period["until"]
        dashboards.dashboard_viewed(user=request.user, why=_why(request), scope=scope, since=since, until=until)
        if scope.kind == dashboards.NATIONAL:
            figures, context["computed_at"] = snapshots.national_figures(since=since, until=until)
        else:
            figures = dashboards.dashboard_figures(scope=scope, since=since, until=until)
        tables = _dashboard_tables(figures)
        context.update(
            figures=figures,
            tables=tables,
            charts=_dashboard_charts(tables, since, until),
            fairness=[(name, FAIRNESS_CAPTIONS[name], rows) for name, rows in figures["fairness"].items()],
        )
    return render(request, "reporting/dashboard.html", context)


FAIRNESS_CAPTIONS = {"ethnicity": "By ethnic group", "age": "By age when the episode began", "sex": "By sex"}


def _dashboard_tables(figures: dict) -> dict[str, list]:
    """Each figure as the rows of its table: label first, then the counts (None: suppressed)."""
    durations = {key: label for key, label, _ in dashboards.DURATIONS} | {
        dashboards.STILL_OPEN[0]: dashboards.STILL_OPEN[1]
    }
    codes = {label: ", ".join(group) for label, group in dashboards.PLACEMENT_GROUPS}
    interviews = figures["return_interviews"]
    return {
        "months": [
            (f"{month:%B %Y}", row["missing"], row["away"], row["all"]) for month, row in figures["months"].items()
        ],
        "durations": [(durations[key], n) for key, n in figures["durations"].items()],
        "time_of_day": list(figures["time_of_day"].items()),
        "placements": [
            (label, codes.get(label, "any other"), n) for label, n in figures["placements"]["types"].items()
        ],
        "return_interviews": [(label, interviews[key]) for key, label in dashboards.INTERVIEW_FIGURES],
    }


def _dashboard_charts(tables: dict, since: datetime.date, until: datetime.date) -> dict[str, str]:
    """The charts drawn from the tables' rows, so a chart and its table cannot disagree."""
    during = f"from {since.day} {since:%B %Y} to {until.day} {until:%B %Y}"
    one = [("n", "Episodes")]
    return {
        "months": charts.bars(
            [
                (label[:3] + label[-5:], {"missing": missing, "away": away}, total)
                for label, missing, away, total in tables["months"]
            ],
            series=[("missing", "Missing"), ("away", "Away")],
            chart_id="chart-months",
            title=f"Missing and away episodes by the month they began, {during}",
        ),
        "durations": charts.bars(
            [(label, {"n": n}) for label, n in tables["durations"]],
            series=one,
            chart_id="chart-durations",
            title=f"How long the episodes that began {during} lasted",
        ),
        "time_of_day": charts.bars(
            [(label, {"n": n}) for label, n in tables["time_of_day"]],
            series=one,
            chart_id="chart-time-of-day",
            title=f"Time of day episodes began, {during}",
        ),
        "placements": charts.bars(
            [(label, {"n": n}) for label, _, n in tables["placements"]],
            series=one,
            chart_id="chart-placements",
            title=f"Placement the child was in when an episode began, {during}",
        ),
        "return_interviews": charts.bars(
            [(label, {"n": n}) for label, n in tables["return_interviews"]],
            series=one,
            chart_id="chart-return-interviews",
            title=f"Return interviews after episodes that began {during} and have ended",
        ),
    }
