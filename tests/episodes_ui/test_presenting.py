"""The pieces the pages are made of: times typed by people, durations in words, the board's filter."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from homeward.episodes.forms import DateTimeField, parse_time
from homeward.episodes.presenters import BoardFilter, duration


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("14:30", (14, 30)),
        ("14.30", (14, 30)),
        ("1430", (14, 30)),
        ("930", (9, 30)),
        ("9", (9, 0)),
        ("00:05", (0, 5)),
        ("2:30pm", (14, 30)),
        ("2pm", (14, 0)),
        ("12am", (0, 0)),
        ("12:15 p.m.", (12, 15)),
        (" 7:05 AM ", (7, 5)),
    ],
)
def test_times_as_people_type_them(raw, expected):
    assert parse_time(raw) == datetime.time(*expected)


@pytest.mark.parametrize("raw", ["", "25:00", "14:60", "13pm", "noon", "14:3", "1:2:3"])
def test_what_is_not_a_time(raw):
    assert parse_time(raw) is None


def test_a_date_and_time_field():
    field = DateTimeField(what="when it happened")
    assert field.clean(["3", "2", "2025", "21:30"]) == datetime.datetime(2025, 2, 3, 21, 30)
    for parts, message in [
        (["", "", "", ""], "Enter when it happened"),
        (["3", "", "2025", "21:30"], "The date must include a month"),
        (["", "", "2025", "21:30"], "The date must include a day and a month"),
        (["30", "2", "2025", "21:30"], "The date must be a real date"),
        (["3", "2", "25", "21:30"], "The year must include 4 numbers"),
        (["3", "2", "2025", ""], "Enter the time"),
        (["3", "2", "2025", "9.75"], "The time must be a real time"),
    ]:
        with pytest.raises(ValidationError) as caught:
            field.clean(parts)
        assert message in caught.value.messages[0]
    assert DateTimeField(required=False).clean(["", "", "", ""]) is None


def test_the_current_minute_means_now():
    field = DateTimeField()
    for _ in range(3):  # the minute may turn between reading the clock and cleaning
        now = timezone.localtime()
        value = field.clean([str(now.day), str(now.month), str(now.year), now.strftime("%H:%M")])
        if timezone.is_aware(value):
            assert abs(value - timezone.now()) < datetime.timedelta(seconds=5)
            return
    pytest.fail("the current minute was not taken as now")


@pytest.mark.parametrize(
    "delta, words",
    [
        (datetime.timedelta(seconds=30), "less than a minute"),
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=25), "25 minutes"),
        (datetime.timedelta(hours=5, minutes=10), "5 hours 10 minutes"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(days=2, hours=3, minutes=59), "2 days 3 hours"),
        (datetime.timedelta(days=1), "1 day"),
    ],
)
def test_durations_in_words(delta, words):
    assert duration(delta) == words


def test_the_board_filter_keeps_only_known_values():
    chosen = BoardFilter.from_query(QueryDict("kind=away&kind=lost&risk=high&risk=not_graded&risk=x"))
    assert chosen.kinds == ["away"] and chosen.risks == ["high", "not_graded"] and chosen.active
    assert [tag["href"] for tag in chosen.tags()] == [
        "?risk=high&risk=not_graded",
        "?kind=away&risk=not_graded",
        "?kind=away&risk=high",
    ]
    assert not BoardFilter.from_query(QueryDict("")).active
