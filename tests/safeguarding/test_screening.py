"""The SERAF-style screening: scoring exactly as domain.md gives it, the bands' edges, the indicators
that drove each grade, the history and the reassessment due list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.safeguarding import screening, selectors, services
from homeward.safeguarding.models import SafeguardingSettings, Screening

V = list(screening.VULNERABILITIES)  # 9, 1 point each
M = list(screening.MODERATE)  # 10, 1 point each
S = list(screening.SIGNIFICANT)  # 6, 5 points each in the last 6 months, 1 if only 6–12 months ago


def answers(vulnerabilities: int = 0, moderate: int = 0, recent: int = 0, older: int = 0) -> dict:
    chosen = {code: "yes" for code in V[:vulnerabilities]} | {code: "yes" for code in M[:moderate]}
    chosen |= {code: "last_6_months" for code in S[:recent]}
    chosen |= {code: "6_to_12_months" for code in S[recent : recent + older]}
    return chosen


@pytest.mark.parametrize(
    ("given", "score", "band"),
    [
        (answers(), 0, "not_at_risk"),
        (answers(vulnerabilities=5), 5, "not_at_risk"),
        (answers(vulnerabilities=5, moderate=1), 6, "mild"),
        (answers(recent=1), 5, "not_at_risk"),
        (answers(recent=1, moderate=1), 6, "mild"),
        (answers(recent=2), 10, "mild"),
        (answers(recent=2, vulnerabilities=1), 11, "moderate"),
        (answers(recent=3), 15, "moderate"),
        (answers(recent=3, moderate=1), 16, "significant"),
        (answers(vulnerabilities=9, moderate=10, recent=6), 49, "significant"),
    ],
)
def test_bands_and_their_edges(given, score, band):
    result = screening.grade(given)
    assert (result.score, result.band) == (score, band)


def test_a_significant_indicator_only_6_to_12_months_ago_counts_1_point():
    result = screening.grade(answers(older=6))
    assert result.score == 6 and result.band == "mild"
    assert {(d.code, d.points, d.when) for d in result.drivers} == {(code, 1, "6_to_12_months") for code in S}


def test_the_drivers_are_every_indicator_that_scored_most_points_first():
    result = screening.grade(
        {"neglect": "yes", "alcohol": "yes", "money_or_gifts": "last_6_months", "unexplained_injury": "6_to_12_months"}
    )
    assert [(d.code, d.section, d.points) for d in result.drivers] == [
        ("money_or_gifts", "significant", 5),
        ("neglect", "vulnerability", 1),
        ("alcohol", "moderate", 1),
        ("unexplained_injury", "significant", 1),
    ]
    assert result.drivers[0].label == "Unexplained money, gifts or phones"


def test_answers_are_checked():
    assert screening.validate({"neglect": "yes", "money_or_gifts": "last_6_months"}) == []
    assert screening.validate({"neglect": "last_6_months"}) == ["neglect: answer “yes” or leave it out."]
    assert screening.validate({"money_or_gifts": "yes"})[0].startswith("money_or_gifts: answer last_6_months")
    assert screening.validate({"horoscope": "yes"}) == ["horoscope is not an indicator."]


def test_the_three_tier_option_grades_a_child_of_13_with_one_significant_indicator_high():
    given = answers(recent=1)  # 5: not at risk on the score
    assert screening.grade(given, age=13).band == "not_at_risk"  # off unless the council turns it on
    result = screening.grade(given, age=13, young_child_significant_is_high=True)
    assert result.band == "significant" and "13 or under" in result.override and result.score == 5
    assert screening.grade(given, age=14, young_child_significant_is_high=True).band == "not_at_risk"
    assert screening.grade(answers(older=1), age=12, young_child_significant_is_high=True).band == "not_at_risk"
    assert screening.TIERS["significant"] == "High" and screening.TIERS["moderate"] == "Escalating"


@pytest.mark.parametrize(
    ("on", "due"),
    [
        (datetime.date(2026, 1, 15), datetime.date(2026, 4, 15)),
        (datetime.date(2026, 11, 30), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 11, 30), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 10, 31), datetime.date(2027, 1, 31)),
    ],
)
def test_reassessment_is_due_3_months_on(on, due):
    assert screening.reassess_due(on) == due


def test_recording_a_screening_scores_it_keeps_the_drivers_and_audits_it(world):
    record = services.screening_record(
        user=world.social_worker,
        why="safeguarding:screening",
        child=world.child.pk,
        answers=answers(vulnerabilities=2, moderate=1, recent=2) | {"isolation": ""},
        notes="Seen at home",
    )
    assert (record.score, record.band, record.age) == (13, "moderate", 14)
    assert [d["code"] for d in record.drivers] == [
        "missing_overnight",
        "older_controlling_adult",
        "neglect",
        "abuse",
        "staying_out_late",
    ]
    assert record.reassess_due == screening.reassess_due(timezone.localtime(record.screened_at).date())
    assert "isolation" not in record.answers
    audit = AuditEvent.objects.filter(object_type="screening").latest("id")
    assert (audit.action, audit.child_id, audit.detail) == ("create", world.child.pk, {"score": 13, "band": "moderate"})


def test_a_council_with_the_three_tier_rule_records_the_override(world):
    SafeguardingSettings.objects.create(authority=world.manchester, young_child_significant_is_high=True)
    record = services.screening_record(
        user=world.social_worker, why="test", child=world.child_at_home.pk, answers=answers(recent=1)
    )
    assert record.band == "significant" and record.age == 9 and record.override


def test_bad_answers_and_the_wrong_people_are_refused(world):
    with pytest.raises(ValidationError):
        services.screening_record(
            user=world.social_worker, why="test", child=world.child.pk, answers={"horoscope": "yes"}
        )
    for user in (world.police_officer, world.provider_staff, world.host_coordinator, world.inspector):
        with pytest.raises(PermissionDenied):
            services.screening_record(user=user, why="test", child=world.child.pk, answers={})
    with pytest.raises(Http404):
        services.screening_record(user=world.unrelated_social_worker, why="test", child=world.child.pk, answers={})
    assert not Screening.objects.exists()


def test_the_history_is_for_the_responsible_council_and_inspectors(world):
    first = services.screening_record(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        answers=answers(recent=1),
        screened_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=100),
    )
    second = services.screening_record(
        user=world.social_worker, why="test", child=world.child.pk, answers=answers(recent=3)
    )
    for user in (world.social_worker, world.inspector):
        _, _, history = selectors.screening_history(user=user, child_id=world.child.pk, why="test")
        assert history == [second, first]
    with pytest.raises(PermissionDenied):
        selectors.screening_history(user=world.police_officer, child_id=world.child.pk, why="test")
    with pytest.raises(Http404):
        selectors.screening_history(user=world.unrelated_social_worker, child_id=world.child.pk, why="test")


def test_the_reassessment_list_shows_each_childs_latest_screening_when_due(world):
    now = datetime.datetime.now(datetime.UTC)
    old = services.screening_record(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        answers={},
        screened_at=now - datetime.timedelta(days=100),
    )
    services.screening_record(
        user=world.social_worker,
        why="test",
        child=world.child_at_home.pk,
        answers={},
        screened_at=now - datetime.timedelta(days=100),
    )
    services.screening_record(
        user=world.social_worker, why="test", child=world.child_at_home.pk, answers={}
    )  # reassessed
    due = selectors.screenings_due(user=world.social_worker, why="test")
    assert due == [old] and due[0].overdue
    assert selectors.screenings_due(user=world.unrelated_social_worker, why="test") == []
    assert (
        selectors.screenings_due(user=world.host_coordinator, why="test") == []
    )  # host council: not theirs to reassess
    assert AuditEvent.objects.filter(
        object_type="screening", action="list", child_id=world.child.pk, why="test"
    ).exists()
