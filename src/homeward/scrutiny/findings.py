"""What the placement check shows the decision-maker, computed once and kept with the check (as JSON,
so the signed page shows what was seen then, whatever changes later).

Each part names no child other than the one being placed: the home's record and the area's
hotspots are counts.
"""

import datetime
import re
from collections import Counter
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from homeward.agencies.models import Agency, Role
from homeward.children.models import Child, Placement
from homeward.episodes.models import EXPLOITATION_INDICATORS, Episode, EpisodeUpdate, PhilomenaProfile, UpdateKind
from homeward.places import postcodes
from homeward.places.adjoining import AreaRelation
from homeward.places.services import PlacementGeography
from homeward.scrutiny.models import StaffTraining, TrainingTopic

# Episodes per resident-month nationally (DfE, children looked after 2024-25): 86,900 missing
# incidents in the year, about half of them from children's homes and semi-independent or supported
# accommodation, which hold about a seventh of the 81,770 children looked after.
_INCIDENTS, _LOOKED_AFTER, _RESIDENTIAL_SHARE_OF_CHILDREN = 86_900, 81_770, 1 / 7
RESIDENTIAL_TYPES = frozenset({"K1", "K2", "K3", "H5", "P2", "R1", "R2", "R5", "S1"})
NATIONAL_RATE = {
    True: round(_INCIDENTS * 0.5 / (_LOOKED_AFTER * _RESIDENTIAL_SHARE_OF_CHILDREN * 12), 3),  # about 0.31
    False: round(_INCIDENTS * 0.5 / (_LOOKED_AFTER * (1 - _RESIDENTIAL_SHARE_OF_CHILDREN) * 12), 3),  # about 0.05
}
REPEAT_EPISODES = 3  # a child missing this often from the home in the year counts as repeat missing
THEME_MIN_CHILDREN = 3
NEAR_MILES = 5  # a place in the child's own history this close to the placement is pointed out
# DfE 2023 (supported accommodation): children who frequently go missing should not be placed there.
FREQUENT_MISSING = (3, datetime.timedelta(days=90))
_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\b", re.IGNORECASE)


def _agency(agency: Agency | None) -> dict | None:
    return {"code": agency.code, "name": agency.name} if agency else None


def _miles(a: postcodes.Postcode | None, b: str) -> float | None:
    other = postcodes.lookup(b) if b else None
    return round(postcodes.distance_miles(a, other), 1) if a and other else None


def home_record(provider: Agency, *, placement_type: str, today: datetime.date) -> dict:
    """The home's last twelve months: residents, episodes per resident-month against the national
    rate for its kind of placement, children missing repeatedly from it."""
    since = today - datetime.timedelta(days=365)
    stays: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    resident_days = 0
    for child_id, start, end in (
        Placement.objects.filter(provider=provider, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=since))
        .values_list("child_id", "start_date", "end_date")
    ):
        start, end = max(start, since), min(end or today, today)
        if end > start:
            stays.setdefault(child_id, []).append((start, end))
            resident_days += (end - start).days
    per_child: Counter[int] = Counter()
    themes: dict[str, set[int]] = {}
    for child_id, started_at, indicators in Episode.objects.filter(
        child_id__in=stays, started_at__gte=timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    ).values_list("child_id", "started_at", "return_interview__exploitation_indicators"):
        day = timezone.localtime(started_at).date()
        if any(start <= day < end for start, end in stays[child_id]):
            per_child[child_id] += 1
            for code in indicators or ():
                themes.setdefault(code, set()).add(child_id)
    episodes = sum(per_child.values())
    months = resident_days / 30.4375
    rate = round(episodes / months, 3) if months else None
    national = NATIONAL_RATE[placement_type in RESIDENTIAL_TYPES]
    return {
        "name": provider.name,
        "urn": provider.code,
        "resident_months": round(months, 1),
        "residents_now": Placement.objects.current(today).filter(provider=provider).count(),
        "episodes": episodes,
        "rate": rate,
        "national_rate": national,
        "times_national": round(rate / national, 1) if rate is not None else None,
        "repeat_children": sum(1 for n in per_child.values() if n >= REPEAT_EPISODES),
        # What return interviews found, as themes across the home's children; a theme of fewer than
        # THEME_MIN_CHILDREN children is left out (interview findings are the child's, and few identify).
        "interview_themes": sorted(
            (
                {"theme": EXPLOITATION_INDICATORS.get(code, code), "children": len(ids)}
                for code, ids in themes.items()
                if len(ids) >= THEME_MIN_CHILDREN
            ),
            key=lambda t: (-t["children"], t["theme"]),
        ),
    }


def training_coverage(provider: Agency, *, on: datetime.date) -> list[dict]:
    """Per topic: how many of the home's recorded staff hold it in date on the day."""
    rows = list(StaffTraining.objects.filter(provider=provider).values_list("staff_name", "topic", "renewal_due_on"))
    staff = {name for name, *_ in rows}
    return [
        {
            "topic": topic.value,
            "label": topic.label,
            "staff": len(staff),
            "current": len({name for name, t, due in rows if t == topic and due >= on}),
        }
        for topic in TrainingTopic
    ]


