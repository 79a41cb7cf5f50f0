"""The calibration figures of a world, measured as the DfE measures them."""

import datetime
from collections import Counter, defaultdict

from homeward.episodes.clocks import RETURN_INTERVIEW_DUE_AFTER
from homeward.places.postcodes import distance_miles
from homeward.synth.geography import geography
from homeward.synth.generator.records import CHILDRENS_HOME, Placement, SECURE_HOME, World
from homeward.synth.generator.calibration import AGE_BANDS, _family
from homeward.synth.generator.drawing import _age_band, _age_on, lookup_postcode
from homeward.synth.generator.episodes import LONDON, RISK_GRADES, episode_window


def world_summary(world: World) -> dict[str, float]:
    geo = geography()
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    current = [p for p in world.placements if p.end_date is None]
    out_of_area = over_20 = over_50 = over_100 = homes = homes_out = 0
    types: Counter[str] = Counter()
    for placement in current:
        home, placed = lookup_postcode(placement.home_postcode), lookup_postcode(placement.placement_postcode)
        miles = distance_miles(home, placed)
        outside = geo.host_authority(placed) != placement.responsible_authority
        out_of_area += outside
        over_20 += miles > 20
        over_50 += miles > 50
        over_100 += miles > 100
        types[_family(placement.placement_type)] += 1
        if placement.placement_type in {"K1", "K2"}:
            homes += 1
            homes_out += outside
    # The DfE's snapshot: the children looked after on the day (not those who had left care before it).
    looked_after = [children[(p.responsible_authority, p.la_child_id)] for p in current]
    ages = Counter(_age_band(_age_on(c.date_of_birth, world.as_at)) for c in looked_after)

    def pct(part: float, whole: float) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    n = len(current)
    summary: dict[str, float] = {
        "providers": len(world.providers),
        "childrens_homes": sum(p.kind in {CHILDRENS_HOME, SECURE_HOME} for p in world.providers),
        "children": len(looked_after),
        "former_children": len(world.children) - len(looked_after),
        "child_names": len(world.child_names),
        "placements": len(world.placements),
        "male_pct": pct(sum(c.sex == "1" for c in looked_after), len(looked_after)),
        "white_pct": pct(sum(c.ethnicity.startswith("W") for c in looked_after), len(looked_after)),
        "out_of_area_pct": pct(out_of_area, n),
        "over_20_miles_pct": pct(over_20, n),
        "over_50_miles_pct": pct(over_50, n),
        "over_100_miles_pct": pct(over_100, n),
        "childrens_homes_out_of_area_pct": pct(homes_out, homes),
    }
    for family in ("foster", "home", "secure", "supported", "parents", "adoption", "other"):
        summary[f"{family}_pct"] = pct(types[family], n)
    for i, (low, high, _) in enumerate(AGE_BANDS):
        summary[f"age_{int(low)}_{int(high) - 1}_pct"] = pct(ages[i], len(looked_after))
    return summary


def world_children_now(world: World) -> int:
    """Children looked after on the snapshot day."""
    return sum(p.end_date is None for p in world.placements)


