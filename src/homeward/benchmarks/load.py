"""`homeward bench load`: sustained load on the real server at national scale (issue 10).

Loads (or reuses) the board bench's synthetic world, starts `homeward serve --no-worker` on a free
loopback port, and runs locust headless against it for a bounded time (load_locustfile.py): council
social workers signed in to the UI open the board and their children's pages, their case systems
report episodes through the API, and police forces' systems send reports to the police-report API.
Printed per kind of request: sustained requests per second, p50 and p95, failures.

Every write is audited, and the audit chain is appended under one lock (audit.services._lock_chain).
On PostgreSQL the time spent waiting for it is measured from outside the server: pg_locks is sampled
every SAMPLE_SECONDS during the run, and each sample with n backends queued for the chain's advisory
lock counts as n x SAMPLE_SECONDS of waiting (short waits between samples go unseen, so it is a
sampled estimate). Figures are printed, never asserted.

The run leaves its traces in the database as any use would (the audit log is append-only): police
reports under a `LOAD-` reference, and the episodes it opened, which are then recorded as returned so
that the world's open episodes (what the other benches measure) are as they were.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.agencies.services import api_token_create, api_token_revoke
from homeward.audit.models import AuditEvent
from homeward.audit.services import _PG_CHAIN_LOCK
from homeward.benchmarks.common import bench_user, preamble, say_to, signed_in_client
from homeward.benchmarks.world import world_ensure
from homeward.children.models import Child, Placement
from homeward.episodes.models import Episode
from homeward.episodes.services import episode_record_return
from homeward.web.management.commands.serve import STOP_GRACE_SECONDS

LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
REQUESTS = ("board", "child page", "report an episode", "police report API")
SAMPLE_SECONDS = 0.05
COUNCILS = 8  # the councils with most children, whose social workers the users are
PAGES_PER_COUNCIL = 200  # children whose pages each council's users open in turn
SERVER_START_SECONDS = 300  # collectstatic and gunicorn's import of Django on a loaded machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"homeward serve ended with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"homeward serve did not answer within {SERVER_START_SECONDS} s")


def _stop(server: subprocess.Popen) -> int:
    """SIGTERM, as an operator's service manager would; `serve` stops gunicorn cleanly within its grace."""
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=STOP_GRACE_SECONDS + 10)
    except subprocess.TimeoutExpired:
        server.kill()
        return server.wait()


