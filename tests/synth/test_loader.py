"""Loading a world: idempotent, audited, placed on the map as places.services places it, and its
episodes written as the episodes services write them, so the board and the timeline show them."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.agencies.services import service_account_get_or_create
from homeward.audit.models import AuditEvent
from homeward.audit.services import audit_verify
from homeward.children.models import Child, ChildName, Enrolment, Placement
from homeward.episodes import services
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
    KindChange,
    PoliceReference,
    ReturnInterview,
    RiskGrading,
    UpdateKind,
)
from homeward.episodes.selectors import board, child_timeline
from homeward.places.services import placement_geography, reference_data_load
from homeward.synth.files import world_read
from homeward.synth.loader import world_load

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each test, or each class of tests, loads a world

EPISODE_MODELS = (Episode, EpisodeUpdate, KindChange, PoliceReference, ReturnInterview, RiskGrading)


def _counts() -> dict[str, int]:
    return {
        "providers": Agency.objects.filter(kind=AgencyKind.PROVIDER).count(),
        "children": Child.objects.count(),
        "child_names": ChildName.objects.count(),
        "placements": Placement.objects.count(),
        "audit": AuditEvent.objects.count(),
        "users": User.objects.count(),
        **{model.__name__: model.objects.count() for model in EPISODE_MODELS},
    }


def _user(agency: Agency, role: str) -> User:
    user, _ = User.objects.get_or_create(
        username=f"test-{agency.code.lower()}-{role}", defaults={"agency": agency, "role": role}
    )
    return user


def _loaded_once(directory, django_db_blocker):
    """A world loaded once for a class of tests that only read it, in a transaction of its own that
    each test's transaction nests in (as a savepoint), rolled back when the class ends: loading it
    for each test took most of each test's time (issue 10). What a test writes is rolled back with
    its own transaction, as before."""
    with django_db_blocker.unblock():
        # As Django's TestCase opens its class-wide transaction (a durable block inside is allowed).
        outer = transaction.atomic()
        outer._from_testcase = True
        outer.__enter__()
        try:
            if not Agency.objects.filter(kind=AgencyKind.POLICE).exists():  # emptied by a committing test
                reference_data_load()
            world_load(directory=directory)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="class")
def small_world_loaded(django_db_setup, django_db_blocker, small_world_dir):
    yield from _loaded_once(small_world_dir, django_db_blocker)


@pytest.fixture(scope="class")
def open_world_loaded(django_db_setup, django_db_blocker, open_world_dir):
    yield from _loaded_once(open_world_dir, django_db_blocker)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def test_it_loads_every_record(reference, small_world_dir) -> None:
    world = world_read(directory=small_world_dir)
    created = world_load(directory=small_world_dir)
    assert created == {
        "providers": len(world.providers),
        "children": len(world.children),
        "child_names": len(world.child_names),
        "placements": len(world.placements),
        "episodes": len(world.episodes),
        "episode_updates": EpisodeUpdate.objects.count(),
        "risk_gradings": len(world.risk_gradings),
        "return_interviews": len(world.return_interviews),
        # Health and education (synth.partners): every English council's, and the pupils' rolls.
        "icbs": 42,
        "nhs_trusts": 42,
        "virtual_schools": created["virtual_schools"],
        "schools": created["schools"],
        "enrolments": Enrolment.objects.count(),
    }
    assert created["episodes"] > 100
    # Every child, placement, episode and enrolment created is audited (each through its one door).
    assert (
        _counts()["audit"] == len(world.children) + len(world.placements) + len(world.episodes) + created["enrolments"]
    )


def test_loading_twice_changes_nothing(reference, open_world_dir) -> None:
    world_load(directory=open_world_dir)
    before = _counts()
    again = world_load(directory=open_world_dir)
    assert set(again.values()) == {0}
    assert _counts() == before
    assert audit_verify() == []


def test_it_refuses_a_world_whose_councils_are_not_loaded(small_world_dir) -> None:
    Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).update(kind=AgencyKind.RHI)
    with pytest.raises(ValueError, match="load_reference"):
        world_load(directory=small_world_dir)
    assert Child.objects.count() == 0


def test_loaded_episodes_go_through_the_door_a_councils_return_uses(reference, small_world_dir) -> None:
    """One path per write (issue 12): the world's episodes are written by episodes_record, as a
    council's SSDA903 return's are, so each child's risk rules are queued once and, run by the
    worker, raise what evaluating the child afresh raises (nothing is left for a second pass)."""
    from homeward.safeguarding.models import RiskFlag
    from homeward.safeguarding.receivers import EVALUATE_TASK
    from homeward.safeguarding.services import risk_flags_evaluate
    from homeward.tasks.models import Task
    from homeward.tasks.worker import run_due

    recorded = []

    def receiver(sender, *, user, episodes, children, **kwargs) -> None:
        recorded.append((set(episodes), set(children)))

    services.batch.signals.episodes_recorded.connect(receiver, dispatch_uid="test-loader-recorded")
    try:
        world_load(directory=small_world_dir)
    finally:
        services.batch.signals.episodes_recorded.disconnect(dispatch_uid="test-loader-recorded")

    episodes = dict(Episode.objects.values_list("pk", "child_id"))
    assert set().union(*(e for e, _ in recorded)) == set(episodes)
    assert set().union(*(c for _, c in recorded)) == set(episodes.values())
    queued = [task.args["child_id"] for task in Task.objects.filter(name=EVALUATE_TASK)]
    assert sorted(queued) == sorted(set(episodes.values()))

    def flags() -> set[tuple]:
        return set(RiskFlag.objects.values_list("child_id", "kind", "status", "explanation"))

    assert not RiskFlag.objects.exists()
    assert run_due() == len(queued)
    raised = flags()
    assert any(status == "raised" for _, _, status, _ in raised)
    for child in sorted(set(episodes.values())):
        risk_flags_evaluate(child=child)
    assert flags() == raised


@pytest.mark.usefixtures("small_world_loaded", "reference")
class TestTheSmallWorldLoaded:
    """What one load of the small world wrote: its children, placements and their audit."""

    def test_it_records_one_audit_entry_per_child_and_per_episode_created(self) -> None:
        events = AuditEvent.objects.filter(object_type="child", action="create", why="synth load")
        assert sorted(events.values_list("child_id", flat=True)) == sorted(Child.objects.values_list("id", flat=True))
        assert set(events.values_list("username", flat=True)) == {"system"}
        episodes = AuditEvent.objects.filter(object_type="episode", action="create", why="synth load")
        assert sorted(episodes.values_list("object_id", "child_id")) == sorted(
            (str(pk), child) for pk, child in Episode.objects.values_list("id", "child_id")
        )
        assert audit_verify() == []

    def test_it_places_each_placement_on_the_map(self) -> None:
        placements = Placement.objects.select_related("child", "host_authority", "police_force")
        assert not placements.filter(host_authority=None).exists()
        assert not placements.filter(police_force=None).exists()
        assert not placements.filter(distance_miles=None).exists()
        assert set(placements.values_list("police_force__kind", flat=True)) == {AgencyKind.POLICE}
        current = list(placements.filter(end_date=None))
        assert len(current) == 300  # the children looked after on the snapshot day; the rest had left
        out_of_area = sum(p.out_of_area for p in current) / len(current)
        assert 0.25 < out_of_area < 0.6  # 41% nationally; a small world wanders
        assert any(p.distance_miles > Decimal(50) for p in current)

    def test_placements_are_placed_exactly_as_places_services_would(self) -> None:
        for placement in Placement.objects.all()[:400]:
            expected = placement_geography(
                placement_postcode=placement.placement_postcode, home_postcode=placement.home_postcode
            )
            assert (
                placement.district_code,
                placement.host_authority_id,
                placement.police_force_id,
                placement.distance_miles,
            ) == (
                expected.district_code,
                expected.host_authority.pk,
                expected.police_force.pk,
                expected.distance_miles,
            )

    def test_providers_are_agencies_coded_by_urn(self) -> None:
        homes = Placement.objects.filter(placement_type="K2")
        assert homes.exists()
        for placement in homes.select_related("provider"):
            assert placement.provider.kind == AgencyKind.PROVIDER
            assert placement.provider.code == placement.urn
            assert placement.provider.postcode == placement.placement_postcode

    def test_its_agency_systems_act_through_service_accounts(self) -> None:
        episode = Episode.objects.select_related("reported_by", "reporting_agency").first()
        user = episode.reported_by
        assert user.is_service_account and not user.has_usable_password()
        # The very account agencies.services would give that agency's system.
        assert service_account_get_or_create(agency=episode.reporting_agency, role=user.role) == user
        assert set(EpisodeUpdate.objects.values_list("by__is_service_account", flat=True)) == {True}


# ---------------------------------------------------------------------------------------------
# Episodes, and the same rows as the services write
# ---------------------------------------------------------------------------------------------


def _replayable(candidates) -> Episode:
    """A returned episode in the child's current placement, told to the police of that placement's
    area, with as many kinds of step as can be found: every one of its steps the services will take."""
    best, best_kinds = None, -1
    for episode in candidates:
        placement = Placement.objects.current().filter(child=episode.child).first()
        reference = episode.police_references.first()
        if placement is None or reference is None or placement.start_date > episode.started_at.date():
            continue
        if Episode.objects.filter(child=episode.child, started_at__gt=episode.started_at).exists():
            continue  # the services add an episode after the child's others, not between them
        if reference.force_id != placement.police_force_id:
            continue
        if episode.reporting_agency_id not in {placement.provider_id, episode.child.responsible_authority_id}:
            continue
        kinds = len(set(episode.updates.values_list("kind", flat=True)))
        if kinds > best_kinds:
            best, best_kinds = episode, kinds
    assert best is not None
    return best


def _snapshot(episode: Episode) -> dict:
    episode.refresh_from_db()
    interview = ReturnInterview.objects.filter(episode=episode).first()
    return {
        "updates": sorted(
            (u.kind, u.text, sorted(u.detail.items()), u.location, u.postcode, u.by.username, u.agency.code)
            for u in EpisodeUpdate.objects.filter(episode=episode).select_related("by", "agency")
        ),
        "episode": [
            getattr(episode, name)
            for name in (
                "kind",
                "started_at",
                "last_seen_at",
                "reported_at",
                "reported_by_id",
                "reporting_agency_id",
                "last_seen_location",
                "last_seen_postcode",
                "last_known_location",
                "last_known_postcode",
                "location_police_force_id",
                "risk_grade",
                "risk_graded_at",
                "returned_at",
                "return_how",
                "found_by",
                "return_place",
                "return_postcode",
                "safe_and_well_at",
                "safe_and_well_by_id",
                "closed_at",
            )
        ],
        "gradings": list(
            episode.risk_gradings.order_by("graded_at").values_list(
                "grade", "graded_at", "graded_by", "agency", "source", "rationale"
            )
        ),
        "references": list(episode.police_references.values_list("force", "reference", "added_by")),
        "changes": list(episode.kind_changes.values_list("at", "from_kind", "to_kind", "by")),
        "interview": interview
        and [
            getattr(interview, name)
            for name in (
                "service_id",
                "due_at",
                "status",
                "offered_at",
                "held_at",
                "why_went",
                "exploitation_indicators",
                "recorded_by_id",
            )
        ],
    }


@pytest.mark.usefixtures("open_world_loaded", "reference")
class TestTheOpenWorldLoaded:
    """What one load of a world with episodes still open wrote: the episodes and their history."""

    def test_episodes_carry_what_the_board_and_the_access_rules_read(self) -> None:
        episodes = Episode.objects.select_related("child__responsible_authority")
        assert episodes.filter(returned_at=None).count() >= 3
        assert not episodes.filter(location_police_force=None).exists()
        assert set(episodes.values_list("location_police_force__kind", flat=True)) == {AgencyKind.POLICE}
        for episode in episodes.prefetch_related("risk_gradings"):
            gradings = sorted(episode.risk_gradings.all(), key=lambda g: (g.graded_at, g.id))
            assert (episode.risk_grade, episode.risk_graded_at) == (
                (gradings[-1].grade, gradings[-1].graded_at) if gradings else ("", None)
            )
            assert episode.reported_by.agency_id == episode.reporting_agency_id
            assert episode.last_seen_at == episode.started_at
        # A return interview for every return, with the council's service, due 72 hours after.
        returned = episodes.exclude(returned_at=None)
        interviews = ReturnInterview.objects.select_related("episode__child__responsible_authority", "service")
        assert interviews.count() == returned.count()
        for interview in interviews:
            council = interview.episode.child.responsible_authority
            assert interview.service.code == f"RHI-{council.code}" and interview.service.kind == AgencyKind.RHI
            assert interview.service.name == f"{council.name} return interview service"
            assert interview.due_at == interview.episode.returned_at + datetime.timedelta(hours=72)
            assert (interview.closed_at is not None) == (interview.status in {"completed", "declined"})
        references = PoliceReference.objects.select_related("episode")
        assert references.count() == Episode.objects.filter(risk_gradings__isnull=False).distinct().count()

    def test_loaded_episodes_are_on_the_board_of_the_force_where_the_child_is(self) -> None:
        open_episodes = list(Episode.objects.filter(returned_at=None).select_related("child", "location_police_force"))
        for episode in open_episodes:
            force_board = board(user=_user(episode.location_police_force, Role.POLICE_COORDINATOR), why="test")
            assert episode.pk in {row.episode.pk for row in force_board.rows}
            council_board = board(user=_user(episode.child.responsible_authority, Role.MISSING_COORDINATOR), why="test")
            assert episode.pk in {row.episode.pk for row in council_board.rows}
        # A council with no reason to see any of these children sees none of them.
        involved = {e.child.responsible_authority_id for e in open_episodes}
        involved |= set(
            Placement.objects.current()
            .filter(child__in=[e.child for e in open_episodes])
            .values_list("host_authority", flat=True)
        )
        bystander = (
            Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).exclude(pk__in=involved).order_by("code").first()
        )
        shown = {row.episode.pk for row in board(user=_user(bystander, Role.MISSING_COORDINATOR), why="test").rows}
        assert not shown & {e.pk for e in open_episodes}

    def test_loaded_episodes_make_the_childs_timeline(self) -> None:
        busiest = Episode.objects.values("child").annotate(n=Count("id")).order_by("-n").first()
        child = Child.objects.select_related("responsible_authority").get(pk=busiest["child"])
        # The whole history on one page (a page shows only the newest few).
        timeline = child_timeline(
            user=_user(child.responsible_authority, Role.SOCIAL_WORKER),
            child_id=child.pk,
            why="test",
            per_page=busiest["n"],
        )
        assert len(timeline.episodes) == busiest["n"] > 3
        kinds = Counter(entry.kind for entry in timeline.entries)
        assert kinds[UpdateKind.REPORTED] == busiest["n"]
        assert kinds[UpdateKind.RETURN] == sum(e.returned_at is not None for e in timeline.episodes)
        assert kinds[UpdateKind.INTERVIEW] >= kinds[UpdateKind.RETURN]
        assert [entry.at for entry in timeline.entries] == sorted(entry.at for entry in timeline.entries)
        assert all(entry.by.startswith("svc-") and entry.agency for entry in timeline.entries)
        assert all(summary.interview_due_at for summary in timeline.episodes if summary.returned_at)

    def test_loaded_episodes_are_row_for_row_what_the_services_write(self) -> None:
        candidates = (
            Episode.objects.exclude(returned_at=None)
            .exclude(safe_and_well_at=None)
            .exclude(closed_at=None)
            .filter(return_interview__status="completed")
            .select_related("child")
        )
        episode = _replayable(candidates)
        loaded = _snapshot(episode)
        steps = sorted(
            EpisodeUpdate.objects.filter(episode=episode).select_related("by"),
            key=lambda u: (u.kind != "reported", u.at, u.id),
        )
        gradings = list(episode.risk_gradings.order_by("graded_at", "id"))
        interview = episode.return_interview
        facts = {
            name: getattr(episode, name)
            for name in (
                "child_id",
                "started_at",
                "last_seen_location",
                "last_seen_postcode",
                "clothing",
                "circumstances",
                "out_of_character",
                "return_how",
                "found_by",
                "return_place",
                "return_postcode",
                "returned_at",
            )
        }
        findings = {name: getattr(interview, name) for name in services.FINDINGS}
        Episode.objects.filter(pk=episode.pk).delete()

        # Replay each step, in time order, by the account that took it.
        replayed = None
        for step in steps:
            by, at, kind = step.by, step.at, step.kind
            if kind == UpdateKind.REPORTED:
                replayed, _ = services.episode_open(
                    user=by,
                    why="test",
                    child=facts["child_id"],
                    kind=step.detail["kind"],
                    last_seen_at=facts["started_at"],
                    reported_at=at,
                    last_seen_location=facts["last_seen_location"],
                    last_seen_postcode=facts["last_seen_postcode"],
                    clothing=facts["clothing"],
                    circumstances=facts["circumstances"],
                    out_of_character=facts["out_of_character"],
                )
            elif kind == UpdateKind.KIND_CHANGE:
                services.episode_kind_change(user=by, why="test", episode=replayed, to_kind=step.detail["to"], at=at)
            elif kind == UpdateKind.POLICE_REFERENCE:
                services.episode_add_police_reference(
                    user=by, why="test", episode=replayed, reference=step.detail["reference"]
                )
            elif kind == UpdateKind.RISK_GRADE:
                grading = gradings.pop(0)
                services.episode_grade_risk(
                    user=by,
                    why="test",
                    episode=replayed,
                    risk_grade=grading.grade,
                    source=grading.source,
                    rationale=grading.rationale,
                    graded_at=at,
                )
            elif kind in {UpdateKind.SIGHTING, UpdateKind.ENQUIRY, UpdateKind.NOTE}:
                services.episode_add_update(
                    user=by,
                    why="test",
                    episode=replayed,
                    kind=kind,
                    text=step.text,
                    at=at,
                    location=step.location,
                    postcode=step.postcode,
                )
            elif kind == UpdateKind.RETURN:
                services.episode_record_return(
                    user=by,
                    why="test",
                    episode=replayed,
                    returned_at=facts["returned_at"],
                    how=facts["return_how"],
                    found_by=facts["found_by"],
                    place=facts["return_place"],
                    postcode=facts["return_postcode"],
                )
            elif kind == UpdateKind.INTERVIEW and step.detail["status"] != "assigned":
                status = step.detail["status"]
                extra = (
                    {"offered_at": at}
                    if status == "offered"
                    else {"held_at": at, **findings}
                    if status == "completed"
                    else {}
                )
                services.return_interview_update(user=by, why="test", episode=replayed, status=status, **extra)
            elif kind == UpdateKind.SAFE_AND_WELL:
                services.episode_record_safe_and_well(user=by, why="test", episode=replayed, at=at)
            elif kind == UpdateKind.CLOSED:
                services.episode_close(user=by, why="test", episode=replayed, at=at)
        assert _snapshot(replayed) == loaded
