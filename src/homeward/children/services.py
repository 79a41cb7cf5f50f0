"""Writes of children's identity and placements. One path for each write, whichever door it came by."""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from homeward.agencies.access import Reason, access_reasons, visible_children
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.bulk import BulkRows
from homeward.children import signals, validators
from homeward.children.models import Child, ChildName, Enrolment, Placement
from homeward.places import postcodes
from homeward.places.models import District
from homeward.places.services import districts_by_code, placement_geography


def _require_responsible(user, child: Child) -> None:
    # Identity and placements are the responsible authority's to record (architecture.md).
    if Reason.RESPONSIBLE not in access_reasons(user, child):
        raise ValidationError({"child": "Only the child's responsible authority can change this record."})


def child_create(
    *,
    user,
    why: str,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date,
    sex: str,
    la_child_id: str,
    ethnicity: str = "",
    upn: str = "",
    nhs_number: str = "",
    other_names: Iterable[tuple[str, str, str]] = (),
) -> Child:
    """Record a child looked after by the user's council. other_names: (kind, first_name, last_name)."""
    if user.agency is None or user.agency.kind != AgencyKind.LOCAL_AUTHORITY:
        raise ValidationError({"responsible_authority": "Only a local authority can record a child it looks after."})
    if not first_name.strip():
        raise ValidationError({"first_name": "First name is required."})
    if not last_name.strip():
        raise ValidationError({"last_name": "Last name is required."})
    child = Child(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=validators.clean_date_of_birth(date_of_birth),
        sex=validators.clean_sex(sex),
        la_child_id=validators.clean_la_child_id(la_child_id),
        ethnicity=validators.clean_ethnicity(ethnicity),
        upn=validators.clean_upn(upn),
        nhs_number=validators.clean_nhs_number(nhs_number),
        responsible_authority=user.agency,
    )
    try:
        with transaction.atomic():
            child.save()
            for kind, other_first, other_last in other_names:
                if kind not in ChildName.Kind.values:
                    raise ValidationError(
                        {"other_names": f"'{kind}' is not a kind of name ({', '.join(ChildName.Kind.values)})."}
                    )
                ChildName.objects.create(
                    child=child, kind=kind, first_name=other_first.strip(), last_name=other_last.strip()
                )
            audit_record(
                user=user, action=Action.CREATE, object_type="child", object_id=child.pk, child_id=child.pk, why=why
            )
    except IntegrityError:
        raise ValidationError({"la_child_id": "Your council already has a child with this id."}) from None
    return child


@dataclass(frozen=True)
class ChildIn:
    """One child as a bulk door brings it (an SSDA903 return's Header, the synthetic world). A field
    left None is not given: a new child gets it blank, a child already held keeps what it has (names
    and the NHS number are not in the SSDA903, and stay as the council recorded them here)."""

    la_child_id: str
    date_of_birth: datetime.date
    sex: str
    ethnicity: str | None = None
    upn: str | None = None
    nhs_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass
class ChildrenWritten:
    created: list[int] = field(default_factory=list)  # ids
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[int, ValidationError]] = field(default_factory=list)  # (index in rows, why)


def _child_values(row: ChildIn) -> dict:
    # The same checks as child_create (the form and the API), field by field.
    values = {
        "date_of_birth": validators.clean_date_of_birth(row.date_of_birth),
        "sex": validators.clean_sex(row.sex),
        "ethnicity": None if row.ethnicity is None else validators.clean_ethnicity(row.ethnicity),
        "upn": None if row.upn is None else validators.clean_upn(row.upn),
        "nhs_number": None if row.nhs_number is None else validators.clean_nhs_number(row.nhs_number),
        "first_name": None if row.first_name is None else row.first_name.strip(),
        "last_name": None if row.last_name is None else row.last_name.strip(),
    }
    return {name: value for name, value in values.items() if value is not None}


