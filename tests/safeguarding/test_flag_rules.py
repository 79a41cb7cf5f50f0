"""Each default rule raises its flag with the facts named, and does not when the facts are absent.
Episodes are made through the real episode services; the rules run on their signals."""

import datetime

from homeward.audit.models import AuditEvent
from homeward.safeguarding import services
from homeward.safeguarding.models import FlagKind, RiskFlagEvent
from tests.safeguarding.conftest import ago, at, flags_of, raised


def _day(value) -> str:
    from homeward.safeguarding.rules import day

    return day(value)


def _moment(value) -> str:
    from homeward.safeguarding.rules import moment

    return moment(value)


# ---------------------------------------------------------------------------------------------
# Repeat missing
# ---------------------------------------------------------------------------------------------


def test_two_episodes_in_30_days_raise_nothing_and_the_third_raises_repeat_missing(world, story):
    first = story.episode(at(40, 15))
    second = story.episode(at(30, 15))
    assert FlagKind.REPEAT_MISSING not in raised(world.child)
    third = story.episode(at(20, 15))
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    assert flag.is_raised and flag.raised_by_rule
    dates = ", ".join(_day(e.started_at) for e in (first, second, third))
    assert flag.explanation.splitlines()[0] == (
        f"3 episodes in 30 days (3 or more raise this flag): {dates} (episodes #{first.pk}, #{second.pk}, #{third.pk})."
    )
    assert flag.evidence == sorted(f"episode:{e.pk}" for e in (first, second, third))
    [event] = RiskFlagEvent.objects.filter(flag=flag)
    assert event.by is None and event.action == "raise" and event.explanation == flag.explanation


def test_three_episodes_in_60_days_raise_it_on_the_90_day_threshold_only(world, story):
    episodes = [story.episode(at(days, 15)) for days in (70, 40, 10)]
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    assert flag.explanation.startswith("3 episodes in 90 days (3 or more raise this flag): ")
    assert [t["days"] for t in flag.facts["thresholds"]] == [90]
    assert flag.facts["thresholds"][0]["episode_ids"] == [e.pk for e in episodes]


def test_three_episodes_far_apart_raise_nothing(world, story):
    for days in (300, 200, 100):
        story.episode(at(days, 15))
    assert FlagKind.REPEAT_MISSING not in flags_of(world.child)


def test_away_episodes_count_too(world, story):
    from homeward.episodes import services as episodes

    for days in (20, 15):
        story.episode(at(days, 15))
    opened, _ = episodes.episode_open(
        user=world.social_worker, why="test", child=world.child.pk, kind="away", started_at=at(5, 15)
    )
    assert FlagKind.REPEAT_MISSING in raised(world.child)
    assert f"#{opened.pk}" in flags_of(world.child)[FlagKind.REPEAT_MISSING].explanation


# ---------------------------------------------------------------------------------------------
# Overnight, over 24 hours
# ---------------------------------------------------------------------------------------------


def test_still_missing_at_six_in_the_morning_is_overnight(world, story):
    episode = story.episode(at(10, 23, 30), hours=10)  # 23:30 to 09:30
    flag = flags_of(world.child)[FlagKind.MISSING_OVERNIGHT]
    assert flag.is_raised
    assert flag.explanation == (
        f"Missing overnight 1 time: from {_moment(at(10, 23, 30))}, still missing at {_moment(at(9, 6))} "
        f"(episode #{episode.pk})."
    )
    assert flag.facts == {"night_ends": "06:00", "episode_ids": [episode.pk]}


def test_the_whole_night_from_22_to_06_is_overnight(world, story):
    story.episode(at(10, 22), hours=8)
    assert FlagKind.MISSING_OVERNIGHT in raised(world.child)


def test_back_before_six_or_a_daytime_episode_is_not_overnight(world, story):
    # Recorded after the event, each was briefly an open episode begun days ago, which the rule
    # flagged; recording the return withdrew that fact, and the rule lowered the flag again.
    story.episode(at(10, 22), hours=7.5)  # back at 05:30
    story.episode(at(5, 9), hours=10)
    assert FlagKind.MISSING_OVERNIGHT not in raised(world.child)


def test_more_than_24_hours_raises_its_flag_and_23_does_not(world, story):
    story.episode(at(30, 9), hours=23)
    assert FlagKind.MISSING_OVER_24_HOURS not in raised(world.child)
    long = story.episode(at(10, 9), hours=25)
    flag = flags_of(world.child)[FlagKind.MISSING_OVER_24_HOURS]
    assert flag.explanation.startswith(
        f"Missing for more than 24 hours 1 time: 25 hours from {_moment(long.started_at)}"
    )
    assert f"episode #{long.pk}" in flag.explanation and flag.facts == {"hours": 24, "episode_ids": [long.pk]}


