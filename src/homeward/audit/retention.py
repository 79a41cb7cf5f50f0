"""Retention: a child's record erased once the statutory period has passed; the audit log kept.

The period. A looked-after child's case record is kept until their 75th birthday (the Care
Planning, Placement and Case Review (England) Regulations 2010, reg 50; a children's home keeps its
records of the child as long, the Children's Homes (England) Regulations 2015, reg 37). Everything
Homeward holds of a child is part of that record: placements, episodes and their timelines, return
interviews, the Philomena profile and photo, flags, screenings, strategy meetings, placement checks,
the council's returns, and the police reports linked to the child. A record with an episode still
open is never due.

What stays is the audit log (append-only by design: audit.triggers): who read or changed the record
and when, under ids, and one entry for the erasure itself, naming no one. A system job, run by the
council's administrator (`homeward retention --apply`): no user scope, as the subject access export.

The erasure is generic over the schema: every row that refers to the child, however deep, is found
from the models' own relations (a PROTECT foreign key is followed and its rows erased first), so a
table added later is erased with the rest without this module knowing it.
"""

import datetime
from collections import Counter

from django.db import models, transaction
from django.db.models import QuerySet

from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.models import Child

RETENTION_YEARS = 75
WHY = "retention: the statutory period has passed (75th birthday)"


def _born_on_or_before(on: datetime.date) -> datetime.date:
    """The latest date of birth whose 75th birthday is on or before `on` (29 February: 1 March)."""
    try:
        return on.replace(year=on.year - RETENTION_YEARS)
    except ValueError:
        return on.replace(year=on.year - RETENTION_YEARS, day=28)


def retention_due(*, on: datetime.date) -> QuerySet[Child]:
    """The children whose record has passed its period on `on`, none of them missing or away now."""
    open_episodes = Child._meta.get_field("episodes").related_model.objects.filter(returned_at__isnull=True)
    return (
        Child.objects.filter(date_of_birth__lte=_born_on_or_before(on))
        .exclude(pk__in=open_episodes.values("child"))
        .order_by("pk")
    )


def _files(queryset: QuerySet) -> list[tuple[object, str]]:
    fields = [f for f in queryset.model._meta.concrete_fields if isinstance(f, models.FileField)]
    return [
        (f.storage, name)
        for f in fields
        for name in queryset.exclude(**{f.name: ""}).values_list(f.name, flat=True)
        if name
    ]


def _erase(queryset: QuerySet, counts: Counter, files: list) -> None:
    """Delete the rows and all that refers to them: PROTECT relations first (the database would refuse
    otherwise), then the rows, whose CASCADE relations Django deletes with them."""
    model = queryset.model
    for relation in model._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            _erase(
                relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset}), counts, files
            )
    collected = [
        queryset,
        *(
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset})
            for relation in model._meta.related_objects
            if relation.on_delete is models.CASCADE
        ),
    ]
    for rows in collected:
        files.extend(_files(rows))
    _, deleted = queryset.delete()
    counts.update({label: n for label, n in deleted.items() if n})


@transaction.atomic
def child_erase(*, child_id: int, on: datetime.date) -> dict[str, int]:
    """Erase one child's record if its period has passed on `on`. Returns the rows erased per table.

    Raises ValueError when the record is not yet due (or the child is missing now)."""
    if not retention_due(on=on).filter(pk=child_id).exists():
        raise ValueError(f"child {child_id}: the record is not due for erasure on {on.isoformat()}")
    counts: Counter = Counter()
    files: list = []
    child = Child.objects.filter(pk=child_id)
    # The police reports identified as this child name the child too; they go with the record.
    from_police = [
        relation
        for relation in Child._meta.related_objects
        if relation.on_delete is models.SET_NULL and relation.related_model._meta.label == "returns.PoliceReport"
    ]
    for relation in from_police:
        _erase(relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": child}), counts, files)
    _erase(child, counts, files)
    audit_record(
        user=None,
        action=Action.DELETE,
        object_type="child",
        object_id=child_id,
        child_id=child_id,
        why=WHY,
        detail={"rows": dict(sorted(counts.items())), "on": on.isoformat()},
    )
    # The files go once the rows are gone for good.
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
    return dict(counts)
