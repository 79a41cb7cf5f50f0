"""`homeward bench placements`: the placement check at national scale (placements issue).

Loads (or reuses) the same synthetic world as `homeward bench board` (homeward.synth: by default
85,000 children looked after on 31 March, with three years of history, and about 3,800 homes) into
the database DATABASE_URL names, then times what a social worker waits for before placing a child:
`POST /api/v1/placement-checks/` (geography, the approvals the placement needs, the home's record,
location intelligence with its map, the child's own history), through the whole stack as a
signed-in, verified social worker at the council with the most children. Each check is for one of
that council's children looked after now and one home chosen at random from all of England (most
are distant), starting a week ahead, as a K2 children's home placement. `GET /healthz` is timed as
many times, interleaved, so the check's figures stand beside what the same machine and database
answer for nothing at all.

The checks it made (and their requirements and alert clocks) are removed at the end, so a rerun
starts the same. Figures are printed, never asserted: the target is the check's p95 under 200 ms.
"""

import datetime
import json
import random
import sys
import time
from collections import Counter

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

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
from homeward.places import maps, postcodes
from homeward.scrutiny.models import PlacementCheck, Requirement

CHECK_URL = "/api/v1/placement-checks/"
HEALTH_URL = "/healthz"
PLACEMENT_TYPE = "K2"  # a children's home
TARGET_P95_MS = 200
# services._clock_key: each requirement's overdue clock, and the director's rung it sets when it fires.
CLOCK_RUNGS = (0, 1)


def _clean_up(user) -> dict[str, int]:
    """Remove the bench user's checks (their requirements cascade) and the clocks those set."""
    from homeward.tasks.models import Status, Task

    requirement_ids = list(Requirement.objects.filter(placement_check__run_by=user).values_list("pk", flat=True))
    keys = [f"clock:requirement:{pk}:overdue:{rung}" for pk in requirement_ids for rung in CLOCK_RUNGS]
    clocks = 0
    for start in range(0, len(keys), 1000):
        # As tasks.queue.cancel, in bulk: only a queued task can be recalled.
        clocks += Task.objects.filter(dedupe_key__in=keys[start : start + 1000], status=Status.QUEUED).delete()[0]
    checks = PlacementCheck.objects.filter(run_by=user)
    count = checks.count()
    checks.delete()
    return {"checks": count, "requirements": len(requirement_ids), "clocks": clocks}


