"""Writes of safeguarding records: one path for each, in one transaction, audited with the child.

Two kinds of caller:
- the rules (`risk_flags_evaluate`), run by receivers.py inside the transaction of an episode write
  that a permitted user has just made, and by the screening and register services here. They act
  for the system: events and audit entries say "rule" (no user), and name who triggered them.
- people, through views and commands: every such service takes `user` and `why`, finds the child
  through the scoping function (Http404 out of scope), checks the role (PermissionDenied) and
  validates (ValidationError naming the field).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from homeward import dates
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import agency_staff, allocated, council_staff
from homeward.alerts.selectors import notification_settings_for
from homeward.alerts.services import cancel_clock, notify, schedule_clock
from homeward.audit.models import Action
from homeward.agencies.access import visible_children
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.episodes.models import Episode, EpisodeUpdate, UpdateKind
from homeward.places import postcodes
from homeward.safeguarding import permissions, rules, screening
from homeward.safeguarding.models import (
    OPEN_MEETING,
    RULE_KINDS,
    AreaKind,
    DetailVisibleTo,
    FlagAction,
    FlagKind,
    FlagStatus,
    LocationAssessment,
    LocationRisk,
    LocationRiskKind,
    MeetingAction,
    MeetingStatus,
    RiskFlag,
    RiskFlagEvent,
    Screening,
    StrategyMeeting,
    a_year_after,
)
from homeward.safeguarding.selectors import (
    can_see_child,
    child_in_scope,
    default_invitees,
    risk_flag_in_scope,
    safeguarding_settings_for,
    strategy_meeting_get,
)

RULE_WHY = "safeguarding rule"  # the audit entry's `why` when the rules act

# Why a rule's facts stop holding, by flag kind (the screening rule says its own: rules.py).
WITHDRAWN = {
    FlagKind.MISSING_OVERNIGHT: "The child was back sooner: the return recorded for the episode behind it ends it before the morning.",
    FlagKind.MISSING_OVER_24_HOURS: "The child was back sooner: the return recorded for the episode behind it ends it within the hours.",
    FlagKind.EXPLOITATION_LOCATION: "The register entry behind it was withdrawn, or the places recorded were corrected.",
    FlagKind.EXPLOITATION_DISCLOSED: "The indicators behind it were removed from the return interview's record.",
}


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"Your role cannot {what}.")


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: "Give the reason: it is kept with the record and in the audit log."})
    return reason


def _at(value, field: str, now: datetime.datetime) -> datetime.datetime:
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: "Enter a date and time."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _who(user) -> str:
    if user is None:
        return "the rule"
    return f"{user.get_full_name() or user.username} ({user.get_role_display()}, {user.agency.name})"


# ---------------------------------------------------------------------------------------------
# Risk flags
# ---------------------------------------------------------------------------------------------


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

    _propose_meeting_if_due(child, flags, settings.meeting_requires, now, trigger=user)
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
    _propose_meeting_if_due(
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


# ---------------------------------------------------------------------------------------------
# Exploitation screening
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def screening_record(
    *, user, why: str, child: Child | int, answers: dict, screened_at: datetime.datetime | None = None, notes: str = ""
) -> Screening:
    """Record a screening, scored by screening.py, due for reassessment in 3 months; then the flags."""
    child, reasons = child_in_scope(user, child, why)
    _require(
        permissions.may_screen(user, reasons),
        "record an exploitation screening: the council that looks after the child does",
    )
    answers = {code: value for code, value in (answers or {}).items() if value}
    problems = screening.validate(answers)
    if problems:
        raise ValidationError({"answers": " ".join(problems)})
    now = timezone.now()
    screened_at = _at(screened_at, "screened_at", now)
    if screened_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"screened_at": "This cannot be in the future."})
    on = timezone.localtime(screened_at).date()
    if on < child.date_of_birth:
        raise ValidationError({"screened_at": "A screening cannot be before the child's date of birth."})
    age = child.age_on(on)
    settings = safeguarding_settings_for(child.responsible_authority)
    grade = screening.grade(answers, age=age, young_child_significant_is_high=settings.young_child_significant_is_high)
    record = Screening.objects.create(
        child=child,
        screened_at=screened_at,
        by=user,
        agency=user.agency,
        age=age,
        answers=answers,
        score=grade.score,
        band=grade.band,
        drivers=[d.as_dict() for d in grade.drivers],
        override=grade.override,
        notes=(notes or "").strip(),
        reassess_due=screening.reassess_due(on),
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="screening",
        object_id=record.pk,
        child_id=child.pk,
        why=why,
        detail={"score": grade.score, "band": grade.band},
    )
    _reassessment_clock_replace(child)
    risk_flags_evaluate(child=child, user=user, now=now)
    return record


# domain.md: reassess at least every 3 months (screening.reassess_due). The clock for the child's
# latest screening tells its allocated social worker on the morning the reassessment falls due.
REASSESSMENT_DUE_TASK = "homeward.safeguarding.tasks.reassessment_due"
REASSESSMENT_ALERT_AT = datetime.time(9, 0)  # Europe/London: the start of the working day it is due


def _reassessment_key(screening_id: int) -> str:
    return f"screening:{screening_id}:reassessment-due"


def _latest_screening(child_id: int) -> Screening | None:
    return Screening.objects.filter(child_id=child_id).order_by("-screened_at", "-id").first()


def _reassessment_clock_replace(child: Child) -> None:
    """One clock per child, for its latest screening: a new screening replaces the earlier one's
    (a screening recorded late, behind a newer one, changes nothing)."""
    latest = _latest_screening(child.pk)
    for screening_id in Screening.objects.filter(child=child).exclude(pk=latest.pk).values_list("pk", flat=True):
        cancel_clock(_reassessment_key(screening_id))
    due = datetime.datetime.combine(latest.reassess_due, REASSESSMENT_ALERT_AT, tzinfo=timezone.get_default_timezone())
    schedule_clock(_reassessment_key(latest.pk), due, REASSESSMENT_DUE_TASK, {"screening_id": latest.pk})


def screening_reassessment_due(*, screening_id: int, due_at: datetime.datetime) -> list:
    """The clock: if this is still the child's latest screening, its reassessment is due — the child's
    allocated social worker is told, or, with none allocated, the council's team manager(s) (its
    missing coordinator(s) if it has no team manager), told so."""
    found = Screening.objects.select_related("child__responsible_authority").filter(pk=screening_id).first()
    if found is None or _latest_screening(found.child_id).pk != found.pk:
        return []  # replaced by a newer screening (the clock was due to be cancelled) or erased
    child = found.child
    worker = allocated(child, "social_worker")
    subject = "An exploitation screening of a child you are responsible for is due for reassessment"
    if worker is not None:
        people = [worker]
    else:
        authority = child.responsible_authority
        people = list(council_staff(authority, [Role.TEAM_MANAGER])) or list(
            council_staff(authority, [Role.MISSING_COORDINATOR])
        )
        subject += ": no social worker is allocated"
    return notify(
        event="screening_reassessment_due",
        recipients=[(person, Urgency.NORMAL) for person in people],
        subject=subject,
        link=reverse("safeguarding:screening", args=[child.pk]),
        child_id=child.pk,
        related=found,
        authority=child.responsible_authority,
        now=max(due_at, timezone.now()),
    )


# ---------------------------------------------------------------------------------------------
# The location risk register
# ---------------------------------------------------------------------------------------------


def _area(area_kind: str, raw: str) -> str:
    raw = (raw or "").strip()
    if area_kind == AreaKind.PLACE:
        if len(raw) < 3:
            raise ValidationError({"area": "Enter the place's name (at least 3 letters)."})
        return raw[:100]
    text = "".join(raw.split()).upper()
    if area_kind == AreaKind.HOME:
        # Providers are agencies whose code is the home's Ofsted URN ("SC123456").
        if not text or not Agency.objects.filter(kind=AgencyKind.PROVIDER, code=text).exists():
            raise ValidationError({"area": f"“{raw}” is not the Ofsted URN of a children's home, like SC123456."})
        return text
    if area_kind == AreaKind.POSTCODE:
        code = postcodes.normalise(raw)
        if code is None:
            raise ValidationError({"area": f"“{raw}” is not a postcode, like B1 1AA."})
        return code
    if area_kind == AreaKind.SECTOR:
        # A sector is the outward code and the inward code's digit: "B1 1".
        code = postcodes.normalise(text + "AA") if len(text) >= 3 else None
        if code is None:
            raise ValidationError({"area": f"“{raw}” is not a postcode sector, like B1 1."})
        return code[:-2]
    code = postcodes.normalise(text + "1AA") if text else None
    if code is None:
        raise ValidationError({"area": f"“{raw}” is not a postcode district, like B1."})
    return code.split(" ")[0]


def _children_matching(entry: LocationRisk) -> set[int]:
    """Children with an episode recording a place this entry matches (a candidate list; the rules
    decide). Place names are matched as whole words, as the rule does ("station" is not "stationery")."""
    if entry.area_kind == AreaKind.HOME:
        return set()  # matches no episode (models.AreaKind.HOME)
    if entry.area_kind == AreaKind.PLACE:
        episode_fields, update_field, value = (
            ("last_seen_location", "last_known_location", "return_place"),
            "location",
            entry.area,
        )
        lookup = "icontains"
    else:
        episode_fields, update_field = ("last_seen_postcode", "last_known_postcode", "return_postcode"), "postcode"
        value = {AreaKind.POSTCODE: entry.area, AreaKind.SECTOR: entry.area, AreaKind.DISTRICT: entry.area + " "}[
            entry.area_kind
        ]
        lookup = "exact" if entry.area_kind == AreaKind.POSTCODE else "startswith"
    rows: set[tuple[int, str]] = set()
    for name in episode_fields:
        rows.update(Episode.objects.filter(**{f"{name}__{lookup}": value}).values_list("child_id", name))
    rows.update(
        EpisodeUpdate.objects.filter(kind=UpdateKind.SIGHTING, **{f"{update_field}__{lookup}": value}).values_list(
            "episode__child_id", update_field
        )
    )
    if entry.area_kind == AreaKind.PLACE:
        return {child_id for child_id, words in rows if rules._matches(entry, "", words)}
    return {child_id for child_id, _ in rows}


def _split_by_sight(user, child_ids: set[int]) -> tuple[list[int], list[int]]:
    """The children the user's agency can see (agencies.access), and the rest."""
    seen = set(visible_children(user).filter(pk__in=child_ids).values_list("pk", flat=True)) if child_ids else set()
    return sorted(seen), sorted(child_ids - seen)


