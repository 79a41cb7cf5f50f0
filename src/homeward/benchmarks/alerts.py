"""`homeward bench alerts`: from an episode opening to all its alerts queued, and to all of them
delivered to an SMTP server, at a given rate of openings (issue 4: every alert queued within 1 s
and delivered within 5, at hundreds of openings a minute).

Each opening is the real `episode_open` service, for a synthetic child (names from homeward.synth's
lists: never real people) placed in one of several councils' areas — about two in five outside its
own council, as nationally — so the real rules decide who is told: the responsible council's
missing coordinator, the child's allocated social worker and IRO, the host council's coordinator
when the placement is out of area, and the coordinator of the police force of the area. Alerts,
their emails and the clocks commit with the opening ("queued"); a real `homeward worker` process on
the same database sends the emails to aiosmtpd in this process ("delivered"). Run it with no other
worker running: another would take some of the emails. Everything the bench creates (its children,
their placements and episodes, its people, their alerts and tasks) is removed after; the audit log,
append-only, keeps its entries and records the removal.
"""

import datetime
import math
import random
import re
import secrets
import signal
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from homeward.agencies.models import Agency, Role, User
from homeward.alerts.models import Alert, Delivery, DeliveryStatus
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.benchmarks.common import preamble, say_to
from homeward.children.models import Child, Placement
from homeward.children.services import child_allocate, child_create, placement_create
from homeward.devtools.smtp_sink import smtp_sink  # the local SMTP server the worker delivers to
from homeward.episodes.models import Episode
from homeward.episodes.services import episode_open
from homeward.places.postcodes import directory
from homeward.places.services import districts_by_code, reference_data_load
from homeward.synth import names
from homeward.tasks.models import Task
from homeward.tasks.worker import start_worker_process

_ALERT_ID = re.compile(r"\.alert-(\d+)@")
WHY = "homeward bench alerts"
POSTCODE_LETTERS = "BLM"  # Birmingham, Liverpool, Manchester and their neighbours: a score of councils
OUT_OF_AREA = 0.41  # DfE 2018: 41% of looked-after children placed outside their council
OPENERS = 8  # threads opening episodes: enough that the rate holds while each opening waits on the database
COUNCIL_ROLES = [Role.MISSING_COORDINATOR, Role.SOCIAL_WORKER, Role.IRO, Role.TEAM_MANAGER, Role.NOMINATED_OFFICER]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class Cohort:
    tag: str
    councils: list[Agency]
    people: list[User]
    staff: dict[tuple[int, str], User]  # (agency id, role) -> the bench's person in that role
    children: list[Child]


def _person(tag: str, agency: Agency, role: str) -> User:
    username = f"bench-{tag}-{agency.code}-{role}".lower()
    user = User(
        username=username,
        email=f"{username}@example.org",
        agency=agency,
        role=role,
        first_name="Bench",
        last_name=Role(role).label.lower(),
    )
    user.set_unusable_password()
    user.save()
    return user


def _cohort(*, children: int, councils: int, seed: int) -> Cohort:
    """Synthetic children spread across `councils` councils, each with a placement (in its own area or
    another bench council's) and an allocated social worker and IRO; each council's and each
    police force's people."""
    reference_data_load()
    rng = random.Random(seed)
    tag = secrets.token_hex(2)
    districts = districts_by_code()
    postcodes_of: dict[int, list[str]] = defaultdict(list)
    for postcode in directory.all_in_letters(POSTCODE_LETTERS):
        district = districts.get(postcode.district_code)
        if district is not None:
            postcodes_of[district.authority_id].append(postcode.postcode)
    candidates = sorted(a for a, found in postcodes_of.items() if len(found) >= 100)
    chosen = rng.sample(candidates, min(councils, len(candidates)))
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=chosen)}
    bench_councils = [agencies[pk] for pk in chosen]
    forces = {d.police_force for d in districts.values() if d.authority_id in agencies}

    staff = {(c.pk, role): _person(tag, c, role) for c in bench_councils for role in COUNCIL_ROLES}
    staff |= {(f.pk, Role.POLICE_COORDINATOR): _person(tag, f, Role.POLICE_COORDINATOR) for f in forces}
    pool, today = names.ENGLISH, datetime.date.today()
    made = []
    for n in range(children):
        council = bench_councils[n % len(bench_councils)]
        host = (
            rng.choice([c for c in bench_councils if c != council])
            if rng.random() < OUT_OF_AREA and len(bench_councils) > 1
            else council
        )
        worker, sex = staff[(council.pk, Role.SOCIAL_WORKER)], rng.choice("12")
        age = rng.randint(14, 17)  # most episodes start at 14 or over (domain.md)
        child = child_create(
            user=worker,
            why=WHY,
            first_name=rng.choice(pool.male if sex == "1" else pool.female),
            last_name=rng.choice(pool.surnames),
            date_of_birth=today.replace(year=today.year - age, day=1) - datetime.timedelta(days=rng.randint(40, 300)),
            sex=sex,
            la_child_id=f"B{tag}{n:05d}",
        )
        child_allocate(user=worker, why=WHY, child=child, social_worker=worker, iro=staff[(council.pk, Role.IRO)])
        placement_create(
            user=worker,
            why=WHY,
            child=child,
            start_date=today - datetime.timedelta(days=rng.randint(30, 400)),
            placement_type=rng.choice(["K2", "U4"]),
            provider_type=rng.choice(["PR4", "PR1"]),
            placement_postcode=rng.choice(postcodes_of[host.pk]),
            home_postcode=rng.choice(postcodes_of[council.pk]),
        )
        made.append(child)
    return Cohort(tag=tag, councils=bench_councils, people=list(staff.values()), staff=staff, children=made)