def child_history(child: Child, *, placement: postcodes.Postcode | None) -> dict:
    """Where this child has gone missing to, been seen or found, and the places their Philomena
    profile names, each with its distance from the proposed placement."""
    seen: Counter[str] = Counter()
    for row in Episode.objects.filter(child=child).values_list(
        "last_seen_postcode", "last_known_postcode", "return_postcode"
    ):
        for code in {postcodes.normalise(c) for c in row if c} - {None}:
            seen[code] += 1
    for code in (
        EpisodeUpdate.objects.filter(episode__child=child, kind=UpdateKind.SIGHTING)
        .exclude(postcode="")
        .values_list("postcode", flat=True)
    ):
        if code := postcodes.normalise(code):
            seen[code] += 1
    places = [{"postcode": code, "times": n, "miles": _miles(placement, code)} for code, n in seen.most_common()]
    profile = PhilomenaProfile.objects.filter(child=child).order_by("-version").first()
    named = []
    if profile is not None:
        for source, text in (
            ("associates", profile.associates),
            ("addresses", profile.addresses),
            ("places frequented", profile.places_frequented),
        ):
            for raw in _POSTCODE_IN_TEXT.findall(text or ""):
                if code := postcodes.normalise(raw):
                    named.append({"postcode": code, "source": source, "miles": _miles(placement, code)})
    near = [p for p in [*places, *named] if p["miles"] is not None and p["miles"] <= NEAR_MILES]
    return {"places": places[:10], "profile_places": named[:10], "near": near}


def _concern(c) -> dict:
    return {
        "about": f"{c.area_kind_label} {c.area}",
        "kind": c.kind_label,
        "agency": c.agency,
        "source": c.source,
        "review_on": c.review_on.isoformat() if c.review_on else None,
        "detail": c.detail,
    }


def _hotspot(h) -> dict:
    return {"sector": h.sector, "episodes": h.episodes, "children": h.children, "registered": h.registered}


def compute(
    *,
    user,
    child: Child,
    start_date: datetime.date,
    placement_type: str,
    provider: Agency | None,
    geography: PlacementGeography,
    relation: str,
) -> dict:
    from homeward.safeguarding.selectors import location_intelligence  # a reader of safeguarding's register

    today = timezone.localdate()
    placed = postcodes.lookup(geography.placement_postcode)
    warnings = []
    recent = Episode.objects.filter(child=child, started_at__gte=timezone.now() - FREQUENT_MISSING[1]).count()
    if placement_type == "K3" and recent >= FREQUENT_MISSING[0]:
        warnings.append(
            f"Missing {recent} times in the last 90 days: children who frequently go missing should not be "
            "placed in supported accommodation (DfE guidance, 2023)."
        )
    history = child_history(child, placement=placed)
    if history["near"]:
        warnings.append(
            f"{len(history['near'])} place(s) from the child's own missing history or profile are within "
            f"{NEAR_MILES} miles of this placement."
        )
    home = home_record(provider, placement_type=placement_type, today=today) if provider else None
    if home and home["times_national"] and home["times_national"] >= 2:
        warnings.append(
            f"Children go missing from this home {home['times_national']} times as often as the national rate."
        )
    if user is None:
        # The system's check is run as the council's own system would run it, seeing what it may see.
        from homeward.agencies.services import service_account_get_or_create

        user = service_account_get_or_create(agency=child.responsible_authority, role=Role.MISSING_COORDINATOR)
    location = location_intelligence(user=user, postcode=geography.placement_postcode, provider=provider)
    concerns = [_concern(c) for c in location.concerns]
    if concerns:
        warnings.append(f"{len(concerns)} concern(s) about this home or area are on the location risk register.")
    assessment = location.assessment
    return {
        "geography": {
            "placement_postcode": geography.placement_postcode,
            "home_postcode": geography.home_postcode,
            "district": geography.district_code,
            "host": _agency(geography.host_authority),
            "force": _agency(geography.police_force),
            "relation": relation,
            "relation_label": AreaRelation(relation).label,
            "distance_miles": str(geography.distance_miles) if isinstance(geography.distance_miles, Decimal) else None,
        },
        "warnings": warnings,
        "home": home,
        "training": training_coverage(provider, on=start_date) if provider else [],
        "concerns": concerns,
        "hotspots": [
            _hotspot(h) for h in {h.sector: h for h in [*location.home_hotspots, *location.hotspots]}.values()
        ],
        "assessment": (
            {
                "assessed_on": assessment.assessed_on.isoformat(),
                "review_due_on": assessment.review_due_on.isoformat(),
                "overdue": location.assessment_overdue,
                "summary": assessment.summary,
            }
            if assessment
            else None
        ),
        "map": location.map,
        "child": history,
        "checked_on": today.isoformat(),
    }
