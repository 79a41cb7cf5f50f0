"""Reads of safeguarding records. Every one about a child starts from the access-scoping function
(agencies.access) and audits what it shows, with `why` (the route or command); a child the user
cannot see is Http404, as everywhere.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Substr, TruncDate
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.agencies.permissions import Permission, may
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Child, Enrolment, Placement
from homeward.children.selectors import child_lookup
from homeward.places import maps, postcodes
from homeward.safeguarding import permissions
from homeward.safeguarding.models import (
    OPEN_MEETING,
    AreaKind,
    FlagStatus,
    LocationAssessment,
    LocationRisk,
    MeetingAction,
    RiskFlag,
    RiskFlagEvent,
    SafeguardingSettings,
    Screening,
    StrategyMeeting,
)


def safeguarding_settings_for(authority: Agency | None) -> SafeguardingSettings:
    """The council's settings, or the shipped defaults (an unsaved row) if it has not set its own."""
    if authority is not None:
        found = SafeguardingSettings.objects.filter(authority=authority).first()
        if found is not None:
            return found
    return SafeguardingSettings(authority=authority)


def _pk(value) -> int:
    try:
        return int(value.pk if hasattr(value, "pk") else value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def child_in_scope(user, child_id, why: str) -> tuple[Child, list[str]]:
    """The child and the user's reasons to see it, or Http404 (the refusal audited by the one look-up)."""
    child = child_lookup(
        user=user, child_id=_pk(child_id), why=why, queryset=Child.objects.select_related("responsible_authority")
    )
    return child, access_reasons(user, child)


# ---------------------------------------------------------------------------------------------
# Risk flags
# ---------------------------------------------------------------------------------------------


@dataclass
class FlagSummary:
    raised: list[RiskFlag]
    lowered: list[RiskFlag]  # by a person
    open_meeting: StrategyMeeting | None


def risk_flag_summary(*, user, child: Child) -> FlagSummary:
    """For the child's page: its raised and lowered flags and any open strategy meeting. Not audited
    on its own: it is part of the child's record, whose reading the page has already audited."""
    flags = list(
        RiskFlag.objects.filter(child__in=visible_children(user), child=child.pk).exclude(status=FlagStatus.CLEARED)
    )
    meeting = StrategyMeeting.objects.filter(OPEN_MEETING, child__in=visible_children(user), child=child.pk).first()
    return FlagSummary(
        raised=[f for f in flags if f.is_raised],
        # Lowered by a person: kept in view. Lowered by the rule (its facts withdrawn): history only.
        lowered=[f for f in flags if f.status == FlagStatus.LOWERED and f.changed_by_id is not None],
        open_meeting=meeting,
    )


@dataclass
class ChildFlags:
    child: Child
    reasons: list[str]
    flags: list[RiskFlag]  # with their events, raised first
    may_change: bool
    may_see_findings: bool  # the indicators behind an exploitation_disclosed flag


def risk_flags_for_child(*, user, child_id, why: str) -> ChildFlags:
    child, reasons = child_in_scope(user, child_id, why)
    if not permissions.may_see_flags(user, reasons):
        raise PermissionDenied("Risk flags are for the agencies that act on the child's episodes.")
    events = RiskFlagEvent.objects.select_related("by__agency").order_by("-at", "-id")
    flags = sorted(
        RiskFlag.objects.filter(child=child).prefetch_related(Prefetch("events", queryset=events)),
        key=lambda f: (
            [FlagStatus.RAISED, FlagStatus.LOWERED, FlagStatus.CLEARED].index(f.status),
            -f.changed_at.timestamp(),
        ),
    )
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="risk_flag",
        object_id=child.pk,
        child_id=child.pk,
        why=why,
        detail={"flags": [f.pk for f in flags]},
    )
    # Interview findings go to the service, the responsible authority and inspectors (episodes.rules):
    # the indicators behind a flag are shown here to the last two only.
    findings = may(user, Permission.SEE_INTERVIEW_FINDINGS, reasons)
    return ChildFlags(child, reasons, flags, permissions.may_change_flags(user, reasons), findings)


def risk_flag_in_scope(user, child_id, flag_id, why: str) -> tuple[RiskFlag, list[str]]:
    child, reasons = child_in_scope(user, child_id, why)
    flag = RiskFlag.objects.select_for_update(of=("self",)).filter(child=child, pk=_pk(flag_id)).first()
    if flag is None:
        raise Http404("No such flag.")
    flag.child = child
    return flag, reasons


