"""Which families of the language guide apply: Homeward's own, and the council's entries in force."""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from homeward.agencies.models import AgencyKind, Role, User
from homeward.audit.models import Action, AuditEvent
from homeward.language.guide import FAMILIES, Family
from homeward.language.models import GuideEntry, PhraseTally


def guide_entries_current(*, agency) -> list[GuideEntry]:
    """The latest version of each of the agency's entries, retired ones included."""
    if agency is None:
        return []
    latest: dict[str, GuideEntry] = {}
    for entry in GuideEntry.objects.filter(agency=agency).order_by("key", "-version"):
        latest.setdefault(entry.key, entry)
    return list(latest.values())


def guide_families(*, agency) -> list[Family]:
    """Homeward's families and the agency's entries in force. Text about a child is checked with
    its responsible council's guide, whoever writes or reads it: the council answers for its record."""
    own = [
        Family(
            id=f"{agency.code}:{entry.key}",
            label=entry.label,
            patterns=tuple(entry.pattern_lines()),
            why=entry.why,
            instead=tuple(entry.instead_lines()),
            source=agency.name,
            version=entry.version,
        )
        for entry in guide_entries_current(agency=agency)
        if entry.active
    ]
    return [*FAMILIES, *own]


def child_guide_families(child) -> list[Family]:
    """The families that apply to text about this child, whoever wrote it: its responsible council's
    entries in force and Homeward's; Homeward's alone for text about no child. One read (of the
    council's entries): a page that marks text about a child reads them once, in its view, and hands
    them to every language_marked on the page."""
    return guide_families(agency=child.responsible_authority if child is not None else None)


# Who sees the patterns: an agency's managers see their own people's writing. A council's managers
# also see what every agency wrote about the council's children, and so do the integrated care
# board's for the councils it serves: with the police, the statutory safeguarding partners
# (Children Act 2004 s16E), whose partnership's view this is.
PATTERN_READERS = {
    AgencyKind.LOCAL_AUTHORITY: {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR},
    AgencyKind.POLICE: {Role.POLICE_COORDINATOR},
    AgencyKind.PROVIDER: {Role.PROVIDER_MANAGER},
    AgencyKind.ICB: {Role.DESIGNATED_NURSE, Role.HEALTH_SAFEGUARDING_LEAD},
}
# A team's figures are shown only when at least this many of its people wrote in the month, so that
# no figure points at one person; a smaller team's are in its agency's total.
MIN_TEAM_WRITERS = 5


def may_see_patterns(user) -> bool:
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.role in PATTERN_READERS.get(user.agency.kind, set())
    )


def _require_reader(user) -> None:
    if not may_see_patterns(user):
        raise PermissionDenied("Only an agency's managers see how its people write.")


def _counts(rows: QuerySet) -> QuerySet:
    return rows.annotate(shown=Sum("shown"), reworded=Sum("reworded"), kept=Sum("kept"))


def phrase_patterns(*, user) -> list[dict]:
    """Per month, writing agency and family: how often phrases were shown, then reworded or kept.
    Counts only, never a person. Refused (PermissionDenied) to anyone but the managers above."""
    _require_reader(user)
    condition = Q(agency=user.agency)
    if user.agency.kind == AgencyKind.LOCAL_AUTHORITY:
        condition |= Q(authority=user.agency)
    elif user.agency.kind == AgencyKind.ICB:
        condition |= Q(authority__in=user.agency.councils_served.all())
    rows = _counts(PhraseTally.objects.filter(condition).values("month", "agency__name", "family").order_by()).order_by(
        "-month", "agency__name", "family"
    )
    return [
        {
            "month": r["month"],
            "agency": r["agency__name"],
            "family": r["family"],
            "shown": r["shown"],
            "reworded": r["reworded"],
            "kept": r["kept"],
        }
        for r in rows
    ]


def _writers(*, agency, since: datetime.date) -> dict[datetime.date, dict[str, set[int]]]:
    """Who of the agency's people wrote anything about a child (an audited create or update), per
    month from `since` and per their team ("" for none). Read from the audit log, which already
    holds who did what; only the numbers leave this function."""
    # An agency system's service account is not a person: its writing never hides or shows a team.
    teams = dict(User.objects.filter(agency=agency, is_service_account=False).values_list("pk", "team"))
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    events = (
        AuditEvent.objects.filter(user_id__in=list(teams), action__in=[Action.CREATE, Action.UPDATE], at__gte=start)
        .annotate(month=TruncMonth("at"))
        .values_list("month", "user_id")
        .distinct()
    )
    found: dict[datetime.date, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for month, user_id in events:
        found[timezone.localtime(month).date()][teams[user_id]].add(user_id)
    return found


def phrase_patterns_by_team(*, user) -> dict[datetime.date, dict]:
    """The user's own agency's figures per month, team and family, for each team at least
    MIN_TEAM_WRITERS of whose people wrote that month; the rest are only in the agency's total.
    Smaller teams shown are folded in too while the people outside the teams shown number 1 to 4,
    or the agency's total less the teams shown would point at them. Per month: {"teams": [rows],
    "folded": how many teams are in the agency total only}."""
    _require_reader(user)
    rows = list(
        _counts(
            PhraseTally.objects.filter(agency=user.agency).exclude(team="").values("month", "team", "family").order_by()
        ).order_by("-month", "team", "family")
    )
    if not rows:
        return {}
    writers = _writers(agency=user.agency, since=min(r["month"] for r in rows))
    months: dict[datetime.date, dict] = {}
    for month in sorted({r["month"] for r in rows}, reverse=True):
        people = writers.get(month, {})
        everyone = set().union(*people.values()) if people else set()
        teams = {r["team"] for r in rows if r["month"] == month}
        shown = {team for team in teams if len(people.get(team, ())) >= MIN_TEAM_WRITERS}
        while shown:
            rest = everyone - set().union(*(people[team] for team in shown))
            if not rest or len(rest) >= MIN_TEAM_WRITERS:
                break
            shown.remove(min(shown, key=lambda team: (len(people[team]), team)))
        months[month] = {
            "teams": [
                {k: r[k] for k in ("team", "family", "shown", "reworded", "kept")}
                for r in rows
                if r["month"] == month and r["team"] in shown
            ],
            "folded": len(teams - shown),
        }
    return months
