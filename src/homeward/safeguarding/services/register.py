"""The location risk register, and a children's home's assessment of its location (reg 46)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.alerts.models import Urgency
from homeward.alerts.recipients import council_staff
from homeward.alerts.services import notify
from homeward.audit.models import Action
from homeward.agencies.access import visible_children
from homeward.audit.services import audit_record
from homeward.children.models import Child
from homeward.episodes.models import Episode, EpisodeUpdate, UpdateKind
from homeward.places import postcodes
from homeward.safeguarding import permissions, rules
from homeward.safeguarding.models import (
    AreaKind,
    DetailVisibleTo,
    FlagKind,
    FlagStatus,
    LocationAssessment,
    LocationRisk,
    LocationRiskKind,
    RiskFlag,
    a_year_after,
)
from homeward.safeguarding.services._common import _reason, _require
from homeward.safeguarding.services.flags import risk_flags_evaluate


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
