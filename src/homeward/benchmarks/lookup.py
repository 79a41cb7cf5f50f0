"""`homeward bench lookup`: the missing look-up at national scale (issue 14).

Loads (or reuses) the board bench's synthetic world (by default every child looked after in England,
85,000, with three years of history and a few hundred open missing episodes at once), then times
`POST /api/v1/missing-lookup/` through the whole stack as signed-in, verified police officers of
forces chosen at random: two searches in three are for a child missing now, by a name misspelled
(one letter changed) with sex and age; one in three is for a looked-after child who is not missing.
Each officer searches fewer times than the throttle allows, so none is held back. `GET /healthz` is
timed as many times, interleaved. Figures are printed, never asserted: the target is p95 under 300 ms.
Searches are audited as any are (the log is append-only): a run adds two or three entries per search.
"""

import json
import random
import string
import sys
import time

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.benchmarks.common import bench_user, percentiles, preamble, say_to, signed_in_client
from homeward.benchmarks.world import world_ensure
from homeward.children.models import Child
from homeward.episodes.lookup import SEARCHES_PER_WINDOW, _open_missing

LOOKUP_URL = "/api/v1/missing-lookup/"
HEALTH_URL = "/healthz"
TARGET_P95_MS = 300


def _misspelled(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    at = rng.randrange(1, len(name))
    return name[:at] + rng.choice(string.ascii_lowercase) + name[at + 1 :]


def run_lookup_bench(
    *, children: int = 85_000, years: int = 3, seed: int = 1, repeats: int = 200, stdout=sys.stdout
) -> dict:
    if repeats < 1:
        raise ValueError("repeats: at least 1")

    say = say_to(stdout)
    figures: dict = {**preamble(say), "seed": seed, "children_wanted": children, "repeats": repeats}
    figures.update(world_ensure(children=children, years=years, seed=seed, say=say))
    figures["children"] = Child.objects.count()
    missing = list(
        _open_missing()
        .select_related("child")
        .values_list("child__first_name", "child__last_name", "child__sex", "child__date_of_birth")
    )
    figures["open_missing"] = len(missing)
    say("children", figures["children"])
    say("open missing episodes", len(missing))
    others = list(
        Child.objects.exclude(pk__in=_open_missing().values("child_id"))
        .order_by("pk")
        .values_list("first_name", "last_name", "sex", "date_of_birth")[:5000]
    )
    forces = list(Agency.objects.filter(kind=AgencyKind.POLICE).order_by("code"))
    if not forces or not (missing or others):
        raise RuntimeError("The world has no police forces or no children: nothing to search.")

    rng = random.Random(seed)
    per_officer = max(1, SEARCHES_PER_WINDOW - 5)
    officers, clients = [], []
    for number in range(-(-(repeats + 1) // per_officer)):
        force = forces[number % len(forces)]
        user = bench_user(force, Role.POLICE_OFFICER)
        if user in officers:  # more searches than forces x throttle: a second officer per force
            user = bench_user(force, Role.POLICE_COORDINATOR)
        officers.append(user)
        clients.append(signed_in_client(user))
    say(
        "officers",
        len(officers),
        f"of {len({o.agency_id for o in officers})} forces, at most {per_officer} searches each",
    )

    from django.utils import timezone

    today = timezone.localdate()
    lookups, health, failures, found, asked_missing = [], [], [], 0, 0
    for number in range(repeats + 1):  # the first of each is a warm-up, not counted
        is_missing = missing and (not others or rng.random() < 2 / 3)
        first, last, sex, dob = rng.choice(missing if is_missing else others)
        age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
        body = {
            "reason": "bench: child at a station at 2am",
            "name": f"{_misspelled(first, rng)} {last}",
            "sex": sex,
            "age": age,
        }
        client = clients[number // per_officer]
        started = time.perf_counter()
        response = client.post(LOOKUP_URL, data=json.dumps(body), content_type="application/json", secure=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            failures.append(f"{response.status_code} {response.content[:300]!r}")
        elif number:
            asked_missing += bool(is_missing)
            names = [m["name"] for m in response.json()["matches"]]
            found += bool(is_missing and f"{first} {last}" in names)
        started_health = time.perf_counter()
        client.get(HEALTH_URL, secure=True)
        health_elapsed = time.perf_counter() - started_health
        if number:
            lookups.append(elapsed)
            health.append(health_elapsed)
    figures["lookup"] = percentiles(lookups)
    figures["healthz"] = percentiles(health)
    figures["failures"] = len(failures)
    figures["missing_found_in_matches"] = f"{found}/{asked_missing}"
    say(
        "search",
        f"p50 {figures['lookup']['p50_ms']} ms",
        f"p95 {figures['lookup']['p95_ms']} ms",
        f"max {figures['lookup']['max_ms']} ms",
        f"(target p95 < {TARGET_P95_MS} ms)",
    )
    say(
        "/healthz",
        f"p50 {figures['healthz']['p50_ms']} ms",
        f"p95 {figures['healthz']['p95_ms']} ms",
        f"max {figures['healthz']['max_ms']} ms",
    )
    say("missing children found by a misspelled name", figures["missing_found_in_matches"])
    say("failures", len(failures), *failures[:3])
    return figures