def _tell_councils(entry: LocationRisk, child_ids: list[int], *, event: str, subject: str, now) -> int:
    """One alert per child to the missing coordinators of the council that looks after it (its team
    managers if it has none), linked to the child so the council sees which; the subject names no one."""
    told, staff = 0, {}
    for child in Child.objects.filter(pk__in=child_ids).select_related("responsible_authority").order_by("pk"):
        authority = child.responsible_authority
        if authority.pk not in staff:
            staff[authority.pk] = list(council_staff(authority, [Role.MISSING_COORDINATOR])) or list(
                council_staff(authority, [Role.TEAM_MANAGER])
            )
        alerts = notify(
            event=event,
            recipients=[(person, Urgency.NORMAL) for person in staff[authority.pk]],
            subject=subject,
            link=reverse("safeguarding:flags", args=[child.pk]),
            child_id=child.pk,
            related=entry,
            authority=authority,
            now=now,
        )
        told += bool(alerts)
    return told


@transaction.atomic
def location_risk_add(
    *,
    user,
    why: str,
    area_kind: str,
    area: str,
    kind: str,
    description: str = "",
    source: str = "",
    detail_visible_to: str = DetailVisibleTo.ALL,
    starts_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
) -> LocationRisk:
    """Add a place (or a children's home) to the register.

    An entry writes only to the records of children the adding agency can see (trust issue, item 2):
    their flags are re-evaluated now. Every other child recorded there belongs to a council the adder
    has no reason to know of: that council is told, without the adder learning who, and decides
    (rules.counts_for says which entries the rule counts for a child)."""
    _require(permissions.may_keep_register(user), "add to the location risk register: councils and police forces do")
    if area_kind not in AreaKind.values:
        raise ValidationError({"area_kind": "Choose a children's home, postcode, sector, district or place name."})
    if kind not in LocationRiskKind.values:
        raise ValidationError({"kind": "Choose the kind of exploitation risk."})
    if detail_visible_to not in DetailVisibleTo.values:
        raise ValidationError({"detail_visible_to": "Choose who may read what is known."})
    starts_on = starts_on or timezone.localdate()
    if expires_on is not None and expires_on <= starts_on:
        raise ValidationError({"expires_on": "The entry must expire after it starts."})
    if review_on is not None and review_on < starts_on:
        raise ValidationError({"review_on": "The review date cannot be before the entry starts."})
    entry = LocationRisk.objects.create(
        area_kind=area_kind,
        area=_area(area_kind, area),
        kind=kind,
        description=(description or "").strip(),
        source=(source or "").strip()[:200],
        detail_visible_to=detail_visible_to,
        agency=user.agency,
        added_by=user,
        starts_on=starts_on,
        expires_on=expires_on,
        review_on=review_on,
    )
    seen, unseen = _split_by_sight(user, _children_matching(entry))
    for child_id in seen:
        risk_flags_evaluate(child=child_id, user=user)
    told = _tell_councils(
        entry,
        unseen,
        event="location_risk_may_concern",
        now=timezone.now(),
        subject="An entry another agency added to the location risk register may concern a child you are responsible for: "
        "decide whether it does",
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="location_risk",
        object_id=entry.pk,
        why=why,
        detail={
            "area_kind": area_kind,
            "area": entry.area,
            "kind": kind,
            "children_checked": len(seen),
            "councils_told_of_children": told,
        },
    )
    return entry


