"""Disproportionality (issue 11, today's duties): the police's first risk grade, the offer of a return
home interview and the risk flags, by the child's ethnic group, age and sex, beside the rate for all
children, so that a council, a force or a partnership sees whether some children are graded lower,
offered less or flagged more than others (a known concern in the police grading of missing children).

Over the dashboard's scope and period (reporting.dashboards), with the same disclosure control: on a
cross-council or national dashboard no count under ten is shown, and no rate built on one.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from homeward.children.models import Sex
from homeward.episodes.models import InterviewStatus, RiskGrade
from homeward.reporting import disclosure
from homeward.reporting.dashboards import STILL_OPEN, Scope, episode_rows

# SSDA903 ETHNIC codes by the ONS 2021 census's high-level groups (Chinese with Asian, as there).
ETHNIC_GROUPS = (
    ("White", ("WBRI", "WIRI", "WIRT", "WOTH", "WROM")),
    ("Mixed or multiple ethnic groups", ("MWBC", "MWBA", "MWAS", "MOTH")),
    ("Asian or Asian British", ("AIND", "APKN", "ABAN", "CHNE", "AOTH")),
    ("Black, Black British, Caribbean or African", ("BCRB", "BAFR", "BOTH")),
    ("Other ethnic group", ("OOTH",)),
)
NOT_KNOWN = "Not known or refused"  # REFU, NOBT, blank
AGE_BANDS = ((0, "Under 10"), (10, "10 to 13"), (14, "14 and 15"), (16, "16 and over"))
SEXES = {Sex.MALE: "Male", Sex.FEMALE: "Female"}
# The grades that say the police saw little risk: "no apparent risk" (APP 2017; "very low" in the
# current APP) and low.
LOW_GRADES = (RiskGrade.NO_APPARENT_RISK, RiskGrade.LOW)
# A rate with nothing to divide by on a council's own dashboard (no grade yet, no return): shown as
# "[z]" (not applicable), never as "[c]", which says a figure was withheld.
NOT_APPLICABLE = ""
OFFERED = (InterviewStatus.OFFERED, InterviewStatus.ACCEPTED, InterviewStatus.COMPLETED, InterviewStatus.DECLINED)


@dataclass
class Tally:
    children: set = field(default_factory=set)
    flagged: set = field(default_factory=set)  # of the children, those with a flag raised now
    episodes: int = 0
    graded: int = 0
    graded_high: int = 0
    graded_low: int = 0
    returned: int = 0
    offered: int = 0


@dataclass(frozen=True)
class Row:
    group: str
    children: int | None
    episodes: int | None
    # Percentages; None: withheld (disclosure); NOT_APPLICABLE: nothing to divide by.
    high_rate: float | None | str  # of first grades, the share high
    low_rate: float | None | str  # of first grades, the share no apparent risk or low
    offered_rate: float | None | str  # of returns, the share offered an interview
    flagged_rate: float | None | str  # of the children, the share with a risk flag raised now


_ETHNIC_GROUP_OF = {code: label for label, codes in ETHNIC_GROUPS for code in codes}


def _ethnic_group(code: str) -> str:
    return _ETHNIC_GROUP_OF.get(code, NOT_KNOWN)


def _age_band(born: datetime.date, on: datetime.date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    band = AGE_BANDS[0][1]
    for lowest, label in AGE_BANDS:
        if age >= lowest:
            band = label
    return band


def _rate(numerator: int, denominator: int, *, controlled: bool) -> float | None | str:
    if not denominator and not controlled:
        return NOT_APPLICABLE
    return disclosure.rate(numerator, denominator, controlled=controlled)


def _row(group: str, tally: Tally, *, controlled: bool) -> Row:
    children = len(tally.children)
    return Row(
        group=group,
        children=disclosure.count(children, controlled=controlled),
        episodes=disclosure.count(tally.episodes, controlled=controlled),
        high_rate=_rate(tally.graded_high, tally.graded, controlled=controlled),
        low_rate=_rate(tally.graded_low, tally.graded, controlled=controlled),
        offered_rate=_rate(tally.offered, tally.returned, controlled=controlled),
        flagged_rate=_rate(len(tally.flagged), children, controlled=controlled),
    )


def disproportionality(*, scope: Scope, since: datetime.date, until: datetime.date) -> dict[str, list[Row]]:
    """Rows by ethnic group, by age band (on the day the episode began) and by sex, each with the
    same figures, and "All children" first in each: what a group's rates are compared with."""
    dimensions: dict[str, dict[str, Tally]] = {name: defaultdict(Tally) for name in ("ethnicity", "age", "sex")}
    by_ethnicity, by_age, by_sex = dimensions["ethnicity"], dimensions["age"], dimensions["sex"]
    everyone = Tally()
    for row in episode_rows(scope, since, until):
        graded, high, low = bool(row.first_grade), row.first_grade == RiskGrade.HIGH, row.first_grade in LOW_GRADES
        returned = row.band != STILL_OPEN[0]
        offered = returned and row.interview_status in OFFERED
        for tally in (
            everyone,
            by_ethnicity[_ethnic_group(row.ethnicity)],
            by_age[_age_band(row.born, row.began_on)],
            by_sex[SEXES.get(row.sex, "Not known")],
        ):
            tally.children.add(row.child)
            tally.episodes += 1
            tally.graded += graded
            tally.graded_high += high
            tally.graded_low += low
            tally.returned += returned
            tally.offered += offered
            if row.flagged:
                tally.flagged.add(row.child)
    order = {
        "ethnicity": [label for label, _ in ETHNIC_GROUPS] + [NOT_KNOWN],
        "age": [label for _, label in AGE_BANDS],
        "sex": [*SEXES.values(), "Not known"],
    }
    controlled = scope.controlled
    return {
        name: [
            _row("All children", everyone, controlled=controlled),
            *(_row(group, tallies[group], controlled=controlled) for group in order[name] if group in tallies),
        ]
        for name, tallies in dimensions.items()
    }