def children_write(*, user, why: str, council: Agency, rows: Sequence[ChildIn]) -> ChildrenWritten:
    """Record many children of one council in one transaction, keyed on the council's child id, so
    writing the same rows again changes nothing: new ones created, changed ones updated, each audited.

    The bulk door for children beside child_create (a person): the SSDA903 import and the synthetic
    loader come through here. `user` None is the system (the synthetic loader); anyone else writes
    only for their own council. A row that fails a check is returned in `rejected` with the reason,
    and the others are written.
    """
    written = ChildrenWritten()
    if user is not None and user.agency_id != council.pk:
        raise ValidationError({"responsible_authority": "Only a council can record the children it looks after."})
    with transaction.atomic():
        existing = {
            c.la_child_id: c
            for c in Child.objects.select_for_update().filter(
                responsible_authority=council, la_child_id__in=[(row.la_child_id or "").strip() for row in rows]
            )
        }
        new = BulkRows(Child)
        new_ids, changed, changed_fields = [], [], set()
        for index, row in enumerate(rows):
            try:
                la_child_id = validators.clean_la_child_id(row.la_child_id)
                values = _child_values(row)
            except ValidationError as error:
                written.rejected.append((index, error))
                continue
            child = existing.get(la_child_id)
            if child is None:
                new.add(responsible_authority_id=council.pk, la_child_id=la_child_id, **values)
                new_ids.append(la_child_id)
                existing[la_child_id] = Child(la_child_id=la_child_id)  # a repeat row is the same child
            elif child.pk is None:
                written.unchanged += 1
            elif any(getattr(child, name) != value for name, value in values.items()):
                for name, value in values.items():
                    if getattr(child, name) != value:
                        setattr(child, name, value)
                        changed_fields.add(name)
                if child not in changed:
                    changed.append(child)
            else:
                written.unchanged += 1
        new.flush()
        now = timezone.now()
        for child in changed:
            child.updated_at = now  # bulk_update does not touch auto_now fields
        Child.objects.bulk_update(changed, [*sorted(changed_fields), "updated_at"], batch_size=500)
        # Ids re-read by natural key: the bulk path returns none.
        written.created = list(
            Child.objects.filter(responsible_authority=council, la_child_id__in=new_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        written.updated = [child.pk for child in changed]
        audit_record_many(
            user=user, action=Action.CREATE, object_type="child", why=why, items=[(pk, pk) for pk in written.created]
        )
        audit_record_many(
            user=user, action=Action.UPDATE, object_type="child", why=why, items=[(pk, pk) for pk in written.updated]
        )
    return written


# Supported accommodation (Ofsted-registered from 28 October 2023) is for 16- and 17-year-olds only:
# placing a child under 16 in unregulated or supported accommodation is unlawful since 9 September
# 2021 (Care Planning, Placement and Case Review (England) (Amendment) Regulations 2021).
SUPPORTED_ACCOMMODATION = frozenset({"K3"})
SUPPORTED_ACCOMMODATION_MIN_AGE = 16


@dataclass(frozen=True)
class PlacementIn:
    """One placement as any door brings it: the form, the API, an SSDA903 return, the synthetic world."""

    child_id: int
    start_date: datetime.date
    placement_type: str
    provider_type: str
    placement_postcode: str = ""
    home_postcode: str = ""
    provider_id: int | None = None
    urn: str = ""
    end_date: datetime.date | None = None


@dataclass
class PlacementsWritten:
    created: list[Placement] = field(default_factory=list)
    updated: list[Placement] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[int, ValidationError]] = field(default_factory=list)  # (index in rows, why)


PLACEMENT_FIELDS = (
    "end_date",
    "placement_type",
    "provider_type",
    "provider_id",
    "urn",
    "placement_postcode",
    "home_postcode",
    "district_code",
    "host_authority_id",
    "police_force_id",
    "distance_miles",
)


def _placement_values(
    row: PlacementIn, child: Child, *, providers: Mapping[int, Agency], districts: Mapping[str, District]
) -> dict:
    """Every check a placement must pass, whichever door it came in by; the values to store."""
    validators.clean_placement_codes(placement_type=row.placement_type, provider_type=row.provider_type)
    if row.end_date is not None and row.end_date < row.start_date:
        raise ValidationError({"end_date": "A placement cannot end before it starts."})
    if row.start_date < child.date_of_birth:
        raise ValidationError({"start_date": "A placement cannot start before the child's date of birth."})
    if row.placement_type in SUPPORTED_ACCOMMODATION and child.age_on(row.start_date) < SUPPORTED_ACCOMMODATION_MIN_AGE:
        raise ValidationError(
            {
                "placement_type": (
                    f"{child.full_name or 'This child'} is {child.age_on(row.start_date)} on {row.start_date:%d/%m/%Y}: a child under 16 "
                    "cannot be placed in supported accommodation (unlawful since 9 September 2021)."
                )
            }
        )
    provider = providers.get(row.provider_id) if row.provider_id is not None else None
    if row.provider_id is not None and (provider is None or provider.kind != AgencyKind.PROVIDER):
        raise ValidationError({"provider": "The provider must be a placement provider agency."})
    values = {
        "end_date": row.end_date,
        "placement_type": row.placement_type,
        "provider_type": row.provider_type,
        "provider_id": row.provider_id,
        "urn": row.urn or (provider.code if provider else ""),
    }
    if not row.placement_postcode.strip():
        # A return may not know where a past placement was; a placement made here always does
        # (placement_create asks for the postcode).
        return {
            **values,
            "placement_postcode": "",
            "district_code": "",
            "host_authority_id": None,
            "police_force_id": None,
            "distance_miles": None,
            "home_postcode": postcodes.normalise(row.home_postcode) or "",
        }
    where = placement_geography(
        placement_postcode=row.placement_postcode, home_postcode=row.home_postcode, districts=districts
    )
    return {
        **values,
        "placement_postcode": where.placement_postcode,
        "home_postcode": where.home_postcode,
        "district_code": where.district_code,
        "host_authority_id": where.host_authority.pk,
        "police_force_id": where.police_force.pk,
        "distance_miles": where.distance_miles,
    }


def placements_write(
    *, user, why: str, rows: Sequence[PlacementIn], districts: Mapping[str, District] | None = None
) -> PlacementsWritten:
    """Record placements in one transaction: new ones created, changed ones updated, each keyed on
    child + start date (SSDA903 DECOM), so writing the same rows again changes nothing.

    The one door for placements: placement_create (a person), the SSDA903 import and the synthetic
    loader all come through here, run the same checks and send the same `placements_created` event,
    so a placement is told to the host council and the force of the area whichever way it came.
    `user` None is the system (the synthetic loader); anyone else writes only for children of the
    council they work for (their responsible authority). A row that fails a check is returned in
    `rejected` with the reason, and the others are written.
    """
    written = PlacementsWritten()
    if not rows:
        return written
    children = Child.objects.all() if user is None else visible_children(user).filter(responsible_authority=user.agency)
    children = children.in_bulk({row.child_id for row in rows})
    providers = Agency.objects.in_bulk({row.provider_id for row in rows if row.provider_id is not None})
    if districts is None:
        districts = districts_by_code(row.placement_postcode for row in rows)
    with transaction.atomic():
        existing = {
            (p.child_id, p.start_date): p for p in Placement.objects.select_for_update().filter(child_id__in=children)
        }
        new: dict[tuple[int, datetime.date], Placement] = {}
        ended: list[Placement] = []
        for index, row in enumerate(rows):
            child = children.get(row.child_id)
            try:
                if child is None:
                    raise ValidationError({"child": "Only the child's responsible authority can change this record."})
                values = _placement_values(row, child, providers=providers, districts=districts)
            except ValidationError as error:
                written.rejected.append((index, error))
                continue
            key = (row.child_id, row.start_date)
            placement = existing.get(key) or new.get(key)
            if placement is None:
                new[key] = Placement(child=child, start_date=row.start_date, **values)
            elif any(getattr(placement, name) != value for name, value in values.items()):
                if placement.pk is not None and placement.end_date is None and values["end_date"] is not None:
                    ended.append(placement)
                for name, value in values.items():
                    setattr(placement, name, value)
                if placement.pk is not None and placement not in written.updated:
                    written.updated.append(placement)
            elif placement.pk is not None:
                written.unchanged += 1
        written.created = Placement.objects.bulk_create(new.values(), batch_size=500)
        if written.created and written.created[0].pk is None:
            # Not every backend returns ids from a bulk insert: re-read them by natural key.
            ids = {
                (c, s): pk
                for pk, c, s in Placement.objects.filter(child_id__in={k[0] for k in new}).values_list(
                    "pk", "child_id", "start_date"
                )
            }
            for placement in written.created:
                placement.pk = ids[(placement.child_id, placement.start_date)]
        Placement.objects.bulk_update(written.updated, list(PLACEMENT_FIELDS), batch_size=500)
        audit_record_many(
            user=user,
            action=Action.CREATE,
            object_type="placement",
            why=why,
            items=[(p.pk, p.child_id) for p in written.created],
        )
        audit_record_many(
            user=user,
            action=Action.UPDATE,
            object_type="placement",
            why=why,
            items=[(p.pk, p.child_id) for p in written.updated],
        )
        if written.created or written.updated:
            signals.placements_written.send(
                Placement, user=user, children=sorted({p.child_id for p in [*written.created, *written.updated]})
            )
        if written.created:
            signals.placements_created.send(Placement, user=user, placements=written.created)
        ended += [p for p in written.created if p.end_date is not None]
        if ended:
            signals.placements_ended.send(Placement, user=user, placements=ended)
    return written


def placement_create(
    *,
    user,
    why: str,
    child: Child,
    start_date: datetime.date,
    placement_type: str,
    provider_type: str,
    placement_postcode: str,
    home_postcode: str = "",
    provider: Agency | None = None,
    urn: str = "",
    end_date: datetime.date | None = None,
) -> Placement:
    """One placement, made by a person: placements_write with one row, which must be new."""
    _require_responsible(user, child)
    if not placement_postcode.strip():
        raise ValidationError({"placement_postcode": "Enter a postcode."})
    row = PlacementIn(
        child_id=child.pk,
        start_date=start_date,
        end_date=end_date,
        placement_type=placement_type,
        provider_type=provider_type,
        placement_postcode=placement_postcode,
        home_postcode=home_postcode,
        provider_id=provider.pk if provider else None,
        urn=urn,
    )
    with transaction.atomic():
        written = placements_write(user=user, why=why, rows=[row])
        if written.rejected:
            raise written.rejected[0][1]
        if not written.created:
            raise ValidationError({"start_date": "This child already has a placement starting on that date."})
    return written.created[0]


UNCHANGED = object()  # child_allocate: leave this allocation as it is

# The caseworkers a child is allocated, by field, with the role each must hold.
ALLOCATED_ROLES = {"social_worker": Role.SOCIAL_WORKER, "iro": Role.IRO}


def child_allocate(*, user, why: str, child: Child | int, social_worker=UNCHANGED, iro=UNCHANGED) -> Child:
    """Allocate the child's social worker and IRO (a User, or None to end an allocation): the people
    told of the child's episodes and due screenings. Each must be an active person at the child's
    responsible authority, in that role. Only the responsible authority allocates."""
    wanted = {
        field: value for field, value in (("social_worker", social_worker), ("iro", iro)) if value is not UNCHANGED
    }
    with transaction.atomic():
        child = (
            Child.objects.select_for_update(of=("self",))
            .select_related("responsible_authority")
            .get(pk=child.pk if isinstance(child, Child) else child)
        )
        _require_responsible(user, child)
        changed = {}
        for field, person in wanted.items():
            if person is not None:
                person = User.objects.filter(pk=person.pk if isinstance(person, User) else person).first()
                role = ALLOCATED_ROLES[field]
                if (
                    person is None
                    or not person.is_active
                    or person.is_service_account
                    or person.agency_id != child.responsible_authority_id
                    or person.role != role
                ):
                    raise ValidationError(
                        {field: f"Choose an active {Role(role).label.lower()} at {child.responsible_authority.name}."}
                    )
            if getattr(child, f"{field}_id") != (person.pk if person else None):
                setattr(child, field, person)
                changed[field] = person.pk if person else None
        if changed:
            child.save(update_fields=[*changed, "updated_at"])
            audit_record(
                user=user,
                action=Action.UPDATE,
                object_type="child",
                object_id=child.pk,
                child_id=child.pk,
                why=why,
                detail={"allocated": changed},
            )
    return child


@dataclass(frozen=True)
class EnrolmentIn:
    child_id: int
    school_id: int
    start_date: datetime.date
    end_date: datetime.date | None = None


def enrolments_write(*, user, why: str, rows: Sequence[EnrolmentIn]) -> list[Enrolment]:
    """Put children on schools' rolls: the one door for a person (enrolment_create) and the synthetic
    world alike. Keyed on child + school + start date, so writing the same rows again adds nothing.
    `user` None is the system (the synthetic world); anyone else writes only for children of the
    council they work for, which keeps the record of where its children go to school. A row that
    fails a check refuses the whole write, naming the field (rolls are written whole or not at all)."""
    if not rows:
        return []
    children = Child.objects.all() if user is None else visible_children(user).filter(responsible_authority=user.agency)
    children = children.in_bulk({row.child_id for row in rows})
    schools = Agency.objects.filter(kind=AgencyKind.SCHOOL).in_bulk({row.school_id for row in rows})
    new: dict[tuple[int, int, datetime.date], Enrolment] = {}
    for row in rows:
        if row.child_id not in children:
            raise ValidationError({"child": "Only the child's responsible authority can change this record."})
        if row.school_id not in schools:
            raise ValidationError({"school": "Choose a school by its DfE URN."})
        if not isinstance(row.start_date, datetime.date):
            raise ValidationError({"start_date": "Enter the date the child joined the roll."})
        if row.end_date is not None and row.end_date < row.start_date:
            raise ValidationError({"end_date": "The child cannot leave the roll before joining it."})
        new[(row.child_id, row.school_id, row.start_date)] = Enrolment(
            child_id=row.child_id, school_id=row.school_id, start_date=row.start_date, end_date=row.end_date
        )
    with transaction.atomic():
        existing = set(
            Enrolment.objects.filter(child_id__in=children).values_list("child_id", "school_id", "start_date")
        )
        added = set(new) - existing
        Enrolment.objects.bulk_create([new[key] for key in added], batch_size=500)
        # Re-read by natural key: not every backend returns ids from a bulk insert.
        created = [
            e
            for e in Enrolment.objects.filter(child_id__in={key[0] for key in added})
            if (e.child_id, e.school_id, e.start_date) in added
        ]
        audit_record_many(
            user=user,
            action=Action.CREATE,
            object_type="enrolment",
            why=why,
            items=[(e.pk, e.child_id) for e in created],
        )
    return created


def enrolment_create(
    *, user, why: str, child: Child, school: Agency, start_date: datetime.date, end_date: datetime.date | None = None
) -> Enrolment:
    """One child on one school's roll, recorded by the council that looks after the child."""
    _require_responsible(user, child)
    created = enrolments_write(
        user=user,
        why=why,
        rows=[EnrolmentIn(child_id=child.pk, school_id=school.pk, start_date=start_date, end_date=end_date)],
    )
    if not created:
        raise ValidationError({"start_date": "This child is already on that school's roll from that date."})
    return created[0]