@transaction.atomic
def location_risk_withdraw(*, user, why: str, entry: LocationRisk | int, reason: str) -> LocationRisk:
    """Withdraw an entry (entered in error, or no longer to be relied on): it then matches nothing, and
    flags it alone raised are lowered by the rule, for the children the withdrawing agency can see. A
    child it cannot see whose flag the entry is behind: the child's council is told, to decide."""
    _require(permissions.may_keep_register(user), "change the location risk register")
    pk = entry.pk if isinstance(entry, LocationRisk) else entry
    entry = (
        LocationRisk.objects.select_for_update().filter(pk=pk, agency=user.agency_id, withdrawn_at__isnull=True).first()
    )
    if entry is None:
        raise ValidationError({"entry": "Your agency has no such entry in force to withdraw."})
    entry.withdrawn_at, entry.withdrawn_by, entry.withdrawn_reason = timezone.now(), user, _reason(reason)
    entry.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="location_risk",
        object_id=entry.pk,
        why=why,
        detail={"withdrawn": True, "reason": entry.withdrawn_reason[:1000]},
    )
    flagged = RiskFlag.objects.filter(kind=FlagKind.EXPLOITATION_LOCATION, status=FlagStatus.RAISED).values_list(
        "child_id", flat=True
    )
    seen, unseen = _split_by_sight(user, set(flagged) & _children_matching(entry))
    for child_id in seen:
        risk_flags_evaluate(child=child_id, user=user)
    key = f":location:{entry.pk}"
    behind = [
        child_id
        for child_id, evidence in RiskFlag.objects.filter(
            kind=FlagKind.EXPLOITATION_LOCATION, child_id__in=unseen
        ).values_list("child_id", "evidence")
        if any(k.endswith(key) for k in evidence)
    ]
    _tell_councils(
        entry,
        behind,
        event="location_risk_withdrawn",
        now=timezone.now(),
        subject="A location risk register entry behind a flag on a child you are responsible for was withdrawn: "
        "decide whether the flag still applies",
    )
    return entry


