"""`homeward bench dashboards`: every kind of dashboard at national scale (issue 9, item 5).

Loads (or reuses) the board bench's synthetic world (by default every child looked after in England,
85,000, with three years of history: about 87,000 episodes a year), then times each dashboard page
through the whole stack (`GET /reports/dashboard/?kind=...`, figures, charts and tables) as a signed-in,
verified user of the agency with most to count: the council looking after the most children (its own
dashboard and its partnership's), the council hosting the most children placed by others, the force
policing the most placements, and a national analyst. Each page is for the latest finished collection
year, the last the world covers in full (its history ends on 31 March). England's figures are
computed ahead first, as `homeward refresh-dashboards` does, and that computation is timed and
printed too. `GET /healthz` is timed as many times, interleaved. Figures are printed, never asserted: the target is each p95 under 300 ms.
Each page view is audited as any is (the log is append-only): a run adds one entry per page.
"""

import sys
import time

from django.db.models import Count, F

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.benchmarks.common import (
    analyse_tables_never_analysed,
    bench_user,
    percentiles,
    preamble,
    say_to,
    signed_in_client,
)
from homeward.benchmarks.world import world_ensure
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode
from homeward.reporting.snapshots import national_figures_refresh
from homeward.returns.export import collection_year, latest_year_ending

HEALTH_URL = "/healthz"
TARGET_P95_MS = 300


def _most(queryset, field: str) -> Agency:
    top = queryset.values(field).annotate(n=Count("id")).order_by("-n", field).first()
    if top is None:
        raise RuntimeError("The world has no placements or children: nothing to count.")
    return Agency.objects.get(pk=top[field])


def run_dashboards_bench(
    *, children: int = 85_000, years: int = 3, seed: int = 1, repeats: int = 50, stdout=sys.stdout
) -> dict:
    if repeats < 1:
        raise ValueError("repeats: at least 1")

    say = say_to(stdout)
    figures: dict = {**preamble(say), "seed": seed, "children_wanted": children, "years": years, "repeats": repeats}
    figures.update(world_ensure(children=children, years=years, seed=seed, say=say))
    figures["analysed"] = analyse_tables_never_analysed(say)

    from django.utils import timezone

    year = latest_year_ending(timezone.localdate())
    figures["children"] = Child.objects.count()
    figures["episodes_in_year"] = Episode.objects.filter(started_at__year__in=(year.year - 1, year.year)).count()
    say(
        "children",
        figures["children"],
        f"episodes begun in {year.year - 1} and {year.year}: {figures['episodes_in_year']}",
    )

    council = _most(Child.objects.all(), "responsible_authority")
    host = _most(
        Placement.objects.exclude(host_authority=F("child__responsible_authority")).exclude(host_authority=None),
        "host_authority",
    )
    force = _most(Placement.objects.exclude(police_force=None), "police_force")
    national, _ = Agency.objects.get_or_create(
        code="DFE", defaults={"kind": AgencyKind.NATIONAL, "name": "Department for Education"}
    )
    period = f"?period={year.year}"
    pages = [
        (
            "council",
            bench_user(council, Role.MISSING_COORDINATOR),
            f"/reports/dashboard/{period}&kind=council",
            council.name,
        ),
        ("host", bench_user(host, Role.MISSING_COORDINATOR), f"/reports/dashboard/{period}&kind=host", host.name),
        ("police", bench_user(force, Role.POLICE_COORDINATOR), f"/reports/dashboard/{period}&kind=police", force.name),
        (
            "partnership",
            bench_user(council, Role.MISSING_COORDINATOR),
            f"/reports/dashboard/{period}&kind=partnership",
            council.name,
        ),
        (
            "national",
            bench_user(national, Role.NATIONAL_ANALYST),
            f"/reports/dashboard/{period}&kind=national",
            "England",
        ),
    ]
    say("period", f"1 April {year.year - 1} to 31 March {year.year} (the latest finished collection year)")
    # England's figures are computed ahead (reporting.snapshots, `homeward refresh-dashboards` from
    # cron): done here as the job does it, and timed, since that is what grouping every episode costs.
    since, until = collection_year(year)
    kept = national_figures_refresh(since=since, until=until)
    figures["national_computed_seconds"] = kept.seconds
    say("national figures computed ahead", f"in {kept.seconds} s (what the page would cost live)")

    clients = {kind: signed_in_client(user) for kind, user, _, _ in pages}
    timings: dict[str, list[float]] = {kind: [] for kind, *_ in pages}
    health: list[float] = []
    failures: list[str] = []
    for number in range(repeats + 1):  # the first round is a warm-up, not counted
        for kind, _, url, _ in pages:
            started = time.perf_counter()
            response = clients[kind].get(url, secure=True)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or b'data-testid="key-figures"' not in response.content:
                failures.append(f"{kind} {response.status_code}")
            started_health = time.perf_counter()
            clients[kind].get(HEALTH_URL, secure=True)
            if number:
                timings[kind].append(elapsed)
                health.append(time.perf_counter() - started_health)

    figures["healthz"] = percentiles(health)
    figures["failures"] = len(failures)
    met = True
    for kind, _, _, whose in pages:
        figures[kind] = percentiles(timings[kind])
        met &= figures[kind]["p95_ms"] < TARGET_P95_MS
        say(
            f"dashboard {kind}",
            whose,
            f"p50 {figures[kind]['p50_ms']} ms",
            f"p95 {figures[kind]['p95_ms']} ms",
            f"max {figures[kind]['max_ms']} ms",
            f"n {len(timings[kind])}",
        )
    say(
        f"healthz GET {HEALTH_URL}",
        f"p50 {figures['healthz']['p50_ms']} ms",
        f"p95 {figures['healthz']['p95_ms']} ms",
        f"max {figures['healthz']['max_ms']} ms",
        f"n {len(health)}",
    )
    say("failures", len(failures), *failures[:3])
    figures["target_met"] = met
    say(
        "summary",
        ", ".join(f"{kind} p95 {figures[kind]['p95_ms']} ms" for kind, *_ in pages),
        f"beside /healthz p95 {figures['healthz']['p95_ms']} ms",
        f"target under {TARGET_P95_MS} ms",
        "met" if met else "NOT MET",
        f"{figures['children']} children, {figures['database']}, {figures['machine']}",
    )
    return figures
