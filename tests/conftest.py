"""The shared test world (style.md): one child placed out of area, and a user at each kind of agency
that may or may not see it — the responsible council, the host council, the police force of the
placement's area, the provider, an unrelated council, and others whose access must be exactly nil.
"""

import copy
import datetime
import os
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, InspectorGrant, Role, User
from homeward.children.models import Child
from homeward.children.services import child_allocate, child_create, placement_create
from homeward.places.services import reference_data_load

from tests.support import require, sign_in  # noqa: F401  (re-exported for test modules)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    # Load councils, police forces and districts once; every test's transaction rolls back to it.
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    # Still Argon2 (the hash says so), at a cost that suits a test suite rather than an attacker: at
    # Django's cost a hash or a check takes about 0.4 s here, and every demo account, browser sign-in
    # and password form pays it. A command run in a process of its own still pays the full cost.
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)


@pytest.fixture
def reference(db) -> None:
    # Idempotent and cheap once loaded; reloaded after a transactional test flushed the tables.
    if not Agency.objects.filter(kind=AgencyKind.POLICE).exists():
        reference_data_load()


def _born(*, years_old: int) -> datetime.date:
    # Birthdays fall six months ago, so a child has the same age on every day the tests put an
    # episode on (all within the last six months), whatever today's date is.
    six_months_ago = datetime.date.today() - datetime.timedelta(days=182)
    return six_months_ago.replace(year=six_months_ago.year - years_old, day=1)


def make_user(agency: Agency, role: str, username: str | None = None) -> User:
    user = User(username=username or f"{role}-{agency.code}".lower(), agency=agency, role=role)
    user.set_unusable_password()  # world users sign in through sign_in(); the sign-in tests make their own
    user.full_clean(exclude=["password"])
    user.save()
    return user


@dataclass
class World:
    manchester: Agency  # responsible authority
    birmingham: Agency  # host authority of the children's home
    leeds: Agency  # unrelated council
    west_midlands_police: Agency  # police force covering the home
    gmp: Agency  # police force of Manchester: sees the children placed there, not the one in Birmingham
    provider: Agency  # the children's home
    other_provider: Agency
    social_worker: User  # Manchester's: allocated to its three children
    host_coordinator: User
    police_officer: User
    gmp_officer: User
    provider_staff: User
    other_provider_staff: User
    unrelated_social_worker: User  # Leeds's: allocated to its child
    inspector: User
    expired_inspector: User
    national_analyst: User
    child: Child  # Manchester's child in a Birmingham children's home
    child_at_home: Child  # Manchester's child fostered in Manchester
    moved_child: Child  # Manchester's child who left the Birmingham home last month
    leeds_child: Child  # Leeds's child placed in Leeds


# Fixtures and markers by which a test commits what it writes (and the database is emptied after it).
_COMMITTING_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return not _COMMITTING_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.fixture(scope="module")
def _module_world(request, django_db_setup, django_db_blocker):
    """The world built once for a module, in a transaction of its own that each test's transaction
    nests in (as a savepoint) and that is rolled back when the module ends: building it for each of
    about a thousand tests took a tenth of a second each (issue 10).

    Only where every test of the module that touches the database asks for the world, and none
    commits: a test that did not ask for the world must not find it, and a test that commits must not
    run inside an open transaction (its server thread or subprocess would not see the rows, and the
    database is emptied after it). Elsewhere the world is built in each test, as before."""
    module = [item for item in request.session.items if item.module is request.module]
    if any(_commits(item) or "world" not in item.fixturenames for item in module if _uses_the_database(item)):
        yield None
        return
    with django_db_blocker.unblock():
        # As Django's TestCase opens its class-wide transaction: a durable block inside a test is
        # still allowed, as it is under the test's own transaction.
        outer = transaction.atomic()
        outer._from_testcase = True
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            if not Agency.objects.filter(kind=AgencyKind.POLICE).exists():  # emptied by a committing test
                reference_data_load()
            built = _world_build()
        yield built
    finally:  # rolled back even when the build failed, so the next module starts outside it
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, reference) -> World:
    if _module_world is None:
        return _world_build()
    # Each test gets its own copies, as the build returned them (with what they had cached): what one
    # test changes in memory does not reach the next; what it writes is rolled back with its transaction.
    return copy.deepcopy(_module_world)