# ---------------------------------------------------------------------------------------------
# Screenings
# ---------------------------------------------------------------------------------------------


def _screenings_allowed(user, reasons: list[str]) -> None:
    if not permissions.may_see_screenings(user, reasons):
        raise PermissionDenied(
            "Exploitation screenings are seen by the council that looks after the child and its inspectors."
        )


def screening_history(*, user, child_id, why: str) -> tuple[Child, list[str], list[Screening]]:
    child, reasons = child_in_scope(user, child_id, why)
    _screenings_allowed(user, reasons)
    screenings = list(
        Screening.objects.filter(child=child).select_related("by", "agency").order_by("-screened_at", "-id")
    )
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="screening",
        object_id=child.pk,
        child_id=child.pk,
        why=why,
        detail={"screenings": [s.pk for s in screenings]},
    )
    return child, reasons, screenings


def screening_get(*, user, child_id, screening_id, why: str) -> tuple[Screening, list[str]]:
    child, reasons = child_in_scope(user, child_id, why)
    _screenings_allowed(user, reasons)
    found = Screening.objects.select_related("by", "agency").filter(child=child, pk=_pk(screening_id)).first()
    if found is None:
        raise Http404("No such screening.")
    found.child = child
    audit_record(user=user, action=Action.READ, object_type="screening", object_id=found.pk, child_id=child.pk, why=why)
    return found, reasons


def screenings_due(*, user, why: str, within_days: int = 14, today: datetime.date | None = None) -> list[Screening]:
    """Each child's latest screening whose reassessment falls due within `within_days` (or is overdue),
    soonest first: for the children the user sees as responsible authority or inspector."""
    today = today or timezone.localdate()
    if not user.is_authenticated or user.agency_id is None:
        return []
    children = visible_children(user)
    if user.role == Role.INSPECTOR:
        scope = children
    else:
        scope = children.filter(responsible_authority=user.agency_id)
    newer = Screening.objects.filter(child=OuterRef("child"), screened_at__gt=OuterRef("screened_at"))
    rows = list(
        Screening.objects.filter(child__in=scope, reassess_due__lte=today + datetime.timedelta(days=within_days))
        .exclude(Exists(newer))
        .select_related("child__responsible_authority")
        .order_by("reassess_due", "child_id")
    )
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="screening",
        why=why,
        items=[(s.pk, s.child_id) for s in rows],
        detail={"reassessment_due_by": (today + datetime.timedelta(days=within_days)).isoformat()},
    )
    for row in rows:
        row.overdue = row.reassess_due < today
    return rows


# ---------------------------------------------------------------------------------------------
# Strategy meetings
# ---------------------------------------------------------------------------------------------


def _meetings_seen_by(user, reasons: list[str], child: Child) -> QuerySet[StrategyMeeting]:
    meetings = StrategyMeeting.objects.filter(child=child)
    if may(user, Permission.SEE_EVERY_MEETING, reasons):
        return meetings
    return meetings.filter(Q(invited_agencies=user.agency_id) | Q(actions__owner=user)).distinct()


def strategy_meetings_for_child(*, user, child_id, why: str) -> tuple[Child, list[str], list[StrategyMeeting]]:
    child, reasons = child_in_scope(user, child_id, why)
    meetings = list(
        _meetings_seen_by(user, reasons, child).select_related("proposed_by").order_by("-proposed_at", "-id")
    )
    audit_record(
        user=user,
        action=Action.LIST,
        object_type="strategy_meeting",
        object_id=child.pk,
        child_id=child.pk,
        why=why,
        detail={"meetings": [m.pk for m in meetings]},
    )
    return child, reasons, meetings


