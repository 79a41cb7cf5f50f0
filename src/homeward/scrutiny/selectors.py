"""Reads of placement scrutiny, each starting from the one scoping function and audited."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Child, Placement
from homeward.children.selectors import child_lookup
from homeward.episodes.models import Episode
from homeward.scrutiny.models import TO_HOST, LeavingCareReview, PlacementCheck, Requirement, StaffTraining


def check_get(*, user, check_id: int | str, why: str) -> PlacementCheck:
    """A placement check, for those who may see its child (the refusal audited, as for the child)."""
    check = (
        PlacementCheck.objects.select_related(
            "child__responsible_authority", "host_authority", "police_force", "provider", "run_by", "placement"
        )
        .prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.select_related("done_by", "responded_by"))
        )
        .filter(pk=check_id)
        .first()
        if str(check_id).isdigit()
        else None
    )
    child = child_lookup(user=user, child_id=check.child_id if check else -1, why=why)
    audit_record(
        user=user, action=Action.READ, object_type="placement_check", object_id=check.pk, child_id=child.pk, why=why
    )
    return check


def checks_of(*, user, child: Child) -> QuerySet[PlacementCheck]:
    """A child's checks, newest first (the caller has looked the child up)."""
    return PlacementCheck.objects.filter(child=child, child__in=visible_children(user)).select_related(
        "host_authority", "provider"
    )


def host_requests(*, user, why: str) -> list[Requirement]:
    """Notices and consultations sent to the user's council about children placed, or to be placed, in
    its area by others: what the host council has been told and has to answer. A child not yet placed
    is described, not named (the council has no reason to see the child until it is placed there)."""
    if user.agency_id is None or user.agency.kind != AgencyKind.LOCAL_AUTHORITY:
        raise Http404("No such list.")
    rows = list(
        Requirement.objects.filter(kind__in=TO_HOST, done_at__isnull=False, placement_check__host_authority=user.agency)
        .select_related(
            "placement_check__child__responsible_authority", "placement_check__provider", "placement_check__placement"
        )
        .order_by("responded_at", "-done_at")[:200]
    )
    visible = set(
        visible_children(user).filter(pk__in={r.placement_check.child_id for r in rows}).values_list("pk", flat=True)
    )
    for row in rows:
        row.child_visible = row.placement_check.child_id in visible
        row.child_age = row.placement_check.child.age_on(row.placement_check.start_date)
    audit_record_many(
        user=user,
        action=Action.LIST,
        object_type="placement_requirement",
        why=why,
        items=[(r.pk, r.placement_check.child_id if r.child_visible else None) for r in rows],
    )
    return rows


def placed_in_area(*, user, why: str) -> list[dict]:
    """Every child placed in the user's council's area by another council now, with its episodes in
    the last year, its raised flags and the notices its council sent (the host council's view)."""
    if user.agency_id is None or user.agency.kind != AgencyKind.LOCAL_AUTHORITY:
        raise Http404("No such list.")
    today = timezone.localdate()
    year_ago = timezone.now() - timezone.timedelta(days=365)
    placements = (
        Placement.objects.current(today)
        .filter(host_authority=user.agency, child__in=visible_children(user))
        .exclude(child__responsible_authority=user.agency)
        .select_related("child__responsible_authority", "provider")
        .annotate(
            episodes_year=Count("child__episodes", filter=Q(child__episodes__started_at__gte=year_ago), distinct=True),
            missing_now=Exists(Episode.objects.filter(child=OuterRef("child"), returned_at__isnull=True)),
        )
        .order_by("-missing_now", "child__last_name", "child__first_name")
    )
    from homeward.safeguarding.models import FlagStatus, RiskFlag

    rows = list(placements[:500])
    flags: dict[int, list[str]] = {}
    for child_id, kind in RiskFlag.objects.filter(
        child_id__in=[p.child_id for p in rows], status=FlagStatus.RAISED
    ).values_list("child_id", "kind"):
        flags.setdefault(child_id, []).append(kind)
    notices = {}
    for requirement in Requirement.objects.filter(placement_check__placement__in=rows, kind__in=TO_HOST).select_related(
        "placement_check"
    ):
        notices.setdefault(requirement.placement_check.placement_id, []).append(requirement)
    audit_record_many(
        user=user, action=Action.LIST, object_type="child", why=why, items=[(p.child_id, p.child_id) for p in rows]
    )
    return [
        {"placement": p, "child": p.child, "flags": flags.get(p.child_id, []), "notices": notices.get(p.pk, [])}
        for p in rows
    ]


def host_request_get(*, user, requirement_id: int | str, why: str) -> Requirement:
    """A notice or consultation sent to the user's council, for it to answer; 404 for anyone else."""
    requirement = (
        Requirement.objects.select_related("placement_check__child__responsible_authority", "placement_check__provider")
        .filter(pk=requirement_id, kind__in=TO_HOST, done_at__isnull=False)
        .first()
        if str(requirement_id).isdigit()
        else None
    )
    # Asked of the scope even when it is not the council's: the child may be visible to it (placed).
    visible = visible_children(user).filter(pk=requirement.placement_check.child_id).exists() if requirement else False
    if requirement is None or requirement.placement_check.host_authority_id != user.agency_id:
        audit_record(
            user=user,
            action=Action.DENIED,
            object_type="placement_requirement",
            object_id=str(requirement_id)[:40],
            why=why,
        )
        raise Http404("No such notice or consultation.")
    requirement.child_visible = visible
    audit_record(
        user=user,
        action=Action.READ,
        object_type="placement_requirement",
        object_id=requirement.pk,
        child_id=requirement.placement_check.child_id if visible else None,
        why=why,
    )
    return requirement


def home_get(*, user, urn: str, why: str) -> Agency:
    """A children's home (or other provider), for its own staff, a council or force with a child placed
    there now, and a council that has checked a placement there. 404 for anyone else."""
    provider = Agency.objects.filter(kind=AgencyKind.PROVIDER, code=urn).first()
    placed_there = (
        visible_children(user).filter(placements__in=Placement.objects.current().filter(provider=provider)).exists()
        if provider
        else False
    )
    checked = (
        provider is not None
        and PlacementCheck.objects.filter(provider=provider, child__responsible_authority_id=user.agency_id).exists()
    )
    if provider is None or not (user.agency_id == provider.pk or placed_there or checked):
        audit_record(user=user, action=Action.DENIED, object_type="provider", object_id=str(urn)[:40], why=why)
        raise Http404("No such home.")
    audit_record(user=user, action=Action.READ, object_type="provider", object_id=provider.pk, why=why)
    return provider


def home_residents(*, user, provider: Agency, why: str) -> list[Placement]:
    """The home's children now, those the user may see (the home's own staff see all of them)."""
    rows = list(
        Placement.objects.current()
        .filter(provider=provider, child__in=visible_children(user))
        .select_related("child__responsible_authority")
        .order_by("child__last_name", "child__first_name")
    )
    audit_record_many(
        user=user, action=Action.LIST, object_type="child", why=why, items=[(p.child_id, p.child_id) for p in rows]
    )
    return rows


def home_training(provider: Agency) -> list[StaffTraining]:
    return list(StaffTraining.objects.filter(provider=provider).order_by("staff_name", "topic", "-completed_on"))


def leaving_care_reviews(*, user, child: Child) -> list[LeavingCareReview]:
    """The child's reviews before leaving care (the caller has looked the child up)."""
    return list(
        LeavingCareReview.objects.filter(child=child, child__in=visible_children(user)).select_related("recorded_by")
    )
