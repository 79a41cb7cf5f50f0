"""The inspection pack: what an inspector reads first about one council, in an hour.

    inspection_pack(*, user, authority, first, last, why, exported=False) -> Pack
        The compliance figures over the months from `first`'s to `last`'s, the children with the most
        episodes in the last 12 months, the return interviews overdue now and the risk flags raised now.
    offers_oversight(user) -> bool
        Whether the menu offers the Oversight pages (compliance, Annex A, this pack).

Who may read it is who may read the compliance figures (compliance.authorities_overseen): the
council's own staff and inspectors holding a current grant for it. Every child named comes from
agencies.access.visible_children, so each one links to a record the reader's grant shows; the read
is audited once per child named (LIST for the page, EXPORT for the PDF).
Children are named by the council's child ID only: the pack is read beside the records, not instead.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, Role
from homeward.audit.models import Action
from homeward.audit.services import audit_record_many
from homeward.episodes.models import Episode, ReturnInterview
from homeward.oversight import compliance
from homeward.oversight.annex_a import LOOK_BACK
from homeward.safeguarding.models import FlagStatus, RiskFlag

# Council staff offered the Oversight menu (a Homeward default): those who answer for the service to
# an inspector. Other staff may still open the pages (authorities_overseen).
OVERSIGHT_MENU_ROLES = frozenset({Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR})
# Each list is cut to what can be read in the hour; its total is always given.
LIST_LIMIT = 50


@dataclass
class DutyLine:
    period: compliance.Figure  # every case over the months shown
    latest: compliance.Figure  # the last month's

    @property
    def time(self) -> str:
        return duration_text(self.period.median)


@dataclass
class Named:
    """A child as the pack names them, with the links the reader's grant allows."""

    child_id: int
    la_child_id: str

    @property
    def link(self) -> str:
        return reverse("children:detail", args=[self.child_id])


@dataclass
class EpisodeCount:
    child: Named
    episodes: int
    last_started_at: datetime.datetime


@dataclass
class OverdueInterview:
    child: Named
    episode_id: int
    returned_at: datetime.datetime
    due_at: datetime.datetime
    overdue_by: datetime.timedelta
    service: str

    @property
    def link(self) -> str:
        return reverse("episodes:detail", args=[self.episode_id])

    @property
    def overdue_for(self) -> str:
        return duration_text(self.overdue_by)


@dataclass
class ChildFlags:
    child: Named
    flags: list[str]  # the kinds raised, as the child's page names them
    since: datetime.datetime  # the earliest of them

    @property
    def link(self) -> str:
        return reverse("safeguarding:flags", args=[self.child.child_id])


@dataclass
class Listed:
    """One list of the pack: its rows (at most LIST_LIMIT) and how many there are in all."""

    rows: list
    total: int


@dataclass
class Pack:
    authority: Agency
    first: datetime.date  # the first month of the figures
    last: datetime.date  # the last month of the figures
    at: datetime.datetime  # when the lists were read
    duties: list[DutyLine]
    most_episodes: Listed
    overdue_interviews: Listed
    open_flags: Listed

    @property
    def children_named(self) -> set[int]:
        rows = self.most_episodes.rows + self.overdue_interviews.rows + self.open_flags.rows
        return {row.child.child_id for row in rows}


def duration_text(value: datetime.timedelta | None) -> str:
    """A time taken or overdue, as the oversight pages and the pack's PDF say it."""
    if value is None:
        return "No times"
    hours = value.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:.1f} hours" if hours >= 1 else f"{round(hours * 60)} minutes"


def offers_oversight(user) -> bool:
    """Whether the menu offers the Oversight pages: to inspectors holding a current grant, and to the
    council managers in OVERSIGHT_MENU_ROLES."""
    if user.role != Role.INSPECTOR and user.role not in OVERSIGHT_MENU_ROLES:
        return False
    return compliance.authorities_overseen(user).exists()


