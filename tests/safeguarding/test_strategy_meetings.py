"""Strategy meetings: proposed by the rules (repeat missing plus exploitation risk), at most one open
per child, the team managers told; invited agencies; decisions; actions in their owners' inboxes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.alerts.selectors import inbox
from homeward.audit.models import AuditEvent
from homeward.safeguarding import rules, selectors, services
from homeward.safeguarding.models import StrategyMeeting
from homeward.tasks.worker import run_due
from tests.alerts.conftest import with_email
from tests.conftest import make_user
from tests.safeguarding.conftest import at
from tests.safeguarding.test_flag_rules import MODERATE_ANSWERS

MODERATE = MODERATE_ANSWERS | {"staying_out_late": "yes"}


def _repeat(story, days=(25, 20, 15)):
    return [story.episode(at(d, 15)) for d in days]


def _proposed(world, story, rhi_worker=None) -> StrategyMeeting:
    episodes = _repeat(story)
    story.interview(episodes[-1], ["money_or_gifts"])
    return StrategyMeeting.objects.get(child=world.child)


def test_repeat_missing_alone_or_exploitation_alone_proposes_nothing(world, story):
    _repeat(story)
    assert not StrategyMeeting.objects.exists()
    services.screening_record(user=world.social_worker, why="test", child=world.child_at_home.pk, answers=MODERATE)
    assert not StrategyMeeting.objects.exists()


def test_repeat_missing_and_a_moderate_screening_propose_a_meeting_and_tell_the_team_manager(
    world, story, team_manager, rhi_worker
):
    _repeat(story)
    services.screening_record(user=world.social_worker, why="test", child=world.child.pk, answers=MODERATE)
    [meeting] = StrategyMeeting.objects.filter(child=world.child)
    assert meeting.status == "proposed" and meeting.proposed_by is None
    lines = meeting.reason.splitlines()
    assert lines[0] == (
        "Proposed by the rule: this council proposes a strategy meeting for repeat missing and seen or found at a "
        "place flagged for exploitation or exploitation indicators disclosed at a return interview or exploitation "
        "screening moderate or above."
    )
    assert lines[1].startswith("Repeat missing: 3 episodes in 30 days") and lines[-1].startswith(
        "Exploitation screening moderate or above: "
    )
    assert set(meeting.rule_facts["flags"]) == {"repeat_missing", "screening"}
    # Invited: the responsible council, the host council, the police of the area, the interview service.
    assert {a.code for a in meeting.invited_agencies.all()} == {
        world.manchester.code,
        world.birmingham.code,
        world.west_midlands_police.code,
        rhi_worker.agency.code,
    }
    [alert] = inbox(team_manager).filter(kind="strategy_meeting_proposed")
    assert (alert.kind, alert.link, alert.child_id) == (
        "strategy_meeting_proposed",
        f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/",
        world.child.pk,
    )
    assert alert.subject == "A strategy meeting is proposed for a child you are responsible for"
    # At the council: the team managers and the child's own social worker; at each other invited
    # agency, its contact for missing children (test_invited_agencies_are_told… says who).
    assert set(Alert.objects.filter(kind="strategy_meeting_proposed").values_list("recipient", flat=True)) == {
        team_manager.pk,
        world.social_worker.pk,
        world.host_coordinator.pk,
        rhi_worker.pk,
    }
    audit = AuditEvent.objects.get(object_type="strategy_meeting", action="create")
    assert (audit.username, audit.child_id) == ("system", world.child.pk)


COUNCIL_PROPOSED = "A strategy meeting is proposed for a child you are responsible for"
INVITED_PROPOSED = "Your agency is invited to a strategy meeting proposed for a child in care"


def _mail_to(smtp, user) -> list[str]:
    return [m.subject for m in smtp.messages if m.to == [user.email] and "strategy meeting" in m.subject]


def test_invited_agencies_are_told_when_a_meeting_is_proposed_and_when_it_is_scheduled(
    world, story, team_manager, rhi_worker, smtp
):
    wmp_coordinator = with_email(make_user(world.west_midlands_police, Role.POLICE_COORDINATOR))
    not_told = [
        with_email(make_user(world.manchester, Role.SOCIAL_WORKER, "another-case-sw")),  # not the child's
        with_email(make_user(world.birmingham, Role.TEAM_MANAGER)),  # the host council's contact is its coordinator
        with_email(make_user(world.gmp, Role.POLICE_COORDINATOR)),  # a force not invited
        with_email(make_user(world.leeds, Role.MISSING_COORDINATOR)),  # an unrelated council
        with_email(world.police_officer),
        with_email(world.provider_staff),
    ]
    for user in (world.social_worker, world.host_coordinator, rhi_worker):
        with_email(user)
    meeting = _proposed(world, story)
    run_due(timezone.now())
    proposed = {
        team_manager: COUNCIL_PROPOSED,
        world.social_worker: COUNCIL_PROPOSED,
        world.host_coordinator: INVITED_PROPOSED,
        wmp_coordinator: INVITED_PROPOSED,
        rhi_worker: INVITED_PROPOSED,
    }
    for user, subject in proposed.items():
        [alert] = inbox(user).filter(kind="strategy_meeting_proposed")
        assert (alert.subject, alert.link) == (subject, f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/")
        assert _mail_to(smtp, user) == [subject]
    assert Alert.objects.filter(kind="strategy_meeting_proposed").count() == len(proposed)

    when = timezone.now() + datetime.timedelta(days=2)
    services.strategy_meeting_schedule(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        scheduled_for=when,
        invited_agency_ids=[world.manchester.pk, world.west_midlands_police.pk],
    )
    run_due(timezone.now())
    moment = rules.moment(when)
    scheduled = {
        team_manager: f"A strategy meeting for a child you are responsible for is set for {moment}",
        world.social_worker: f"A strategy meeting for a child you are responsible for is set for {moment}",
        wmp_coordinator: f"Your agency is invited to a strategy meeting at {moment} about a child in care",
    }
    for user, subject in scheduled.items():
        [alert] = inbox(user).filter(kind="strategy_meeting_scheduled")
        assert alert.subject == subject and _mail_to(smtp, user)[-1] == subject
    # No longer invited: the host council and the interview service are not told of the date.
    assert Alert.objects.filter(kind="strategy_meeting_scheduled").count() == len(scheduled)
    for user in not_told:
        assert not inbox(user).filter(kind__startswith="strategy_meeting").exists() and not _mail_to(smtp, user), (
            user.username
        )
    for message in smtp.messages:
        assert "Amira" not in message.subject + message.body and "Okafor" not in message.subject + message.body


def test_without_a_team_manager_the_missing_coordinator_is_told(world, story):
    from homeward.agencies.models import Role
    from tests.conftest import make_user

    coordinator = make_user(world.manchester, Role.MISSING_COORDINATOR)
    meeting = _proposed(world, story)
    assert inbox(coordinator).filter(kind="strategy_meeting_proposed").count() == 1 and meeting.is_open


def test_at_most_one_open_meeting_per_child(world, story, team_manager):
    meeting = _proposed(world, story)
    story.episode(at(10, 15))
    services.screening_record(user=world.social_worker, why="test", child=world.child.pk, answers=MODERATE)
    assert StrategyMeeting.objects.filter(child=world.child).count() == 1
    with pytest.raises(ValidationError):
        services.strategy_meeting_propose(user=world.social_worker, why="test", child=world.child.pk, reason="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        StrategyMeeting.objects.create(child=world.child, proposed_at=timezone.now(), reason="x")
    told = list(Alert.objects.filter(kind="strategy_meeting_proposed").values_list("recipient", flat=True))
    assert team_manager.pk in told and len(told) == len(set(told)) and meeting.is_open  # one proposal: each told once


def test_after_a_meeting_is_held_only_new_facts_propose_another(world, story, team_manager):
    meeting = _proposed(world, story)
    services.strategy_meeting_record(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        held_at=None,
        decisions="Safety plan; disruption notices on two adults",
    )
    from homeward.safeguarding.services import risk_flags_evaluate

    risk_flags_evaluate(child=world.child)  # the same facts: nothing new
    assert StrategyMeeting.objects.filter(child=world.child).count() == 1
    story.episode(at(5, 15))  # she goes missing again
    assert StrategyMeeting.objects.filter(child=world.child, status="proposed").count() == 1
    assert StrategyMeeting.objects.filter(child=world.child).count() == 2


def test_scheduling_recording_and_cancelling_are_audited(world, story, team_manager):
    meeting = _proposed(world, story)
    when = timezone.now() + datetime.timedelta(days=2)
    services.strategy_meeting_schedule(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        scheduled_for=when,
        invited_agency_ids=[world.manchester.pk, world.west_midlands_police.pk],
    )
    meeting.refresh_from_db()
    assert meeting.status == "scheduled" and meeting.scheduled_for == when
    assert {a.code for a in meeting.invited_agencies.all()} == {world.manchester.code, world.west_midlands_police.code}
    with pytest.raises(ValidationError):  # the council that looks after the child is always invited
        services.strategy_meeting_schedule(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            scheduled_for=when,
            invited_agency_ids=[world.west_midlands_police.pk],
        )
    services.strategy_meeting_cancel(
        user=team_manager, why="test", child=world.child.pk, meeting=meeting.pk, reason="Merged with the CP conference"
    )
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.cancelled_reason == "Merged with the CP conference"
    details = [
        e.detail for e in AuditEvent.objects.filter(object_type="strategy_meeting", action="update").order_by("id")
    ]
    assert [d["status"] for d in details] == ["scheduled", "cancelled"]
    with pytest.raises(ValidationError):
        services.strategy_meeting_record(
            user=team_manager, why="test", child=world.child.pk, meeting=meeting.pk, held_at=None, decisions="x"
        )


def test_a_held_meeting_needs_decisions_and_cannot_be_in_the_future(world, story, team_manager):
    meeting = _proposed(world, story)
    with pytest.raises(ValidationError):
        services.strategy_meeting_record(
            user=team_manager, why="test", child=world.child.pk, meeting=meeting.pk, held_at=None, decisions=" "
        )
    with pytest.raises(ValidationError):
        services.strategy_meeting_record(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            held_at=timezone.now() + datetime.timedelta(days=1),
            decisions="Plan",
        )


def test_an_action_goes_to_its_owners_inbox_and_the_owner_marks_it_done(world, story, team_manager, smtp):
    meeting = _proposed(world, story)
    with_email(world.police_officer)
    due = timezone.localdate() + datetime.timedelta(days=7)
    action = services.meeting_action_add(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        description="Visit the addresses she named",
        owner=world.police_officer.pk,
        due_date=due,
    )
    [alert] = inbox(world.police_officer).filter(kind="meeting_action_assigned")
    assert alert.kind == "meeting_action_assigned" and alert.link.endswith(f"/strategy-meetings/{meeting.pk}/")
    assert str(due.year) in alert.subject and "Amira" not in alert.subject
    run_due(timezone.now())
    [message] = [m for m in smtp.messages if m.to == [world.police_officer.email]]
    assert message.subject == alert.subject and alert.link in message.body
    assert "Visit the addresses" not in message.body and "Amira" not in message.body
    assert [a.pk for a in selectors.my_open_actions(world.police_officer)] == [action.pk]
    # The owner, though not at the council, sees the meeting and marks the action done.
    found, _ = selectors.strategy_meeting_get(
        user=world.police_officer, child_id=world.child.pk, meeting_id=meeting.pk, why="test"
    )
    assert found.pk == meeting.pk
    with pytest.raises(PermissionDenied):  # invited, but neither its owner nor the council
        services.meeting_action_complete(
            user=world.host_coordinator, why="test", child=world.child.pk, meeting=meeting.pk, action=action.pk
        )
    with pytest.raises(Http404):  # not invited: the meeting is not there for them
        services.meeting_action_complete(
            user=world.provider_staff, why="test", child=world.child.pk, meeting=meeting.pk, action=action.pk
        )
    services.meeting_action_complete(
        user=world.police_officer, why="test", child=world.child.pk, meeting=meeting.pk, action=action.pk
    )
    action.refresh_from_db()
    assert action.done_by == world.police_officer and not list(selectors.my_open_actions(world.police_officer))


def test_an_owner_must_be_at_an_invited_agency_and_able_to_see_the_child(world, story, team_manager):
    meeting = _proposed(world, story)
    due = timezone.localdate() + datetime.timedelta(days=7)
    for owner in (world.unrelated_social_worker, world.gmp_officer, world.provider_staff):  # none invited
        with pytest.raises(ValidationError) as refused:
            services.meeting_action_add(
                user=team_manager,
                why="test",
                child=world.child.pk,
                meeting=meeting.pk,
                description="x",
                owner=owner.pk,
                due_date=due,
            )
        assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.meeting_action_add(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            description="x",
            owner=world.police_officer.pk,
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )


def test_who_sees_a_meeting(world, story, team_manager):
    meeting = _proposed(world, story)
    for user in (world.social_worker, world.host_coordinator, world.police_officer, world.inspector):
        assert (
            selectors.strategy_meeting_get(user=user, child_id=world.child.pk, meeting_id=meeting.pk, why="test")[0]
            == meeting
        )
    # The provider sees the child but is not invited; another council does not see the child at all.
    for user in (world.provider_staff, world.unrelated_social_worker):
        with pytest.raises(Http404):
            selectors.strategy_meeting_get(user=user, child_id=world.child.pk, meeting_id=meeting.pk, why="test")
    assert (
        selectors.strategy_meetings_for_child(user=world.provider_staff, child_id=world.child.pk, why="test")[2] == []
    )
    # Only the council manages it.
    with pytest.raises(PermissionDenied):
        services.strategy_meeting_cancel(
            user=world.police_officer, why="test", child=world.child.pk, meeting=meeting.pk, reason="x"
        )


def test_a_person_may_propose_a_meeting_the_rules_did_not(world, team_manager):
    meeting = services.strategy_meeting_propose(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        reason="Concern from school about an older man waiting outside",
    )
    assert meeting.proposed_by == world.social_worker and meeting.reason.endswith("an older man waiting outside")
    assert inbox(team_manager).filter(kind="strategy_meeting_proposed").count() == 1
    with pytest.raises(PermissionDenied):
        services.strategy_meeting_propose(user=world.host_coordinator, why="test", child=world.child.pk, reason="x")