# ---------------------------------------------------------------------------------------------
# A children's home's location risk assessment
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def location_assessment_record(
    *,
    user,
    why: str,
    provider: Agency | int,
    assessed_on: datetime.date,
    summary: str,
    consulted_police: bool,
    consulted_host_council: bool,
) -> LocationAssessment:
    """The home's location risk assessment, due for review a year on (Children's Homes (England)
    Regulations 2015, reg 46: reviewed at least yearly, consulting the police and the host council).
    Recorded by the home's registered manager."""
    provider_id = provider.pk if isinstance(provider, Agency) else provider
    provider = Agency.objects.filter(pk=provider_id, kind=AgencyKind.PROVIDER).first()
    _require(
        permissions.may_record_location_assessment(user, provider),
        "record the home's location risk assessment: its registered manager does",
    )
    if not isinstance(assessed_on, datetime.date):
        raise ValidationError({"assessed_on": "Enter the date of the assessment."})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "The assessment date cannot be in the future."})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError(
            {"summary": "Summarise the assessment: the risks of the location and what the home does about them."}
        )
    assessment = LocationAssessment.objects.create(
        provider=provider,
        assessed_on=assessed_on,
        review_due_on=a_year_after(assessed_on),
        summary=summary,
        consulted_police=bool(consulted_police),
        consulted_host_council=bool(consulted_host_council),
        recorded_by=user,
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="location_assessment",
        object_id=assessment.pk,
        why=why,
        detail={
            "provider": provider.code,
            "assessed_on": assessed_on.isoformat(),
            "consulted_police": assessment.consulted_police,
            "consulted_host_council": assessment.consulted_host_council,
        },
    )
    return assessment


