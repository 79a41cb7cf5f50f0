"""Disclosure control for figures that go beyond one council's own children (issue 9, item 6).

domain.md ("Data protection in what leaves Homeward"): national and cross-council figures are
aggregates with small cells suppressed. Here that means:
- no count under MIN_CELL is shown (primary suppression), and where a total is shown beside a
  breakdown, one suppressed cell is never left alone in its row or column: the smallest other cell
  goes too (secondary suppression), or subtraction would give it back;
- no rate is shown whose numerator, denominator or their difference is under MIN_CELL;
- no period is shorter than a month, so that a figure cannot be narrowed to a day or a week.
A suppressed cell is None; templates show it as "[c]", the Government Statistical Service's mark.

A council's dashboard of the children it looks after is not controlled: it already sees each child.
Attribution (figures about children the viewer cannot see are never attributed to those children's
councils) is kept by the selectors, which count only children the viewer may see, and by the one
count's own rule (reporting.selectors._units).
"""

import datetime
from collections.abc import Hashable, Mapping

MIN_CELL = 10


def count(value: int, *, controlled: bool) -> int | None:
    """One figure shown on its own."""
    return None if controlled and value < MIN_CELL else value


def rate(numerator: int, denominator: int, *, controlled: bool) -> float | None:
    """A percentage, or None when it is not shown (nothing to divide by, or small cells behind it)."""
    if not denominator:
        return None
    if controlled and min(numerator, denominator, denominator - numerator) < MIN_CELL:
        return None
    return round(100 * numerator / denominator, 1)


def grid(
    values: Mapping[Hashable, Mapping[Hashable, int]], *, controlled: bool
) -> dict[Hashable, dict[Hashable, int | None]]:
    """A table of counts (row -> column -> count) whose row and column totals are shown, with small
    cells suppressed and each lone suppressed cell in a row or a column given a companion."""
    shown: dict = {row: dict(cells) for row, cells in values.items()}
    if not controlled:
        return shown
    for cells in shown.values():
        for column, value in cells.items():
            if value < MIN_CELL:
                cells[column] = None
    columns = list(dict.fromkeys(column for cells in values.values() for column in cells))
    changed = True
    while changed:
        changed = False
        lines = [[(row, column) for column in shown[row]] for row in shown]
        lines += [[(row, column) for row in shown if column in shown[row]] for column in columns]
        for line in lines:
            hidden = [at for at in line if shown[at[0]][at[1]] is None]
            others = [at for at in line if shown[at[0]][at[1]] is not None]
            if len(hidden) == 1 and others:
                row, column = min(others, key=lambda at: shown[at[0]][at[1]])
                shown[row][column] = None
                changed = True
    return shown


def cells(values: Mapping[Hashable, int], *, controlled: bool) -> dict[Hashable, int | None]:
    """A breakdown whose total is shown: grid() with one column."""
    return {
        key: row["n"]
        for key, row in grid({key: {"n": value} for key, value in values.items()}, controlled=controlled).items()
    }


def month_after(day: datetime.date) -> datetime.date:
    """The same day a month later (the month's last day when it has no such day)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def period_allowed(since: datetime.date, until: datetime.date, *, controlled: bool) -> bool:
    """At least a whole month, from one date to the day before the same date a month later."""
    return not controlled or until >= month_after(since) - datetime.timedelta(days=1)
