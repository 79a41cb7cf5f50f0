"""Reads of episodes. Every one starts from the access-scoping function and audits what it shows.

`episodes_visible` is the building block (a queryset, not yet a read); the others are reads: they
audit each child's data they return, with `why` (the route, API endpoint or command).
"""

import datetime
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.fields import Field
from homeward.audit.models import Action
from homeward.audit.refusals import refuse
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Child, Placement
from homeward.children.selectors import child_lookup
from homeward.episodes import clocks, rules
from homeward.episodes.models import (
    Episode,
    EpisodeUpdate,
    PhilomenaProfile,
    PoliceReference,
    ReturnInterview,
    Kind,
    RiskGrade,
    RiskGrading,
    Status,
    UpdateKind,
)

# The board's order of attention: high risk first, then not yet graded (someone must grade it now),
# then medium, low and no apparent risk.
RISK_ORDER = [RiskGrade.HIGH, "", RiskGrade.MEDIUM, RiskGrade.LOW, RiskGrade.NO_APPARENT_RISK]
STATUSES = ("open", "returned", "closed", "all")


def episodes_visible(user) -> QuerySet:
    """Every episode of every child the user can see (agencies.access) through a reason that shows
    episodes (agencies.fields: not a school's), and no other."""
    return Episode.objects.filter(child__in=visible_children(user, showing=Field.EPISODES))


def child_missing_now(*, child: Child) -> Episode | None:
    """The child's open episode, for a reader shown only whether the child is missing now
    (agencies.fields.Field.MISSING_NOW): its kind and start, nothing else. The caller has read the
    child through the scope and audited it."""
    return Episode.objects.filter(child=child, returned_at__isnull=True).only("pk", "kind", "started_at").first()


def child_open_episode(*, user, child: Child) -> Episode | None:
    """The child's open episode, if the user may see it (the child's page links to it)."""
    return episodes_visible(user).filter(child=child, returned_at__isnull=True).only("pk", "kind").first()


def _current_placements() -> Prefetch:
    return Prefetch(
        "child__placements",
        queryset=Placement.objects.current()
        .select_related("provider", "host_authority", "police_force")
        .order_by("-start_date"),
        to_attr="current_placements",
    )


def _with_related(episodes: QuerySet) -> QuerySet:
    return episodes.select_related(
        "child__responsible_authority",
        "reporting_agency",
        "reported_by",
        "location_police_force",
        "return_interview__service",
    ).prefetch_related(Prefetch("police_references", queryset=PoliceReference.objects.select_related("force")))


def episode_list(*, user, why: str, status: str = "all", page: int | str = 1, per_page: int = 50) -> Page:
    """One page of the user's episodes, latest first; status open, returned, closed or all."""
    if status not in STATUSES:
        raise ValueError(status)  # callers validate the choice; this is a programming error
    episodes = episodes_visible(user)
    if status == Status.OPEN:
        episodes = episodes.filter(returned_at__isnull=True)
    elif status == Status.RETURNED:
        episodes = episodes.filter(returned_at__isnull=False, closed_at__isnull=True)
    elif status == Status.CLOSED:
        episodes = episodes.filter(closed_at__isnull=False)
    result = Paginator(_with_related(episodes.order_by("-started_at", "-id")), per_page).get_page(page)
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="episode",
        why=why,
        items=[(episode.pk, episode.child_id) for episode in result.object_list],
        detail={"status": status},
    )
    return result


def episode_lookup(*, user, episode_id: int | str, why: str, queryset: QuerySet[Episode] | None = None) -> Episode:
    """THE place a look-up of one episode is decided, for every door: the episode if the user may see
    its child, otherwise the refusal is audited as `denied` (under the child, when such an episode
    exists, so it shows in the child's access log) and Http404 raised. `queryset` shapes what is
    fetched (prefetches, a lock); the scope is applied to it here. Records no read."""
    base = queryset if queryset is not None else Episode.objects.select_related("child__responsible_authority")
    try:
        pk = int(episode_id)
    except (TypeError, ValueError):
        pk = None
    found = (
        base.filter(pk=pk, child__in=visible_children(user, showing=Field.EPISODES)).first() if pk is not None else None
    )
    if found is None:
        child_id = Episode.objects.filter(pk=pk).values_list("child_id", flat=True).first() if pk is not None else None
        refuse(user=user, object_type="episode", object_id=episode_id, child_id=child_id, why=why)
        raise Http404("No such episode.")
    return found


