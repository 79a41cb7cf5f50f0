"""The one count (issue 5, item 6): for each council or force and period, the absences known to both
the council and the police, to the police only and to the council only, and all of them together.

Every figure is counted over the units the asker may see (linkage.models.CountUnit): those of
children their agency can see (agencies.access.visible_children), and for a police force its own
reports too, identified or not. A national analyst sees every unit's figures and never a unit itself.

A force's own report linked to a child the force cannot see is shown to it exactly as a report of
nobody known: police only, not yet identified, no council. Otherwise posting a report naming anyone
would tell a force whether that person is looked after, by which council, and whether the council
recorded an absence (the one count as an oracle). The council that can see the child sees the link.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.linkage.models import CountUnit, CountUnitReport, Known
from homeward.linkage.reconcile import REASONS, UNIDENTIFIED

BY_COUNCIL, BY_FORCE = "council", "force"
NOT_IDENTIFIED = ("", "Not yet identified")


def sees_national_figures(user) -> bool:
    # DfE statisticians work on aggregates (architecture.md): figures, never the records behind them.
    return user.is_authenticated and (user.role == Role.NATIONAL_ANALYST)


def _units(user) -> QuerySet[CountUnit]:
    """The units the asker may count, each annotated as the asker may see it: `seen` (the child is
    one they may see), `seen_known`, `seen_reason`, `seen_council` and `seen_force`."""
    if sees_national_figures(user):
        return CountUnit.objects.annotate(
            seen=Value(True),
            seen_known=F("known"),
            seen_reason=F("reason"),
            seen_council=F("responsible_authority"),
            seen_force=F("force"),
        )
    units = CountUnit.objects.annotate(seen=Exists(visible_children(user).filter(pk=OuterRef("child_id"))))
    if user.agency_id and user.agency.kind == AgencyKind.POLICE:
        own = Exists(CountUnitReport.objects.filter(unit=OuterRef("pk"), police_report__force=user.agency))
        units = units.filter(Q(seen=True) | own)
    else:
        units = units.filter(seen=True)
    seen = Q(seen=True)
    return units.annotate(
        seen_known=Case(When(seen, then=F("known")), default=Value(Known.POLICE_ONLY.value)),
        seen_reason=Case(When(seen, then=F("reason")), default=Value(UNIDENTIFIED)),
        seen_council=Case(When(seen, then=F("responsible_authority")), default=None),
        seen_force=Case(When(seen, then=F("force")), default=Value(user.agency_id)),
    )


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
    field = "seen_council" if by == BY_COUNCIL else "seen_force"
    units = _units(user).filter(started_on__gte=since, started_on__lte=until)
    counted = list(units.values_list(field, "seen_known", "seen_reason").annotate(n=Count("id")).order_by())
    agencies = Agency.objects.in_bulk({agency_id for agency_id, *_ in counted if agency_id})
    rows: dict[str, CountRow] = {}
    for agency_id, known, reason, n in counted:
        agency = agencies.get(agency_id)
        code, name = (agency.code, agency.name) if agency else NOT_IDENTIFIED
        row = rows.setdefault(code, CountRow(code, name))
        setattr(row, known, getattr(row, known) + n)
        if reason == "awaiting_review":
            row.awaiting_review += n
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="one_count",
        why=why,
        detail={"since": since.isoformat(), "until": until.isoformat(), "by": by},
    )
    ordered = sorted(rows.values(), key=lambda r: (-r.combined, r.name))
    total = CountRow("", "All")
    for row in ordered:
        for name in ("both", "police_only", "council_only", "awaiting_review"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return [*ordered, total]


def gaps(
    *, user, why: str, since: datetime.date, until: datetime.date, known: str, page: int = 1, per_page: int = 50
) -> Page:
    """The police-only or council-only units behind the figures, each with its likely reason; each
    shown is audited under its child. Not for national analysts: they see figures only."""
    if sees_national_figures(user) or known not in (Known.POLICE_ONLY, Known.COUNCIL_ONLY):
        raise Http404("No such list.")
    units = (
        _units(user)
        .filter(seen_known=known, started_on__gte=since, started_on__lte=until)
        .select_related("child", "force")
        .prefetch_related("reports__police_report__force")
        .order_by("-started_at", "-id")
    )
    result = Paginator(units, per_page).get_page(page)
    for unit in result.object_list:
        # A unit about a child the asker cannot see is shown only through the asker's own reports:
        # their references and times, never the council's dates or other forces' references.
        unit.reports_shown = [
            link.police_report
            for link in unit.reports.all()
            if unit.seen or link.police_report.force_id == user.agency_id
        ]
        unit.reason_shown = REASONS.get(unit.seen_reason, "")
        if not unit.seen:
            unit.started_at = min(r.last_seen_at or r.reported_at for r in unit.reports_shown)
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="count_unit",
        why=why,
        items=[(u.pk, u.child_id if u.seen else None) for u in result.object_list],
    )
    return result
