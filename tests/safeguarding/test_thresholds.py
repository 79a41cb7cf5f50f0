"""Each council sets its own thresholds (alerts.NotificationSettings.repeat_missing and
SafeguardingSettings); the same facts then raise, or do not raise, a flag."""

import pytest
from django.core.exceptions import ValidationError

from homeward.alerts.models import NotificationSettings
from homeward.safeguarding.models import FlagKind, SafeguardingSettings, StrategyMeeting
from homeward.safeguarding.services import screening_record
from tests.safeguarding.conftest import at, flags_of, raised
from tests.safeguarding.test_flag_rules import MODERATE_ANSWERS

MODERATE = MODERATE_ANSWERS | {"staying_out_late": "yes"}


def test_a_council_needing_4_in_30_days_is_not_flagged_at_3(world, story):
    NotificationSettings.objects.create(authority=world.manchester, repeat_missing=[{"episodes": 4, "days": 30}])
    for days in (25, 20, 15):
        story.episode(at(days, 15))
    assert FlagKind.REPEAT_MISSING not in flags_of(world.child)
    fourth = story.episode(at(10, 15))
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    assert (
        flag.explanation.startswith("4 episodes in 30 days (4 or more raise this flag): ")
        and f"#{fourth.pk}" in flag.explanation
    )


def test_a_council_counting_2_in_7_days_is_flagged_sooner_and_other_councils_keep_the_defaults(world, story):
    NotificationSettings.objects.create(authority=world.manchester, repeat_missing=[{"episodes": 2, "days": 7}])
    story.episode(at(10, 15))
    story.episode(at(6, 15))
    assert flags_of(world.child)[FlagKind.REPEAT_MISSING].facts["thresholds"][0]["days"] == 7
    # Leeds has not set its own: two episodes are not yet a repeat there.
    story.episode(at(10, 15), child=world.leeds_child, by=world.unrelated_social_worker)
    story.episode(at(6, 15), child=world.leeds_child, by=world.unrelated_social_worker)
    assert FlagKind.REPEAT_MISSING not in flags_of(world.leeds_child)


def test_a_council_with_a_12_hour_threshold_flags_a_13_hour_episode(world, story):
    SafeguardingSettings.objects.create(authority=world.manchester, long_missing_hours=12)
    story.episode(at(10, 8), hours=13)
    flag = flags_of(world.child)[FlagKind.MISSING_OVER_24_HOURS]
    assert flag.explanation.startswith("Missing for more than 12 hours 1 time: 13 hours") and flag.facts["hours"] == 12


def test_a_council_counting_under_16s_as_young_flags_a_14_year_old(world, story):
    SafeguardingSettings.objects.create(authority=world.manchester, young_child_max_age=15)
    story.episode(at(10, 15))
    assert flags_of(world.child)[FlagKind.YOUNG_CHILD].explanation.startswith(
        "Aged 15 or under when missing or away 1 time: aged 14"
    )


def test_a_council_proposing_meetings_on_repeat_missing_alone(world, story, team_manager):
    SafeguardingSettings.objects.create(authority=world.manchester, meeting_requires=[["repeat_missing"]])
    for days in (25, 20, 15):
        story.episode(at(days, 15))
    [meeting] = StrategyMeeting.objects.filter(child=world.child)
    assert meeting.reason.startswith(
        "Proposed by the rule: this council proposes a strategy meeting for repeat missing."
    )


def test_a_council_that_turns_automatic_proposals_off(world, story):
    SafeguardingSettings.objects.create(authority=world.manchester, meeting_requires=[])
    for days in (25, 20, 15):
        story.episode(at(days, 15))
    screening_record(user=world.social_worker, why="test", child=world.child, answers=MODERATE)
    assert {FlagKind.REPEAT_MISSING, FlagKind.SCREENING} <= raised(world.child)
    assert not StrategyMeeting.objects.exists()


def test_settings_are_validated(world):
    with pytest.raises(ValidationError):
        SafeguardingSettings(authority=world.manchester, meeting_requires=[["no_such_flag"]]).full_clean()
    with pytest.raises(ValidationError):
        SafeguardingSettings(authority=world.manchester, meeting_requires=[[]]).full_clean()
    SafeguardingSettings(authority=world.manchester, meeting_requires=[["repeat_missing", "screening"]]).full_clean()


def test_the_command_runs_the_rules_after_a_council_changes_its_thresholds(world, story):
    import io

    from django.core.management import call_command

    for days in (25, 20):
        story.episode(at(days, 15))
    assert FlagKind.REPEAT_MISSING not in flags_of(world.child)
    NotificationSettings.objects.create(authority=world.manchester, repeat_missing=[{"episodes": 2, "days": 30}])
    out = io.StringIO()
    call_command("flags_evaluate", authority=world.manchester.code, stdout=out)
    assert FlagKind.REPEAT_MISSING in raised(world.child)
    assert out.getvalue().startswith("children\t1\nflags raised\t")
