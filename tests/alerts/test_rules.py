"""The notification rules, driven through the real services: for each default rule, exactly the
right people are told — in their inbox and by email through a real SMTP server — nobody else is,
and no alert says whom it is about. Clocks are advanced by running the worker at a later `now`."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts import rules
from homeward.alerts.models import Alert, NotificationSettings, Urgency
from homeward.alerts.selectors import inbox
from homeward.alerts.services import alert_acknowledge
from homeward.children.services import child_allocate, placement_create
from homeward.episodes.models import Episode
from homeward.episodes.services import episode_grade_risk, episode_open, episode_record_return, return_interview_update
from homeward.tasks.models import Status, Task
from homeward.tasks.worker import run_due
from tests.alerts.conftest import with_email
from tests.conftest import make_user
from tests.support import commissioned_service

MISSING = "A child you are responsible for has been reported missing"
HOST_MISSING = "A child placed in your area by another council has been reported missing"
POLICE_MISSING = "A child in care has been reported missing in your force's area"
HIGH_RISK = "The police have graded a child you are responsible for as high risk"
HIGH_RISK_ALLOCATED = "The police have graded a child you are allocated to as high risk"
RETURNED = "A child has returned from being missing or away and is due a return home interview"
INTERVIEW_HELD = "The return home interview for a child you are allocated to has been held"
INTERVIEW_DECLINED = "A child you are allocated to has declined their return home interview"
RETURNED_ALLOCATED = "A child you are allocated to has returned from being missing or away: a return home interview is due within 72 hours"
OVERDUE = "A return home interview for a child you are responsible for is overdue"
PLACED = "A child from another council has been placed in your area"
PLACED_FORCE = "A child in care from another council's area has been placed in your force's area"


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@pytest.fixture
def t0():
    return timezone.now()


@pytest.fixture
def cast(world, people):
    """The shared world's people, plus holders of every role the rules might wrongly reach: at the
    responsible council, the host council, an unrelated council, both police forces and both
    return interview services."""

    def person(agency, role, name):
        return with_email(make_user(agency, role, name))

    manchester_rhi = commissioned_service(world.manchester, "Manchester RHI service")
    leeds_rhi = commissioned_service(world.leeds, "Leeds RHI service")
    wmp, gmp, leeds, birmingham, manchester = (
        world.west_midlands_police,
        world.gmp,
        world.leeds,
        world.birmingham,
        world.manchester,
    )
    return SimpleNamespace(
        **vars(people),
        second_coordinator=person(manchester, Role.MISSING_COORDINATOR, "coordinator-2"),
        analyst=person(manchester, Role.ANALYST, "analyst"),
        wmp_coordinator=person(wmp, Role.POLICE_COORDINATOR, "wmp-coordinator"),
        gmp_coordinator=person(gmp, Role.POLICE_COORDINATOR, "gmp-coordinator"),
        gmp_officer=with_email(world.gmp_officer),
        host_social_worker=person(birmingham, Role.SOCIAL_WORKER, "bham-sw"),
        host_team_manager=person(birmingham, Role.TEAM_MANAGER, "bham-tm"),
        host_nominated_officer=person(birmingham, Role.NOMINATED_OFFICER, "bham-no"),
        host_iro=person(birmingham, Role.IRO, "bham-iro"),
        leeds_coordinator=person(leeds, Role.MISSING_COORDINATOR, "leeds-coordinator"),
        leeds_team_manager=person(leeds, Role.TEAM_MANAGER, "leeds-tm"),
        leeds_nominated_officer=person(leeds, Role.NOMINATED_OFFICER, "leeds-no"),
        leeds_iro=person(leeds, Role.IRO, "leeds-iro"),
        rhi_worker=person(manchester_rhi, Role.RHI_WORKER, "rhi-manchester"),
        leeds_rhi_worker=person(leeds_rhi, Role.RHI_WORKER, "rhi-leeds"),
    )


def everyone(cast) -> list:
    return list(vars(cast).values())


def told(kind: str) -> set:
    return set(Alert.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def names(*users) -> set:
    return {user.username for user in users}


def personal_data(world, child) -> list[str]:
    """Everything the record holds that would identify the child or say where they are."""
    values = [
        child.first_name,
        child.last_name,
        child.la_child_id,
        child.nhs_number,
        child.upn,
        child.date_of_birth.isoformat(),
        child.date_of_birth.strftime("%d/%m/%Y"),
        "Mira",
        "Piccadilly",
        "red coat",
        "argument",
        "M1 1AE",
        "B1 1AA",
        world.provider.name,
    ]
    return [value for value in values if value]


def check_delivered(world, smtp, child, kind: str, expected: dict) -> list[Alert]:
    """Each expected user (user -> subject) has one alert of this kind in their inbox and one email
    with that subject and the alert's link; nobody else has either; no alert names the child."""
    run_due(timezone.now())
    alerts = list(Alert.objects.filter(kind=kind).select_related("recipient"))
    assert told(kind) == names(*expected)
    assert len(alerts) == len(expected), "someone was told twice"
    for user, subject in expected.items():
        [alert] = [a for a in inbox(user) if a.kind == kind]
        assert alert.subject.removeprefix("Urgent: ") == subject
    mail = [m for m in smtp.messages if any(m.subject.endswith(a.subject) for a in alerts)]
    assert sorted(m.to[0] for m in mail) == sorted(user.email for user in expected)
    for message in mail:
        [alert] = [a for a in alerts if a.recipient.email == message.to[0]]
        assert message.subject.endswith(alert.subject)
        assert alert.link in message.body
        for value in personal_data(world, child):
            assert value not in message.subject and value not in message.body, f"{value!r} is in an email"
            assert value not in alert.subject
    return alerts