def _world_build() -> World:
    agencies = {
        a.code: a
        for a in Agency.objects.filter(code__in=["E08000003", "E08000025", "E08000035", "E23000014", "E23000005"])
    }
    provider = Agency.objects.create(code="SC100001", kind=AgencyKind.PROVIDER, name="Oak House", postcode="B1 1AA")
    other_provider = Agency.objects.create(
        code="SC100002", kind=AgencyKind.PROVIDER, name="Elm Lodge", postcode="LS1 1UR"
    )
    manchester, birmingham, leeds = agencies["E08000003"], agencies["E08000025"], agencies["E08000035"]
    inspectorate = Agency.objects.create(code="OFSTED", kind=AgencyKind.INSPECTORATE, name="Ofsted")
    national = Agency.objects.create(code="DFE", kind=AgencyKind.NATIONAL, name="Department for Education")

    social_worker = make_user(manchester, Role.SOCIAL_WORKER)
    leeds_worker = make_user(leeds, Role.SOCIAL_WORKER)
    inspector = make_user(inspectorate, Role.INSPECTOR, "inspector")
    expired = make_user(inspectorate, Role.INSPECTOR, "expired-inspector")
    now = timezone.now()
    InspectorGrant.objects.create(
        user=inspector,
        authority=manchester,
        starts_at=now - datetime.timedelta(days=1),
        expires_at=now + datetime.timedelta(days=30),
    )
    InspectorGrant.objects.create(
        user=expired,
        authority=manchester,
        starts_at=now - datetime.timedelta(days=60),
        expires_at=now - datetime.timedelta(days=30),
    )

    today = datetime.date.today()
    child = child_create(
        user=social_worker,
        why="test",
        first_name="Amira",
        last_name="Okafor",
        date_of_birth=_born(years_old=14),
        sex="2",
        la_child_id="MAN001",
        nhs_number="9990000018",
        other_names=[("nickname", "Mira", "")],
    )
    placement_create(
        user=social_worker,
        why="test",
        child=child,
        start_date=today - datetime.timedelta(days=100),
        placement_type="K2",
        provider_type="PR4",
        provider=provider,
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )
    at_home = child_create(
        user=social_worker,
        why="test",
        first_name="Jayden",
        last_name="Walsh",
        date_of_birth=_born(years_old=9),
        sex="1",
        la_child_id="MAN002",
    )
    placement_create(
        user=social_worker,
        why="test",
        child=at_home,
        start_date=today - datetime.timedelta(days=300),
        placement_type="U4",
        provider_type="PR1",
        placement_postcode="M1 1AE",
        home_postcode="M1 1AE",
    )
    moved = child_create(
        user=social_worker,
        why="test",
        first_name="Kacper",
        last_name="Nowak",
        date_of_birth=_born(years_old=16),
        sex="1",
        la_child_id="MAN003",
    )
    placement_create(
        user=social_worker,
        why="test",
        child=moved,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=30),
        placement_type="K2",
        provider_type="PR4",
        provider=provider,
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )
    placement_create(
        user=social_worker,
        why="test",
        child=moved,
        start_date=today - datetime.timedelta(days=30),
        placement_type="U4",
        provider_type="PR1",
        placement_postcode="M1 1AE",
        home_postcode="M1 1AE",
    )
    leeds_child = child_create(
        user=leeds_worker,
        why="test",
        first_name="Amira",
        last_name="Hussain",
        date_of_birth=_born(years_old=15),
        sex="2",
        la_child_id="LDS001",
    )
    placement_create(
        user=leeds_worker,
        why="test",
        child=leeds_child,
        start_date=today - datetime.timedelta(days=50),
        placement_type="K2",
        provider_type="PR4",
        provider=other_provider,
        placement_postcode="LS1 1UR",
        home_postcode="LS1 1UR",
    )
    # Each council's social worker holds its children's cases (alerts go to the allocated one).
    for allocated_child in (child, at_home, moved):
        child_allocate(user=social_worker, why="test", child=allocated_child, social_worker=social_worker)
    child_allocate(user=leeds_worker, why="test", child=leeds_child, social_worker=leeds_worker)

    return World(
        manchester=manchester,
        birmingham=birmingham,
        leeds=leeds,
        west_midlands_police=agencies["E23000014"],
        gmp=agencies["E23000005"],
        provider=provider,
        other_provider=other_provider,
        social_worker=social_worker,
        host_coordinator=make_user(birmingham, Role.MISSING_COORDINATOR),
        police_officer=make_user(agencies["E23000014"], Role.POLICE_OFFICER),
        gmp_officer=make_user(agencies["E23000005"], Role.POLICE_OFFICER),
        provider_staff=make_user(provider, Role.PROVIDER_STAFF),
        other_provider_staff=make_user(other_provider, Role.PROVIDER_STAFF),
        unrelated_social_worker=leeds_worker,
        inspector=inspector,
        expired_inspector=expired,
        national_analyst=make_user(national, Role.NATIONAL_ANALYST, "national"),
        child=child,
        child_at_home=at_home,
        moved_child=moved,
        leeds_child=leeds_child,
    )


def _lift_audit_triggers_while_flushing() -> None:
    """Django empties the database after each transactional test (DELETE on SQLite, TRUNCATE on
    PostgreSQL), which the append-only triggers rightly refuse: lift them for that step only."""
    from django.db import connections
    from django.test import TransactionTestCase

    from homeward.audit import triggers

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self) -> None:
        names = self._databases_names(include_mirrors=False)
        for name in names:
            triggers.remove(connections[name])
        try:
            original(self)
        finally:
            for name in names:
                triggers.install(connections[name])

    TransactionTestCase._fixture_teardown = _fixture_teardown


_lift_audit_triggers_while_flushing()


# ---------------------------------------------------------------------------------------------
# The share of each pass (scripts/test runs the suite once per database)
# ---------------------------------------------------------------------------------------------

# Fixtures through which a test reaches the outer test database.
_DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "django_db_setup",  # a shared fixture that builds its rows once, through django_db_blocker
}


def _uses_the_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not _DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("HOMEWARD_TEST_DATABASE_PASS") == "second":
        # scripts/test runs the suite on SQLite, then on PostgreSQL: a test that touches no database
        # gives the same result on each, so the second pass runs only those that do. (Commands run in
        # a subprocess by such tests take their own SQLite database: they drop DATABASE_URL.)
        kept = [item for item in items if _uses_the_database(item)]
        config.hook.pytest_deselected(items=[item for item in items if not _uses_the_database(item)])
        items[:] = kept