# ---------------------------------------------------------------------------------------------
# Strategy meetings
# ---------------------------------------------------------------------------------------------


def _meeting_link(meeting: StrategyMeeting) -> str:
    return reverse("safeguarding:meeting", args=[meeting.child_id, meeting.pk])


# Who at each invited agency is told of a meeting about a child they can see: the partner's named
# contact for missing children (the host council's and the force's coordinators), the interview
# service's workers, the home's registered manager. The responsible council: see _tell_meeting.
INVITEE_ROLES = {
    AgencyKind.LOCAL_AUTHORITY: [Role.MISSING_COORDINATOR],
    AgencyKind.POLICE: [Role.POLICE_COORDINATOR],
    AgencyKind.RHI: [Role.RHI_WORKER],
    AgencyKind.PROVIDER: [Role.PROVIDER_MANAGER],
    # Health and education at the table (Working Together 2023): the ICB's designated nurse and its
    # safeguarding lead, a trust's named nurse, the virtual school head, the school's safeguarding lead.
    AgencyKind.ICB: [Role.DESIGNATED_NURSE, Role.HEALTH_SAFEGUARDING_LEAD],
    AgencyKind.NHS_TRUST: [Role.NAMED_NURSE],
    AgencyKind.VIRTUAL_SCHOOL: [Role.VIRTUAL_SCHOOL_HEAD],
    AgencyKind.SCHOOL: [Role.SCHOOL_SAFEGUARDING_LEAD],
}