def open_episode(world, who, child=None, started=None, **details) -> Episode:
    episode, created = episode_open(
        user=who,
        why="test",
        child=child or world.child,
        kind="missing",
        started_at=started or timezone.now() - hours(1),
        last_seen_location="Piccadilly Gardens",
        clothing="red coat",
        circumstances="Left after an argument",
        **details,
    )
    assert created
    return episode


# ---------------------------------------------------------------------------------------------
# Rule 1: an episode opens
# ---------------------------------------------------------------------------------------------


def test_an_episode_opening_tells_the_responsible_council_the_host_council_the_police_and_the_iro(world, cast, smtp):
    episode = open_episode(world, cast.provider_staff)  # the home reports it; last seen place not given
    assert episode.location_police_force == world.west_midlands_police  # the force covering the home
    alerts = check_delivered(
        world,
        smtp,
        world.child,
        "episode_opened",
        {
            cast.coordinator: MISSING,
            cast.second_coordinator: MISSING,
            cast.social_worker: MISSING,
            cast.iro: MISSING,
            cast.host_coordinator: HOST_MISSING,
            cast.wmp_coordinator: POLICE_MISSING,
        },
    )
    assert {a.link for a in alerts} == {f"/episodes/{episode.pk}/"}
    assert {(a.child_id, a.related_type, a.related_id, a.urgency) for a in alerts} == {
        (world.child.pk, "episodes.episode", episode.pk, Urgency.NORMAL)
    }
    # Nobody else: not the managers (yet), the council's social worker and IRO of other children,
    # the analyst, the police officer, the other force, the host council's other staff, the
    # unrelated council, the home, or the interview services.
    for user in everyone(cast):
        if user not in (
            cast.coordinator,
            cast.second_coordinator,
            cast.social_worker,
            cast.iro,
            cast.host_coordinator,
            cast.wmp_coordinator,
        ):
            assert not inbox(user).exists(), user.username
    assert not inbox(cast.other_social_worker).exists() and not inbox(cast.other_iro).exists()
    assert {cast.other_social_worker.email, cast.other_iro.email}.isdisjoint(m.to[0] for m in smtp.messages)
    assert len(smtp.messages) == 6


def test_the_social_worker_and_iro_told_are_the_ones_allocated_to_the_child(world, cast, smtp):
    child_allocate(
        user=cast.team_manager,
        why="test",
        child=world.child,
        social_worker=cast.other_social_worker,
        iro=cast.other_iro,
    )
    open_episode(world, cast.provider_staff)
    check_delivered(
        world,
        smtp,
        world.child,
        "episode_opened",
        {
            cast.coordinator: MISSING,
            cast.second_coordinator: MISSING,
            cast.other_social_worker: MISSING,
            cast.other_iro: MISSING,
            cast.host_coordinator: HOST_MISSING,
            cast.wmp_coordinator: POLICE_MISSING,
        },
    )
    assert not inbox(cast.social_worker).exists() and not inbox(cast.iro).exists()


