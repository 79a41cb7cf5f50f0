"""Raising, lowering and clearing a flag by hand: the child's social worker or team manager, always
with a reason, kept on the flag's history and in the audit log. A cleared flag comes back only on
new facts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from homeward.audit.models import AuditEvent
from homeward.safeguarding import services
from homeward.safeguarding.models import FlagKind, RiskFlagEvent
from tests.safeguarding.conftest import at, flags_of, raised


def _audit(flag) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="risk_flag", object_id=str(flag.pk)).order_by("id"))


def test_a_social_worker_raises_a_flag_with_a_reason_and_it_is_audited(world):
    flag = services.risk_flag_raise(
        user=world.social_worker,
        why="safeguarding:flags",
        child=world.child.pk,
        kind=FlagKind.PRACTITIONER_CONCERN,
        reason="Seen getting into a car outside school",
    )
    assert flag.is_raised and not flag.raised_by_rule
    assert flag.explanation.startswith(
        "Raised by social_worker-e08000003 (Social worker, Manchester): Seen getting into a car"
    )
    [event] = RiskFlagEvent.objects.filter(flag=flag)
    assert (event.action, event.by, event.reason) == (
        "raise",
        world.social_worker,
        "Seen getting into a car outside school",
    )
    [audit] = _audit(flag)
    assert (audit.action, audit.user_id, audit.child_id, audit.why) == (
        "create",
        world.social_worker.pk,
        world.child.pk,
        "safeguarding:flags",
    )
    assert audit.detail == {
        "kind": "practitioner_concern",
        "status": "raised",
        "reason": "Seen getting into a car outside school",
        "by": "person",
    }


def test_a_reason_is_required(world):
    with pytest.raises(ValidationError) as refused:
        services.risk_flag_raise(
            user=world.social_worker, why="test", child=world.child.pk, kind=FlagKind.PRACTITIONER_CONCERN, reason="  "
        )
    assert "reason" in refused.value.message_dict
    assert not flags_of(world.child)


def test_only_the_social_worker_or_team_manager_at_the_responsible_council_may_change_flags(world, team_manager):
    services.risk_flag_raise(
        user=team_manager, why="test", child=world.child.pk, kind=FlagKind.PRACTITIONER_CONCERN, reason="Worried"
    )
    for user in (world.police_officer, world.host_coordinator, world.provider_staff, world.inspector):
        with pytest.raises(PermissionDenied):
            services.risk_flag_raise(
                user=user, why="test", child=world.child.pk, kind=FlagKind.REPEAT_MISSING, reason="Worried"
            )
    with pytest.raises(Http404):
        services.risk_flag_raise(
            user=world.unrelated_social_worker,
            why="test",
            child=world.child.pk,
            kind=FlagKind.REPEAT_MISSING,
            reason="x",
        )


def test_a_raised_flag_cannot_be_raised_twice(world):
    services.risk_flag_raise(
        user=world.social_worker, why="test", child=world.child.pk, kind=FlagKind.PRACTITIONER_CONCERN, reason="Worried"
    )
    with pytest.raises(ValidationError):
        services.risk_flag_raise(
            user=world.social_worker,
            why="test",
            child=world.child.pk,
            kind=FlagKind.PRACTITIONER_CONCERN,
            reason="Again",
        )


def _repeat(world, story):
    return [story.episode(at(days, 15)) for days in (25, 20, 15)]


def test_lowering_and_clearing_are_audited_with_their_reasons(world, story):
    _repeat(world, story)
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    services.risk_flag_lower(
        user=world.social_worker,
        why="safeguarding:flag",
        child=world.child.pk,
        flag=flag.pk,
        reason="Safety plan agreed; episodes were to her mother's",
    )
    services.risk_flag_clear(
        user=world.social_worker,
        why="safeguarding:flag",
        child=world.child.pk,
        flag=flag.pk,
        reason="Reviewed at the strategy meeting",
    )
    flag.refresh_from_db()
    assert flag.status == "cleared" and flag.seen_evidence == flag.evidence
    events = list(flag.events.order_by("id").values_list("action", "by", "reason"))
    assert events == [
        ("raise", None, "Raised by the rule: the facts in the explanation hold."),
        ("lower", world.social_worker.pk, "Safety plan agreed; episodes were to her mother's"),
        ("clear", world.social_worker.pk, "Reviewed at the strategy meeting"),
    ]
    audits = _audit(flag)
    assert [(a.username, a.detail["status"], a.detail["reason"]) for a in audits] == [
        ("system", "raised", "Raised by the rule: the facts in the explanation hold."),
        (world.social_worker.username, "lowered", "Safety plan agreed; episodes were to her mother's"),
        (world.social_worker.username, "cleared", "Reviewed at the strategy meeting"),
    ]
    assert all(a.child_id == world.child.pk for a in audits)
    assert audits[0].detail["triggered_by_user"] == world.social_worker.pk


def test_a_cleared_flag_stays_cleared_on_the_same_facts_and_comes_back_on_new_ones(world, story):
    from homeward.episodes import services as episodes

    episodes_ = _repeat(world, story)
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    services.risk_flag_clear(
        user=world.social_worker, why="test", child=world.child.pk, flag=flag.pk, reason="Reviewed"
    )
    # Anything else that happens to the same episodes does not bring it back.
    episodes.episode_close(user=world.social_worker, why="test", episode=episodes_[-1].pk)
    assert FlagKind.REPEAT_MISSING not in raised(world.child)
    fourth = story.episode(at(10, 15))
    flag.refresh_from_db()
    assert flag.is_raised and f"#{fourth.pk}" in flag.explanation
    assert flag.events.latest("id").reason == "Raised again by the rule: 1 new fact since it was cleared."


def test_a_person_can_clear_a_lowered_flag_but_not_lower_a_cleared_one(world, story):
    _repeat(world, story)
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    services.risk_flag_clear(
        user=world.social_worker, why="test", child=world.child.pk, flag=flag.pk, reason="Reviewed"
    )
    with pytest.raises(ValidationError):
        services.risk_flag_lower(
            user=world.social_worker, why="test", child=world.child.pk, flag=flag.pk, reason="Again"
        )


def test_a_flag_raised_by_hand_is_not_lowered_by_the_rule(world, story):
    services.risk_flag_raise(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        kind=FlagKind.MISSING_OVERNIGHT,
        reason="Police report she was out all night on Friday, not recorded as an episode",
    )
    story.episode(at(5, 14), hours=2)
    flag = flags_of(world.child)[FlagKind.MISSING_OVERNIGHT]
    assert flag.is_raised and not flag.raised_by_rule


def test_another_councils_flag_is_not_found(world, story):
    _repeat(world, story)
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    with pytest.raises(Http404):
        services.risk_flag_clear(
            user=world.unrelated_social_worker, why="test", child=world.child.pk, flag=flag.pk, reason="x"
        )
    with pytest.raises(Http404):  # a flag of one child through another child's id
        services.risk_flag_clear(
            user=world.social_worker, why="test", child=world.child_at_home.pk, flag=flag.pk, reason="x"
        )