def _tell_meeting(
    child: Child, meeting: StrategyMeeting, now, *, event: str, council_subject: str, invitee_subject: str
) -> None:
    """The responsible council's team managers (its missing coordinators if it has none) and the
    child's allocated social worker; and the relevant roles at every other invited agency, if they can
    see the child (the link would show them nothing otherwise)."""
    authority = child.responsible_authority
    council = list(council_staff(authority, [Role.TEAM_MANAGER])) or list(
        council_staff(authority, [Role.MISSING_COORDINATOR])
    )
    worker = allocated(child, "social_worker")
    if worker is not None and worker not in council:
        council.append(worker)
    invitees = [
        person
        for agency in meeting.invited_agencies.exclude(pk=authority.pk).order_by("pk")
        for person in agency_staff(agency, INVITEE_ROLES.get(agency.kind, []))
        if can_see_child(person, child)
    ]
    for people, subject in ((council, council_subject), (invitees, invitee_subject)):
        notify(
            event=event,
            recipients=[(person, Urgency.NORMAL) for person in people],
            subject=subject,
            link=_meeting_link(meeting),
            child_id=child.pk,
            related=meeting,
            authority=authority,
            now=now,
        )


def _create_meeting(child: Child, *, by, reason: str, rule_facts: dict, now) -> StrategyMeeting:
    try:
        with transaction.atomic():
            meeting = StrategyMeeting.objects.create(
                child=child, proposed_at=now, proposed_by=by, reason=reason, rule_facts=rule_facts
            )
    except IntegrityError:
        raise ValidationError(
            {"meeting": "A strategy meeting is already proposed or scheduled for this child."}
        ) from None
    meeting.invited_agencies.set(default_invitees(child, now=now))
    audit_record(
        user=by,
        action=Action.CREATE,
        object_type="strategy_meeting",
        object_id=meeting.pk,
        child_id=child.pk,
        why=RULE_WHY if by is None else "strategy meeting proposed",
        detail={"by": "rule" if by is None else "person"},
    )
    _tell_meeting(
        child,
        meeting,
        now,
        event="strategy_meeting_proposed",
        council_subject="A strategy meeting is proposed for a child you are responsible for",
        invitee_subject="Your agency is invited to a strategy meeting proposed for a child in care",
    )
    return meeting


def _propose_meeting_if_due(
    child: Child, flags: dict[str, RiskFlag], requires: list[list[str]], now, *, trigger
) -> StrategyMeeting | None:
    """The council's rule (SafeguardingSettings.meeting_requires; by default repeat missing AND an
    exploitation flag, as Essex's "3 in 90 days plus exploitation risk"): propose a meeting unless one
    is open, or the last one was held or cancelled on these very facts."""
    if not requires:
        return None
    raised = {kind: flag for kind, flag in flags.items() if flag.is_raised}
    chosen = []
    for group in requires:
        present = [kind for kind in group if kind in raised]
        if not present:
            return None
        chosen += present
    if StrategyMeeting.objects.filter(OPEN_MEETING, child=child).exists():
        return None
    evidence = sorted(
        {key for kind in chosen for key in raised[kind].evidence}
        | {f"flag:{raised[kind].pk}:{raised[kind].raised_at.isoformat()}" for kind in chosen}
    )
    last = StrategyMeeting.objects.filter(child=child).order_by("-proposed_at", "-id").first()
    if last is not None and not set(evidence) - set(last.rule_facts.get("evidence", [])):
        return None
    names = " and ".join(" or ".join(FlagKind(k).label.lower() for k in group) for group in requires)
    lines = [f"Proposed by the rule: this council proposes a strategy meeting for {names}."]
    lines += [f"{raised[kind].get_kind_display()}: {raised[kind].explanation}" for kind in chosen]
    rule_facts = {
        "requires": requires,
        "evidence": evidence,
        "flags": {kind: {"flag_id": raised[kind].pk, "explanation": raised[kind].explanation} for kind in chosen},
    }
    if trigger is not None:
        rule_facts["triggered_by_user"] = trigger.pk
    return _create_meeting(child, by=None, reason="\n".join(lines), rule_facts=rule_facts, now=now)