def test_a_child_still_missing_past_24_hours_is_flagged_while_the_episode_is_open(world, story):
    open_episode = story.episode(ago(hours=30), hours=None)
    flag = flags_of(world.child)[FlagKind.MISSING_OVER_24_HOURS]
    assert "so far, still missing" in flag.explanation and f"#{open_episode.pk}" in flag.explanation


# ---------------------------------------------------------------------------------------------
# Aged 13 or under
# ---------------------------------------------------------------------------------------------


def test_a_child_aged_13_or_under_is_flagged_with_the_age_and_the_episode(world, story):
    episode = story.episode(at(3, 15), child=world.child_at_home)  # Jayden is 9
    flag = flags_of(world.child_at_home)[FlagKind.YOUNG_CHILD]
    assert (
        flag.explanation
        == f"Aged 13 or under when missing or away 1 time: aged 9 on {_day(episode.started_at)} (episode #{episode.pk})."
    )
    assert flag.facts == {"max_age": 13, "episodes": [{"id": episode.pk, "age": 9}]}


def test_a_child_of_14_is_not(world, story):
    story.episode(at(3, 15))  # Amira is 14
    assert FlagKind.YOUNG_CHILD not in flags_of(world.child)


# ---------------------------------------------------------------------------------------------
# A place on the location risk register
# ---------------------------------------------------------------------------------------------


def _register(world, area_kind, area, **extra):
    return services.location_risk_add(
        user=extra.pop("by", world.police_officer),
        why="test",
        area_kind=area_kind,
        area=area,
        kind=extra.pop("kind", "cse_hotspot"),
        **extra,
    )


def test_found_in_a_flagged_postcode_sector_raises_the_location_flag_naming_the_place(world, story):
    entry = _register(world, "sector", "b1 1")
    assert entry.area == "B1 1"
    episode = story.episode(at(5, 15), return_postcode="B1 1AA")
    flag = flags_of(world.child)[FlagKind.EXPLOITATION_LOCATION]
    assert flag.explanation == (
        f"Found or returned at B1 1AA on {_day(episode.returned_at)} (episode #{episode.pk}): child sexual exploitation hotspot "
        "(postcode sector B1 1 on the register)."
    )
    assert flag.facts["matches"][0] | {"at": None} == {
        "episode_id": episode.pk,
        "where": "Found or returned",
        "place": "B1 1AA",
        "at": None,
        "register_id": entry.pk,
        "kind": "cse_hotspot",
    }


def test_last_seen_at_a_flagged_postcode_and_a_named_place_both_count(world, story):
    _register(world, "postcode", "M1 1AE", kind="county_lines")
    _register(world, "place", "Gloucester Green")
    story.episode(at(9, 15), postcode="M1 1AE")
    story.episode(at(5, 15), place="bus station, Gloucester Green")
    flag = flags_of(world.child)[FlagKind.EXPLOITATION_LOCATION]
    assert [m["where"] for m in flag.facts["matches"]] == ["Last seen", "Last seen"]
    assert (
        "county lines or criminal exploitation" in flag.explanation
        and "place name Gloucester Green" in flag.explanation
    )


def test_a_sighting_in_a_flagged_district_counts(world, story):
    from homeward.episodes import services as episodes

    _register(world, "district", "LS1")
    open_episode = story.episode(ago(hours=3), hours=None)
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)
    episodes.episode_add_update(
        user=world.police_officer,
        why="test",
        episode=open_episode.pk,
        kind="sighting",
        postcode="LS1 1UR",
        location="Near the station",
    )
    assert flags_of(world.child)[FlagKind.EXPLOITATION_LOCATION].explanation.startswith("Seen at LS1 1UR on ")


def test_a_place_elsewhere_or_an_entry_expired_before_the_episode_raises_nothing(world, story):
    entry = _register(
        world,
        "sector",
        "B1 1",
        starts_on=datetime.date.today() - datetime.timedelta(days=100),
        expires_on=datetime.date.today() - datetime.timedelta(days=50),
    )
    story.episode(at(20, 15), return_postcode="B1 1AA")  # after it expired
    story.episode(at(10, 15), return_postcode="M1 1AE")
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)
    assert entry.expires_on < datetime.date.today()


def test_a_place_added_to_the_register_later_flags_children_already_recorded_there(world, story):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)
    _register(world, "postcode", "B1 1AA")
    assert FlagKind.EXPLOITATION_LOCATION in raised(world.child)


