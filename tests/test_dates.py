"""Dates and times one way (homeward.dates): as GOV.UK writes them, in Europe/London."""

import datetime

import pytest
from django.template import Context, Template

from homeward import dates

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime.datetime(2026, 12, 6, 12, 0, tzinfo=UTC), "6 December 2026, 12pm"),  # midday
        (datetime.datetime(2026, 12, 6, 0, 0, tzinfo=UTC), "6 December 2026, 12am"),  # midnight
        (datetime.datetime(2026, 12, 6, 2, 30, tzinfo=UTC), "6 December 2026, 2:30am"),
        (datetime.datetime(2026, 12, 16, 14, 5, tzinfo=UTC), "16 December 2026, 2:05pm"),
        (datetime.datetime(2026, 12, 6, 12, 1, tzinfo=UTC), "6 December 2026, 12:01pm"),
        # British Summer Time: 23:30 UTC on 30 June is 12:30am on 1 July in London.
        (datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026, 12:30am"),
        (datetime.date(2026, 3, 1), "1 March 2026"),  # a day alone, single-digit, no leading zero
        (None, ""),
    ],
)
def test_it_writes_dates_and_times_as_gov_uk_does(value, text):
    assert dates.when(value) == text


def test_a_moment_can_be_shown_as_its_day_alone():
    assert dates.when(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date_only=True) == "1 July 2026"


def test_the_template_filter_is_the_same_function_and_needs_no_load():
    moment = datetime.datetime(2026, 12, 6, 2, 30, tzinfo=UTC)
    rendered = Template('{{ moment|when }} / {{ moment|when:"date" }}').render(Context({"moment": moment}))
    assert rendered == "6 December 2026, 2:30am / 6 December 2026"


def test_a_time_typed_to_the_minute_is_not_before_a_moment_stamped_in_that_minute():
    stamped = datetime.datetime(2026, 12, 6, 14, 5, 37, tzinfo=UTC)  # an offer recorded "now"
    typed = datetime.datetime(2026, 12, 6, 14, 5, tzinfo=UTC)  # "held at 14:05", as the form takes it
    assert dates.not_before(typed, stamped, "held_at", "the time held", "it was offered") == stamped
    later = datetime.datetime(2026, 12, 6, 14, 6, tzinfo=UTC)
    assert dates.not_before(later, stamped, "held_at", "the time held", "it was offered") == later
    with pytest.raises(dates.ValidationError) as refused:
        dates.not_before(
            datetime.datetime(2026, 12, 6, 14, 4, tzinfo=UTC), stamped, "held_at", "the time held", "it was offered"
        )
    assert refused.value.message_dict == {
        "held_at": ["The time held cannot be before it was offered (6 December 2026, 2:05pm)."]
    }


def test_a_return_typed_in_the_minute_of_the_report_is_not_questioned():
    reported = datetime.datetime(2026, 12, 6, 14, 5, 37, tzinfo=UTC)
    same_minute = datetime.datetime(2026, 12, 6, 14, 5, tzinfo=UTC)
    dates.confirmed_not_before(
        same_minute, reported, "returned_at", "the return time", "the episode was reported", confirmed=False, flag="c"
    )
    with pytest.raises(dates.Unconfirmed):
        dates.confirmed_not_before(
            same_minute - datetime.timedelta(minutes=1),
            reported,
            "returned_at",
            "the return time",
            "the episode was reported",
            confirmed=False,
            flag="c",
        )
