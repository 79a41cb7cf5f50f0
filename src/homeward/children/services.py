"""Writes of children's identity and placements. One path for each write, whichever door it came by."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from homeward.agencies.access import access_reasons
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children import signals, validators
from homeward.children.models import Child, ChildName, Placement
from homeward.children.selectors import RESPONSIBLE_AUTHORITY
from homeward.places.services import placement_geography


def _require_responsible(user, child: Child) -> None:
    # Identity and placements are the responsible authority's to record (architecture.md).
    if RESPONSIBLE_AUTHORITY not in access_reasons(user, child):
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
                    raise ValidationError({"other_names": f"'{kind}' is not a kind of name ({', '.join(ChildName.Kind.values)})."})
                ChildName.objects.create(child=child, kind=kind, first_name=other_first.strip(), last_name=other_last.strip())
            audit_record(user=user, action=Action.CREATE, object_type="child", object_id=child.pk, child_id=child.pk, why=why)
    except IntegrityError:
        raise ValidationError({"la_child_id": "Your council already has a child with this id."}) from None
    return child


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
    _require_responsible(user, child)
    validators.clean_placement_codes(placement_type=placement_type, provider_type=provider_type)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "A placement cannot end before it starts."})
    if start_date < child.date_of_birth:
        raise ValidationError({"start_date": "A placement cannot start before the child's date of birth."})
    if provider is not None and provider.kind != AgencyKind.PROVIDER:
        raise ValidationError({"provider": "The provider must be a placement provider agency."})
    geography = placement_geography(placement_postcode=placement_postcode, home_postcode=home_postcode)
    placement = Placement(
        child=child,
        start_date=start_date,
        end_date=end_date,
        placement_type=placement_type,
        provider_type=provider_type,
        provider=provider,
        urn=urn or (provider.code if provider else ""),
        placement_postcode=geography.placement_postcode,
        home_postcode=geography.home_postcode,
        district_code=geography.district_code,
        host_authority=geography.host_authority,
        police_force=geography.police_force,
        distance_miles=geography.distance_miles,
    )
    try:
        with transaction.atomic():
            placement.save()
            audit_record(
                user=user, action=Action.CREATE, object_type="placement", object_id=placement.pk, child_id=child.pk, why=why
            )
            signals.placement_created.send(Placement, user=user, placement=placement)
    except IntegrityError:
        raise ValidationError({"start_date": "This child already has a placement starting on that date."}) from None
    return placement


UNCHANGED = object()  # child_allocate: leave this allocation as it is

# The caseworkers a child is allocated, by field, with the role each must hold.
ALLOCATED_ROLES = {"social_worker": Role.SOCIAL_WORKER, "iro": Role.IRO}


def child_allocate(*, user, why: str, child: Child | int, social_worker=UNCHANGED, iro=UNCHANGED) -> Child:
    """Allocate the child's social worker and IRO (a User, or None to end an allocation): the people
    told of the child's episodes and due screenings. Each must be an active person at the child's
    responsible authority, in that role. Only the responsible authority allocates."""
    wanted = {field: value for field, value in (("social_worker", social_worker), ("iro", iro)) if value is not UNCHANGED}
    with transaction.atomic():
        child = Child.objects.select_for_update(of=("self",)).select_related("responsible_authority").get(
            pk=child.pk if isinstance(child, Child) else child
        )
        _require_responsible(user, child)
        changed = {}
        for field, person in wanted.items():
            if person is not None:
                person = User.objects.filter(pk=person.pk if isinstance(person, User) else person).first()
                role = ALLOCATED_ROLES[field]
                if (person is None or not person.is_active or person.is_service_account
                        or person.agency_id != child.responsible_authority_id or person.role != role):
                    raise ValidationError({field: f"Choose an active {Role(role).label.lower()} at {child.responsible_authority.name}."})
            if getattr(child, f"{field}_id") != (person.pk if person else None):
                setattr(child, field, person)
                changed[field] = person.pk if person else None
        if changed:
            child.save(update_fields=[*changed, "updated_at"])
            audit_record(user=user, action=Action.UPDATE, object_type="child", object_id=child.pk, child_id=child.pk, why=why,
                         detail={"allocated": changed})
    return child
