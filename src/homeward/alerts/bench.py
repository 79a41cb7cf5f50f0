"""`homeward bench alerts`: from an episode opening to its alerts queued, and to their delivery to
an SMTP server, at a given rate of openings (issue 4: every alert queued within 1 s and delivered
within 5, at hundreds of openings a minute).

Each opening is one notify() to `recipients` people (an opening tells about five: the coordinator
and social worker, the host council, the police, the IRO), one of them urgent so its clocks are set
too. The SMTP server is aiosmtpd in this process; the worker is a real `homeward worker` process on
the same database. Run it with no other worker running: another would take some of the emails.
Everything the bench creates (a council, its people, their alerts and tasks) is removed after.
"""

import math
import re
import secrets
import signal
import sys
import time

from django.db import transaction
from django.db.models import Q

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.models import Alert, Urgency
from homeward.alerts.services import notify
from homeward.tasks.models import Task
from homeward.tasks.worker import start_worker_process

_ALERT_ID = re.compile(r"\.alert-(\d+)@")
SUBJECT = "A child you are responsible for has been reported missing"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else float("nan")


def _people(count: int) -> tuple[Agency, list[User]]:
    tag = secrets.token_hex(4)
    council = Agency.objects.create(code=f"BENCH{tag}", kind=AgencyKind.LOCAL_AUTHORITY, name=f"Bench council {tag}")
    people = []
    for n in range(count):
        user = User(username=f"bench-{tag}-{n}", email=f"bench-{n}@example.org", agency=council, role=Role.SOCIAL_WORKER)
        user.set_unusable_password()
        user.save()
        people.append(user)
    return council, people


def _open(people: list[User], n: int) -> list[Alert]:
    with transaction.atomic():
        return notify(event="bench", subject=SUBJECT, link=f"/bench/{n}/",
                      recipients=[(p, Urgency.URGENT if i == 0 else Urgency.NORMAL) for i, p in enumerate(people)])


def _remove(council: Agency, people: list[User], alert_ids: list[int]) -> None:
    delivery_ids = list(Alert.objects.filter(pk__in=alert_ids).values_list("deliveries__pk", flat=True))
    Task.objects.filter(Q(args__delivery_id__in=delivery_ids) | Q(args__alert_id__in=alert_ids)).delete()
    Alert.objects.filter(pk__in=alert_ids).delete()
    User.objects.filter(pk__in=[p.pk for p in people]).delete()
    council.delete()


def run_alerts_bench(*, episodes_per_minute: int, minutes: float, smtp_port: int = 0, recipients: int = 5, out=None) -> dict:
    from homeward.alerts.smtp_sink import smtp_sink  # aiosmtpd: a development dependency

    out = out or sys.stdout
    openings = max(1, round(episodes_per_minute * minutes))
    interval = 60.0 / episodes_per_minute
    council, people = _people(recipients)
    alert_ids: list[int] = []
    opening_of: dict[int, int] = {}
    times: list[tuple[float, float]] = []  # per opening: (fired, committed)
    try:
        with smtp_sink(port=smtp_port) as mailbox:
            worker = start_worker_process(env={"HOMEWARD_SMTP_HOST": "127.0.0.1", "HOMEWARD_SMTP_PORT": str(mailbox.port)})
            try:
                # One opening first, not measured: the worker process has started once it is delivered.
                alert_ids += [a.pk for a in _open(people, -1)]
                deadline = time.monotonic() + 60
                while not mailbox.wait_for(recipients, timeout=0.2):
                    if worker.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the worker process did not start delivering (see its output above)")
                warm_up = len(mailbox.messages)
                start = time.perf_counter()
                for n in range(openings):
                    pause = start + n * interval - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    fired = time.perf_counter()
                    alerts = _open(people, n)
                    times.append((fired, time.perf_counter()))
                    for alert in alerts:
                        opening_of[alert.pk] = n
                        alert_ids.append(alert.pk)
                complete = mailbox.wait_for(warm_up + openings * recipients, timeout=60 + 5 * minutes * 60)
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
            last_arrival: dict[int, float] = {}
            arrived: dict[int, int] = {}
            for message in mailbox.messages:
                found = _ALERT_ID.search(message.message_id)
                n = opening_of.get(int(found.group(1))) if found else None
                if n is not None:
                    last_arrival[n] = max(last_arrival.get(n, 0.0), message.at)
                    arrived[n] = arrived.get(n, 0) + 1
    finally:
        _remove(council, people, alert_ids)

    queued = [committed - fired for fired, committed in times]
    delivered = [last_arrival[n] - times[n][0] for n in range(openings) if arrived.get(n) == recipients]
    result = {
        "episodes_per_minute": episodes_per_minute,
        "openings": openings,
        "alerts": openings * recipients,
        "all_delivered": complete and len(delivered) == openings,
        "firing_lag_s": round(max(0.0, times[-1][0] - (start + (openings - 1) * interval)), 3),
        "queued_p50_s": _percentile(queued, 0.50),
        "queued_p95_s": _percentile(queued, 0.95),
        "queued_max_s": max(queued),
        "delivered_p50_s": _percentile(delivered, 0.50),
        "delivered_p95_s": _percentile(delivered, 0.95),
        "delivered_max_s": max(delivered, default=float("nan")),
    }
    out.write(
        f"alerts bench: {openings} openings at {episodes_per_minute}/min, {recipients} recipients each "
        f"({result['alerts']} alerts){'' if result['all_delivered'] else ' — NOT ALL DELIVERED'}\n"
        f"  queued:    p50 {result['queued_p50_s'] * 1000:.1f} ms   p95 {result['queued_p95_s'] * 1000:.1f} ms   "
        f"max {result['queued_max_s'] * 1000:.1f} ms   (target: within 1 s)\n"
        f"  delivered: p50 {result['delivered_p50_s']:.2f} s   p95 {result['delivered_p95_s']:.2f} s   "
        f"max {result['delivered_max_s']:.2f} s   (target: within 5 s)\n"
    )
    return result