def episode_get(*, user, episode_id: int | str, why: str) -> Episode:
    """The episode with its references, gradings, kind changes, updates and interview; Http404 out of scope.

    Sets `episode.access_reasons` and `episode.interview_findings_visible` for the caller's use.
    """
    episode = episode_lookup(
        user=user,
        episode_id=episode_id,
        why=why,
        queryset=(
            _with_related(Episode.objects.all()).prefetch_related(
                Prefetch("risk_gradings", queryset=RiskGrading.objects.select_related("graded_by", "agency")),
                "kind_changes",
                Prefetch("updates", queryset=EpisodeUpdate.objects.select_related("by", "agency")),
                _current_placements(),
            )
        ),
    )
    episode.access_reasons = access_reasons(user, episode.child)
    episode.interview_findings_visible = rules.may_see_interview_findings(
        user, episode.access_reasons, getattr(episode, "return_interview", None)
    )
    audit_record(
        user=user, action=Action.READ, object_type="episode", object_id=episode.pk, child_id=episode.child_id, why=why
    )
    return episode


# ---------------------------------------------------------------------------------------------
# The live board
# ---------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    episode: Episode  # with child, responsible authority, location force, police references, current placement
    missing_for: datetime.timedelta
    next_review_at: datetime.datetime  # when the risk grade is next due for review (now, if ungraded)
    review_overdue: bool

    @property
    def child(self) -> Child:
        return self.episode.child

    @property
    def placement(self) -> Placement | None:
        placements = getattr(self.episode.child, "current_placements", [])
        return placements[0] if placements else None


@dataclass
class Board:
    rows: list[BoardRow]
    total: int  # open episodes the user can see
    matched: int  # of those, the ones the filters keep; rows holds at most `limit` of them
    at: datetime.datetime  # the moment the clocks were read


def _visible_child_of_episode(user) -> Exists:
    # Driven from the few open episodes (partial index), each checked against the scope, rather than
    # from every child the user can see: a large council or force sees tens of thousands of children.
    return Exists(visible_children(user, showing=Field.EPISODES).filter(pk=OuterRef("child_id")))


def board(
    *,
    user,
    why: str,
    kinds: list[str] | None = None,
    risk_grades: list[str] | None = None,
    limit: int = 500,
    now: datetime.datetime | None = None,
) -> Board:
    """Children missing or away now, that the user can see: high risk first, then ungraded, then the
    rest by grade; within a grade the longest missing first. With the clocks (clocks.py).

    `kinds` and `risk_grades` (RiskGrade values, "" for not yet graded) narrow it in the query, so the
    limit applies to the episodes that match."""
    now = now or timezone.now()
    open_episodes = Episode.objects.filter(_visible_child_of_episode(user), returned_at__isnull=True)
    matching = open_episodes
    if kinds:
        matching = matching.filter(kind__in=kinds)
    if risk_grades:
        matching = matching.filter(risk_grade__in=risk_grades)
    ordered = matching.annotate(
        risk_order=Case(
            *[When(risk_grade=grade, then=Value(rank)) for rank, grade in enumerate(RISK_ORDER)],
            default=Value(len(RISK_ORDER)),
            output_field=IntegerField(),
        )
    ).order_by("risk_order", "started_at", "id")
    episodes = list(
        ordered.select_related(
            "child__responsible_authority", "location_police_force", "reporting_agency"
        ).prefetch_related(
            Prefetch("police_references", queryset=PoliceReference.objects.select_related("force")),
            _current_placements(),
        )[:limit]
    )
    matched = len(episodes) if len(episodes) < limit else matching.count()
    total = open_episodes.count() if kinds or risk_grades else matched
    rows = []
    for episode in episodes:
        review = clocks.next_risk_review(
            grade=episode.risk_grade, graded_at=episode.risk_graded_at, reported_at=episode.reported_at
        )
        rows.append(
            BoardRow(
                episode=episode,
                missing_for=now - episode.started_at,
                next_review_at=review,
                review_overdue=review <= now,
            )
        )
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="episode",
        why=why,
        items=[(e.pk, e.child_id) for e in episodes],
        detail={"board": True},
    )
    return Board(rows=rows, total=total, matched=matched, at=now)


@dataclass
class InterviewRow:
    interview: ReturnInterview  # with episode, child and service
    due_at: datetime.datetime
    overdue: bool

    @property
    def episode(self) -> Episode:
        return self.interview.episode

    @property
    def child(self) -> Child:
        return self.interview.episode.child


