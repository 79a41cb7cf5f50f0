"""The one count (issue 5, item 6): for each council or force and period, the absences known to both
the council and the police, to the police only and to the council only, and all of them together.

Every figure is counted over the units the asker may see (linkage.models.CountUnit): those of
children their agency can see (agencies.access.visible_children), and for a police force its own
reports too, identified or not. A national analyst sees every unit's figures and never a unit itself.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from homeward.agencies.access import visible_children
from homeward.agencies.models import AgencyKind, Role
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.linkage.models import CountUnit, Known

BY_COUNCIL, BY_FORCE = "council", "force"
NOT_IDENTIFIED = ("", "Child not identified")


def sees_national_figures(user) -> bool:
    # DfE statisticians work on aggregates (architecture.md): figures, never the records behind them.
    return user.is_authenticated and (user.role == Role.NATIONAL_ANALYST)


def _units(user) -> QuerySet[CountUnit]:
    if sees_national_figures(user):
        return CountUnit.objects.all()
    visible = Q(child__in=visible_children(user))
    if user.agency_id and user.agency.kind == AgencyKind.POLICE:
        visible |= Q(known=Known.POLICE_ONLY, force=user.agency)
    return CountUnit.objects.filter(visible)


@dataclass
class CountRow:
    code: str
    name: str
    both: int = 0
    police_only: int = 0
    council_only: int = 0
    awaiting_review: int = 0  # police-only units whose report may be a child's, waiting for a person

    @property
    def combined(self) -> int:
        return self.both + self.police_only + self.council_only


def one_count(*, user, why: str, since: datetime.date, until: datetime.date, by: str = BY_COUNCIL) -> list[CountRow]:
    """One row per council (or force), biggest first, with a total row last."""
    field = "responsible_authority" if by == BY_COUNCIL else "force"
    units = _units(user).filter(started_on__gte=since, started_on__lte=until)
    rows: dict[str, CountRow] = {}
    for code, name, known, reason, n in (
        units.values_list(f"{field}__code", f"{field}__name", "known", "reason").annotate(n=Count("id")).order_by()
    ):
        row = rows.setdefault(code or "", CountRow(code or NOT_IDENTIFIED[0], name or NOT_IDENTIFIED[1]))
        setattr(row, known, getattr(row, known) + n)
        if reason == "awaiting_review":
            row.awaiting_review += n
    audit_record(user=user, action=Action.LIST, object_type="one_count", why=why,
                 detail={"since": since.isoformat(), "until": until.isoformat(), "by": by})
    ordered = sorted(rows.values(), key=lambda r: (-r.combined, r.name))
    total = CountRow("", "All")
    for row in ordered:
        for name in ("both", "police_only", "council_only", "awaiting_review"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return [*ordered, total]


def gaps(*, user, why: str, since: datetime.date, until: datetime.date, known: str, page: int = 1,
         per_page: int = 50) -> Page:
    """The police-only or council-only units behind the figures, each with its likely reason; each
    shown is audited under its child. Not for national analysts: they see figures only."""
    if sees_national_figures(user) or known not in (Known.POLICE_ONLY, Known.COUNCIL_ONLY):
        raise Http404("No such list.")
    units = (
        _units(user).filter(known=known, started_on__gte=since, started_on__lte=until)
        .select_related("child", "responsible_authority", "force", "episode")
        .prefetch_related("reports__police_report")
        .order_by("-started_at", "-id")
    )
    result = Paginator(units, per_page).get_page(page)
    # A force sees its own reports, but the child one was linked to only if it may see the child.
    shown = {u.child_id for u in result.object_list if u.child_id}
    visible = set(visible_children(user).filter(pk__in=shown).values_list("pk", flat=True))
    for unit in result.object_list:
        unit.child_visible = unit.child_id in visible
    audit_record_many(user=user, action=Action.LIST, object_type="count_unit", why=why,
                      items=[(u.pk, u.child_id if u.child_visible else None) for u in result.object_list])
    return result