def _open(cohort: Cohort, child: Child) -> Episode:
    # Reported by the council's missing coordinator, a few minutes after the child was last seen.
    reporter = cohort.staff[(child.responsible_authority_id, Role.MISSING_COORDINATOR)]
    episode, _ = episode_open(
        user=reporter,
        why=WHY,
        child=child.pk,
        kind="missing",
        started_at=timezone.now() - datetime.timedelta(minutes=5),
        last_seen_location="Town centre",
    )
    return episode


def _open_at_rate(
    cohort: Cohort, children: list[Child], *, start: float, interval: float
) -> tuple[list[tuple[float, float]], list[int]]:
    """Open one episode per child, the n-th at start + n × interval, from OPENERS threads (each with
    its own database connection): reports arrive side by side from many agencies, so one slow
    opening does not hold up the next. Returns (called, committed) per opening, and the episodes."""
    times: list[tuple[float, float]] = [(0.0, 0.0)] * len(children)
    episodes: list[int] = [0] * len(children)

    def opener(first: int) -> None:
        try:
            for n in range(first, len(children), OPENERS):
                pause = start + n * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                called = time.perf_counter()
                episode = _open(cohort, children[n])  # its own transaction: returned means committed
                times[n], episodes[n] = (called, time.perf_counter()), episode.pk
        finally:
            connection.close()

    threads = [
        threading.Thread(target=opener, args=(k,), name=f"opener-{k}") for k in range(min(OPENERS, len(children)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not all(episodes):
        raise RuntimeError("an opening failed (see the error above)")
    return times, episodes


def _remove(cohort: Cohort) -> None:
    people = [p.pk for p in cohort.people]
    children = [c.pk for c in cohort.children]
    with transaction.atomic():
        alerts = list(
            Alert.objects.filter(Q(recipient__in=people) | Q(child_id__in=children)).values_list("pk", flat=True)
        )
        deliveries = list(Delivery.objects.filter(alert__in=alerts).values_list("pk", flat=True))
        episodes = list(Episode.objects.filter(child__in=children).values_list("pk", flat=True))
        Task.objects.filter(
            Q(args__delivery_id__in=deliveries)
            | Q(args__alert_id__in=alerts)
            | Q(args__episode_id__in=episodes)
            | Q(args__child_id__in=children)
        ).delete()
        Alert.objects.filter(pk__in=alerts).delete()
        from homeward.safeguarding.models import RiskFlag, StrategyMeeting

        RiskFlag.objects.filter(child__in=children).delete()
        StrategyMeeting.objects.filter(child__in=children).delete()
        Episode.objects.filter(pk__in=episodes).delete()
        Placement.objects.filter(child__in=children).delete()
        Child.objects.filter(pk__in=children).delete()
        User.objects.filter(pk__in=people).delete()
        audit_record_many(
            user=None,
            action=Action.DELETE,
            object_type="child",
            why=f"{WHY}: removed its synthetic children",
            items=[(pk, pk) for pk in children],
        )


def _deliveries_for(episode_ids: list[int]) -> dict[int, int]:
    """alert id -> episode id, for the first emails of the openings' alerts."""
    return dict(
        Delivery.objects.filter(
            sequence=0, alert__related_type="episodes.episode", alert__related_id__in=episode_ids
        ).values_list("alert_id", "alert__related_id")
    )


def _wait_until_sent(people: list[User], mailbox, worker, timeout: float) -> None:
    """Until every email queued for these people has been sent (or the worker died)."""
    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(alert__recipient__in=people).exclude(status=DeliveryStatus.SENT).exists():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker process did not deliver the set-up's emails (see its output above)")
        time.sleep(0.1)


def run_alerts_bench(
    *, episodes_per_minute: int, minutes: float, councils: int = 12, seed: int = 1, smtp_port: int = 0, out=None
) -> dict:
    out = out or sys.stdout
    where = preamble(say_to(out))
    openings = max(1, round(episodes_per_minute * minutes))
    interval = 60.0 / episodes_per_minute
    started = time.perf_counter()
    cohort = _cohort(children=openings + 1, councils=councils, seed=seed)
    out.write(
        f"alerts bench: {openings + 1} synthetic children in {len(cohort.councils)} councils, "
        f"set up in {time.perf_counter() - started:.1f} s\n"
    )
    try:
        with smtp_sink(port=smtp_port) as mailbox:
            worker = start_worker_process(
                env={"HOMEWARD_SMTP_HOST": "127.0.0.1", "HOMEWARD_SMTP_PORT": str(mailbox.port)}
            )
            try:
                # Not measured: the placements' notices to host councils, then one opening; once they
                # are delivered the worker process is up and has its connections.
                _open(cohort, cohort.children[0])
                _wait_until_sent(cohort.people, mailbox, worker, timeout=120)
                start = time.perf_counter()
                times, episode_ids = _open_at_rate(cohort, cohort.children[1:], start=start, interval=interval)
                opening_of_alert = _deliveries_for(episode_ids)
                index = {episode_id: n for n, episode_id in enumerate(episode_ids)}
                expected: dict[int, int] = defaultdict(int)
                for episode_id in opening_of_alert.values():
                    expected[index[episode_id]] += 1
                deadline = time.monotonic() + 60 + 5 * minutes * 60
                while True:
                    arrived_ids = {
                        int(m.group(1)) for msg in list(mailbox.messages) if (m := _ALERT_ID.search(msg.message_id))
                    }
                    if set(opening_of_alert) <= arrived_ids or time.monotonic() > deadline or worker.poll() is not None:
                        break
                    time.sleep(0.1)
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
            last_arrival: dict[int, float] = {}
            arrived: dict[int, int] = defaultdict(int)
            for message in list(mailbox.messages):
                found = _ALERT_ID.search(message.message_id)
                episode_id = opening_of_alert.get(int(found.group(1))) if found else None
                if episode_id is not None:
                    n = index[episode_id]
                    last_arrival[n] = max(last_arrival.get(n, 0.0), message.at)
                    arrived[n] += 1
    finally:
        _remove(cohort)

    queued = [committed - called for called, committed in times]
    complete = [n for n in range(openings) if expected[n] and arrived[n] == expected[n]]
    delivered = [last_arrival[n] - times[n][0] for n in complete]
    alerts = sum(expected.values())
    result = {
        **where,
        "episodes_per_minute": episodes_per_minute,
        "openings": openings,
        "councils": len(cohort.councils),
        "alerts": alerts,
        "all_delivered": len(complete) == openings,
        "firing_lag_s": round(max(0.0, *(called - (start + n * interval) for n, (called, _) in enumerate(times))), 3),
        "queued_p50_s": _percentile(queued, 0.50),
        "queued_p95_s": _percentile(queued, 0.95),
        "queued_max_s": max(queued),
        "delivered_p50_s": _percentile(delivered, 0.50),
        "delivered_p95_s": _percentile(delivered, 0.95),
        "delivered_max_s": max(delivered, default=float("nan")),
    }
    out.write(
        f"alerts bench: {openings} episodes opened at {episodes_per_minute}/min by episode_open, {alerts} alerts emailed "
        f"({alerts / openings:.1f} an opening){'' if result['all_delivered'] else ' — NOT ALL DELIVERED'}; "
        f"firing lag {result['firing_lag_s']:.2f} s\n"
        f"  open -> all alerts queued:    p50 {result['queued_p50_s'] * 1000:.1f} ms   p95 {result['queued_p95_s'] * 1000:.1f} ms   "
        f"max {result['queued_max_s'] * 1000:.1f} ms   (target: within 1 s)\n"
        f"  open -> all alerts delivered: p50 {result['delivered_p50_s']:.2f} s   p95 {result['delivered_p95_s']:.2f} s   "
        f"max {result['delivered_max_s']:.2f} s   (target: within 5 s)\n"
    )
    return result
