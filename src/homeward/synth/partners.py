"""Health and education for the synthetic world (issue 18): integrated care boards and their NHS
trusts, each council's virtual school, and schools with looked-after pupils on their rolls.

Calibrated to the national pattern:
- 42 integrated care boards cover England (Health and Care Act 2022), each over several councils.
  Here each police force's councils make one board (forces and ICBs follow much the same county
  lines) and the boards with most councils are split until there are 42 (London has five).
- one NHS trust beside each board, whose named nurse serves the same councils;
- one virtual school per council (Children and Families Act 2014 s99);
- most looked-after children of compulsory school age are on a school roll (ON_ROLL_SHARE), at a
  school in the area they live in now, a few looked-after pupils to a school (PUPILS_PER_SCHOOL).

Deterministic from the world's seed, and idempotent: agencies are keyed by code, enrolments written
through children.services.enrolments_write (keyed on child + school + start), the one door for them.
"""

import datetime
import math
import random
from collections import defaultdict

from django.db import transaction

from homeward.agencies.models import Agency, AgencyKind
from homeward.children.models import Child, Placement
from homeward.children.services import EnrolmentIn, enrolments_write
from homeward.places.models import District

ICB_COUNT = 42  # NHS England, since July 2022
# Compulsory school age: from the term after the fifth birthday to the end of year 11 (Education Act
# 1996 s8); counted here as 5 to 15 at the snapshot day.
SCHOOL_AGES = range(5, 16)
# DfE outcomes for children looked after: almost every looked-after pupil of school age is on a
# school roll; the rest are in custody, alternative provision or between schools.
ON_ROLL_SHARE = 0.95
PUPILS_PER_SCHOOL = 2  # looked-after pupils are spread thinly: one or two in most schools that have any
FIRST_URN = 140000  # synthetic DfE URNs (six digits), clear of the providers' Ofsted URNs (SC…)
_SCHOOL_WORDS = (
    "Oakfield Riverside Hillside St Mary's Parkview Northgate Westbrook Kingsway Meadowbank Highfield".split()
)


def _english_councils() -> list[Agency]:
    return list(Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY, code__startswith="E").order_by("code"))


def _icb_groups(councils: list[Agency]) -> list[list[Agency]]:
    """The councils of each police force, then the largest groups halved until there are 42."""
    force_of = dict(District.objects.filter(authority__in=councils).values_list("authority_id", "police_force__code"))
    by_force: dict[str, list[Agency]] = defaultdict(list)
    for council in councils:
        by_force[force_of.get(council.pk, council.code)].append(council)
    groups = [by_force[force] for force in sorted(by_force)]
    while len(groups) < ICB_COUNT and any(len(g) > 1 for g in groups):
        largest = max(range(len(groups)), key=lambda i: (len(groups[i]), -i))
        group = groups.pop(largest)
        half = len(group) // 2
        groups[largest:largest] = [group[:half], group[half:]]
    return groups


def _agency(code: str, kind: str, name: str, serves: list[Agency], existing: dict[str, Agency], made: list) -> Agency:
    agency = existing.get(code)
    if agency is None:
        agency = Agency.objects.create(code=code, kind=kind, name=name[:200])
        made.append(agency)
    agency.councils_served.set(serves)
    return agency


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _pupils(world, as_at: datetime.date) -> list[tuple[Child, Placement]]:
    """The world's children of compulsory school age with a current placement, in a fixed order."""
    keys = {
        (c.responsible_authority, c.la_child_id) for c in world.children if _age(c.date_of_birth, as_at) in SCHOOL_AGES
    }
    placements = (
        Placement.objects.filter(end_date__isnull=True, child__responsible_authority__code__in={k[0] for k in keys})
        .select_related("child__responsible_authority")
        .order_by("child__responsible_authority__code", "child__la_child_id")
    )
    return [(p.child, p) for p in placements if (p.child.responsible_authority.code, p.child.la_child_id) in keys]


@transaction.atomic
def partners_load(*, world, user=None) -> dict[str, int]:
    """ICBs, trusts and virtual schools for every English council; schools and their rolls for the
    world's children. Returns how many of each were created."""
    rng = random.Random(f"{world.seed}:partners")
    councils = _english_councils()
    existing = {
        a.code: a
        for a in Agency.objects.filter(
            kind__in=[AgencyKind.ICB, AgencyKind.NHS_TRUST, AgencyKind.VIRTUAL_SCHOOL, AgencyKind.SCHOOL]
        )
    }
    made: list[Agency] = []
    for number, group in enumerate(_icb_groups(councils), start=1):
        names = " and ".join(c.name for c in group[:2]) + (" and partners" if len(group) > 2 else "")
        _agency(f"ICB-{number:02d}", AgencyKind.ICB, f"NHS {names} Integrated Care Board", group, existing, made)
        _agency(
            f"TRUST-{number:02d}", AgencyKind.NHS_TRUST, f"{names} Community Health NHS Trust", group, existing, made
        )
    for council in councils:
        _agency(
            f"VS-{council.code}", AgencyKind.VIRTUAL_SCHOOL, f"{council.name} Virtual School", [council], existing, made
        )

    # Schools in the area each child lives in now, a few looked-after pupils to each.
    as_at = world.as_at
    year_start = datetime.date(as_at.year if as_at.month >= 9 else as_at.year - 1, 9, 1)
    by_area: dict[int, list[tuple[Child, Placement]]] = defaultdict(list)
    for child, placement in _pupils(world, as_at):
        if rng.random() < ON_ROLL_SHARE and placement.host_authority_id is not None:
            by_area[placement.host_authority_id].append((child, placement))
    areas = {a.pk: a for a in Agency.objects.filter(pk__in=by_area)}
    rows = []
    urn = FIRST_URN
    for area_id in sorted(by_area):
        pupils = by_area[area_id]
        schools = []
        for _ in range(math.ceil(len(pupils) / PUPILS_PER_SCHOOL)):
            name = f"{rng.choice(_SCHOOL_WORDS)} {rng.choice(['Academy', 'High School', 'Primary School', 'School'])}, {areas[area_id].name}"
            schools.append(_agency(str(urn), AgencyKind.SCHOOL, name, [], existing, made))
            urn += 1
        for child, placement in pupils:
            rows.append(
                EnrolmentIn(
                    child_id=child.pk,
                    school_id=rng.choice(schools).pk,
                    start_date=max(placement.start_date, year_start),
                )
            )
    enrolled = enrolments_write(user=user, why="synth load", rows=rows)
    kinds = [a.kind for a in made]
    return {
        "icbs": kinds.count(AgencyKind.ICB),
        "nhs_trusts": kinds.count(AgencyKind.NHS_TRUST),
        "virtual_schools": kinds.count(AgencyKind.VIRTUAL_SCHOOL),
        "schools": kinds.count(AgencyKind.SCHOOL),
        "enrolments": len(enrolled),
    }