def interviews_due(
    *,
    user,
    why: str,
    overdue_only: bool = False,
    upcoming_only: bool = False,
    limit: int = 500,
    now: datetime.datetime | None = None,
) -> list[InterviewRow]:
    """Return interviews not yet completed or declined, by due time (overdue first of all).

    The interviews page asks for the overdue and the upcoming ones apart (`overdue_only`,
    `upcoming_only`), so that interviews long overdue cannot fill the limit before today's."""
    now = now or timezone.now()
    interviews = ReturnInterview.objects.filter(
        Exists(visible_children(user, showing=Field.EPISODES).filter(pk=OuterRef("episode__child_id"))),
        closed_at__isnull=True,
    )
    if overdue_only:
        interviews = interviews.filter(due_at__lt=now)
    elif upcoming_only:
        interviews = interviews.filter(due_at__gte=now)
    interviews = list(
        interviews.select_related("episode__child__responsible_authority", "service").order_by("due_at", "id")[:limit]
    )
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="return_interview",
        why=why,
        items=[(i.pk, i.episode.child_id) for i in interviews],
    )
    return [InterviewRow(interview=i, due_at=i.due_at, overdue=i.due_at < now) for i in interviews]


def interviews_due_counts(*, user, now: datetime.datetime | None = None) -> dict[str, int]:
    """How many interviews the user can see are still to be held, and how many of those are overdue
    (counted in the database, whatever the list's limit)."""
    now = now or timezone.now()
    return ReturnInterview.objects.filter(
        Exists(visible_children(user, showing=Field.EPISODES).filter(pk=OuterRef("episode__child_id"))),
        closed_at__isnull=True,
    ).aggregate(due=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))


# ---------------------------------------------------------------------------------------------
# The child's timeline
# ---------------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # an UpdateKind value, or "profile" for a new Philomena profile version
    kind_label: str
    text: str
    by: str  # the person's name (or username for agency systems)
    agency: str  # the agency they acted for
    episode_id: int | None = None
    location: str = ""
    postcode: str = ""
    detail: dict = field(default_factory=dict)


@dataclass
class EpisodeSummary:
    """One line per episode for the timeline's summary (flat, so a long history stays fast)."""

    id: int
    kind: str
    kind_label: str
    status: str
    started_at: datetime.datetime
    reported_at: datetime.datetime
    returned_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    risk_grade: str
    risk_grade_label: str  # "Not yet graded" when blank
    police_references: list[str]
    interview_status: str  # "" before the return
    interview_due_at: datetime.datetime | None
    interview_held_at: datetime.datetime | None

    @property
    def duration(self) -> datetime.timedelta | None:
        return self.returned_at - self.started_at if self.returned_at else None


@dataclass
class Timeline:
    child: Child
    episodes: list[EpisodeSummary]  # this page's, latest first
    entries: list[TimelineEntry]  # this page's, oldest first
    page: Page  # of the child's episodes, newest first: page.paginator.count is how many there are in all
    has_open_episode: bool  # whichever page this is


# A child missing hundreds of times has thousands of entries: the timeline shows this many episodes
# (with their entries) a page, newest first, and links to older pages.
TIMELINE_EPISODES_PER_PAGE = 10


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _status(returned_at, closed_at) -> str:
    return Status.CLOSED if closed_at else Status.RETURNED if returned_at else Status.OPEN


