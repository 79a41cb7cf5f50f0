"""Working days in England and Wales: Monday to Friday, less the bank holidays.

The bank holidays come from `holidays` (maintained, and it carries the substitute days and the
one-off proclamations such as 3 June 2022, 19 September 2022 and 8 May 2023).
"""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England's list is England and Wales's: the Banking and Financial Dealings Act 1971, Schedule 1
    # and the royal proclamations apply to both. It also holds Christmas Day and Good Friday.
    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    # Care Planning, Placement and Case Review (England) Regulations 2010, reg 2(1): a working day
    # is any day but a Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday.
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (before it when n is negative; `day` itself when n is 0).

    "Within 5 working days" of something on day D is due by the end of add_working_days(D, 5).
    """
    step = timedelta(days=1 if n >= 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not is_working_day(day):
            day += step
    return day
