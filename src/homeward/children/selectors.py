"""Reads of children's data. Every one starts from the access-scoping function and is audited."""

import datetime
import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from homeward.agencies.access import Reason, access_reasons, visible_children
from homeward.audit.models import Action, AuditEvent
from homeward.audit.refusals import refuse
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.identifiers import CONSISTENT_IDENTIFIERS, consistent_identifier_field
from homeward.children.models import Child, Placement


def _with_related(children: QuerySet) -> QuerySet:
    return children.select_related("responsible_authority").prefetch_related(
        "other_names",
        Prefetch(
            "placements",
            queryset=Placement.objects.select_related("host_authority", "police_force", "provider").order_by(
                "-start_date"
            ),
        ),
    )


def _search_condition(query: str) -> Q:
    query = query.strip()
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", query):
        try:
            return Q(date_of_birth=datetime.datetime.strptime(query, "%d/%m/%Y").date())
        except ValueError:
            return Q(pk__in=[])
    digits = re.sub(r"[\s-]", "", query)
    if re.fullmatch(r"\d{10}", digits):
        return Q(nhs_number=digits) | Q(la_child_id=digits)
    condition = Q(la_child_id__iexact=query) | Q(upn__iexact=query)
    words = query.split()
    name = Q()
    for word in words:
        name &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(other_names__first_name__icontains=word)
            | Q(other_names__last_name__icontains=word)
        )
    return condition | name


def child_search(*, user, why: str, query: str = "", page: int = 1, per_page: int = 50) -> Page:
    """One page of the children the user can see, optionally matching a search; each shown is audited."""
    children = visible_children(user)
    if query.strip():
        matching = Child.objects.filter(_search_condition(query)).values("pk")
        children = children.filter(pk__in=matching)
    children = _with_related(children.order_by("last_name", "first_name", "id"))
    result = Paginator(children, per_page).get_page(page)
    audit_record_many(
        user=user,
        action=Action.SEARCH if query.strip() else Action.LIST,
        object_type="child",
        why=why,
        items=[(child.pk, child.pk) for child in result.object_list],
        detail={"query": query.strip()} if query.strip() else None,
    )
    return result


def child_refused(*, user, child_id, why: str) -> Http404:
    """Record a refused look-up (who asked for which record, and by which route) and answer not found.

    The child's id is kept only when such a child exists, so the refusal shows in its access log
    (seen by the responsible authority alone); the asker learns nothing either way.
    """
    try:
        pk = int(child_id)
    except (ValueError, TypeError):
        pk = None
    exists = pk is not None and Child.objects.filter(pk=pk).exists()
    refuse(user=user, object_type="child", object_id=child_id, child_id=pk if exists else None, why=why)
    return Http404("No such child.")


def child_lookup(*, user, child_id: int | str, why: str, queryset: QuerySet[Child] | None = None) -> Child:
    """THE place a look-up of one child is decided, for every door (page, API, service): the child if
    it is in the user's scope, otherwise the refusal is audited as `denied` and Http404 raised (never
    403: existence is not revealed). `queryset` shapes what is fetched (select_related, locks); the
    scope is applied to it here, whatever it is.

    Records no read: the caller records what it goes on to show.
    """
    base = queryset if queryset is not None else _with_related(Child.objects.all())
    try:
        found = base.filter(pk=int(child_id), pk__in=visible_children(user).values("pk")).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise child_refused(user=user, child_id=child_id, why=why)
    return found


def child_get(*, user, child_id: int | str, why: str) -> Child:
    """The child, if the user may see it (its reading audited); otherwise Http404, the refusal audited."""
    child = child_lookup(user=user, child_id=child_id, why=why)
    audit_record(user=user, action=Action.READ, object_type="child", object_id=child.pk, child_id=child.pk, why=why)
    return child


def child_access_reasons(*, user, child: Child) -> list[str]:
    return access_reasons(user, child)


def child_access_log(*, user, child_id: int | str, why: str) -> tuple[Child, QuerySet]:
    """Who has read or changed this child's record. Only the responsible authority may look: anyone
    else is refused like a child out of scope (audited as `denied`, Http404), with no read recorded."""
    child = child_lookup(user=user, child_id=child_id, why=why)
    if Reason.RESPONSIBLE not in access_reasons(user, child):
        raise child_refused(user=user, child_id=child.pk, why=why)
    audit_record(
        user=user,
        action=Action.READ,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        why=why,
        detail={"access_log": True},
    )
    return child, AuditEvent.objects.filter(child_id=child.pk).order_by("-id")


@dataclass(frozen=True)
class SameIdentifier:
    """Other children's records holding this child's consistent identifier: a data problem to put
    right, never a reason to take them for one child. Counts only: no other council's child is shown."""

    label: str
    in_own_council: int
    in_other_councils: int


def child_identifier_shared(*, child: Child) -> SameIdentifier | None:
    """For a child already read through the scope: the other records holding its consistent
    identifier (children.identifiers), or None when none do or nothing keys on one."""
    name = consistent_identifier_field()
    value = getattr(child, name) if name else ""
    if not value:
        return None
    others = Child.objects.filter(**{name: value}).exclude(pk=child.pk)
    own = others.filter(responsible_authority_id=child.responsible_authority_id).count()
    elsewhere = others.exclude(responsible_authority_id=child.responsible_authority_id).count()
    label, _ = CONSISTENT_IDENTIFIERS[name]
    return SameIdentifier(label, own, elsewhere) if own or elsewhere else None