@transaction.atomic
def strategy_meeting_propose(*, user, why: str, child: Child | int, reason: str) -> StrategyMeeting:
    """A person proposes a meeting the rules did not."""
    child, reasons = child_in_scope(user, child, why)
    _require(permissions.may_manage_meetings(user, reasons), "propose a strategy meeting")
    reason = _reason(reason)
    meeting = _create_meeting(
        child, by=user, reason=f"Proposed by {_who(user)}: {reason}", rule_facts={}, now=timezone.now()
    )
    return meeting


def _meeting_for(user, child, meeting) -> tuple[StrategyMeeting, list[str]]:
    found, reasons = strategy_meeting_get(user=user, child_id=child, meeting_id=meeting, why="", for_update=True)
    found.child = Child.objects.select_related("responsible_authority").get(pk=found.child_id)
    return found, reasons


def _audit_meeting(user, why: str, meeting: StrategyMeeting, detail: dict) -> None:
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="strategy_meeting",
        object_id=meeting.pk,
        child_id=meeting.child_id,
        why=why,
        detail=detail,
    )


@transaction.atomic
def strategy_meeting_schedule(
    *, user, why: str, child, meeting, scheduled_for: datetime.datetime, invited_agency_ids: list[int] | None = None
) -> StrategyMeeting:
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "schedule a strategy meeting")
    if not meeting.is_open:
        raise ValidationError({"scheduled_for": f"This meeting was {meeting.get_status_display().lower()}."})
    if scheduled_for is None:
        raise ValidationError({"scheduled_for": "Enter when the meeting will be held."})
    meeting.scheduled_for = _at(scheduled_for, "scheduled_for", timezone.now())
    dates.is_ahead(meeting.scheduled_for, "scheduled_for", "the meeting time")  # a meeting is arranged ahead
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save(update_fields=["scheduled_for", "status", "updated_at"])
    if invited_agency_ids is not None:
        agencies = list(Agency.objects.filter(pk__in=invited_agency_ids, active=True))
        if len(agencies) != len(set(invited_agency_ids)):
            raise ValidationError({"invited": "Choose agencies from the list."})
        if meeting.child.responsible_authority_id not in {a.pk for a in agencies}:
            raise ValidationError({"invited": "The council that looks after the child is always invited."})
        meeting.invited_agencies.set(agencies)
    _audit_meeting(
        user,
        why,
        meeting,
        {
            "status": meeting.status,
            "scheduled_for": meeting.scheduled_for.isoformat(),
            "invited": sorted(meeting.invited_agencies.values_list("code", flat=True)),
        },
    )
    when = rules.moment(meeting.scheduled_for)
    _tell_meeting(
        meeting.child,
        meeting,
        timezone.now(),
        event="strategy_meeting_scheduled",
        council_subject=f"A strategy meeting for a child you are responsible for is set for {when}",
        invitee_subject=f"Your agency is invited to a strategy meeting at {when} about a child in care",
    )
    return meeting


@transaction.atomic
def strategy_meeting_record(
    *,
    user,
    why: str,
    child,
    meeting,
    held_at: datetime.datetime | None,
    decisions: str,
    attended_agency_ids: list[int] | None = None,
) -> StrategyMeeting:
    """The meeting was held: when, what it decided and, when given, which invited agencies came.
    Decisions and attendance of a held meeting may be amended."""
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "record a strategy meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"decisions": "This meeting was cancelled."})
    decisions = (decisions or "").strip()
    if not decisions:
        raise ValidationError({"decisions": "Record what the meeting decided."})
    now = timezone.now()
    held_at = _at(held_at, "held_at", now) if held_at is not None or meeting.held_at is None else meeting.held_at
    if held_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"held_at": "A meeting is recorded once it has been held: this cannot be in the future."})
    if held_at < meeting.proposed_at - datetime.timedelta(days=1):
        raise ValidationError({"held_at": "This is before the meeting was proposed."})
    attended = None
    if attended_agency_ids is not None:
        invited = {a.pk: a for a in meeting.invited_agencies.all()}
        if not set(attended_agency_ids) <= set(invited):
            raise ValidationError({"attended": "Choose who came from the agencies invited."})
        attended = [invited[pk] for pk in dict.fromkeys(attended_agency_ids)]
    meeting.status, meeting.held_at, meeting.decisions = MeetingStatus.HELD, held_at, decisions
    meeting.save(update_fields=["status", "held_at", "decisions", "updated_at"])
    detail = {"status": meeting.status, "held_at": held_at.isoformat()}
    if attended is not None:
        meeting.attended_agencies.set(attended)
        detail["attended"] = sorted(a.code for a in attended)
    _audit_meeting(user, why, meeting, detail)
    return meeting