def strategy_meeting_get(
    *, user, child_id, meeting_id, why: str, for_update: bool = False
) -> tuple[StrategyMeeting, list[str]]:
    child, reasons = child_in_scope(user, child_id, why)
    meetings = _meetings_seen_by(user, reasons, child).filter(pk=_pk(meeting_id))
    if for_update:
        # Locked through a plain query on the id found (DISTINCT cannot be locked on PostgreSQL).
        found_id = meetings.values_list("pk", flat=True).first()
        meeting = StrategyMeeting.objects.select_for_update().filter(pk=found_id).first() if found_id else None
    else:
        meeting = (
            meetings.select_related("proposed_by")
            .prefetch_related(
                "invited_agencies",
                Prefetch("actions", queryset=MeetingAction.objects.select_related("owner__agency", "done_by")),
            )
            .first()
        )
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.child = child
    if not for_update:
        audit_record(
            user=user,
            action=Action.READ,
            object_type="strategy_meeting",
            object_id=meeting.pk,
            child_id=child.pk,
            why=why,
        )
    return meeting, reasons


def action_owner_choices(meeting: StrategyMeeting) -> QuerySet[User]:
    """People who may own an action: active staff of an invited agency that can see the child now."""
    agencies = list(meeting.invited_agencies.all())
    people = User.objects.filter(agency__in=agencies, is_active=True, is_service_account=False).select_related("agency")
    return people.order_by("agency__name", "last_name", "first_name", "username")


def can_see_child(user, child: Child) -> bool:
    return visible_children(user).filter(pk=child.pk).exists()


@dataclass(frozen=True)
class _AnyoneAt:
    """Anyone at an agency in an ordinary role (not an inspector's grant, not a national analyst):
    asked of the access function to learn what the agency's own reasons let it see."""

    agency: Agency
    role: str = ""
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def agency_id(self) -> int:
        return self.agency.pk


def agency_may_see_child(agency: Agency | int, child: Child | int) -> bool:
    """Whether the agency has a reason (agencies.access.REASONS) to see the child now."""
    agency = agency if isinstance(agency, Agency) else Agency.objects.filter(pk=agency).first()
    if agency is None:
        return False
    return visible_children(_AnyoneAt(agency)).filter(pk=_pk(child)).exists()


def default_invitees(child: Child, *, now: datetime.datetime | None = None) -> list[Agency]:
    """The responsible council, the host council and police force of the current placement, the
    forces where the child's recent episodes were last known to be, the return interview service;
    and health and education (Working Together 2023): the integrated care boards serving the council,
    its virtual school, and the schools the child is on roll at."""
    from homeward.episodes.models import Episode, ReturnInterview
    from homeward.episodes.services import commissioned_service

    now = now or timezone.now()
    since = now - datetime.timedelta(days=90)
    ids: list[int] = [child.responsible_authority_id]
    for placement in Placement.objects.current().filter(child=child):
        ids += [placement.host_authority_id, placement.police_force_id]
    ids += (
        Episode.objects.filter(child=child)
        .filter(Q(returned_at__isnull=True) | Q(started_at__gte=since))
        .values_list("location_police_force", flat=True)
    )
    ids += ReturnInterview.objects.filter(episode__child=child).values_list("service", flat=True).distinct()
    rhi = commissioned_service(child.responsible_authority)
    ids.append(rhi.pk if rhi is not None else None)
    ids += (
        Agency.objects.filter(
            kind__in=[AgencyKind.ICB, AgencyKind.VIRTUAL_SCHOOL],
            councils_served=child.responsible_authority_id,
            active=True,
        )
        .order_by("kind", "pk")
        .values_list("pk", flat=True)
    )
    ids += Enrolment.objects.on_roll(timezone.localdate(now)).filter(child=child).values_list("school", flat=True)
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    found = {a.pk: a for a in Agency.objects.filter(pk__in=wanted)}
    return [found[i] for i in wanted if i in found]


def my_open_actions(user) -> QuerySet[MeetingAction]:
    """The user's actions not yet done, about children they can still see."""
    return MeetingAction.objects.filter(
        owner=user, done_at__isnull=True, meeting__child__in=visible_children(user)
    ).select_related("meeting__child")


# ---------------------------------------------------------------------------------------------
# The location risk register (not a child's data: places)
# ---------------------------------------------------------------------------------------------