def _duties(months: list[compliance.MonthFigures]) -> list[DutyLine]:
    lines = []
    for i, duty in enumerate(compliance.DUTIES):
        cases = [case for month in months for case in month.figures[i].cases]
        lines.append(DutyLine(compliance.Figure(duty, months[0].month, cases), months[-1].figures[i]))
    return lines


def _named(children: QuerySet, ids) -> dict[int, Named]:
    return {
        pk: Named(pk, la_child_id) for pk, la_child_id in children.filter(pk__in=ids).values_list("pk", "la_child_id")
    }


def _most_episodes(children: QuerySet, now: datetime.datetime) -> Listed:
    # Each episode counts once, whatever its changes between missing and away (Annex A counts the
    # SSDA903 periods, so a changed episode counts there once as each).
    counted = (
        Episode.objects.filter(child__in=children, started_at__gte=now - LOOK_BACK)
        .values("child_id")
        .annotate(episodes=Count("id"), last=Max("started_at"))
        .order_by("-episodes", "-last", "child_id")
    )
    total = counted.count()
    top = list(counted[:LIST_LIMIT])
    named = _named(children, [row["child_id"] for row in top])
    return Listed([EpisodeCount(named[row["child_id"]], row["episodes"], row["last"]) for row in top], total)


def _overdue_interviews(children: QuerySet, now: datetime.datetime) -> Listed:
    # Neither held nor declined (closed) when its 72 hours ran out (episodes.clocks): longest overdue first.
    overdue = ReturnInterview.objects.filter(episode__child__in=children, closed_at__isnull=True, due_at__lt=now)
    interviews = list(overdue.select_related("episode", "service").order_by("due_at", "id")[:LIST_LIMIT])
    named = _named(children, [i.episode.child_id for i in interviews])
    return Listed(
        [
            OverdueInterview(
                named[i.episode.child_id], i.episode_id, i.episode.returned_at, i.due_at, now - i.due_at, i.service.name
            )
            for i in interviews
        ],
        overdue.count(),
    )


def _open_flags(children: QuerySet) -> Listed:
    by_child: dict[int, list[RiskFlag]] = defaultdict(list)
    for flag in RiskFlag.objects.filter(child__in=children, status=FlagStatus.RAISED).order_by("raised_at", "id"):
        by_child[flag.child_id].append(flag)
    # Most flags first, then the longest raised: the children the council most needs to account for.
    ordered = sorted(by_child.items(), key=lambda item: (-len(item[1]), item[1][0].raised_at, item[0]))[:LIST_LIMIT]
    named = _named(children, [pk for pk, _ in ordered])
    return Listed(
        [ChildFlags(named[pk], [f.get_kind_display() for f in flags], flags[0].raised_at) for pk, flags in ordered],
        len(by_child),
    )


def inspection_pack(
    *, user, authority: Agency, first: datetime.date, last: datetime.date, why: str, exported: bool = False
) -> Pack:
    if not compliance.authorities_overseen(user).filter(pk=authority.pk).exists():
        raise PermissionDenied("You cannot read this council's inspection pack.")
    # The council's own children, as the reader's grant shows them (the compliance figures count the same).
    children = visible_children(user).filter(responsible_authority=authority)
    months = compliance.compliance_by_month(user=user, authority=authority, first=first, last=last, why=why)
    now = timezone.now()
    pack = Pack(
        authority=authority,
        first=months[0].month,
        last=months[-1].month,
        at=now,
        duties=_duties(months),
        most_episodes=_most_episodes(children, now),
        overdue_interviews=_overdue_interviews(children, now),
        open_flags=_open_flags(children),
    )
    audit_record_many(
        user=user,
        action=Action.EXPORT if exported else Action.LIST,
        object_type="inspection_pack",
        why=why,
        items=[(authority.code, pk) for pk in sorted(pack.children_named)],
        detail={"authority": authority.code, "first": pack.first.isoformat(), "last": pack.last.isoformat()},
    )
    return pack