def child_timeline(
    *, user, child_id: int | str, why: str, page: int | str = 1, per_page: int | None = None
) -> Timeline:
    """One page of a child's history: its newest episodes (page 1) or older ones, each with every
    update, risk grade and interview step, and the Philomena profile versions saved in the same span
    of time; with who did it and for which agency. Http404 when the child is out of scope.

    Read as flat rows (values), not model instances, and bounded by the page, so that a long
    history stays fast.
    """
    child = child_lookup(
        user=user, child_id=child_id, why=why, queryset=Child.objects.select_related("responsible_authority")
    )
    child_episodes = Episode.objects.filter(child=child)
    shown = Paginator(
        child_episodes.order_by("-started_at", "-id").values(
            "id",
            "kind",
            "started_at",
            "reported_at",
            "returned_at",
            "closed_at",
            "risk_grade",
            "return_interview__status",
            "return_interview__due_at",
            "return_interview__held_at",
        ),
        per_page or TIMELINE_EPISODES_PER_PAGE,
    ).get_page(page)
    rows = list(shown.object_list)
    ids = [e["id"] for e in rows]
    references: dict[int, list[str]] = {}
    for episode_id, force, reference in (
        PoliceReference.objects.filter(episode_id__in=ids)
        .order_by("added_at", "id")
        .values_list("episode_id", "force__code", "reference")
    ):
        references.setdefault(episode_id, []).append(f"{force} {reference}")
    kinds, grades = dict(Kind.choices), dict(RiskGrade.choices)
    episodes = [
        EpisodeSummary(
            id=e["id"],
            kind=e["kind"],
            kind_label=kinds[e["kind"]],
            status=_status(e["returned_at"], e["closed_at"]),
            started_at=e["started_at"],
            reported_at=e["reported_at"],
            returned_at=e["returned_at"],
            closed_at=e["closed_at"],
            risk_grade=e["risk_grade"],
            risk_grade_label=grades.get(e["risk_grade"], "Not yet graded"),
            police_references=references.get(e["id"], []),
            interview_status=e["return_interview__status"] or "",
            interview_due_at=e["return_interview__due_at"],
            interview_held_at=e["return_interview__held_at"],
        )
        for e in rows
    ]
    labels = dict(UpdateKind.choices)
    entries = [
        TimelineEntry(
            at=u["at"],
            kind=u["kind"],
            kind_label=labels.get(u["kind"], u["kind"]),
            text=u["text"],
            by=_name(u["by__first_name"], u["by__last_name"], u["by__username"]),
            agency=u["agency__name"],
            episode_id=u["episode_id"],
            location=u["location"],
            postcode=u["postcode"],
            detail=u["detail"],
        )
        for u in EpisodeUpdate.objects.filter(episode_id__in=ids)
        .order_by("at", "id")
        .values(
            "at",
            "kind",
            "text",
            "episode_id",
            "location",
            "postcode",
            "detail",
            "by__first_name",
            "by__last_name",
            "by__username",
            "agency__name",
        )
    ]
    # Profile versions go on the page whose span of time they fall in: from this page's oldest start
    # (the last page: from the beginning) to the start of the page before's oldest episode.
    profiles = PhilomenaProfile.objects.filter(child=child)
    if shown.has_next() and episodes:
        profiles = profiles.filter(created_at__gte=episodes[-1].started_at)
    if shown.has_previous():
        newer = child_episodes.order_by("-started_at", "-id").values_list("started_at", flat=True)[
            (shown.start_index() - 2)
        ]
        profiles = profiles.filter(created_at__lt=newer)
    for p in profiles.order_by("version").values(
        "version",
        "created_at",
        "created_by__first_name",
        "created_by__last_name",
        "created_by__username",
        "created_by__agency__name",
    ):
        entries.append(
            TimelineEntry(
                at=p["created_at"],
                kind="profile",
                kind_label="Philomena profile",
                text=f"Profile version {p['version']} saved.",
                by=_name(p["created_by__first_name"], p["created_by__last_name"], p["created_by__username"]),
                agency=p["created_by__agency__name"] or "",
                detail={"version": p["version"]},
            )
        )
    entries.sort(key=lambda e: e.at)  # stable: updates keep their recorded order at equal times
    has_open = (
        any(e.status == Status.OPEN for e in episodes) or child_episodes.filter(returned_at__isnull=True).exists()
    )
    audit_record(
        user=user,
        action=Action.READ,
        object_type="child_timeline",
        object_id=child.pk,
        child_id=child.pk,
        why=why,
        detail={"page": shown.number},
    )
    return Timeline(child=child, episodes=episodes, entries=entries, page=shown, has_open_episode=has_open)


# ---------------------------------------------------------------------------------------------
# Philomena profile and the briefing sheet
# ---------------------------------------------------------------------------------------------


def _profile_child(user, child_id, why: str) -> Child:
    """The child, if the user may read its Philomena profile (police only during an open episode);
    a refusal of either is audited as `denied`."""
    child = child_lookup(user=user, child_id=child_id, why=why, queryset=Child.objects.all())
    has_open = Episode.objects.filter(child=child, returned_at__isnull=True).exists()
    if not rules.may_read_profile(user, access_reasons(user, child), has_open_episode=has_open):
        refuse(user=user, object_type="philomena_profile", object_id="", child_id=child.pk, why=why)
        raise Http404("No such profile.")
    return child


def philomena_profile_current(*, user, child_id: int | str, why: str) -> PhilomenaProfile | None:
    """The latest version of the child's Part A, or None if none has been written."""
    child = _profile_child(user, child_id, why)
    profile = (
        PhilomenaProfile.objects.filter(child=child).select_related("created_by__agency").order_by("-version").first()
    )
    if profile is not None:
        audit_record(
            user=user,
            action=Action.READ,
            object_type="philomena_profile",
            object_id=profile.pk,
            child_id=child.pk,
            why=why,
            detail={"version": profile.version},
        )
    return profile