def location_register(
    *, user=None, include_withdrawn: bool = False, today: datetime.date | None = None
) -> list[LocationRisk]:
    """The register, each entry with `in_force`, `home_name` (a children's home's) and, when `user` is
    given, `detail`: its description if the adding agency lets the user read it, else None."""
    today = today or timezone.localdate()
    entries = LocationRisk.objects.select_related("agency", "added_by")
    if not include_withdrawn:
        entries = entries.filter(withdrawn_at__isnull=True)
    rows = list(entries.order_by("area", "id"))
    homes = dict(
        Agency.objects.filter(
            kind="provider", code__in=[r.area for r in rows if r.area_kind == AreaKind.HOME]
        ).values_list("code", "name")
    )
    for row in rows:
        row.in_force = (
            row.withdrawn_at is None and row.starts_on <= today and (row.expires_on is None or row.expires_on > today)
        )
        row.home_name = homes.get(row.area, "") if row.area_kind == AreaKind.HOME else ""
        row.detail = row.description if user is not None and permissions.may_see_register_detail(user, row) else None
    return rows


# ---------------------------------------------------------------------------------------------
# Hotspots: where children in care go, counted per postcode sector (aggregates naming no child)
# ---------------------------------------------------------------------------------------------

# Small cells identify: a sector where one or two children went names them to anyone who knows the
# home or the area, so a sector is shown only when at least this many different children went there
# (the DfE and ONS suppress counts under 3 for the same reason).
HOTSPOT_MIN_CHILDREN = 3


@dataclass(frozen=True)
class Hotspot:
    sector: str  # "B1 1"
    episodes: int
    children: int
    easting: float  # the sector's centre (places.maps.sector_centre), not any one address
    northing: float
    registered: list[str]  # kinds of live register entries covering the sector: empty stands out


def _live_entries(today: datetime.date | None = None) -> QuerySet[LocationRisk]:
    today = today or timezone.localdate()
    return LocationRisk.objects.filter(withdrawn_at__isnull=True, starts_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=today)
    )


def _episodes_placed(*, provider, district: str | None, council, since: datetime.date) -> QuerySet:
    """Episodes since `since` of children whose placement when the episode started was with the
    provider, or had its postcode in the district, or was in the council's area."""
    from homeward.episodes.models import Episode

    start = datetime.datetime.combine(since, datetime.time(), tzinfo=timezone.get_default_timezone())
    placed = Q()
    if provider is not None:
        placed &= Q(provider=provider)
    if district:
        placed &= Q(placement_postcode__startswith=district.strip().upper() + " ")
    if council is not None:
        placed &= Q(host_authority=council)
    if not placed:
        raise ValueError("Give a provider, a district or a council.")
    at_the_time = Placement.objects.filter(
        placed, child=OuterRef("child_id"), start_date__lte=OuterRef("started_on")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("started_on")))
    # Narrowed first to the children placed so at some time since `since` (a placement that ended
    # before then was current for no episode counted), read as a list so that the database looks
    # their episodes up in the episode's (child, started_at) index rather than scanning every
    # episode of the year; then to the placement current on the day the episode started (Europe/London).
    children = list(
        Placement.objects.filter(placed)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=since))
        .order_by()
        .values_list("child_id", flat=True)
        .distinct()
    )
    return (
        Episode.objects.filter(started_at__gte=start, child_id__in=children)
        .annotate(started_on=TruncDate("started_at"))
        .filter(Exists(at_the_time))
    )


def _sector_of(field: str):
    # Postcodes are stored normalised ("B1 1AA"): the sector is all but the last two letters.
    return Substr(field, 1, Length(field) - 2)


def _places_sql(episodes: QuerySet) -> tuple[str, tuple]:
    """One row (sector, episode, child) for each place an episode records: last seen, found or
    returned, and each sighting. (A return interview records where the child went only in words, for
    the service and the council: not counted here.)"""
    from homeward.episodes.models import EpisodeUpdate, UpdateKind

    def rows(qs, field: str, episode: str, child: str):
        return qs.exclude(**{field: ""}).order_by().values(sector=_sector_of(field), e_id=F(episode), c_id=F(child))

    ids = episodes.values("pk")
    last_seen = rows(episodes.model.objects.filter(pk__in=ids), "last_seen_postcode", "pk", "child_id")
    returned = rows(episodes.model.objects.filter(pk__in=ids), "return_postcode", "pk", "child_id")
    sighted = rows(
        EpisodeUpdate.objects.filter(kind=UpdateKind.SIGHTING, episode__in=ids),
        "postcode",
        "episode_id",
        "episode__child_id",
    )
    return last_seen.union(returned, sighted, all=True).query.sql_with_params()


