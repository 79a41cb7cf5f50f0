"""Health and education beside the shared world (issue 18): Manchester's integrated care board, an
NHS trust and its virtual school; Leeds's ICB; a Birmingham school with Amira on its roll (and
Kacper, who has left it); a Leeds school with the Leeds child. Import the fixture into a test module:
`from tests.partners import partners  # noqa: F401`.
"""

import datetime
from dataclasses import dataclass

import pytest

from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.children.services import enrolment_create
from tests.conftest import make_user


@dataclass
class Partners:
    icb: Agency  # NHS Greater Manchester ICB: serves Manchester
    trust: Agency  # a Manchester NHS trust
    virtual_school: Agency  # Manchester's
    school: Agency  # in Birmingham, near Amira's home
    leeds_icb: Agency
    leeds_school: Agency
    nurse: User  # the ICB's designated nurse for looked-after children
    named_nurse: User  # the trust's
    virtual_school_head: User
    school_lead: User  # the Birmingham school's designated safeguarding lead
    leeds_nurse: User
    leeds_school_lead: User


def _agency(code: str, kind: str, name: str, *serves: Agency, postcode: str = "") -> Agency:
    agency = Agency.objects.create(code=code, kind=kind, name=name, postcode=postcode)
    agency.councils_served.set(serves)
    return agency


@pytest.fixture
def partners(world) -> Partners:
    today = datetime.date.today()
    icb = _agency("QOP", AgencyKind.ICB, "NHS Greater Manchester Integrated Care Board", world.manchester)
    trust = _agency("R0A", AgencyKind.NHS_TRUST, "Manchester University NHS Foundation Trust", world.manchester)
    virtual_school = _agency("VS-E08000003", AgencyKind.VIRTUAL_SCHOOL, "Manchester Virtual School", world.manchester)
    leeds_icb = _agency("QWO", AgencyKind.ICB, "NHS West Yorkshire Integrated Care Board", world.leeds)
    school = _agency("103456", AgencyKind.SCHOOL, "Digbeth Academy", postcode="B1 1AA")
    leeds_school = _agency("107890", AgencyKind.SCHOOL, "Leeds City Academy", postcode="LS1 1UR")
    enrolment_create(
        user=world.social_worker,
        why="test",
        child=world.child,
        school=school,
        start_date=today - datetime.timedelta(days=90),
    )
    enrolment_create(
        user=world.social_worker,
        why="test",
        child=world.moved_child,
        school=school,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=30),
    )
    enrolment_create(
        user=world.unrelated_social_worker,
        why="test",
        child=world.leeds_child,
        school=leeds_school,
        start_date=today - datetime.timedelta(days=40),
    )
    return Partners(
        icb=icb,
        trust=trust,
        virtual_school=virtual_school,
        school=school,
        leeds_icb=leeds_icb,
        leeds_school=leeds_school,
        nurse=make_user(icb, Role.DESIGNATED_NURSE),
        named_nurse=make_user(trust, Role.NAMED_NURSE),
        virtual_school_head=make_user(virtual_school, Role.VIRTUAL_SCHOOL_HEAD),
        school_lead=make_user(school, Role.SCHOOL_SAFEGUARDING_LEAD),
        leeds_nurse=make_user(leeds_icb, Role.DESIGNATED_NURSE),
        leeds_school_lead=make_user(leeds_school, Role.SCHOOL_SAFEGUARDING_LEAD),
    )
