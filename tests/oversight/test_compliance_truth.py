"""The compliance figures of a synthetic year, measured against the truth the generator planted:
a world is generated, its duties planted (some late, some never done), loaded, and each duty's
figures computed by oversight.compliance for every council, as each council's analyst sees them."""

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from homeward.agencies.models import Agency, Role
from homeward.oversight.compliance import DUTIES, compliance_by_month
from homeward.synth.duties import duties_load, duties_plant, duties_truth
from homeward.synth.files import world_write
from homeward.synth.generator import world_generate
from homeward.synth.loader import world_load
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

AS_AT = datetime.date(2026, 3, 31)
FIRST = datetime.date(2025, 4, 1)  # the year to the snapshot day


@pytest.fixture
def measured_and_truth(reference, tmp_path):
    world = world_generate(seed=7, children=400, as_at=AS_AT)
    plan = duties_plant(world)
    world_write(world=world, directory=tmp_path)
    world_load(directory=tmp_path)
    duties_load(plan)
    truth = {key: t for key, t in duties_truth(world, plan, now=timezone.now()).items() if FIRST <= key[2] <= AS_AT}
    measured = {}
    for code in sorted({c.responsible_authority for c in world.children}):
        authority = Agency.objects.get(code=code)
        analyst = make_user(authority, Role.ANALYST)
        for month in compliance_by_month(user=analyst, authority=authority, first=FIRST, last=AS_AT):
            for figure in month.figures:
                measured[code, figure.duty.code, month.month] = figure
    return measured, truth


def _shares(pairs) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for duty, met, cases in pairs:
        totals[duty][0] += met
        totals[duty][1] += cases
    return {duty: (met, cases) for duty, (met, cases) in totals.items()}


def test_each_duty_is_within_a_point_of_the_planted_truth_in_every_council_and_month(measured_and_truth):
    measured, truth = measured_and_truth
    got = _shares((duty, f.numerator, f.denominator) for (_, duty, _), f in measured.items())
    planted = _shares((duty, t.met, t.cases) for (_, duty, _), t in truth.items())
    for duty in DUTIES:
        met, cases = planted[duty.code]
        # Planted late and missed: no duty is all met or all missed, so the comparison can fail.
        assert 0 < met < cases, duty.code
        measured_met, measured_cases = got[duty.code]
        assert measured_cases == cases, duty.code
        assert abs(100 * measured_met / measured_cases - 100 * met / cases) <= 1, duty.code

    # Council by council and month by month, the counts and the median times agree too.
    for (code, duty, month), t in truth.items():
        figure = measured[code, duty, month]
        assert (figure.numerator, figure.denominator) == (t.met, t.cases), (code, duty, month)
        assert figure.median == t.median, (code, duty, month)
    # No figure measured where the truth has no case.
    assert all(f.denominator == 0 for key, f in measured.items() if key not in truth)
