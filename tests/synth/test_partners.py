"""Health and education in the synthetic world (issue 18): 42 ICBs over England's councils, one
virtual school per council, and most looked-after children of school age on a school's roll;
deterministic from the seed, and loaded once however often the world is."""

import datetime

import pytest

from homeward.agencies.access import visible_children
from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.children.models import Child, Enrolment
from homeward.synth.files import world_read
from homeward.synth.loader import world_load
from homeward.synth.partners import ON_ROLL_SHARE, SCHOOL_AGES, _age
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each test loads a world


def test_the_world_gains_icbs_virtual_schools_and_schools_with_rolls(reference, small_world_dir):
    world = world_read(directory=small_world_dir)
    world_load(directory=small_world_dir)
    english = Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY, code__startswith="E")
    icbs = Agency.objects.filter(kind=AgencyKind.ICB).prefetch_related("councils_served")
    assert icbs.count() == 42
    # Every English council is served by exactly one ICB, and has its own virtual school.
    served = [council.pk for icb in icbs for council in icb.councils_served.all()]
    assert sorted(served) == sorted(english.values_list("pk", flat=True))
    assert Agency.objects.filter(kind=AgencyKind.VIRTUAL_SCHOOL).count() == english.count()
    assert all(
        vs.councils_served.get().code == vs.code.removeprefix("VS-")
        for vs in Agency.objects.filter(kind=AgencyKind.VIRTUAL_SCHOOL)[:20]
    )

    # Most children of school age still in care are on a roll, at a school in the area they live in now.
    in_care = set(
        Child.objects.filter(placements__end_date__isnull=True).values_list(
            "responsible_authority__code", "la_child_id"
        )
    )
    of_age = {
        (c.responsible_authority, c.la_child_id)
        for c in world.children
        if _age(c.date_of_birth, world.as_at) in SCHOOL_AGES
    } & in_care
    on_roll = Enrolment.objects.on_roll(world.as_at).select_related("child__responsible_authority")
    pupils = {(e.child.responsible_authority.code, e.child.la_child_id) for e in on_roll}
    assert pupils <= of_age
    assert ON_ROLL_SHARE - 0.1 < len(pupils) / len(of_age) <= 1
    assert Enrolment.objects.values("child").distinct().count() == Enrolment.objects.count()  # one school each

    # A school's lead sees its pupils only; the council's virtual school head sees all its children.
    school = Agency.objects.filter(kind=AgencyKind.SCHOOL).order_by("code").first()
    lead = make_user(school, Role.SCHOOL_SAFEGUARDING_LEAD)
    assert set(visible_children(lead)) == {e.child for e in Enrolment.objects.on_roll().filter(school=school)}
    council = Child.objects.order_by("pk").first().responsible_authority
    head = make_user(Agency.objects.get(code=f"VS-{council.code}"), Role.VIRTUAL_SCHOOL_HEAD)
    assert visible_children(head).count() == Child.objects.filter(responsible_authority=council).count()


def test_the_same_seed_gives_the_same_rolls_and_loading_again_adds_nothing(reference, small_world_dir):
    world_load(directory=small_world_dir)
    rolls = sorted(Enrolment.objects.values_list("child__la_child_id", "school__code", "start_date"))
    again = world_load(directory=small_world_dir)
    assert again["icbs"] == again["schools"] == again["enrolments"] == 0
    assert sorted(Enrolment.objects.values_list("child__la_child_id", "school__code", "start_date")) == rolls
    assert all(start <= datetime.date.today() for _, _, start in rolls)
