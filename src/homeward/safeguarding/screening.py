"""The exploitation screening tool: Barnardo's SERAF-style indicators and scoring (domain.md, "Child
sexual exploitation (CSE) screening", as used by several councils). Pure functions: nothing here
reads or writes the database.

Scoring:
- vulnerabilities: 1 point each;
- moderate indicators in the last 6 months: 1 point each;
- significant indicators: 5 points each in the last 6 months, 1 point if only 6–12 months ago;
- bands: 0–5 not at risk, 6–10 mild, 11–15 moderate, 16+ significant. Reassess at least every 3 months.

The three-tier option (domain.md: "Other councils use three tiers (emerging / escalating / high) and
treat any single high factor in a child aged 13 or under as high"): a council that turns on
SafeguardingSettings.young_child_significant_is_high has a child aged 13 or under with any
significant indicator in the last 6 months graded significant whatever the score, and the grade
says so. The tiers map onto the bands: mild = emerging, moderate = escalating, significant = high.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models


class Band(models.TextChoices):
    NOT_AT_RISK = "not_at_risk", "Not at risk"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SIGNIFICANT = "significant", "Significant"


# The three-tier councils' words for the same grades.
TIERS = {Band.NOT_AT_RISK: "", Band.MILD: "Emerging", Band.MODERATE: "Escalating", Band.SIGNIFICANT: "High"}
BAND_ORDER = [Band.NOT_AT_RISK, Band.MILD, Band.MODERATE, Band.SIGNIFICANT]

# (lowest score, band), highest first.
BAND_FLOORS = [(16, Band.SIGNIFICANT), (11, Band.MODERATE), (6, Band.MILD), (0, Band.NOT_AT_RISK)]

VULNERABILITIES: dict[str, str] = {
    "neglect": "Neglect",
    "abuse": "Physical, sexual or emotional abuse",
    "domestic_abuse": "Domestic abuse at home",
    "substance_misuse": "Substance misuse (the child's or at home)",
    "mental_health": "Mental health difficulties",
    "low_self_esteem": "Low self-esteem",
    "unsuitable_accommodation": "Unsuitable accommodation",
    "isolation": "Isolated from family, friends or school",
    "no_protective_adult": "No protective adult",
}
MODERATE: dict[str, str] = {
    "staying_out_late": "Staying out late",
    "unknown_callers": "Unknown callers or visitors",
    "phone_internet_use": "Worrying phone or internet use",
    "self_harm": "Self-harm",
    "school_exclusion": "Excluded from or not attending school",
    "withdrawn_disclosure": "Withdrawn disclosure of abuse",
    "sexually_transmitted_infection": "Sexually transmitted infection",
    "peers_exploited": "Peers involved in exploitation",
    "drugs": "Drug use",
    "alcohol": "Alcohol use",
}
SIGNIFICANT: dict[str, str] = {
    "missing_overnight": "Missing overnight or longer",
    "older_controlling_adult": "Older 'boyfriend' or controlling adult",
    "cars_unknown_adults": "Seen in cars driven by unknown adults",
    "money_or_gifts": "Unexplained money, gifts or phones",
    "exploitation_hotspots": "Seen at places known for exploitation",
    "unexplained_injury": "Unexplained injury",
}
SECTIONS = {"vulnerability": VULNERABILITIES, "moderate": MODERATE, "significant": SIGNIFICANT}

YES = "yes"
LAST_6_MONTHS = "last_6_months"
SIX_TO_12_MONTHS = "6_to_12_months"
WHEN = {LAST_6_MONTHS: "In the last 6 months", SIX_TO_12_MONTHS: "6 to 12 months ago"}

REASSESS_MONTHS = 3  # domain.md: reassess at least every 3 months
YOUNG_CHILD_MAX_AGE = 13


@dataclass(frozen=True)
class Driver:
    code: str
    label: str
    section: str  # vulnerability, moderate, significant
    points: int
    when: str = ""  # significant ones: last_6_months or 6_to_12_months

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "section": self.section,
            "points": self.points,
            "when": self.when,
        }


@dataclass
class Grade:
    score: int
    band: str
    drivers: list[Driver] = field(default_factory=list)  # every indicator that scored, most points first
    override: str = ""  # why the band is above what the score gives, if it is


def validate(answers: dict) -> list[str]:
    """What is wrong with a set of answers ({code: "yes"} for vulnerabilities and moderate indicators,
    {code: "last_6_months" | "6_to_12_months"} for significant ones); empty when they are sound."""
    problems = []
    if not isinstance(answers, dict):
        return ["Answers must be a mapping of indicator codes."]
    for code, value in answers.items():
        if code in VULNERABILITIES or code in MODERATE:
            if value != YES:
                problems.append(f"{code}: answer “yes” or leave it out.")
        elif code in SIGNIFICANT:
            if value not in WHEN:
                problems.append(f"{code}: answer {LAST_6_MONTHS} or {SIX_TO_12_MONTHS}, or leave it out.")
        else:
            problems.append(f"{code} is not an indicator.")
    return problems


def band_for(score: int) -> str:
    for floor, band in BAND_FLOORS:
        if score >= floor:
            return band
    return Band.NOT_AT_RISK


def grade(answers: dict, *, age: int | None = None, young_child_significant_is_high: bool = False) -> Grade:
    """Score a screening. `answers` must be valid (validate())."""
    drivers: list[Driver] = []
    for code, label in VULNERABILITIES.items():
        if answers.get(code) == YES:
            drivers.append(Driver(code, label, "vulnerability", 1))
    for code, label in MODERATE.items():
        if answers.get(code) == YES:
            drivers.append(Driver(code, label, "moderate", 1))
    for code, label in SIGNIFICANT.items():
        when = answers.get(code)
        if when == LAST_6_MONTHS:
            drivers.append(Driver(code, label, "significant", 5, when))
        elif when == SIX_TO_12_MONTHS:
            drivers.append(Driver(code, label, "significant", 1, when))
    score = sum(d.points for d in drivers)
    result = Grade(score=score, band=band_for(score), drivers=sorted(drivers, key=lambda d: -d.points))
    if (
        young_child_significant_is_high
        and age is not None
        and age <= YOUNG_CHILD_MAX_AGE
        and any(d.section == "significant" and d.when == LAST_6_MONTHS for d in drivers)
        and result.band != Band.SIGNIFICANT
    ):
        result.band = Band.SIGNIFICANT
        result.override = (
            f"Graded significant (high) whatever the score: the child is aged {age}, 13 or under, with a significant "
            "indicator in the last 6 months (this council's three-tier rule)."
        )
    return result


def at_least(band: str, floor: str) -> bool:
    return BAND_ORDER.index(band) >= BAND_ORDER.index(floor)


def reassess_due(screened_on: datetime.date, months: int = REASSESS_MONTHS) -> datetime.date:
    """The same day `months` later (the month's last day when it has no such day: 30 Nov -> 28 Feb)."""
    month_index = screened_on.month - 1 + months
    year, month = screened_on.year + month_index // 12, month_index % 12 + 1
    for day in (screened_on.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day, screened_on.day))
        except ValueError:
            continue
    raise AssertionError("unreachable")