def _registered(sectors: list[str]) -> dict[str, list[str]]:
    """For each sector, the kinds of live register entries covering it (postcode, sector, district,
    or a children's home there). Place names are words, not areas: left out."""
    found: dict[str, set[str]] = {s: set() for s in sectors}
    if not sectors:
        return {}
    districts = {s.split(" ")[0] for s in sectors}
    near = (
        Q(area_kind=AreaKind.SECTOR, area__in=sectors)
        | Q(area_kind=AreaKind.DISTRICT, area__in=districts)
        | Q(area_kind=AreaKind.HOME)
    )
    for sector in sectors:
        near |= Q(area_kind=AreaKind.POSTCODE, area__startswith=sector)
    entries = list(_live_entries().filter(near).values_list("area_kind", "area", "kind"))
    homes = dict(
        Agency.objects.filter(kind="provider", code__in=[a for k, a, _ in entries if k == AreaKind.HOME]).values_list(
            "code", "postcode"
        )
    )
    for area_kind, area, kind in entries:
        if area_kind == AreaKind.HOME:
            code = postcodes.normalise(homes.get(area, ""))
            covers = [code[:-2]] if code else []
        elif area_kind == AreaKind.POSTCODE:
            covers = [area[:-2]]
        elif area_kind == AreaKind.DISTRICT:
            covers = [s for s in sectors if s.split(" ")[0] == area]
        else:
            covers = [area]
        for sector in covers:
            if sector in found:
                found[sector].add(kind)
    return {sector: sorted(kinds) for sector, kinds in found.items()}


