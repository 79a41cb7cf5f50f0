"""The Oxford case (Serious Case Review, Oxfordshire 2015): one girl went missing 126 times in 15
months. Homeward flags her at the configured repeat and keeps her flagged, with a strategy meeting
proposed once exploitation risk is known, and the flag names the episodes behind it."""

import datetime
import itertools

import pytest

from homeward.alerts.models import Alert
from homeward.safeguarding.models import FlagKind, RiskFlagEvent, StrategyMeeting
from tests.safeguarding.conftest import ago, flags_of

EPISODES = 126
GAPS = [2, 3, 5, 4]  # days between episodes: 126 of them span about 14.5 months


@pytest.mark.slow  # 126 episodes opened and closed through the services
def test_a_girl_missing_126_times_in_15_months_is_flagged_at_the_third_and_stays_flagged(world, story, team_manager):
    assert world.child.sex == "2"
    start = ago(days=445).replace(hour=15, minute=0)
    gaps = itertools.cycle(GAPS)
    episodes = []
    for number in range(1, EPISODES + 1):
        episodes.append(story.episode(start, hours=5))
        repeat = flags_of(world.child).get(FlagKind.REPEAT_MISSING)
        if number < 3:
            assert repeat is None, f"flagged after only {number} episodes"
        else:
            assert repeat is not None and repeat.is_raised, f"not flagged at episode {number}"
        if number == 3:
            first_three = ", ".join(f"#{e.pk}" for e in episodes)
            assert repeat.explanation.startswith("3 episodes in 30 days (3 or more raise this flag): ")
            assert f"(episodes {first_three})" in repeat.explanation
            assert repeat.facts["thresholds"][0] == {
                "episodes": 3,
                "days": 30,
                "episode_ids": [e.pk for e in episodes],
                "started": [e.started_at.isoformat() for e in episodes],
            }
        if number == 20:
            # Her return interview records what she said: an older "boyfriend", money and gifts.
            story.interview(episodes[-1], ["older_controlling_adult", "money_or_gifts"])
            [meeting] = StrategyMeeting.objects.filter(child=world.child)
            assert meeting.status == "proposed" and meeting.proposed_by is None
            assert "Repeat missing" in meeting.reason and "Exploitation indicators disclosed" in meeting.reason
        if number < 20:
            assert not StrategyMeeting.objects.filter(child=world.child).exists()
        start += datetime.timedelta(days=next(gaps))

    repeat = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    assert repeat.is_raised
    # Raised once, never lowered or raised again, through all 126.
    assert list(RiskFlagEvent.objects.filter(flag=repeat).values_list("action", "by")) == [("raise", None)]
    # The explanation names the latest run of episodes behind it, with their dates.
    window = repeat.facts["thresholds"][0]
    assert window["days"] == 30 and window["episode_ids"][-1] == episodes[-1].pk and len(window["episode_ids"]) >= 3
    assert f"#{episodes[-1].pk}" in repeat.explanation and f"#{episodes[-3].pk}" in repeat.explanation
    assert repeat.facts["episodes_on_record"] == EPISODES
    # One meeting proposed, not one per episode; the team manager was told.
    assert StrategyMeeting.objects.filter(child=world.child).count() == 1
    [alert] = Alert.objects.filter(recipient=team_manager, kind="strategy_meeting_proposed")
    assert alert.child_id == world.child.pk and world.child.first_name not in alert.subject