class _Progress:
    """A line rewritten on stderr when it is a terminal (neither rich nor tqdm is a dependency)."""

    def __init__(self, total: int, stream=None) -> None:
        self.total, self.stream = total, stream or sys.stderr
        self.on = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.perf_counter()

    def step(self, done: int, failures: int) -> None:
        if not self.on or (done != self.total and done % max(1, self.total // 100)):
            return
        elapsed = time.perf_counter() - self.started
        eta = elapsed / done * (self.total - done) if done else 0
        width = 30
        bar = "#" * (width * done // self.total) + "-" * (width - width * done // self.total)
        self.stream.write(
            f"\rplacement checks [{bar}] {done}/{self.total}  failures {failures}  {elapsed:.0f} s, about {eta:.0f} s left "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\n")
            self.stream.flush()


def run_placements_bench(
    *, children: int = 85_000, years: int = 3, seed: int = 1, repeats: int = 200, stdout=sys.stdout
) -> dict:
    """Make (or reuse) and load (or reuse) the world, time the placement check and /healthz
    interleaved, print and return the figures."""

    if repeats < 1:
        raise ValueError("repeats: at least 1")

    say = say_to(stdout)
    figures: dict = {**preamble(say), "seed": seed, "children_wanted": children, "years": years, "repeats": repeats}
    figures.update(world_ensure(children=children, years=years, seed=seed, say=say))
    figures["analysed"] = analyse_tables_never_analysed(say)

    homes = list(
        Agency.objects.filter(kind=AgencyKind.PROVIDER)
        .exclude(postcode="")
        .order_by("code")
        .values_list("code", "postcode")
    )
    figures["homes"] = Agency.objects.filter(kind=AgencyKind.PROVIDER).count()
    figures["homes_with_postcode"] = len(homes)
    figures["children"] = Child.objects.count()
    figures["children_looked_after_now"] = Placement.objects.current().values("child").distinct().count()
    say("homes", figures["homes"], f"{len(homes)} with a postcode, chosen from")
    say(
        "children",
        figures["children"],
        f"{figures['children_looked_after_now']} looked after now (the rest have left care)",
    )

    largest = (
        Child.objects.values("responsible_authority")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_authority")
        .first()
    )
    if largest is None or not homes:
        raise RuntimeError("The world has no children or no homes with a postcode: nothing to check.")
    council = Agency.objects.get(pk=largest["responsible_authority"])
    today = timezone.localdate()
    start_date = today + datetime.timedelta(days=7)
    looked_after = sorted(
        set(
            Placement.objects.current(today)
            .filter(child__responsible_authority=council)
            .values_list("child_id", flat=True)
        )
    )
    pool = looked_after or sorted(Child.objects.filter(responsible_authority=council).values_list("pk", flat=True))
    figures["council"] = {
        "code": council.code,
        "name": council.name,
        "children": largest["n"],
        "looked_after_now": len(looked_after),
    }
    say(
        "council",
        f"{council.name} ({council.code})",
        f"{largest['n']} children",
        f"{len(looked_after)} looked after now, chosen from",
    )

    user = bench_user(council, Role.SOCIAL_WORKER)
    say("signed in as", f"{user.username} (social worker, second factor verified)")
    _clean_up(user)  # a run that died half way left its checks: start from none
    client = signed_in_client(user)
    last_home_postcode = Subquery(
        Placement.objects.filter(child=OuterRef("pk")).order_by("-start_date").values("home_postcode")[:1]
    )

    rng = random.Random(seed)
    failures: list[str] = []  # the checks' (status not 201), first error first
    health_failures: list[str] = []
    relations: Counter[str] = Counter()

    def check_once() -> tuple[float, object]:
        child_id = rng.choice(pool)
        urn, postcode = rng.choice(homes)
        home_postcode = (
            Child.objects.filter(pk=child_id).annotate(h=last_home_postcode).values_list("h", flat=True).first() or ""
        )
        body = {
            "child_id": child_id,
            "start_date": start_date.isoformat(),
            "placement_type": PLACEMENT_TYPE,
            "placement_postcode": postcode,
            "home_postcode": home_postcode,
            "urn": urn,
            "emergency": False,
        }
        started = time.perf_counter()
        try:
            response = client.post(CHECK_URL, data=json.dumps(body), content_type="application/json", secure=True)
        except Exception as error:  # the test client re-raises a view's exception: a failure like a 500
            elapsed = time.perf_counter() - started
            failures.append(f"{type(error).__name__}: {error} (child {child_id}, home {urn} {postcode})")
            return elapsed, None
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            failures.append(
                f"{response.status_code} {response.content.decode('utf-8', 'replace')[:500]} "
                f"(child {child_id}, home {urn} {postcode})"
            )
        else:
            relations[response.json().get("relation", "?")] += 1
        return elapsed, response

    def health_once() -> float:
        started = time.perf_counter()
        response = client.get(HEALTH_URL, secure=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            health_failures.append(f"{response.status_code} {response.content[:200]!r}")
        return elapsed

    # A server process reads the postcode directory one initial letter at a time, on first use, and
    # works out that letter's sector centres for maps once: seconds a letter. Done here for the
    # homes' letters before timing (a long-running server has them), and the time it took printed.
    started = time.perf_counter()
    letters = {}
    for _, postcode in homes:
        if (found := postcodes.lookup(postcode)) is not None and found.postcode[0] not in letters:
            letters[found.postcode[0]] = maps.sector_centre(found.sector)
    figures["postcode_warm_up_seconds"] = round(time.perf_counter() - started, 1)
    say(
        "postcode directory",
        f"{len(letters)} initial letters read and their sector centres worked out in "
        f"{figures['postcode_warm_up_seconds']} s, before timing (once per server process)",
    )

    check_times: list[float] = []
    health_times: list[float] = []
    progress = _Progress(repeats)
    try:
        # Warm-up (first connection, first request through the stack): not counted, its failure apart.
        check_once()
        health_once()
        warm_failures = len(failures)
        relations.clear()
        for done in range(1, repeats + 1):
            check_times.append(check_once()[0])
            health_times.append(health_once())
            progress.step(done, len(failures) - warm_failures)
        progress.close()
    finally:
        cleaned = _clean_up(user)

    figures["failures"] = len(failures) - warm_failures
    figures["warm_up_failures"] = warm_failures
    figures["relations"] = dict(relations)
    figures["check"] = percentiles(check_times) if check_times else {}
    figures["healthz"] = percentiles(health_times) if health_times else {}
    figures["cleaned_up"] = cleaned
    check, health = figures["check"], figures["healthz"]
    say(
        f"placement check POST {CHECK_URL}",
        f"p50 {check['p50_ms']} ms",
        f"p95 {check['p95_ms']} ms",
        f"max {check['max_ms']} ms",
        f"n {len(check_times)}",
    )
    say(
        f"healthz GET {HEALTH_URL}",
        f"p50 {health['p50_ms']} ms",
        f"p95 {health['p95_ms']} ms",
        f"max {health['max_ms']} ms",
        f"n {len(health_times)}",
    )
    say("relations", ", ".join(f"{name} {n}" for name, n in sorted(relations.items())) or "none")
    say(
        "failures",
        f"{figures['failures']} of {repeats}",
        *([f"(and {warm_failures} in the warm-up)"] if warm_failures else []),
    )
    if failures:
        say("first error", failures[0])
    figures["healthz_failures"] = len(health_failures)
    if health_failures:
        say("healthz failures", f"{len(health_failures)} of {repeats + 1}", health_failures[0])
    say("cleaned up", f"{cleaned['checks']} checks, {cleaned['requirements']} requirements, {cleaned['clocks']} clocks")
    met = check["p95_ms"] < TARGET_P95_MS
    figures["target_met"] = met
    say(
        "summary",
        f"placement check p95 {check['p95_ms']} ms beside /healthz p95 {health['p95_ms']} ms",
        f"target under {TARGET_P95_MS} ms",
        "met" if met else "NOT MET",
        f"{figures['children']} children, {figures['homes']} homes, {figures['database']}, {figures['machine']}",
    )
    return figures
