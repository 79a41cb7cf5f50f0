"""Risk flags: raised by the rules and by people, lowered and cleared with a reason, and the clocks that raise them while a child is still missing."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homeward.alerts.selectors import notification_settings_for
from homeward.alerts.services import cancel_clock, schedule_clock
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.episodes.models import Episode
from homeward.safeguarding import permissions, rules
from homeward.safeguarding.models import (
    RULE_KINDS,
    FlagAction,
    FlagKind,
    FlagStatus,
    RiskFlag,
    RiskFlagEvent,
)
from homeward.safeguarding.selectors import (
    child_in_scope,
    risk_flag_in_scope,
    safeguarding_settings_for,
)
from homeward.safeguarding.services._common import RULE_WHY, WITHDRAWN, _reason, _require, _who
from homeward.safeguarding.services.meetings import strategy_meeting_propose_if_due


def _flag_event(
    flag: RiskFlag,
    action: str,
    *,
    user,
    reason: str,
    at: datetime.datetime,
    why: str,
    trigger=None,
    first: bool = False,
) -> RiskFlagEvent:
    event = RiskFlagEvent.objects.create(
        flag=flag,
        action=action,
        at=at,
        by=user,
        reason=reason,
        explanation=flag.explanation,
        facts=flag.facts,
    )
    detail = {"kind": flag.kind, "status": flag.status, "reason": reason[:1000], "by": "person" if user else "rule"}
    if user is None and trigger is not None:
        detail["triggered_by_user"] = trigger.pk
    audit_record(
        user=user,
        action=Action.CREATE if first else Action.UPDATE,
        object_type="risk_flag",
        object_id=flag.pk,
        child_id=flag.child_id,
        why=why,
        detail=detail,
    )
    return event


def _apply(flag: RiskFlag, finding: rules.Finding) -> None:
    flag.explanation, flag.facts, flag.evidence = finding.explanation, finding.facts, finding.evidence


def _raise_by_rule(child: Child, flag: RiskFlag | None, finding: rules.Finding, now, trigger) -> RiskFlag:
    first = flag is None
    if first:
        flag = RiskFlag(child=child, kind=finding.kind)
        reason = "Raised by the rule: the facts in the explanation hold."
    else:
        new = len(set(finding.evidence) - set(flag.seen_evidence))
        reason = (
            f"Raised again by the rule: {new} new fact{'s' if new > 1 else ''} since it was "
            f"{FlagStatus(flag.status).label.lower()}."
        )
    _apply(flag, finding)
    flag.status, flag.raised_at, flag.changed_at, flag.raised_by_rule, flag.seen_evidence = (
        FlagStatus.RAISED,
        now,
        now,
        True,
        [],
    )
    flag.changed_by = None
    flag.save()
    _flag_event(flag, FlagAction.RAISE, user=None, reason=reason, at=now, why=RULE_WHY, trigger=trigger, first=first)
    return flag


@transaction.atomic
def risk_flags_evaluate(*, child: Child | int, user=None, now: datetime.datetime | None = None) -> dict[str, RiskFlag]:
    """Run every rule for the child and bring its flags in line (rules.py says when each holds):
    raise a flag whose facts hold, refresh the facts of one already raised, lower one the rule raised
    whose facts were withdrawn; then propose a strategy meeting if the council's rule says so.

    For the system, not a person: call it only after a write the caller was permitted to make.
    `user` is who made that write (named in the audit entries)."""
    now = now or timezone.now()
    child_id = child.pk if isinstance(child, Child) else int(child)
    # The child's row serialises evaluations, so two writes at once cannot raise one flag twice. The
    # council's two settings rows (if it has set its own) come in the same query.
    child = (
        Child.objects.select_for_update(of=("self",))
        .select_related("responsible_authority__safeguarding_settings", "responsible_authority__notification_settings")
        .get(pk=child_id)
    )
    authority = child.responsible_authority
    settings = getattr(authority, "safeguarding_settings", None) or safeguarding_settings_for(None)
    thresholds = (getattr(authority, "notification_settings", None) or notification_settings_for(None)).repeat_missing
    facts = rules.facts_for(child, settings=settings, repeat_thresholds=thresholds, now=now)
    findings = rules.evaluate(facts)
    flags = {flag.kind: flag for flag in RiskFlag.objects.filter(child=child)}

    for kind in RULE_KINDS:
        finding, flag = findings.get(kind), flags.get(kind)
        if finding is not None:
            if flag is not None and flag.is_raised:
                if (flag.explanation, flag.facts, flag.evidence) != (
                    finding.explanation,
                    finding.facts,
                    finding.evidence,
                ):
                    _apply(flag, finding)
                    flag.save(update_fields=["explanation", "facts", "evidence", "updated_at"])
            elif flag is None or set(finding.evidence) - set(flag.seen_evidence):
                flags[kind] = _raise_by_rule(child, flag, finding, now, user)
        elif flag is not None and flag.is_raised and flag.raised_by_rule:
            why_not = facts.not_holding.get(kind) or WITHDRAWN.get(
                kind, "The facts that raised it are no longer on the record."
            )
            flag.explanation = f"{why_not}\nIt had been raised on these facts: {flag.explanation}"
            flag.status, flag.changed_at, flag.changed_by, flag.seen_evidence = FlagStatus.LOWERED, now, None, []
            flag.save(
                update_fields=["status", "changed_at", "changed_by", "explanation", "seen_evidence", "updated_at"]
            )
            _flag_event(
                flag,
                FlagAction.LOWER,
                user=None,
                reason=f"Lowered by the rule. {why_not}",
                at=now,
                why=RULE_WHY,
                trigger=user,
            )

    strategy_meeting_propose_if_due(child, flags, settings.meeting_requires, now, trigger=user)
    return flags


# The flags that time alone raises while a child is still missing: each episode sets a clock for the
# moment its facts come to hold, so the flag is raised then rather than at the next episode event.
FLAGS_DUE_TASK = "homeward.safeguarding.tasks.flags_due"
# The rule counts an episode *longer* than the hours: the clock runs just after they have passed.
PAST_THE_HOURS = datetime.timedelta(seconds=1)


def _flag_clock_keys(episode_id: int) -> tuple[str, str]:
    return f"episode:{episode_id}:flags:overnight", f"episode:{episode_id}:flags:long-missing"


def risk_flag_clocks_set(*, episode: Episode) -> None:
    """For an episode just opened: clocks at the end of the first night after it started (missing
    overnight) and when it has lasted longer than the council's hours (missing over 24 hours), each
    evaluating the child's flags then (SafeguardingSettings.night_ends, long_missing_hours)."""
    settings = safeguarding_settings_for(episode.child.responsible_authority)
    overnight, long_missing = _flag_clock_keys(episode.pk)
    args = {"child_id": episode.child_id, "episode_id": episode.pk}
    schedule_clock(
        overnight, rules.first_night_end_after(episode.started_at, settings.night_ends), FLAGS_DUE_TASK, args
    )
    schedule_clock(
        long_missing,
        episode.started_at + datetime.timedelta(hours=settings.long_missing_hours) + PAST_THE_HOURS,
        FLAGS_DUE_TASK,
        args,
    )