@pytest.mark.parametrize(
    ("unallocate", "note"),
    [
        ({"social_worker": None, "iro": None}, "no social worker or IRO is allocated"),
        ({"social_worker": None}, "no social worker is allocated"),
        ({"iro": None}, "no IRO is allocated"),
    ],
)
def test_a_child_without_a_caseworker_allocated_has_the_coordinators_and_team_managers_told_so(
    world, cast, smtp, unallocate, note
):
    child_allocate(user=cast.team_manager, why="test", child=world.child, **unallocate)
    open_episode(world, cast.provider_staff)
    instead = f"{MISSING}: {note}"
    expected = {
        cast.coordinator: instead,
        cast.second_coordinator: instead,
        cast.team_manager: instead,
        cast.host_coordinator: HOST_MISSING,
        cast.wmp_coordinator: POLICE_MISSING,
    }
    if "social_worker" not in unallocate:
        expected[cast.social_worker] = MISSING
    if "iro" not in unallocate:
        expected[cast.iro] = MISSING
    check_delivered(world, smtp, world.child, "episode_opened", expected)
    # Still not every caseworker at the council: nobody else's social worker or IRO, nor the senior officer.
    for user in (cast.other_social_worker, cast.other_iro, cast.nominated_officer):
        assert not inbox(user).exists()
    if "social_worker" in unallocate:
        assert not inbox(cast.social_worker).exists()
    if "iro" in unallocate:
        assert not inbox(cast.iro).exists()


def test_the_police_told_are_the_force_where_the_child_was_last_seen(world, cast, smtp):
    episode = open_episode(world, cast.social_worker, last_seen_postcode="M1 1AE")  # Manchester: GMP's area
    assert episode.location_police_force == world.gmp
    alerts = check_delivered(
        world,
        smtp,
        world.child,
        "episode_opened",
        {
            cast.coordinator: MISSING,
            cast.second_coordinator: MISSING,
            cast.social_worker: MISSING,
            cast.iro: MISSING,
            cast.host_coordinator: HOST_MISSING,
            cast.gmp_coordinator: POLICE_MISSING,
        },
    )
    assert cast.wmp_coordinator.username not in {a.recipient.username for a in alerts}


def test_a_child_placed_in_its_own_councils_area_tells_no_host_council_and_each_person_once(world, cast, smtp):
    open_episode(world, cast.coordinator, child=world.child_at_home)
    check_delivered(
        world,
        smtp,
        world.child_at_home,
        "episode_opened",
        {
            cast.coordinator: MISSING,
            cast.second_coordinator: MISSING,
            cast.social_worker: MISSING,
            cast.iro: MISSING,
            cast.gmp_coordinator: POLICE_MISSING,  # the force covering the foster home in Manchester
        },
    )
    assert not inbox(cast.host_coordinator).exists()


def test_an_away_episode_says_so(world, cast, smtp):
    episode_open(
        user=cast.social_worker, why="test", child=world.child, kind="away", started_at=timezone.now() - hours(1)
    )
    run_due(timezone.now())
    assert (
        inbox(cast.coordinator).get().subject
        == "A child you are responsible for has been reported away from placement without authorisation"
    )
    assert inbox(cast.host_coordinator).get().subject == (
        "A child placed in your area by another council has been reported away from placement without authorisation"
    )


def test_a_refused_report_tells_nobody(world, cast):
    open_episode(world, cast.social_worker)
    with pytest.raises(ValidationError):
        open_episode(world, cast.social_worker)  # already missing: the service refuses, and rolls back
    assert Alert.objects.filter(kind="episode_opened").count() == 6


# ---------------------------------------------------------------------------------------------
# Rule 1, continued: missing longer than each threshold
# ---------------------------------------------------------------------------------------------