@transaction.atomic
def strategy_meeting_cancel(*, user, why: str, child, meeting, reason: str) -> StrategyMeeting:
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "cancel a strategy meeting")
    if not meeting.is_open:
        raise ValidationError({"reason": f"This meeting was {meeting.get_status_display().lower()}."})
    meeting.status, meeting.cancelled_at, meeting.cancelled_reason = (
        MeetingStatus.CANCELLED,
        timezone.now(),
        _reason(reason),
    )
    meeting.save(update_fields=["status", "cancelled_at", "cancelled_reason", "updated_at"])
    _audit_meeting(user, why, meeting, {"status": meeting.status, "reason": meeting.cancelled_reason[:1000]})
    return meeting


@transaction.atomic
def meeting_action_add(
    *, user, why: str, child, meeting, description: str, owner: User | int, due_date: datetime.date
) -> MeetingAction:
    """An action with its owner and due date; the owner is told (in their inbox, and by email)."""
    meeting, reasons = _meeting_for(user, child, meeting)
    _require(permissions.may_manage_meetings(user, reasons), "give actions from a strategy meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"description": "This meeting was cancelled."})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what is to be done."})
    owner_id = owner.pk if isinstance(owner, User) else owner
    owner = (
        User.objects.select_related("agency")
        .filter(pk=owner_id, agency__in=meeting.invited_agencies.all(), is_active=True, is_service_account=False)
        .first()
        if owner_id
        else None
    )
    if owner is None:
        raise ValidationError({"owner": "Choose who will do it, from the agencies invited."})
    if not can_see_child(owner, meeting.child):
        raise ValidationError(
            {
                "owner": f"{owner.get_full_name() or owner.username} cannot see this child's record, so cannot own an action."
            }
        )
    if not isinstance(due_date, datetime.date):
        raise ValidationError({"due_date": "Enter the date it is due."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    action = MeetingAction.objects.create(
        meeting=meeting, description=description, owner=owner, due_date=due_date, created_by=user
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="meeting_action",
        object_id=action.pk,
        child_id=meeting.child_id,
        why=why,
        detail={"meeting": meeting.pk, "owner": owner.pk, "due_date": due_date.isoformat()},
    )
    notify(
        event="meeting_action_assigned",
        recipients=[(owner, Urgency.NORMAL)],
        subject=f"You have an action from a strategy meeting, due {rules.day(due_date)}",
        link=_meeting_link(meeting),
        child_id=meeting.child_id,
        related=action,
        authority=meeting.child.responsible_authority,
    )
    return action


@transaction.atomic
def meeting_action_complete(*, user, why: str, child, meeting, action: MeetingAction | int) -> MeetingAction:
    found, reasons = strategy_meeting_get(user=user, child_id=child, meeting_id=meeting, why="", for_update=True)
    pk = action.pk if isinstance(action, MeetingAction) else action
    action = MeetingAction.objects.select_for_update().filter(pk=pk, meeting=found).first()
    if action is None:
        raise ValidationError({"action": "No such action."})
    _require(
        permissions.may_complete_action(user, reasons, action), "mark this action done: its owner or the council does"
    )
    if action.done_at is not None:
        return action
    action.done_at, action.done_by = timezone.now(), user
    action.save(update_fields=["done_at", "done_by"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="meeting_action",
        object_id=action.pk,
        child_id=found.child_id,
        why=why,
        detail={"done": True},
    )
    return action