def risk_flag_clocks_stop(*, episode: Episode) -> None:
    """The child is back: the return's own evaluation has the final say on the episode's flags."""
    for key in _flag_clock_keys(episode.pk):
        cancel_clock(key)


def risk_flags_due(*, child_id: int, episode_id: int, due_at: datetime.datetime) -> None:
    """A flag clock: if the child is still missing, evaluate the flags as of the clock's time (or now,
    when the worker is catching up)."""
    if not Episode.objects.filter(pk=episode_id, child_id=child_id, returned_at__isnull=True).exists():
        return  # back (the clock was due to be cancelled) or erased
    risk_flags_evaluate(child=child_id, now=max(due_at, timezone.now()))


@transaction.atomic
def risk_flag_raise(*, user, why: str, child: Child | int, kind: str, reason: str) -> RiskFlag:
    """A person raises a flag, with their reason: any kind, including a practitioner's concern."""
    child, reasons = child_in_scope(user, child, why)
    _require(
        permissions.may_change_flags(user, reasons), "raise a risk flag: the child's social worker or team manager does"
    )
    if kind not in FlagKind.values:
        raise ValidationError({"kind": "Choose the kind of flag."})
    reason = _reason(reason)
    Child.objects.select_for_update(of=("self",)).filter(pk=child.pk).first()
    flag = RiskFlag.objects.filter(child=child, kind=kind).first()
    if flag is not None and flag.is_raised:
        raise ValidationError({"kind": f"The {flag.get_kind_display().lower()} flag is already raised."})
    now = timezone.now()
    first = flag is None
    flag = flag or RiskFlag(child=child, kind=kind)
    flag.status, flag.raised_at, flag.changed_at, flag.changed_by, flag.raised_by_rule = (
        FlagStatus.RAISED,
        now,
        now,
        user,
        False,
    )
    flag.explanation = f"Raised by {_who(user)}: {reason}"
    flag.facts = {"raised_by_user": user.pk, "reason": reason}
    flag.seen_evidence = []
    flag.save()
    _flag_event(flag, FlagAction.RAISE, user=user, reason=reason, at=now, why=why, first=first)
    strategy_meeting_propose_if_due(
        child,
        {f.kind: f for f in RiskFlag.objects.filter(child=child)},
        safeguarding_settings_for(child.responsible_authority).meeting_requires,
        now,
        trigger=user,
    )
    return flag


def _person_changes(
    *, user, why: str, child, flag, reason: str, to: str, action: str, allowed_from: set[str]
) -> RiskFlag:
    flag, reasons = risk_flag_in_scope(user, child, flag, why)
    _require(
        permissions.may_change_flags(user, reasons),
        f"{action} a risk flag: the child's social worker or team manager does",
    )
    reason = _reason(reason)
    if flag.status not in allowed_from:
        raise ValidationError(
            {"flag": f"The {flag.get_kind_display().lower()} flag is {flag.get_status_display().lower()}."}
        )
    now = timezone.now()
    # The facts seen now do not raise it again; new ones will.
    flag.status, flag.changed_at, flag.changed_by, flag.seen_evidence = to, now, user, list(flag.evidence)
    flag.save(update_fields=["status", "changed_at", "changed_by", "seen_evidence", "updated_at"])
    _flag_event(flag, action, user=user, reason=reason, at=now, why=why)
    return flag


@transaction.atomic
def risk_flag_lower(*, user, why: str, child, flag, reason: str) -> RiskFlag:
    """The risk is judged lower: the flag stays on the child's page as lowered, and is raised again
    by the rule only on new facts."""
    return _person_changes(
        user=user,
        why=why,
        child=child,
        flag=flag,
        reason=reason,
        to=FlagStatus.LOWERED,
        action=FlagAction.LOWER,
        allowed_from={FlagStatus.RAISED},
    )


@transaction.atomic
def risk_flag_clear(*, user, why: str, child, flag, reason: str) -> RiskFlag:
    """The flag no longer applies (or never did): it leaves the child's page for the history, and is
    raised again by the rule only on new facts."""
    return _person_changes(
        user=user,
        why=why,
        child=child,
        flag=flag,
        reason=reason,
        to=FlagStatus.CLEARED,
        action=FlagAction.CLEAR,
        allowed_from={FlagStatus.RAISED, FlagStatus.LOWERED},
    )
