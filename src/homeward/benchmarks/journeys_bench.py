"""`homeward bench journeys`: each role's core job, end to end in a headless Chromium, counted in a
person's steps and timed (issue 11).

The journeys (journeys.py) run on a small world of their own, in a scratch database made for the run
and dropped after it (named by the process, beside the one the settings name), so that nothing a run
writes stays behind and no world already there changes what a journey finds. The world is made
through the services as any door makes it: a Manchester child in a Birmingham children's home who
is about to go missing, another missing since this morning, one back yesterday whose return
interview is offered, and one whose interview is overdue; and a person in each role, with a random
password and an authenticator key of their own. Django's live server serves it on a free port.

The five run in the order the work flows: the home reports Amira missing, the police grade the
risk high and add their reference, the team manager reviews and acknowledges the urgent alert that
grading raised, the social worker records Jayden's return, and the interview worker records
Kacper's interview as held. Printed for each: steps, seconds (less the time axe-core took), pages
checked by axe-core and its violations of any impact, beside the steps the issue counted before.
Figures are printed, never asserted.
"""

import datetime
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.agencies.services import otp_device_enrol, user_create
from homeward.benchmarks import journeys
from homeward.benchmarks.common import preamble, say_to
from homeward.children.services import child_allocate, child_create, placement_create
from homeward.devtools import browser
from homeward.episodes import services
from homeward.episodes.models import InterviewStatus
from homeward.places.services import reference_data_load

WHY = "bench journeys"
# Issue 11, "What it must show": the steps counted before (a report with the profile, an interview).
BASELINE_STEPS = {"provider_staff": 34, "interview_worker": 23}
MANCHESTER, BIRMINGHAM_HOME_POSTCODE, WEST_MIDLANDS_POLICE = "E08000003", "B1 1AA", "E23000014"


def _born(years_old: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_old, month=1, day=1)


def _ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


@contextmanager
def scratch_database(say) -> Iterator[str]:
    """A database of its own for the run, migrated, with the reference data; dropped afterwards."""
    test = connection.settings_dict.setdefault("TEST", {})
    named = test.get("NAME")
    if connection.vendor == "sqlite":
        test["NAME"] = str(settings.VAR_DIR / f"bench-journeys-{os.getpid()}.sqlite3")
    else:
        test["NAME"] = f"bench_journeys_{os.getpid()}"
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        reference_data_load()
        say("scratch database", test["NAME"], "dropped after the run")
        yield test["NAME"]
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
        test["NAME"] = named


