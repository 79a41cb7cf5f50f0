"""What every `homeward bench` shares: the preamble that says where its figures were measured, the
percentiles they are given in, and the bench's own signed-in users.

Figures mean little without the machine, the database and the settings they were measured on, so
every bench starts with `preamble` (one line each, tab-separated, as the benches print everything).
"""

import math
import os
import platform
import statistics
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.test import Client

from homeward.agencies.models import Agency, User

Say = Callable[..., None]


def say_to(stdout) -> Say:
    """A `say(*parts)` that writes one tab-separated line to `stdout`."""

    def say(*parts: object) -> None:
        stdout.write("\t".join(str(part) for part in parts) + "\n")

    return say


def database() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.vendor


def machine() -> str:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    shown = f"{usable} cores" if usable == cores else f"{usable} of {cores} cores usable"
    return f"{shown}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def settings_in_force() -> str:
    # DEBUG keeps every query in memory and demo mode adds the demo's accounts: either skews a timing.
    return (
        f"{os.environ.get('DJANGO_SETTINGS_MODULE', 'homeward.settings')}, DEBUG {'on' if settings.DEBUG else 'off'}, "
        f"demo mode {'on' if settings.DEMO_MODE else 'off'}"
    )


def preamble(say: Say, *, uses_database: bool = True) -> dict[str, str]:
    """Print where the figures are measured (database, machine, settings) and return the same, for
    the bench's figures. A bench that never touches the database (linkage, language) says so."""
    if uses_database:
        figures = {"database": database(), "machine": machine(), "settings": settings_in_force()}
    else:
        figures = {"machine": machine()}
    for name, value in figures.items():
        say(name, value)
    return figures


def percentiles(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def bench_user(agency: Agency, role: str) -> User:
    user, created = User.objects.get_or_create(
        username=f"bench-{agency.code.lower()}-{role}", defaults={"agency": agency, "role": role}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def signed_in_client(user: User) -> Client:
    """A client signed in as if password and second factor had both been passed (as tests/support.sign_in)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")), "testserver")
    client = Client(SERVER_NAME=host)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def analyse_tables_never_analysed(say: Say) -> list[str]:
    """On PostgreSQL, ANALYZE the tables that have never had statistics gathered, as autovacuum would
    have by now (it is often off on a scratch server). The loader analyses the tables it writes, but
    not those filled beside them (the system's placement checks and their requirements, agencies,
    users, the audit log): without statistics the planner guesses their sizes and picks poor joins."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('autovacuum')")
        autovacuum = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND n_live_tup > 0 "
            "AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    if tables:
        say("statistics", f"analysed {len(tables)} tables never analysed (autovacuum {autovacuum})", ", ".join(tables))
    return tables