def hotspots(
    *, provider=None, district: str | None = None, council=None, since: datetime.date, limit: int = 10
) -> list[Hotspot]:
    """The postcode sectors where most episodes of children placed with the provider (a home's
    hotspots), or in the postcode district or council's area (an area's), recorded a place: last
    seen, sighted, found. Counted in the database; sectors with fewer than HOTSPOT_MIN_CHILDREN
    children are left out. Aggregates naming no child: not audited as a read of a child's record."""
    from homeward.episodes.models import Episode

    # The episodes found once, as ids, rather than once for each kind of place _places_sql unions.
    ids = list(
        _episodes_placed(provider=provider, district=district, council=council, since=since).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return []
    sql, params = _places_sql(Episode.objects.filter(pk__in=ids))
    grouped = (
        f"SELECT u.sector, COUNT(DISTINCT u.e_id), COUNT(DISTINCT u.c_id) FROM ({sql}) u GROUP BY u.sector "
        f"HAVING COUNT(DISTINCT u.c_id) >= %s ORDER BY 2 DESC, 3 DESC, 1 LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(grouped, (*params, HOTSPOT_MIN_CHILDREN, int(limit)))
        rows = cursor.fetchall()
    registered = _registered([sector for sector, *_ in rows])
    found = []
    for sector, episodes, children in rows:
        centre = maps.sector_centre(sector)
        if centre is None:  # a sector since retired from the directory: nowhere to draw it
            continue
        found.append(Hotspot(sector, episodes, children, centre[0], centre[1], registered.get(sector, [])))
    return found


# ---------------------------------------------------------------------------------------------
# Location intelligence for a placement check
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concern:
    """A live register entry, as the asker may see it: `detail` is None unless the adding agency let
    them read it (LocationRisk.detail_visible_to); the rest everyone who asks sees."""

    entry_id: int
    kind: str
    kind_label: str
    area_kind: str
    area_kind_label: str
    area: str
    agency: str  # who added it: who to ask
    source: str
    starts_on: datetime.date
    review_on: datetime.date | None
    expires_on: datetime.date | None
    detail: str | None


@dataclass(frozen=True)
class LocationIntelligence:
    postcode: str  # normalised
    concerns: list[Concern]
    hotspots: list[Hotspot]  # of episodes from placements in the postcode's district
    home_hotspots: list[Hotspot]  # of episodes of children placed with the provider (empty without one)
    assessment: LocationAssessment | None  # the home's current location assessment
    assessment_overdue: bool
    map: str  # SVG centred on the postcode


def _concern(user, entry: LocationRisk) -> Concern:
    return Concern(
        entry.pk,
        entry.kind,
        entry.get_kind_display(),
        entry.area_kind,
        entry.get_area_kind_display(),
        entry.area,
        entry.agency.name,
        entry.source,
        entry.starts_on,
        entry.review_on,
        entry.expires_on,
        entry.description if permissions.may_see_register_detail(user, entry) else None,
    )


def location_concerns(*, user, postcode: str, provider: Agency | None = None) -> list[Concern]:
    """Live register entries about the home (its URN), the postcode, its sector or its district."""
    code = postcodes.normalise(postcode) or ""
    about = Q(pk__in=[])
    if provider is not None:
        about |= Q(area_kind=AreaKind.HOME, area=provider.code)
    if code:
        about |= (
            Q(area_kind=AreaKind.POSTCODE, area=code)
            | Q(area_kind=AreaKind.SECTOR, area=code[:-2])
            | Q(area_kind=AreaKind.DISTRICT, area=code.split(" ")[0])
        )
    entries = _live_entries().filter(about).select_related("agency").order_by("area_kind", "area", "id")
    return [_concern(user, entry) for entry in entries]


def location_assessment_current(provider: Agency | int) -> LocationAssessment | None:
    """The home's latest location risk assessment (its `overdue` says whether its yearly review has
    passed), or None if it has recorded none."""
    return (
        LocationAssessment.objects.filter(provider=_pk(provider))
        .select_related("recorded_by")
        .order_by("-assessed_on", "-id")
        .first()
    )


def may_ask_location_intelligence(user, provider: Agency | None) -> bool:
    """Councils and police (not national analysts: pseudonymised data only); a home asking about itself."""
    if not user.is_authenticated or user.agency_id is None or user.role == Role.NATIONAL_ANALYST:
        return False
    return permissions.may_see_register(user) or (provider is not None and provider.pk == user.agency_id)


def location_intelligence(
    *,
    user,
    postcode: str,
    provider: Agency | None = None,
    since: datetime.date | None = None,
    why: str = "placement check",
) -> LocationIntelligence:
    """What is known about a placement's location, for the placement check: register concerns about
    the home and its postcode, sector and district (detail as its agency allows); hotspots in the
    district and of the home's own children (aggregates, suppressed below 3 children); the home's
    location assessment; and a map of them, centred on the postcode. Audited (not a child's data)."""
    if not may_ask_location_intelligence(user, provider):
        raise PermissionDenied("Location intelligence is for councils, the police and the home itself.")
    found = postcodes.lookup(postcode or "")
    if found is None:
        raise ValidationError({"postcode": f"“{postcode}” is not a live postcode, like B1 1AA."})
    since = since or timezone.localdate() - datetime.timedelta(days=365)
    concerns = location_concerns(user=user, postcode=found.postcode, provider=provider)
    area = hotspots(district=found.outward, since=since)
    home = hotspots(provider=provider, since=since) if provider is not None else []
    assessment = location_assessment_current(provider) if provider is not None else None

    points = [
        maps.MapPoint(
            found.easting, found.northing, maps.HOME, provider.name if provider is not None else found.postcode
        )
    ]
    for spot in {h.sector: h for h in area + home}.values():
        points.append(
            maps.MapPoint(spot.easting, spot.northing, maps.HOTSPOT, f"{spot.sector}: {spot.episodes}", spot.episodes)
        )
    for concern in concerns:
        where = (
            found.postcode
            if concern.area_kind == AreaKind.HOME
            else concern.area
            if concern.area_kind == AreaKind.POSTCODE
            else None
        )
        place = postcodes.lookup(where) if where else None
        centre = (
            (place.easting, place.northing)
            if place
            else maps.sector_centre(concern.area)
            if concern.area_kind == AreaKind.SECTOR
            else None
        )
        if centre is not None:
            points.append(maps.MapPoint(centre[0], centre[1], maps.REGISTER, f"{concern.kind_label} ({concern.area})"))
    svg = maps.map_svg(
        centre=(found.easting, found.northing), points=points, title=f"Location intelligence around {found.postcode}"
    )

    audit_record(
        user=user,
        action=Action.READ,
        object_type="location_intelligence",
        object_id=found.postcode,
        why=why,
        detail={
            "provider": provider.code if provider is not None else "",
            "since": since.isoformat(),
            "concerns": [c.entry_id for c in concerns],
            "detail_shown": [c.entry_id for c in concerns if c.detail is not None],
        },
    )
    return LocationIntelligence(
        found.postcode, concerns, area, home, assessment, assessment is not None and assessment.overdue, svg
    )