@contextmanager
def live_server() -> Iterator[str]:
    """Django's live test server on a free port, serving the static files from their finders."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("localhost", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield f"http://localhost:{server.port}"
    finally:
        server.terminate()


def _account(agency: Agency, role: str, username: str) -> tuple[User, journeys.Person]:
    user, password = user_create(agency_code=agency.code, role=role, username=username)
    device = otp_device_enrol(username=username)
    return user, journeys.Person(user.username, password, journeys.authenticator(device))


def world_make() -> dict[str, journeys.Person]:
    """The journeys' world (see the module's notes); the people who sign in, by role."""
    manchester = Agency.objects.get(code=MANCHESTER)
    police = Agency.objects.get(code=WEST_MIDLANDS_POLICE)
    home = Agency.objects.create(
        code="SC900001", kind=AgencyKind.PROVIDER, name="Oak House", postcode=BIRMINGHAM_HOME_POSTCODE
    )
    service = Agency.objects.create(code=f"RHI-{MANCHESTER}", kind=AgencyKind.RHI, name="Safe Return Manchester")
    services.return_interview_commission_set(council=manchester, service=service)
    accounts = {
        "provider_staff": _account(home, Role.PROVIDER_STAFF, "oak-house-staff"),
        "police_coordinator": _account(police, Role.POLICE_COORDINATOR, "wmp-coordinator"),
        "team_manager": _account(manchester, Role.TEAM_MANAGER, "manchester-manager"),
        "social_worker": _account(manchester, Role.SOCIAL_WORKER, "manchester-social-worker"),
        "interview_worker": _account(service, Role.RHI_WORKER, "safe-return-worker"),
    }
    social_worker, staff, worker = (
        accounts[role][0] for role in ("social_worker", "provider_staff", "interview_worker")
    )
    children = {}
    for number, (first, last, age) in enumerate(
        (("Amira", "Okafor", 14), ("Jayden", "Walsh", 15), ("Kacper", "Nowak", 16), ("Leah", "Brown", 13)), 1
    ):
        child = child_create(
            user=social_worker,
            why=WHY,
            first_name=first,
            last_name=last,
            date_of_birth=_born(age),
            sex="2" if first in ("Amira", "Leah") else "1",
            la_child_id=f"JRN{number:03d}",
        )
        placement_create(
            user=social_worker,
            why=WHY,
            child=child,
            start_date=timezone.localdate() - datetime.timedelta(days=200),
            placement_type="K2",
            provider_type="PR4",
            provider=home,
            placement_postcode=BIRMINGHAM_HOME_POSTCODE,
            home_postcode="M1 1AE",
        )
        child_allocate(user=social_worker, why=WHY, child=child, social_worker=social_worker)
        children[first] = child

    def reported(child, hours_ago: float):
        episode, _ = services.episode_open(
            user=staff,
            why=WHY,
            child=child.pk,
            kind="missing",
            last_seen_at=_ago(hours=hours_ago + 1),
            reported_at=_ago(hours=hours_ago),
            last_seen_location="Oak House, front door",
        )
        return episode

    reported(children["Jayden"], 2)
    back_yesterday = reported(children["Kacper"], 48)
    services.episode_record_return(user=staff, why=WHY, episode=back_yesterday, returned_at=_ago(hours=24))
    services.return_interview_update(
        user=worker, why=WHY, episode=back_yesterday, status=InterviewStatus.OFFERED, offered_at=_ago(hours=23)
    )
    overdue = reported(children["Leah"], 24 * 6)
    services.episode_record_return(user=staff, why=WHY, episode=overdue, returned_at=_ago(days=5))
    return {role: person for role, (_, person) in accounts.items()}


# (role, job, journey, its names beyond the person): in the order the work flows.
RUNS = (
    (
        "provider_staff",
        "Report a child missing, with Part A's essentials",
        journeys.provider_staff,
        {"child_name": "Amira Okafor"},
    ),
    (
        "police_coordinator",
        "Find the new report on the board, grade the risk, add the force's reference",
        journeys.police_coordinator,
        {"child_name": "Amira Okafor", "reference": "20/4417/26"},
    ),
    (
        "team_manager",
        "See the work due, review and acknowledge the high-risk alert",
        journeys.team_manager,
        {"child_name": "Amira Okafor", "overdue_name": "Leah Brown"},
    ),
    (
        "social_worker",
        "Acknowledge the alert about their child, record the return",
        journeys.social_worker,
        {"child_name": "Jayden Walsh"},
    ),
    (
        "interview_worker",
        "Find the interview due, record it as held",
        journeys.interview_worker,
        {"child_name": "Kacper Nowak", "held_by": "Sam Ortiz, Safe Return Manchester"},
    ),
)


def browser_missing() -> str:
    """What this bench needs that is not installed here (empty when nothing is)."""
    lacking = browser.missing()
    if lacking:
        return f"{lacking} is needed."
    if not journeys.AXE.exists():
        return f"{journeys.AXE} is needed: run scripts/setup (axe-core is in package.json's devDependencies)."
    return ""


def run_journeys_bench(*, first: int = len(RUNS), stdout=sys.stdout) -> list[dict]:
    from playwright.sync_api import sync_playwright

    say = say_to(stdout)
    rows = []
    with scratch_database(say):
        preamble(say)
        people = world_make()
        # From here until the browser closes, nothing reads the database in this thread: Playwright's
        # sync API keeps an event loop running in it, where Django refuses ORM calls.
        with live_server() as url, sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            say("role", "job", "steps", "steps before (issue 11)", "seconds", "pages checked", "axe violations")
            for role, job, journey, names in RUNS[:first]:
                context = chromium.new_context(base_url=url)
                context.set_default_timeout(15_000)
                page = context.new_page()
                result = journeys.run(page, journey, person=people[role], **names)
                context.close()
                row = {
                    "role": role,
                    "job": job,
                    "steps": result.steps,
                    "baseline": BASELINE_STEPS.get(role),
                    "seconds": result.seconds,
                    "pages": len(result.checked),
                    "violations": result.violations,
                }
                rows.append(row)
                say(
                    role,
                    job,
                    result.steps,
                    row["baseline"] or "not counted",
                    result.seconds,
                    row["pages"],
                    len(result.violations),
                )
            chromium.close()
    for row in rows:
        for violation in row["violations"]:
            say("axe", row["role"], violation)
    return rows