def test_a_child_still_missing_goes_to_the_team_manager_at_24_hours_and_the_nominated_officer_at_72(
    world, cast, smtp, t0
):
    start = t0 - hours(1)
    episode = open_episode(world, cast.social_worker, started=start)
    run_due(start + hours(24) - minutes(1))
    assert told("missing_over_24h") == set()

    run_due(start + hours(24))
    [alert] = check_delivered(
        world,
        smtp,
        world.child,
        "missing_over_24h",
        {cast.team_manager: "A child you are responsible for has been missing for more than 24 hours"},
    )
    assert alert.link == f"/episodes/{episode.pk}/" and alert.created_at == start + hours(24)
    assert not inbox(cast.nominated_officer).exists()

    run_due(start + hours(72) - minutes(1))
    assert told("missing_over_72h") == set()
    run_due(start + hours(72))
    check_delivered(
        world,
        smtp,
        world.child,
        "missing_over_72h",
        {cast.nominated_officer: "A child you are responsible for has been missing for more than 72 hours"},
    )
    # Only Manchester's chain: Birmingham's and Leeds's managers are never told.
    for user in (
        cast.host_team_manager,
        cast.host_nominated_officer,
        cast.leeds_team_manager,
        cast.leeds_nominated_officer,
    ):
        assert not inbox(user).exists()
    assert told("missing_over_24h") == names(cast.team_manager)  # told once, however often the worker runs


def test_a_child_reported_late_is_escalated_at_once(world, cast, smtp, t0):
    open_episode(world, cast.social_worker, started=t0 - hours(30))
    run_due(timezone.now())
    assert told("missing_over_24h") == names(cast.team_manager)
    assert told("missing_over_72h") == set()


def test_a_child_back_before_the_threshold_is_not_escalated(world, cast, smtp, t0):
    start = t0 - hours(2)
    episode = open_episode(world, cast.social_worker, started=start)
    episode_record_return(user=cast.social_worker, why="test", episode=episode, returned_at=t0 - hours(1))
    assert not Task.objects.filter(
        name=rules.MISSING_LONGER_THAN_TASK, status=Status.QUEUED
    ).exists()  # both clocks stopped
    run_due(start + hours(200))
    assert not Alert.objects.filter(kind__startswith="missing_over_").exists()
    assert not inbox(cast.team_manager).filter(kind__startswith="missing").exists()


def test_a_clock_left_behind_finds_the_child_back_and_does_nothing(world, cast, t0):
    start = t0 - hours(2)
    episode = open_episode(world, cast.social_worker, started=start)
    # The council changes its thresholds while the child is away: the return cancels the new ones,
    # so the 24 and 72 hour clocks are still queued, and must see that the child is back.
    NotificationSettings.objects.create(authority=world.manchester, escalate_after_hours=[48])
    episode_record_return(user=cast.social_worker, why="test", episode=episode, returned_at=t0 - hours(1))
    assert Task.objects.filter(name=rules.MISSING_LONGER_THAN_TASK, status=Status.QUEUED).count() == 2
    run_due(start + hours(200))
    assert not Alert.objects.filter(kind__startswith="missing_over_").exists()


def test_a_council_sets_its_own_thresholds(world, cast, smtp, t0):
    NotificationSettings.objects.create(authority=world.manchester, escalate_after_hours=[4, 12, 48])
    NotificationSettings.objects.create(
        authority=world.birmingham, escalate_after_hours=[1]
    )  # the host's own: not used
    start = t0 - hours(0.5)
    open_episode(world, cast.social_worker, started=start)
    run_due(start + hours(4) - minutes(1))
    assert not Alert.objects.filter(kind__startswith="missing_over_").exists()
    run_due(start + hours(4))
    assert told("missing_over_4h") == names(cast.team_manager)
    run_due(start + hours(12))
    assert told("missing_over_12h") == names(cast.nominated_officer)
    run_due(start + hours(48))
    assert told("missing_over_48h") == names(cast.nominated_officer)  # the top of the chain
    run_due(start + hours(100))
    assert set(Alert.objects.filter(kind__startswith="missing_over_").values_list("kind", flat=True)) == {
        "missing_over_4h",
        "missing_over_12h",
        "missing_over_48h",
    }  # nothing at 24 or 72
    assert (
        inbox(cast.team_manager).get().subject
        == "A child you are responsible for has been missing for more than 4 hours"
    )


def test_a_council_without_a_team_manager_escalates_to_its_nominated_officer(world, cast, t0):
    cast.team_manager.is_active = False
    cast.team_manager.save(update_fields=["is_active"])
    start = t0 - hours(1)
    open_episode(world, cast.social_worker, started=start)
    run_due(start + hours(24))
    assert told("missing_over_24h") == names(cast.nominated_officer)


# ---------------------------------------------------------------------------------------------
# Rule 2: risk raised to high
# ---------------------------------------------------------------------------------------------