class _ChainLockSampler(threading.Thread):
    """Counts backends queued for the audit chain's advisory lock (a bigint key: classid holds its
    high 32 bits, objid its low 32, objsubid 1), every SAMPLE_SECONDS until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.samples = 0
        self.waiting_samples = 0  # samples in which at least one backend waited
        self.waiting_total = 0  # sum over samples of the backends waiting
        self.most_waiting = 0
        self.longest_wait = 0.0  # the longest wait seen so far in any sample, from its statement's start

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                while not self.stopping.wait(SAMPLE_SECONDS):
                    cursor.execute(
                        "SELECT count(*), coalesce(max(extract(epoch FROM clock_timestamp() - a.query_start)), 0)"
                        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        " WHERE l.locktype = 'advisory' AND NOT l.granted AND l.database = a.datid"
                        " AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
                        [_PG_CHAIN_LOCK >> 32, _PG_CHAIN_LOCK & 0xFFFFFFFF],
                    )
                    waiting, longest = cursor.fetchone()
                    self.samples += 1
                    self.waiting_total += waiting
                    self.waiting_samples += waiting > 0
                    self.most_waiting = max(self.most_waiting, waiting)
                    self.longest_wait = max(self.longest_wait, float(longest))
        finally:
            connection.close()


def _plan(*, users: int, seconds: int, stamp: str) -> tuple[dict, list[str]]:
    """Who the locust users are: sessions and tokens made here, children they may open or report."""
    councils = list(
        Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY)
        .annotate(n=Count("children"))
        .filter(n__gt=0)
        .order_by("-n", "code")[:COUNCILS]
    )
    forces = list(Agency.objects.filter(kind=AgencyKind.POLICE).order_by("code")[:COUNCILS])
    if not councils or not forces:
        raise RuntimeError("The world has no councils with children or no police forces.")
    open_episode = Episode.objects.filter(child=OuterRef("pk"), returned_at__isnull=True)
    placed = Placement.objects.current().filter(child=OuterRef("pk"))
    # At most one report a second per user: enough children that none is reported twice.
    per_council = -(-users * seconds // len(councils))
    prefixes, plan = (
        [],
        {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "reference_prefix": f"LOAD-{stamp}-",
            "councils": [],
            "forces": [],
            "to_report": [],
        },
    )
    for council in councils:
        session = signed_in_client(bench_user(council, Role.SOCIAL_WORKER)).cookies[settings.SESSION_COOKIE_NAME].value
        token, raw = api_token_create(agency_code=council.code, role=Role.SOCIAL_WORKER)
        prefixes.append(token.prefix)
        children = Child.objects.filter(responsible_authority=council).order_by("pk")
        pages = list(children.values_list("pk", flat=True)[:PAGES_PER_COUNCIL])
        free = children.filter(Exists(placed)).exclude(Exists(open_episode)).values_list("pk", flat=True)
        plan["councils"].append({"code": council.code, "session": session, "children": pages})
        plan["to_report"] += [(child_id, raw) for child_id in free.order_by("-pk")[:per_council]]
    for force in forces:
        token, raw = api_token_create(agency_code=force.code, role=Role.POLICE_OFFICER)
        prefixes.append(token.prefix)
        plan["forces"].append({"code": force.code, "token": raw})
    return plan, prefixes


def _last_audit_seq() -> int:
    return AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0


def _read_stats(csv_prefix: str) -> dict[str, dict]:
    with open(f"{csv_prefix}_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def _return_opened(reference_prefix: str) -> int:
    """Record the bench's episodes as returned, so the world's open episodes are as they were."""
    opened = Episode.objects.filter(client_reference__startswith=reference_prefix, returned_at__isnull=True)
    returned = 0
    for episode in opened.select_related("child__responsible_authority"):
        user = bench_user(episode.child.responsible_authority, Role.SOCIAL_WORKER)
        episode_record_return(user=user, why="bench:load", episode=episode, returned_at=timezone.now())
        returned += 1
    return returned


def run_load_bench(
    *, users: int = 20, seconds: int = 60, children: int = 85_000, years: int = 3, seed: int = 1, stdout=sys.stdout
) -> dict:
    if users < 1 or seconds < 1:
        raise ValueError("users and seconds: at least 1")

    say = say_to(stdout)
    figures: dict = {**preamble(say), "users": users, "seconds": seconds}
    figures.update(world_ensure(children=children, years=years, seed=seed, say=say))
    figures["children"] = Child.objects.count()
    say("children", figures["children"])

    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    plan, prefixes = _plan(users=users, seconds=seconds, stamp=stamp)
    say(
        "users",
        f"{users} locust users over {len(plan['councils'])} councils and {len(plan['forces'])} forces, {seconds} s",
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    appends_before = _last_audit_seq()
    with (
        tempfile.TemporaryDirectory(prefix="homeward-load-") as scratch,
        open(Path(scratch) / "serve.log", "w") as serve_log,
        open(Path(scratch) / "locust.log", "w") as locust_log,
    ):
        plan_path = Path(scratch) / "plan.json"
        plan_path.write_text(json.dumps(plan))
        os.chmod(plan_path, 0o600)  # it holds live tokens and sessions until they are revoked below
        server = subprocess.Popen(
            [sys.executable, "-m", "homeward", "serve", "--no-worker", "--bind", f"127.0.0.1:{port}"],
            stdout=serve_log,
            stderr=subprocess.STDOUT,
        )
        sampler = _ChainLockSampler() if connection.vendor == "postgresql" else None
        try:
            _wait_until_serving(url, server)
            say("server", f"homeward serve --no-worker on {url}")
            if sampler:
                sampler.start()
            csv_prefix = str(Path(scratch) / "locust")
            started = time.monotonic()
            # Locust exits 1 when any request failed: the failures are figures, read from its CSV.
            locust = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--only-summary",
                    "-u",
                    str(users),
                    "-r",
                    str(users),
                    "--run-time",
                    f"{seconds}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    url,
                    "--csv",
                    csv_prefix,
                    "--loglevel",
                    "WARNING",
                ],
                env={**os.environ, "HOMEWARD_LOAD_PLAN": str(plan_path)},
                stdout=subprocess.DEVNULL,
                stderr=locust_log,
            )
            elapsed = time.monotonic() - started
        finally:
            if sampler:
                sampler.stopping.set()
                sampler.join()
            figures["server_exit"] = _stop(server)
            for prefix in prefixes:
                api_token_revoke(prefix=prefix)
        if not Path(f"{csv_prefix}_stats.csv").exists():
            raise RuntimeError(
                f"locust exited {locust.returncode} with no figures:\n"
                + (Path(scratch) / "locust.log").read_text()[-2000:]
            )
        stats = _read_stats(csv_prefix)

    say("server stopped", f"exit {figures['server_exit']}")
    say("request", "requests", "failures", "req/s", "p50 ms", "p95 ms")
    for name in (*REQUESTS, "Aggregated"):
        row = stats.get(name)
        if row is None:
            say(name, 0)
            continue
        figures[name] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
        }
        shown = figures[name]
        say(name, shown["requests"], shown["failures"], shown["rps"], shown["p50_ms"], shown["p95_ms"])

    appends = _last_audit_seq() - appends_before
    figures["audit_appends"] = appends
    say("audit entries appended", appends, f"{appends / elapsed:.1f}/s")
    if sampler and sampler.samples:
        waited = sampler.waiting_total * SAMPLE_SECONDS
        figures["audit_lock"] = {
            "samples": sampler.samples,
            "share_with_waiter": round(sampler.waiting_samples / sampler.samples, 3),
            "mean_waiting": round(sampler.waiting_total / sampler.samples, 2),
            "most_waiting": sampler.most_waiting,
            "waited_seconds": round(waited, 1),
            "longest_wait_ms": round(sampler.longest_wait * 1000, 1),
            "wait_per_append_ms": round(waited * 1000 / appends, 1) if appends else None,
        }
        lock = figures["audit_lock"]
        say(
            "audit lock",
            f"{lock['samples']} samples every {SAMPLE_SECONDS * 1000:.0f} ms; a backend waiting in "
            f"{lock['share_with_waiter']:.1%} of them (mean {lock['mean_waiting']}, most {lock['most_waiting']})",
        )
        say(
            "audit lock wait",
            f"about {lock['waited_seconds']} s in all, {lock['wait_per_append_ms']} ms per append; "
            f"longest seen {lock['longest_wait_ms']} ms",
        )
    else:
        say("audit lock", "not sampled (PostgreSQL only: SQLite serialises every write, not the chain alone)")
    figures["episodes_returned"] = _return_opened(plan["reference_prefix"])
    say("episodes opened and returned", figures["episodes_returned"])
    return figures
