"""Disclosure control: no small cell, no cell given back by subtraction, no period under a month."""

import datetime

from homeward.reporting import disclosure


def test_it_shows_everything_to_a_council_about_its_own_children():
    assert disclosure.count(3, controlled=False) == 3
    assert disclosure.cells({"a": 1, "b": 40}, controlled=False) == {"a": 1, "b": 40}
    assert disclosure.rate(1, 3, controlled=False) == 33.3


def test_it_suppresses_a_count_under_ten():
    assert disclosure.count(9, controlled=True) is None
    assert disclosure.count(0, controlled=True) is None
    assert disclosure.count(10, controlled=True) == 10


def test_a_lone_suppressed_cell_takes_the_smallest_other_with_it():
    # With the total (63) shown, 3 would be 63 - 20 - 40: so 20 goes too, and 40 stays.
    assert disclosure.cells({"a": 3, "b": 20, "c": 40}, controlled=True) == {"a": None, "b": None, "c": 40}


def test_two_suppressed_cells_need_no_companion():
    assert disclosure.cells({"a": 3, "b": 4, "c": 40}, controlled=True) == {"a": None, "b": None, "c": 40}


def test_a_grid_protects_rows_and_columns():
    shown = disclosure.grid(
        {
            "April": {"missing": 50, "away": 5},
            "May": {"missing": 30, "away": 20},
            "June": {"missing": 40, "away": 25},
        },
        controlled=True,
    )
    assert shown["April"] == {"missing": None, "away": None}
    # April's missing hidden leaves May's or June's missing alone in its column: the smaller goes.
    assert shown["May"]["missing"] is None
    hidden_in_each_line = [sum(v is None for v in row.values()) for row in shown.values()]
    hidden_in_each_line += [sum(row[c] is None for row in shown.values()) for c in ("missing", "away")]
    assert 1 not in hidden_in_each_line


def test_a_rate_is_hidden_when_anything_behind_it_is_small():
    assert disclosure.rate(5, 100, controlled=True) is None  # numerator
    assert disclosure.rate(5, 8, controlled=True) is None  # denominator
    assert disclosure.rate(95, 100, controlled=True) is None  # the 5 who did not
    assert disclosure.rate(40, 100, controlled=True) == 40.0
    assert disclosure.rate(0, 0, controlled=False) is None


def test_a_period_is_at_least_a_month():
    day = datetime.date
    assert disclosure.period_allowed(day(2026, 4, 1), day(2026, 4, 30), controlled=True)
    assert not disclosure.period_allowed(day(2026, 4, 1), day(2026, 4, 29), controlled=True)
    assert disclosure.period_allowed(day(2026, 4, 1), day(2026, 4, 2), controlled=False)
    assert disclosure.month_after(day(2026, 1, 31)) == day(2026, 2, 28)
    assert disclosure.month_after(day(2026, 12, 15)) == day(2027, 1, 15)