def grade(world, cast, episode, risk_grade: str) -> Episode:
    return episode_grade_risk(
        user=cast.police_officer, why="test", episode=episode, risk_grade=risk_grade, source="call handler"
    )


def test_risk_raised_to_high_tells_the_team_manager_and_the_nominated_officer_at_once_and_urgently(world, cast, smtp):
    episode = open_episode(world, cast.social_worker)
    grade(world, cast, episode, "medium")
    assert told("risk_high") == set()
    grade(world, cast, episode, "high")
    alerts = check_delivered(
        world,
        smtp,
        world.child,
        "risk_high",
        {
            cast.team_manager: HIGH_RISK,
            cast.nominated_officer: HIGH_RISK,
            cast.social_worker: HIGH_RISK_ALLOCATED,
            cast.iro: HIGH_RISK_ALLOCATED,
        },
    )
    assert {(a.recipient, a.urgency) for a in alerts} == {
        (cast.team_manager, Urgency.URGENT),
        (cast.nominated_officer, Urgency.URGENT),
        (cast.social_worker, Urgency.NORMAL),
        (cast.iro, Urgency.NORMAL),
    }
    assert {m.subject for m in smtp.messages if m.to[0] == cast.team_manager.email} == {f"Urgent: {HIGH_RISK}"}
    for user in (
        cast.host_team_manager,
        cast.host_nominated_officer,
        cast.leeds_team_manager,
        cast.leeds_nominated_officer,
        cast.wmp_coordinator,
        cast.gmp_coordinator,
        cast.other_social_worker,
        cast.other_iro,
    ):
        assert not inbox(user).filter(kind="risk_high").exists()

    # High again is no rise; lowered and raised again is a new event.
    grade(world, cast, episode, "high")
    assert Alert.objects.filter(kind="risk_high").count() == 4
    grade(world, cast, episode, "low")
    grade(world, cast, episode, "high")
    assert Alert.objects.filter(kind="risk_high").count() == 8


def test_a_first_grade_of_high_counts_as_raised(world, cast):
    episode = open_episode(world, cast.social_worker)
    grade(world, cast, episode, "high")
    assert told("risk_high") == names(cast.team_manager, cast.nominated_officer, cast.social_worker, cast.iro)


def test_an_unacknowledged_high_risk_alert_is_re_sent_then_escalates(world, cast, smtp, t0):
    episode = open_episode(world, cast.social_worker)
    grade(world, cast, episode, "high")
    at = Alert.objects.filter(kind="risk_high", urgency=Urgency.URGENT).first().created_at
    run_due(at + minutes(15))
    assert set(
        Alert.objects.filter(kind="risk_high", urgency=Urgency.URGENT).values_list("renotified_count", flat=True)
    ) == {1}
    assert [m.subject for m in smtp.messages if m.to[0] == cast.team_manager.email][
        -1
    ] == f"Urgent: Reminder: {HIGH_RISK}"

    run_due(at + minutes(60) + minutes(3))  # the worker catching up: the clock's time is what counts
    # The team manager's goes up to the nominated officer; the nominated officer's has nowhere higher.
    [escalation] = Alert.objects.filter(kind="escalation")
    assert (escalation.recipient, escalation.escalated_from.recipient) == (cast.nominated_officer, cast.team_manager)
    assert escalation.escalated_from.escalated_at == at + minutes(60) == escalation.created_at
    assert escalation.link == f"/episodes/{episode.pk}/"
    assert told("escalation") == names(cast.nominated_officer)


def test_acknowledging_a_high_risk_alert_stops_its_reminders_and_escalation(world, cast, smtp):
    episode = open_episode(world, cast.social_worker)
    grade(world, cast, episode, "high")
    mine = inbox(cast.team_manager).get(kind="risk_high")
    alert_acknowledge(user=cast.team_manager, alert_id=mine.pk, why="test")
    run_due(mine.created_at + minutes(120))
    mine.refresh_from_db()
    assert (mine.renotified_count, mine.escalated_at) == (0, None)
    assert not Alert.objects.filter(kind="escalation").exists()


# ---------------------------------------------------------------------------------------------
# Rule 3: return, and the return interview
# ---------------------------------------------------------------------------------------------


