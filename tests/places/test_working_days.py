"""Working days in England and Wales: weekends and bank holidays, substitutes and one-offs included."""

from datetime import date

import pytest

from homeward.places.working_days import add_working_days, is_working_day


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 6, 2),  # Spring bank holiday, moved from Monday 30 May for the Platinum Jubilee
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # State funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation of King Charles III
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: Monday 28th is the substitute
        date(2027, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 12, 26),  # a Saturday
    ],
)
def test_bank_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


def test_an_ordinary_weekday_is_a_working_day() -> None:
    assert is_working_day(date(2026, 12, 24))  # Christmas Eve is not a bank holiday
    assert is_working_day(date(2022, 5, 30))  # the late-May Monday of 2022 was moved, so worked


def test_five_working_days_from_christmas_eve_skip_the_holidays() -> None:
    # Thu 24 Dec 2026: Christmas Day (Fri), the weekend, Boxing Day's substitute (Mon 28th), then
    # 29, 30, 31 Dec, New Year's Day (Fri), the weekend, 4 and 5 Jan.
    assert add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_the_jubilee_weekend_is_skipped() -> None:
    assert add_working_days(date(2022, 6, 1), 1) == date(2022, 6, 6)


def test_the_coronation_monday_is_skipped() -> None:
    assert add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_a_weekend_start_counts_from_the_next_working_day() -> None:
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday -> Monday


def test_zero_and_negative_counts() -> None:
    assert add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 26)
    assert add_working_days(date(2027, 1, 5), -5) == date(2026, 12, 24)