def philomena_profile_versions(*, user, child_id: int | str, why: str) -> list[PhilomenaProfile]:
    """Every version, latest first (who changed what, when)."""
    child = _profile_child(user, child_id, why)
    versions = list(
        PhilomenaProfile.objects.filter(child=child).select_related("created_by__agency").order_by("-version")
    )
    audit_record(
        user=user,
        action=Action.READ,
        object_type="philomena_profile",
        object_id="",
        child_id=child.pk,
        why=why,
        detail={"versions": len(versions)},
    )
    return versions


@dataclass
class Photo:
    file: object  # an open file: stream it (FileResponse) and let it close
    content_type: str
    name: str


def philomena_photo(*, user, child_id: int | str, why: str, version: int | None = None) -> Photo:
    """The profile photo (of the latest version, or the one given), through the access check. Http404
    when the child, the version or the photo is not there for this user."""
    child = _profile_child(user, child_id, why)
    profiles = PhilomenaProfile.objects.filter(child=child)
    profile = profiles.filter(version=version).first() if version is not None else profiles.order_by("-version").first()
    if profile is None or not profile.photo:
        raise Http404("No photo.")
    audit_record(
        user=user,
        action=Action.READ,
        object_type="philomena_photo",
        object_id=profile.pk,
        child_id=child.pk,
        why=why,
        detail={"version": profile.version},
    )
    content_type = mimetypes.guess_type(profile.photo.name)[0] or "application/octet-stream"
    name = f"child-{child.pk}-v{profile.version}{Path(profile.photo.name).suffix}"
    return Photo(file=profile.photo.open("rb"), content_type=content_type, name=name)


# The briefing lists this many of the child's latest earlier episodes (the counts cover them all).
HISTORY_LISTED = 5


@dataclass
class MissingHistory:
    """The child's episodes before this one, as the record has them: counts by kind (each episode by
    its latest kind), in the 12 months before this one started and in all, and the latest few."""

    missing_last_year: int
    away_last_year: int
    missing_total: int
    away_total: int
    latest: list[Episode]  # latest first, at most HISTORY_LISTED

    @property
    def total(self) -> int:
        return self.missing_total + self.away_total


def _year_before(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year - 1)
    except ValueError:  # 29 February
        return local.replace(year=local.year - 1, day=28)


def missing_history(*, user, episode: Episode, why: str) -> MissingHistory:
    """The episodes of the child of `episode` (read through the scope) that started before it."""
    earlier = episodes_visible(user).filter(child=episode.child_id, started_at__lt=episode.started_at)
    since = _year_before(episode.started_at)
    counts = earlier.aggregate(
        missing_last_year=Count("pk", filter=Q(kind=Kind.MISSING, started_at__gte=since)),
        away_last_year=Count("pk", filter=Q(kind=Kind.AWAY, started_at__gte=since)),
        missing_total=Count("pk", filter=Q(kind=Kind.MISSING)),
        away_total=Count("pk", filter=Q(kind=Kind.AWAY)),
    )
    latest = list(earlier.order_by("-started_at", "-id")[:HISTORY_LISTED])
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="episode",
        object_id="",
        child_id=episode.child_id,
        why=why,
        detail={"earlier_than": episode.pk, "episodes": [e.pk for e in latest]},
    )
    return MissingHistory(latest=latest, **counts)


@dataclass
class Briefing:
    """What goes to the police with a report: the episode (Part B), the child's Part A and the
    child's missing history from the record."""

    episode: Episode
    child: Child
    profile: PhilomenaProfile | None
    placement: Placement | None
    history: MissingHistory


def episode_briefing(*, user, episode_id: int | str, why: str) -> Briefing:
    episode = episode_get(user=user, episode_id=episode_id, why=why)
    has_open = episode.is_open
    profile = None
    if rules.may_read_profile(user, episode.access_reasons, has_open_episode=has_open):
        profile = (
            PhilomenaProfile.objects.filter(child=episode.child)
            .select_related("created_by__agency")
            .order_by("-version")
            .first()
        )
        if profile is not None:
            audit_record(
                user=user,
                action=Action.READ,
                object_type="philomena_profile",
                object_id=profile.pk,
                child_id=episode.child_id,
                why=why,
                detail={"version": profile.version},
            )
    placements = getattr(episode.child, "current_placements", [])
    return Briefing(
        episode=episode,
        child=episode.child,
        profile=profile,
        placement=placements[0] if placements else None,
        history=missing_history(user=user, episode=episode, why=why),
    )