def returned(world, cast, t0, child=None) -> Episode:
    episode = open_episode(world, cast.social_worker, child=child, started=t0 - hours(2))
    return episode_record_return(user=cast.social_worker, why="test", episode=episode, returned_at=t0 - hours(1))


def test_a_return_tells_the_assigned_return_interview_service_and_the_allocated_caseworkers(world, cast, smtp, t0):
    episode = returned(world, cast, t0)
    alerts = check_delivered(
        world,
        smtp,
        world.child,
        "returned",
        {
            cast.rhi_worker: RETURNED,
            cast.social_worker: RETURNED_ALLOCATED,
            cast.iro: RETURNED_ALLOCATED,
        },
    )
    assert {alert.link for alert in alerts} == {f"/episodes/{episode.pk}/"}
    assert not inbox(cast.leeds_rhi_worker).exists()
    # The return itself tells nobody else.
    assert set(Alert.objects.values_list("kind", flat=True)) == {"episode_opened", "returned"}


def test_the_allocated_social_worker_and_iro_are_told_of_the_grading_the_return_and_the_interview(
    world, cast, smtp, t0
):
    episode = open_episode(world, cast.social_worker, started=t0 - hours(2))
    grade(world, cast, episode, "high")
    episode_record_return(user=cast.social_worker, why="test", episode=episode, returned_at=t0 - hours(1))
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    assert told("interview_outcome") == set()  # an offer is no outcome
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="completed", held_at=timezone.now()
    )
    run_due(timezone.now())
    for caseworker in (cast.social_worker, cast.iro):
        assert {(a.kind, a.subject) for a in inbox(caseworker).exclude(kind="episode_opened")} == {
            ("risk_high", HIGH_RISK_ALLOCATED),
            ("returned", RETURNED_ALLOCATED),
            ("interview_outcome", INTERVIEW_HELD),
        }
        assert {m.subject for m in smtp.messages if m.to[0] == caseworker.email} >= {
            HIGH_RISK_ALLOCATED,
            RETURNED_ALLOCATED,
            INTERVIEW_HELD,
        }
    check_delivered(
        world, smtp, world.child, "interview_outcome", {cast.social_worker: INTERVIEW_HELD, cast.iro: INTERVIEW_HELD}
    )
    for user in (cast.other_social_worker, cast.other_iro, cast.leeds_iro, cast.host_iro, cast.host_social_worker):
        assert not inbox(user).exists()

    # Findings added later are no new outcome.
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, what_would_help="A key worker she trusts"
    )
    assert Alert.objects.filter(kind="interview_outcome").count() == 2


def test_a_declined_interview_tells_the_caseworkers_the_child_declined(world, cast, t0):
    episode = returned(world, cast, t0)
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    assert set(Alert.objects.filter(kind="interview_outcome").values_list("recipient__username", "subject")) == {
        (cast.social_worker.username, INTERVIEW_DECLINED),
        (cast.iro.username, INTERVIEW_DECLINED),
    }


def test_the_caseworkers_told_are_the_ones_allocated_now(world, cast, t0):
    child_allocate(
        user=cast.team_manager,
        why="test",
        child=world.child,
        social_worker=cast.other_social_worker,
        iro=cast.other_iro,
    )
    episode = open_episode(world, cast.social_worker, started=t0 - hours(2))
    grade(world, cast, episode, "high")
    episode_record_return(user=cast.social_worker, why="test", episode=episode, returned_at=t0 - hours(1))
    for kind in ("risk_high", "returned"):
        assert told(kind) & names(cast.social_worker, cast.iro, cast.other_social_worker, cast.other_iro) == names(
            cast.other_social_worker, cast.other_iro
        ), kind


def test_an_interview_not_done_by_its_due_time_tells_the_team_manager(world, cast, smtp, t0):
    episode = returned(world, cast, t0)
    due = episode.return_interview.due_at
    assert due == t0 - hours(1) + hours(72)  # DfE 2014: within 72 hours of return
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    run_due(due - minutes(1))
    assert told("interview_overdue") == set()
    run_due(due)
    [alert] = check_delivered(world, smtp, world.child, "interview_overdue", {cast.team_manager: OVERDUE})
    assert alert.link == f"/episodes/{episode.pk}/"
    for user in (
        cast.nominated_officer,
        cast.social_worker,
        cast.rhi_worker,
        cast.host_team_manager,
        cast.leeds_team_manager,
    ):
        assert not inbox(user).filter(kind="interview_overdue").exists()