def episode_summary(world: World) -> dict[str, float]:
    """The episode calibration figures, over the year to the snapshot day (as the DfE counts them)."""
    start, end = episode_window(world.as_at, 1)
    children = {(c.responsible_authority, c.la_child_id): c for c in world.children}
    placements: dict[tuple[str, str], list[Placement]] = defaultdict(list)
    for placement in world.placements:
        placements[(placement.responsible_authority, placement.la_child_id)].append(placement)
    first_kind = {(c.responsible_authority, c.la_child_id, c.started_at): c.from_kind for c in world.kind_changes}
    first_grade: dict[tuple, str] = {}
    for grading in world.risk_gradings:
        first_grade.setdefault((grading.responsible_authority, grading.la_child_id, grading.started_at), grading.grade)
    regraded = Counter((g.responsible_authority, g.la_child_id, g.started_at) for g in world.risk_gradings)

    # Everyone looked after at some point in the year, as the DfE counts "went missing in the year".
    first_day, end_day = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    in_care = {
        (p.responsible_authority, p.la_child_id)
        for p in world.placements
        if p.start_date < end_day and (p.end_date is None or p.end_date > first_day)
    }
    year = [e for e in world.episodes if start <= e.started_at < end]
    per_child = Counter((e.responsible_authority, e.la_child_id) for e in year)
    ages, homes, short, away, told_missing, missing = Counter(), 0, 0, 0, 0, 0
    grades: Counter[str] = Counter()
    for e in year:
        key = (e.responsible_authority, e.la_child_id)
        day = e.started_at.astimezone(LONDON).date()
        age = _age_on(children[key].date_of_birth, day)
        ages["under_10" if age < 10 else "10_15" if age < 16 else "16_plus"] += 1
        placement = next(p for p in placements[key] if p.start_date <= day and (p.end_date is None or day < p.end_date))
        homes += placement.placement_type in {"K1", "K2", "K3"}
        short += e.returned_at is not None and e.returned_at - e.started_at <= datetime.timedelta(days=2)
        kind = first_kind.get((*key, e.started_at), e.kind)
        away += kind == "away"
        if kind == "missing":
            missing += 1
            told_missing += bool(e.police_force)
            if e.police_force and (*key, e.started_at) not in first_kind:
                grades[first_grade[(*key, e.started_at)]] += 1
    interviews = [i for i in world.return_interviews if start <= i.started_at < end]
    returned_at = {(e.responsible_authority, e.la_child_id, e.started_at): e.returned_at for e in world.episodes}
    held = [i for i in interviews if i.held_at is not None]
    within = sum(
        i.held_at <= returned_at[(i.responsible_authority, i.la_child_id, i.started_at)] + RETURN_INTERVIEW_DUE_AFTER
        for i in held
    )
    by_council: dict[str, list[bool]] = defaultdict(list)
    for interview in interviews:
        by_council[interview.responsible_authority].append(interview.offered_at is not None)
    offer_rates = sorted(sum(offers) / len(offers) for offers in by_council.values() if len(offers) >= 40)
    open_now = [e for e in world.episodes if e.returned_at is None]
    delays = sorted((e.reported_at - e.started_at).total_seconds() / 60 for e in year)

    def pct(part: float, whole: float) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    n, missing_children = len(year), len(per_child)
    graded = sum(grades.values())
    return {
        "episodes": len(world.episodes),
        "episodes_last_year": n,
        "children_looked_after_in_year": len(in_care),
        "children_missing_pct": pct(missing_children, len(in_care)),
        "episodes_per_missing_child": round(n / missing_children, 2) if missing_children else 0.0,
        "missing_more_than_once_pct": pct(sum(count > 1 for count in per_child.values()), missing_children),
        "children_over_50_episodes": sum(count > 50 for count in per_child.values()),
        "most_episodes_in_year": max(per_child.values(), default=0),
        "within_2_days_pct": pct(short, n),
        "childrens_home_or_supported_pct": pct(homes, n),
        "age_under_10_pct": pct(ages["under_10"], n),
        "age_10_15_pct": pct(ages["10_15"], n),
        "age_16_plus_pct": pct(ages["16_plus"], n),
        "away_pct": pct(away, n),
        "open_missing": sum(e.kind == "missing" for e in open_now),
        "open_away": sum(e.kind == "away" for e in open_now),
        "open_pct_of_children": pct(len(open_now), world_children_now(world)),
        "missing_told_police_pct": pct(told_missing, missing),
        **{f"grade_{grade}_pct": pct(grades[grade], graded) for grade in RISK_GRADES},
        "regraded_pct": pct(sum(count > 1 for count in regraded.values()), len(regraded)),
        "report_delay_median_minutes": round(delays[len(delays) // 2], 1) if delays else 0.0,
        "reported_over_a_day_late_pct": pct(sum(d > 24 * 60 for d in delays), n),
        "interview_offered_pct": pct(sum(i.offered_at is not None for i in interviews), len(interviews)),
        "interview_held_within_72h_pct": pct(within, len(held)),
        "council_offer_rate_min_pct": round(100 * offer_rates[0], 1) if offer_rates else 0.0,
        "council_offer_rate_max_pct": round(100 * offer_rates[-1], 1) if offer_rates else 0.0,
    }
