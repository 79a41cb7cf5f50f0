"""Disproportionality (issue 11): first risk grades, interview offers and flags by ethnic group, age and
sex, beside all children's rates, on the dashboards, with their disclosure control."""

import datetime

import pytest

from homeward.children.models import Child
from homeward.episodes.services import episode_grade_risk
from homeward.reporting import dashboards
from homeward.reporting.disproportionality import disproportionality
from homeward.safeguarding.models import FlagStatus, RiskFlag
from tests.conftest import sign_in
from tests.reporting.test_dashboards import history, span  # noqa: F401 (the fixture)


@pytest.fixture
def graded(world, history):
    """Amira (Black African) first graded low, Jayden and Kacper (White British); Jayden graded high."""
    e1, _, e3, _, _ = history["episodes"]
    Child.objects.filter(pk=world.child.pk).update(ethnicity="BAFR")
    Child.objects.filter(pk__in=[world.child_at_home.pk, world.moved_child.pk]).update(ethnicity="WBRI")
    episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=e1,
        risk_grade="low",
        source="Call from staff",
        graded_at=e1.started_at + datetime.timedelta(hours=1),
    )
    episode_grade_risk(
        user=world.gmp_officer,
        why="test",
        episode=e3,
        risk_grade="high",
        source="Call from carer",
        graded_at=e3.started_at + datetime.timedelta(hours=1),
    )
    return history


def _by_group(rows) -> dict:
    return {row.group: row for row in rows}


def test_a_council_sees_each_groups_rates_beside_all_childrens(world, graded):
    scope = dashboards.dashboard_scope(user=world.social_worker, kind="council")
    figures = disproportionality(**span(scope, graded))
    everyone = figures["ethnicity"][0]
    assert everyone.group == "All children"
    assert (everyone.children, everyone.episodes, everyone.high_rate, everyone.low_rate, everyone.offered_rate) == (
        3,
        4,
        50.0,
        50.0,
        50.0,
    )
    flagged = RiskFlag.objects.filter(
        status=FlagStatus.RAISED, child__in=[world.child, world.child_at_home, world.moved_child]
    )
    assert everyone.flagged_rate == round(100 * flagged.values("child").distinct().count() / 3, 1)

    ethnicity = _by_group(figures["ethnicity"])
    assert list(ethnicity) == ["All children", "White", "Black, Black British, Caribbean or African"]
    white, black = ethnicity["White"], ethnicity["Black, Black British, Caribbean or African"]
    assert (white.children, white.episodes, white.high_rate, white.low_rate, white.offered_rate) == (
        2,
        2,
        100.0,
        0.0,
        0.0,
    )
    assert (black.children, black.episodes, black.high_rate, black.low_rate, black.offered_rate) == (
        1,
        2,
        0.0,
        100.0,
        100.0,
    )

    sex = _by_group(figures["sex"])
    assert (sex["Female"].episodes, sex["Male"].episodes) == (2, 2)
    age = _by_group(figures["age"])
    assert {group: row.children for group, row in age.items()} == {
        "All children": 3,
        "Under 10": 1,
        "14 and 15": 1,
        "16 and over": 1,
    }


def test_a_national_view_shows_no_small_cell_and_no_rate_built_on_one(world, graded):
    scope = dashboards.dashboard_scope(user=world.national_analyst, kind="national")
    for rows in disproportionality(**span(scope, graded)).values():
        for row in rows:
            assert (row.children, row.episodes, row.high_rate, row.low_rate, row.offered_rate, row.flagged_rate) == (
                None,
            ) * 6


def test_the_dashboard_page_shows_the_three_tables(client, world, graded):
    sign_in(client, world.social_worker)
    page = client.get("/reports/dashboard/", {"kind": "council", "since": graded["since"], "until": graded["until"]})
    text = page.content.decode()
    for name in ("ethnicity", "age", "sex"):
        assert f'data-testid="fairness-{name}"' in text
    assert "Black, Black British, Caribbean or African" in text and "Amira" not in text
    # Kacper's episode was never graded: his age band's grade rates have nothing to divide by ([z]),
    # which on a council's own page is never written as withheld ([c]).
    assert "[z]" in text and "[c]" not in text