def test_an_interview_held_in_time_is_not_overdue(world, cast, t0):
    episode = returned(world, cast, t0)
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="completed", held_at=timezone.now()
    )
    assert not Task.objects.filter(name=rules.INTERVIEW_OVERDUE_TASK, status=Status.QUEUED).exists()
    run_due(t0 + hours(200))
    assert told("interview_overdue") == set()


def test_an_interview_declined_is_not_overdue_but_offered_again_its_clock_runs_again(world, cast, t0):
    episode = returned(world, cast, t0)
    due = episode.return_interview.due_at
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    run_due(due + hours(1))
    assert told("interview_overdue") == set()
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    run_due(due + hours(2))
    assert told("interview_overdue") == names(cast.team_manager)


def test_an_interview_offered_again_after_its_overdue_alert_is_overdue_again(world, cast, t0):
    episode = returned(world, cast, t0)
    due = episode.return_interview.due_at
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    run_due(due)
    assert Alert.objects.filter(kind="interview_overdue").count() == 1
    # Updates that do not reopen it tell nobody again.
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="accepted")
    run_due(due + hours(1))
    assert Alert.objects.filter(kind="interview_overdue").count() == 1
    # Declined, then offered again: past its due time, so overdue at once — a second alert.
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    run_due(due + hours(2))
    assert (
        list(Alert.objects.filter(kind="interview_overdue").values_list("recipient__username", flat=True))
        == [cast.team_manager.username] * 2
    )
    # Completed: its clock stops.
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="completed", held_at=timezone.now()
    )
    assert not Task.objects.filter(name=rules.INTERVIEW_OVERDUE_TASK, status=Status.QUEUED).exists()


# ---------------------------------------------------------------------------------------------
# Rule 4: a child placed in another council's area
# ---------------------------------------------------------------------------------------------


def place(world, cast, child, postcode: str, **dates):
    return placement_create(
        user=cast.social_worker,
        why="test",
        child=child,
        start_date=dates.pop("start_date", datetime.date.today()),
        placement_type="K2",
        provider_type="PR4",
        provider=world.provider,
        placement_postcode=postcode,
        home_postcode="M1 1AE",
        **dates,
    )


def test_a_child_placed_in_another_councils_area_is_made_known_to_its_missing_coordinator_and_the_force(
    world, cast, smtp
):
    placement = place(world, cast, world.child_at_home, "B1 1AA")
    assert placement.host_authority == world.birmingham
    alerts = check_delivered(
        world,
        smtp,
        world.child_at_home,
        "placed_in_area",
        {cast.host_coordinator: PLACED, cast.wmp_coordinator: PLACED_FORCE},
    )
    for alert in alerts:
        assert (alert.link, alert.related_type, alert.related_id) == (
            f"/children/{world.child_at_home.pk}/",
            "children.placement",
            placement.pk,
        )
    assert Alert.objects.count() == 2  # nobody else: not the host's other staff, not Manchester, not Leeds, not GMP


def test_a_placement_in_the_councils_own_area_or_one_already_ended_tells_nobody(world, cast):
    place(world, cast, world.child_at_home, "M1 1AE", start_date=datetime.date.today() - datetime.timedelta(days=1))
    today = datetime.date.today()
    place(
        world,
        cast,
        world.moved_child,
        "B1 1AA",
        start_date=today - datetime.timedelta(days=29),
        end_date=today - datetime.timedelta(days=1),
    )
    assert not Alert.objects.exists()


# ---------------------------------------------------------------------------------------------
# Nobody twice
# ---------------------------------------------------------------------------------------------


def test_a_person_with_two_reasons_is_told_once(world, cast):
    episode = open_episode(world, cast.social_worker)
    Alert.objects.all().delete()
    rules._tell(
        "test",
        groups=[
            ([cast.coordinator, cast.iro], Urgency.NORMAL, "first"),
            ([cast.iro, cast.team_manager], Urgency.NORMAL, "second"),
        ],
        link="/",
        child_id=world.child.pk,
        related=episode,
    )
    assert sorted(Alert.objects.values_list("recipient__username", "subject")) == sorted(
        [(cast.coordinator.username, "first"), (cast.iro.username, "first"), (cast.team_manager.username, "second")]
    )
