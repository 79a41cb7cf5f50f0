"""The episode's lifecycle services: what each records, and who may call it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import AuditEvent
from homeward.episodes import services
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
    KindChange,
    ReturnInterview,
    ReturnInterviewCommission,
    RiskGrading,
)
from tests.episodes.conftest import ago, counts


@pytest.fixture
def episode(world):
    episode, created = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        left_at=ago(hours=6),
        last_seen_at=ago(hours=7),
        reported_at=ago(hours=5),
    )
    assert created
    return episode


def _field(excinfo) -> list[str]:
    return list(excinfo.value.message_dict)


def test_the_start_is_the_later_of_left_and_last_seen_and_both_are_kept(episode):
    assert episode.started_at == episode.left_at > episode.last_seen_at
    assert (episode.status, episode.reporting_agency.name, episode.kind) == ("open", "Oak House", "missing")
    update = episode.updates.get()
    assert update.kind == "reported" and "Left" in update.text and "Last seen by a responsible adult" in update.text
    event = AuditEvent.objects.filter(object_type="episode").latest("id")
    assert (event.action, event.object_type, event.object_id, event.child_id) == (
        "create",
        "episode",
        str(episode.pk),
        episode.child_id,
    )


def test_who_may_report(world):
    def report(user):
        return services.episode_open(
            user=user, why="test", child=world.child, kind="missing", started_at=timezone.now()
        )

    with pytest.raises(PermissionDenied):
        report(world.inspector)  # sees the child, reads only
    with pytest.raises(ValidationError) as excinfo:
        report(world.gmp_officer)  # cannot see the child at all
    assert excinfo.value.message_dict == {"child": ["No such child."]}
    for user in (world.host_coordinator, world.police_officer, world.social_worker):
        episode, _ = report(user)
        services.episode_record_return(user=user, why="test", episode=episode, returned_at=timezone.now())
    assert Episode.objects.filter(child=world.child).count() == 3


def test_an_episode_cannot_overlap_an_earlier_one(world, episode):
    services.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=3))
    with pytest.raises(ValidationError) as excinfo:
        services.episode_open(
            user=world.provider_staff, why="test", child=world.child, kind="away", started_at=ago(hours=4)
        )
    assert _field(excinfo) == ["started_at"]
    later, _ = services.episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="away", started_at=ago(hours=2)
    )
    assert later.is_open


def test_a_kind_change_is_kept_for_the_ssda903_split(world, episode):
    services.episode_kind_change(
        user=world.provider_staff, why="test", episode=episode.pk, to_kind="away", at=ago(hours=4)
    )
    episode.refresh_from_db()
    change = KindChange.objects.get(episode=episode)
    assert (episode.kind, change.from_kind, change.to_kind) == ("away", "missing", "away")
    with pytest.raises(ValidationError) as excinfo:
        services.episode_kind_change(user=world.provider_staff, why="test", episode=episode, to_kind="away")
    assert _field(excinfo) == ["to_kind"]
    with pytest.raises(ValidationError) as excinfo:  # not before the last change
        services.episode_kind_change(
            user=world.provider_staff, why="test", episode=episode, to_kind="missing", at=ago(hours=4, minutes=30)
        )
    assert _field(excinfo) == ["at"]
    with pytest.raises(ValidationError) as excinfo:  # nor can the return come before it
        services.episode_record_return(
            user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=4, minutes=30)
        )
    assert _field(excinfo) == ["returned_at"]


def test_risk_is_graded_by_the_police_with_its_history(world, episode):
    with pytest.raises(PermissionDenied):
        services.episode_grade_risk(
            user=world.provider_staff, why="test", episode=episode, risk_grade="high", source="me"
        )
    with pytest.raises(ValidationError) as excinfo:
        services.episode_grade_risk(
            user=world.police_officer, why="test", episode=episode, risk_grade="high", source=" "
        )
    assert _field(excinfo) == ["source"]

    services.episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=episode,
        risk_grade="medium",
        source="Call",
        graded_at=ago(hours=4),
    )
    services.episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=episode,
        risk_grade="high",
        source="Sighting with older males",
        graded_at=ago(hours=2),
    )
    # A grade made earlier but recorded later goes into the history without overriding the latest.
    services.episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=episode,
        risk_grade="low",
        source="Initial call",
        graded_at=ago(hours=4, minutes=30),
    )
    episode.refresh_from_db()
    assert (episode.risk_grade, episode.risk_graded_at) == ("high", RiskGrading.objects.get(grade="high").graded_at)
    history = list(episode.risk_gradings.values_list("grade", "source", "agency__code"))
    assert history == [
        ("low", "Initial call", world.west_midlands_police.code),
        ("medium", "Call", world.west_midlands_police.code),
        ("high", "Sighting with older males", world.west_midlands_police.code),
    ]


def test_police_references_are_unique_per_force_and_idempotent(world, episode):
    services.episode_add_police_reference(user=world.police_officer, why="test", episode=episode, reference="WM-1")
    services.episode_add_police_reference(user=world.police_officer, why="test", episode=episode, reference="WM-1")
    assert episode.police_references.count() == 1
    services.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1))
    other, _ = services.episode_open(
        user=world.provider_staff, why="test", child=world.child, kind="away", started_at=ago(minutes=30)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.episode_add_police_reference(user=world.police_officer, why="test", episode=other, reference="WM-1")
    assert _field(excinfo) == ["reference"]
    with pytest.raises(PermissionDenied):
        services.episode_add_police_reference(user=world.social_worker, why="test", episode=other, reference="X")


def test_updates_sightings_and_notes(world, episode):
    with pytest.raises(ValidationError) as excinfo:
        services.episode_add_update(user=world.provider_staff, why="test", episode=episode, kind="return", text="back")
    assert _field(excinfo) == ["kind"]
    with pytest.raises(ValidationError) as excinfo:
        services.episode_add_update(user=world.provider_staff, why="test", episode=episode, kind="note", text="")
    assert _field(excinfo) == ["text"]
    with pytest.raises(ValidationError) as excinfo:
        services.episode_add_update(
            user=world.provider_staff, why="test", episode=episode, kind="enquiry", text="Rang friend", at=ago(hours=9)
        )
    assert _field(excinfo) == ["at"]
    note = services.episode_add_update(
        user=world.host_coordinator, why="test", episode=episode, kind="enquiry", text="Rang school"
    )
    assert (note.by, note.agency) == (world.host_coordinator, world.birmingham)


def test_an_episode_out_of_scope_is_not_found(world, episode):
    for call, kwargs in [
        (services.episode_grade_risk, {"risk_grade": "low", "source": "x"}),
        (services.episode_record_return, {"returned_at": timezone.now()}),
        (services.episode_add_update, {"kind": "note", "text": "x"}),
    ]:
        with pytest.raises(Http404):
            call(user=world.unrelated_social_worker, why="test", episode=episode.pk, **kwargs)
        with pytest.raises(Http404):
            call(user=world.gmp_officer, why="test", episode=episode, **kwargs)
    with pytest.raises(Http404):
        services.episode_close(user=world.social_worker, why="test", episode="not-an-id")


def test_return_safe_and_well_and_close(world, episode, rhi_worker):
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_safe_and_well(user=world.police_officer, why="test", episode=episode)
    assert _field(excinfo) == ["episode"]
    with pytest.raises(ValidationError) as excinfo:
        services.episode_close(user=world.police_officer, why="test", episode=episode)
    assert _field(excinfo) == ["episode"]
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_return(
            user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1), how="teleported"
        )
    assert _field(excinfo) == ["how"]
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_return(
            user=world.provider_staff,
            why="test",
            episode=episode,
            returned_at=timezone.now() + datetime.timedelta(hours=1),
        )
    assert _field(excinfo) == ["returned_at"]

    returned = ago(hours=1)
    services.episode_record_return(
        user=world.police_officer,
        why="test",
        episode=episode,
        returned_at=returned,
        how="police",
        found_by="PC 123",
        place="Friend's flat",
        postcode="M1 1AE",
    )
    episode.refresh_from_db()
    assert (episode.status, episode.return_how, episode.found_by, episode.return_postcode) == (
        "returned",
        "police",
        "PC 123",
        "M1 1AE",
    )
    interview = episode.return_interview
    assert (interview.service, interview.status, interview.due_at) == (
        rhi_worker.agency,
        "assigned",
        returned + datetime.timedelta(hours=72),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_return(user=world.police_officer, why="test", episode=episode, returned_at=returned)
    assert _field(excinfo) == ["returned_at"]

    with pytest.raises(PermissionDenied):
        services.episode_record_safe_and_well(user=world.provider_staff, why="test", episode=episode)
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_safe_and_well(user=world.police_officer, why="test", episode=episode, at=ago(hours=2))
    assert _field(excinfo) == ["at"]
    services.episode_record_safe_and_well(
        user=world.police_officer, why="test", episode=episode, text="Seen at Oak House"
    )

    with pytest.raises(PermissionDenied):
        services.episode_close(user=world.provider_staff, why="test", episode=episode)
    services.episode_close(user=world.social_worker, why="test", episode=episode)
    episode.refresh_from_db()
    assert episode.status == "closed"
    with pytest.raises(ValidationError):
        services.episode_add_update(
            user=world.provider_staff, why="test", episode=episode, kind="note", text="late note"
        )
    kinds = list(episode.updates.values_list("kind", flat=True))
    assert kinds == ["reported", "return", "interview", "safe_and_well", "closed"]


def _interview_service(world, episode) -> Agency:
    services.episode_record_return(user=world.social_worker, why="test", episode=episode, returned_at=ago(hours=1))
    return ReturnInterview.objects.get(episode=episode).service


def test_the_interview_goes_to_the_service_the_responsible_council_commissions(world, episode):
    charity = Agency.objects.create(code="RHI-CHARITY", kind=AgencyKind.RHI, name="Safe Return (charity)")
    services.return_interview_commission_set(council=world.manchester, service=charity)
    # The responsible authority's choice (Manchester's), though the child lives in Birmingham.
    assert _interview_service(world, episode) == charity


def test_with_no_service_commissioned_the_return_is_refused_naming_the_field_and_nothing_is_created(world, episode):
    # The service comes from the council's recorded commission alone: an agency whose code looks like
    # the council's service (RHI-<council code>) is not taken as one.
    ReturnInterviewCommission.objects.all().delete()
    assert Agency.objects.filter(code=f"RHI-{world.manchester.code}", kind=AgencyKind.RHI).exists()
    before = counts()
    agencies = Agency.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=1))
    assert _field(excinfo) == ["return_interview_service"]
    assert world.manchester.name in excinfo.value.message_dict["return_interview_service"][0]
    assert counts() == before and Agency.objects.count() == agencies
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_a_council_may_use_the_host_councils_service_for_children_placed_there(world, episode):
    birmingham_service = Agency.objects.create(code="RHI-BHAM", kind=AgencyKind.RHI, name="Birmingham RHI service")
    services.return_interview_commission_set(council=world.birmingham, service=birmingham_service)
    manchester_service = Agency.objects.get(code=f"RHI-{world.manchester.code}")
    services.return_interview_commission_set(
        council=world.manchester, service=manchester_service, host_service_out_of_area=True
    )
    assert _interview_service(world, episode) == birmingham_service  # the child lives in Birmingham
    # A child placed at home, in Manchester, has Manchester's own.
    at_home, _ = services.episode_open(
        user=world.social_worker, why="test", child=world.child_at_home, kind="away", started_at=ago(hours=3)
    )
    assert _interview_service(world, at_home) == manchester_service


def test_only_a_return_interview_service_can_be_commissioned(world):
    with pytest.raises(ValidationError) as excinfo:
        services.return_interview_commission_set(council=world.manchester, service=world.provider)
    assert _field(excinfo) == ["service"]


def test_interview_steps_and_who_may_record_them(world, episode, rhi_worker, other_rhi_worker):
    services.episode_record_return(user=world.provider_staff, why="test", episode=episode, returned_at=ago(hours=2))
    with pytest.raises(PermissionDenied):
        services.return_interview_update(user=world.provider_staff, why="test", episode=episode, status="offered")
    with pytest.raises(Http404):
        services.return_interview_update(user=other_rhi_worker, why="test", episode=episode, status="offered")
    # The responsible authority may record it too (it commissions the service).
    services.return_interview_update(
        user=world.social_worker, why="test", episode=episode, status="offered", offered_at=ago(hours=1)
    )
    interview = services.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="declined", declined_reason="did_not_want"
    )
    assert (interview.status, interview.closed_at is not None) == ("declined", True)
    interview = services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    assert (interview.status, interview.closed_at) == ("offered", None)
    interview = services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="accepted")
    interview = services.return_interview_update(
        user=rhi_worker,
        why="test",
        episode=episode,
        status="completed",
        held_at=timezone.now(),
        why_went="Argument",
        exploitation_indicators=["money_or_gifts", "money_or_gifts"],
    )
    assert (interview.status, interview.exploitation_indicators, interview.recorded_by) == (
        "completed",
        ["money_or_gifts"],
        rhi_worker,
    )
    assert interview.held_within_72_hours
    with pytest.raises(ValidationError) as excinfo:
        services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    assert _field(excinfo) == ["status"]
    # Findings may be added to after completion.
    interview = services.return_interview_update(
        user=rhi_worker, why="test", episode=episode, what_would_help="Youth club"
    )
    assert interview.what_would_help == "Youth club" and interview.why_went == "Argument"
    statuses = [
        u.detail["status"] for u in EpisodeUpdate.objects.filter(episode=episode, kind="interview").order_by("id")
    ]
    assert statuses == ["assigned", "offered", "declined", "offered", "accepted", "completed", "completed"]


def test_an_interview_before_the_return_is_recorded_is_refused(world, episode, rhi_worker):
    with pytest.raises(ValidationError) as excinfo:
        services.return_interview_update(user=world.social_worker, why="test", episode=episode, status="offered")
    assert _field(excinfo) == ["episode"]


def test_every_write_is_audited_and_a_refused_one_is_not(world, episode):
    before = counts()
    services.episode_add_update(
        user=world.provider_staff, why="form:note", episode=episode, kind="note", text="Called mum"
    )
    event = AuditEvent.objects.filter(object_type="episode").latest("id")
    assert (event.action, event.why, event.child_id, event.detail) == (
        "update",
        "form:note",
        world.child.pk,
        {"update": "note"},
    )
    before = counts()
    with pytest.raises(ValidationError):
        services.episode_add_update(user=world.provider_staff, why="form:note", episode=episode, kind="note", text="")
    assert counts() == before


class TestDatabaseConstraints:
    """The rules that must never break hold even for writes that skip the services."""

    def _episode(self, world, **fields) -> Episode:
        values = {
            "child": world.child,
            "kind": "missing",
            "started_at": ago(hours=3),
            "reported_at": ago(hours=2),
            "reported_by": world.provider_staff,
            "reporting_agency": world.provider,
            **fields,
        }
        return Episode(**values)

    @pytest.mark.parametrize(
        "fields",
        [
            {"returned_at": ago(hours=4)},  # return before start
            {"risk_grade": "extreme"},
            {"kind": "lost"},
            {"returned_at": None, "closed_at": ago(hours=1)},  # closed without a return
            {"returned_at": ago(hours=1), "safe_and_well_at": ago(hours=2)},
        ],
    )
    def test_a_check_refuses(self, world, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            self._episode(world, **fields).save()

    def test_two_open_episodes_for_one_child_are_refused(self, world):
        self._episode(world).save()
        with pytest.raises(IntegrityError), transaction.atomic():
            self._episode(world, started_at=ago(hours=1)).save()
        self._episode(world, started_at=ago(hours=10), returned_at=ago(hours=9)).save()  # a closed one is fine

    def test_a_client_reference_is_unique_per_agency_when_given(self, world):
        self._episode(world, client_reference="A", returned_at=ago(hours=1)).save()
        self._episode(world, client_reference="", started_at=ago(hours=9), returned_at=ago(hours=8)).save()
        self._episode(world, client_reference="", started_at=ago(hours=7), returned_at=ago(hours=6)).save()
        with pytest.raises(IntegrityError), transaction.atomic():
            self._episode(world, client_reference="A", started_at=ago(hours=5), returned_at=ago(hours=4)).save()
