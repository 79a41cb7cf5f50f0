"""The SSDA903 split (episodes.ssda903_periods): an episode and its kind changes as Missing periods,
(MISSING, MIS_START, MIS_END) in local dates. Pure: no database."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from homeward.episodes import services
from homeward.episodes.models import Episode
from homeward.episodes.ssda903_periods import episode_parts, episode_periods, missing_periods, overlapping, overlaps


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2024) -> datetime.datetime:
    """A moment in Europe/London."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def day(month: int, day_: int, year: int = 2024) -> datetime.date:
    return datetime.date(year, month, day_)


def episode(kind: str, started_at, returned_at=None, *changes) -> tuple[SimpleNamespace, list[SimpleNamespace]]:
    """An episode and its kind changes, given as (at, to_kind); `kind` is the kind it started as."""
    kinds, made = [kind], []
    for moment, to_kind in changes:
        made.append(SimpleNamespace(at=moment, from_kind=kinds[-1], to_kind=to_kind))
        kinds.append(to_kind)
    return SimpleNamespace(kind=kinds[-1], started_at=started_at, returned_at=returned_at), made


def test_an_episode_with_no_change_is_one_period():
    assert episode_periods(*episode("missing", at(5, 1, 22), at(5, 3, 9))) == [("M", day(5, 1), day(5, 3))]
    assert episode_periods(*episode("away", at(5, 1, 22), at(5, 1, 23))) == [("A", day(5, 1), day(5, 1))]


def test_missing_then_away_then_missing_is_three_periods_split_at_each_change():
    periods = episode_periods(
        *episode(
            "missing",
            at(5, 1, 10),
            at(5, 6, 8),
            (at(5, 2, 12), "away"),
            (at(5, 4, 9), "missing"),
        )
    )
    assert periods == [("M", day(5, 1), day(5, 2)), ("A", day(5, 2), day(5, 4)), ("M", day(5, 4), day(5, 6))]


def test_the_first_part_takes_the_earliest_changes_from_kind_whatever_the_order_given():
    record, changes = episode("away", at(5, 1, 10), at(5, 5, 8), (at(5, 2, 12), "missing"), (at(5, 3, 12), "away"))
    assert record.kind == "away"
    periods = episode_periods(record, list(reversed(changes)))
    assert periods == [("A", day(5, 1), day(5, 2)), ("M", day(5, 2), day(5, 3)), ("A", day(5, 3), day(5, 5))]


def test_a_switch_on_the_day_it_started_makes_one_period_coded_as_the_longer_part():
    # Reported missing at 10:00, known by 11:00 to be at a friend's (away) until two days later: one
    # period from that date (the return is by date), coded A, what it mostly was.
    assert episode_periods(*episode("missing", at(5, 1, 10), at(5, 3, 18), (at(5, 1, 11), "away"))) == [
        ("A", day(5, 1), day(5, 3)),
    ]
    assert episode_periods(*episode("away", at(5, 1, 10), at(5, 3, 18), (at(5, 1, 11), "missing"))) == [
        ("M", day(5, 1), day(5, 3)),
    ]
    # Then a later change still makes its own period.
    assert episode_periods(
        *episode(
            "missing",
            at(5, 1, 10),
            at(5, 4, 18),
            (at(5, 1, 11), "away"),
            (at(5, 3, 7), "missing"),
        )
    ) == [("A", day(5, 1), day(5, 3)), ("M", day(5, 3), day(5, 4))]


def test_an_open_episode_has_no_end_and_its_open_part_counts_as_the_longest():
    assert episode_periods(*episode("missing", at(5, 1, 10))) == [("M", day(5, 1), None)]
    assert episode_periods(*episode("away", at(5, 1, 10), None, (at(5, 1, 10, 5), "missing"))) == [
        ("M", day(5, 1), None)
    ]
    assert episode_periods(*episode("away", at(5, 1, 10), None, (at(5, 2, 10), "missing"))) == [
        ("A", day(5, 1), day(5, 2)),
        ("M", day(5, 2), None),
    ]


def test_same_day_periods_of_two_episodes_make_one_row_per_start_date():
    first, second = episode("away", at(5, 1, 9), at(5, 1, 10)), episode("missing", at(5, 1, 14), at(5, 1, 20))
    parts = episode_parts(*first) + episode_parts(*second)
    assert missing_periods(parts) == [("M", day(5, 1), day(5, 1))]  # the longer was missing
    # One that ends on the day the next starts keeps its own row.
    third = episode("away", at(5, 2, 22), at(5, 3, 9))
    fourth = episode("missing", at(5, 3, 15), at(5, 4, 1))
    assert missing_periods(episode_parts(*third) + episode_parts(*fourth)) == [
        ("A", day(5, 2), day(5, 3)),
        ("M", day(5, 3), day(5, 4)),
    ]


def test_a_tie_goes_to_missing():
    parts = episode_parts(*episode("away", at(5, 1, 9), at(5, 1, 10))) + episode_parts(
        *episode("missing", at(5, 1, 14), at(5, 1, 15))
    )
    assert missing_periods(parts) == [("M", day(5, 1), day(5, 1))]


def test_dates_are_local_dates_in_england():
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time; in January UTC is local time.
    utc = datetime.UTC
    summer = SimpleNamespace(
        kind="missing",
        started_at=datetime.datetime(2024, 6, 30, 23, 30, tzinfo=utc),
        returned_at=datetime.datetime(2024, 7, 1, 23, 30, tzinfo=utc),
    )
    assert episode_periods(summer, []) == [("M", day(7, 1), day(7, 2))]
    winter = SimpleNamespace(
        kind="away", started_at=datetime.datetime(2024, 1, 31, 23, 30, tzinfo=utc), returned_at=None
    )
    assert episode_periods(winter, []) == [("A", day(1, 31), None)]


@pytest.mark.django_db
def test_the_overlap_rule_reads_the_same_on_records_in_hand_and_as_a_filter_on_episodes(world):
    # DfE rule 574 is written once: the report (a filter) and the importer (records in hand) ask it.
    now = timezone.now().replace(microsecond=0)
    hours = datetime.timedelta(hours=1)
    made = []
    for start, end in ((60, 50), (40, 30), (20, None)):  # hours ago: two closed episodes and one open
        episode, _ = services.episode_open(
            user=world.provider_staff, why="test", child=world.child.pk, kind="missing", started_at=now - start * hours
        )
        if end is not None:
            services.episode_record_return(
                user=world.provider_staff, why="test", episode=episode, returned_at=now - end * hours
            )
        made.append(Episode.objects.get(pk=episode.pk))
    for start in (70, 55, 50, 45, 35, 30, 25, 10):
        for end in (None, 65, 52, 48, 31, 15, 5):
            window = (now - start * hours, None if end is None else now - end * hours)
            if window[1] is not None and window[1] <= window[0]:
                continue
            in_hand = {e.pk for e in made if overlaps(e.started_at, e.returned_at, *window)}
            filtered = set(Episode.objects.filter(overlapping(*window), child=world.child).values_list("pk", flat=True))
            assert in_hand == filtered, (start, end)