def test_withdrawing_the_entry_lowers_the_flag_it_alone_raised(world, story):
    entry = _register(world, "postcode", "B1 1AA")
    story.episode(at(20, 15), return_postcode="B1 1AA")
    services.location_risk_withdraw(
        user=world.police_officer, why="test", entry=entry, reason="Entered for the wrong street"
    )
    flag = flags_of(world.child)[FlagKind.EXPLOITATION_LOCATION]
    assert flag.status == "lowered"
    last = flag.events.order_by("-id").first()
    assert (last.action, last.by, last.reason) == (
        "lower",
        None,
        "Lowered by the rule. The register entry behind it was withdrawn, or the places recorded were corrected.",
    )
    assert flag.explanation.startswith(
        "The register entry behind it was withdrawn, or the places recorded were corrected.\n"
        "It had been raised on these facts: Found or returned at B1 1AA"
    )
    audit = AuditEvent.objects.filter(object_type="risk_flag", object_id=str(flag.pk)).latest("id")
    assert (audit.username, audit.child_id, audit.detail["reason"]) == ("system", world.child.pk, last.reason)


# ---------------------------------------------------------------------------------------------
# Disclosed at a return interview; screening
# ---------------------------------------------------------------------------------------------


def test_indicators_disclosed_at_a_return_interview_raise_a_flag_that_counts_but_does_not_name_them(world, story):
    episode = story.episode(at(5, 15))
    story.interview(episode, ["older_controlling_adult", "money_or_gifts"])
    flag = flags_of(world.child)[FlagKind.EXPLOITATION_DISCLOSED]
    held = episode.returned_at + datetime.timedelta(hours=1)
    assert (
        flag.explanation
        == f"Exploitation indicators disclosed: 2 indicators at the interview held {_day(held)} after episode #{episode.pk}."
    )
    assert "boyfriend" not in flag.explanation.lower()
    assert flag.facts["interviews"][0]["indicators"] == ["older_controlling_adult", "money_or_gifts"]


def test_an_interview_without_indicators_raises_nothing(world, story):
    episode = story.episode(at(5, 15))
    story.interview(episode, [])
    assert FlagKind.EXPLOITATION_DISCLOSED not in flags_of(world.child)


MODERATE_ANSWERS = {
    "neglect": "yes",
    "isolation": "yes",
    "older_controlling_adult": "last_6_months",
    "alcohol": "yes",
    "drugs": "yes",
    "self_harm": "yes",
}  # 1 + 1 + 5 + 1 + 1 + 1 = 10: mild


def test_a_screening_of_moderate_raises_the_screening_flag_and_a_later_mild_one_lowers_it(world):
    first = services.screening_record(
        user=world.social_worker, why="test", child=world.child, answers=MODERATE_ANSWERS | {"staying_out_late": "yes"}
    )
    assert (first.score, first.band) == (11, "moderate")
    flag = flags_of(world.child)[FlagKind.SCREENING]
    assert flag.is_raised and flag.explanation.startswith(
        f"Exploitation screening on {_day(first.screened_at)} graded moderate (score 11)"
    )
    later = services.screening_record(user=world.social_worker, why="test", child=world.child, answers=MODERATE_ANSWERS)
    flag.refresh_from_db()
    assert later.band == "mild" and flag.status == "lowered"
    assert (
        flag.events.latest("id").reason
        == f"Lowered by the rule. The latest screening, on {_day(later.screened_at)}, graded mild (score 10)."
    )


def test_a_mild_screening_raises_nothing(world):
    services.screening_record(user=world.social_worker, why="test", child=world.child, answers=MODERATE_ANSWERS)
    assert FlagKind.SCREENING not in flags_of(world.child)


def test_a_child_with_no_episodes_has_no_flags(world):
    from homeward.safeguarding.services import risk_flags_evaluate

    assert risk_flags_evaluate(child=world.child) == {}


def test_a_fault_in_the_rules_never_stops_a_child_being_reported_missing(world, story, monkeypatch):
    from homeward.episodes.models import Episode
    from homeward.safeguarding import services as safeguarding
    from homeward.tasks.models import Task

    def broken(**kwargs):
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr(safeguarding, "risk_flags_evaluate", broken)
    episode = story.episode(at(2, 15), hours=None)
    assert Episode.objects.filter(pk=episode.pk).exists() and not flags_of(world.child)
    [retry] = Task.objects.filter(name="homeward.safeguarding.tasks.evaluate")
    assert retry.args == {"child_id": world.child.pk}
    monkeypatch.undo()
    from homeward.safeguarding.tasks import evaluate

    evaluate(child_id=world.child.pk)  # what the worker does with it
    assert FlagKind.MISSING_OVER_24_HOURS in raised(world.child)
