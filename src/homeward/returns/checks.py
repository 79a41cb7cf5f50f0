"""The DfE's validation rules for an SSDA903 return's Header, Episodes and Missing tables, as checks of
our own over the rows as written (text, dates dd/mm/yyyy): what `homeward export-903` runs on what it
writes, and what the tests run on the synthetic councils' own returns.

Sources: domain.md ("The SSDA903 return", "What has changed since 2017"), which lists the Missing
table's rules by their DfE numbers; each Header and Episodes check names what it holds to instead,
since its DfE number is not listed there. Pure functions: no database, no clock.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from homeward.returns.ssda903 import EPISODES, HEADER, MISSING, UNKNOWN_UPN, UNKNOWN_URN

# DfE SSDA903 guide, REC: X1 is "episode ceases and a new one begins on the same day"; every other
# code ends the period of care. E8: "ceased for any other reason", the code for a child still
# missing when care ends (rule 580).
CARE_CONTINUES = "X1"
CEASED_WHILE_MISSING = "E8"
REC_CODES = {
    "X1",
    "E11",
    "E12",
    "E13",
    "E14",
    "E15",
    "E16",
    "E17",
    "E2",
    "E3",
    "E41",
    "E45",
    "E46",
    "E47",
    "E48",
    "E4A",
    "E4B",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
}
# RNE: S started to be looked after; L legal status changed; P placement changed; T both; B both
# at once; U both with a change of legal status on the same day (DfE SSDA903 guide).
RNE_CODES = {"S", "L", "P", "T", "B", "U"}
# The Header's SEX codes: 1/2 until 2023-24, M/F/U from 2024-25 (domain.md, since 2017).
SEX_FROM_2025 = {"M", "F", "U"}
SEX_BEFORE_2025 = {"1", "2"}
# Placement code Z1 (other placements) is split into Z11–Z14 from 2025-26.
Z1_SPLIT = {"Z11", "Z12", "Z13", "Z14"}
# Placements with a registered setting, whose Ofsted URN the return carries (or the Xs for one not
# known): children's homes, secure and not; supported accommodation once its registration was
# mandatory (28 October 2023), so from the 2024-25 return.
NEEDS_URN = {"K1", "K2"}
NEEDS_URN_FROM_2025 = {"K3"}
# DfE: UN1 is "aged under 6 and not yet attending school"; an older child without a UPN has another UN code.
UNDER_SIX = "UN1"


@dataclass(frozen=True)
class Problem:
    table: str  # header.csv, episodes.csv or missing.csv
    line: int  # in that file, the column header being line 1
    column: str
    rule: str  # the DfE rule number, when domain.md gives one
    message: str

    def __str__(self) -> str:
        rule = f"DfE rule {self.rule}: " if self.rule else ""
        return f"{self.table} line {self.line}, {self.column}: {rule}{self.message}"


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, "%d/%m/%Y").date()
    except (TypeError, ValueError):
        return None


def _dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class _Care:
    """A period of care: the child's episodes joined where one ends (X1) as the next starts."""

    start: datetime.date | None  # None: began before the episodes in the file (RNE not S)
    end: datetime.date | None  # None: still looked after at the year's end
    last_line: int  # the episode that ended it
    rec: str


def return_check(
    tables: dict[str, list[dict[str, str]]],
    *,
    year_ending: datetime.date,
    previous_missing: list[dict[str, str]] | None = None,
) -> list[Problem]:
    """Every rule broken by the return's rows, in file and line order. `previous_missing` is last
    year's Missing table, for rule 576 (a period open at last year's end carries over)."""
    first = datetime.date(year_ending.year - 1, 4, 1)
    problems: list[Problem] = []

    def fail(table: str, line: int, column: str, rule: str, message: str) -> None:
        problems.append(Problem(table, line, column, rule, message))

    # Header.
    born: dict[str, datetime.date | None] = {}
    sexes = SEX_FROM_2025 if year_ending >= datetime.date(2025, 3, 31) else SEX_BEFORE_2025
    for line, row in enumerate(tables.get(HEADER, []), start=2):
        child = row.get("CHILD", "")
        if not child:
            fail(HEADER, line, "CHILD", "", "CHILD is required.")
            continue
        if child in born:
            fail(HEADER, line, "CHILD", "", f"Child {child} is in the Header twice.")
        dob = _date(row.get("DOB", ""))
        born[child] = dob
        if dob is None:
            fail(HEADER, line, "DOB", "", f"'{row.get('DOB', '')}' is not a date (dd/mm/yyyy).")
        if row.get("SEX", "") not in sexes:
            fail(
                HEADER,
                line,
                "SEX",
                "",
                f"SEX must be one of {'/'.join(sorted(sexes))} in this year's return, not '{row.get('SEX', '')}'.",
            )
        upn = row.get("UPN", "")
        if not upn:
            fail(
                HEADER, line, "UPN", "", "UPN is required: the child's UPN, or the UN code saying why it is not known."
            )
        elif upn == UNDER_SIX and dob is not None and _age_on(dob, year_ending) >= 6:
            fail(
                HEADER,
                line,
                "UPN",
                "",
                f"UN1 is for a child under 6 not yet at school; child {child} is {_age_on(dob, year_ending)} at {_dmy(year_ending)}.",
            )
        elif upn not in UNKNOWN_UPN and len(upn) != 13:
            fail(HEADER, line, "UPN", "", f"'{upn}' is neither a 13-character UPN nor a UN code.")

    # Episodes, then each child's periods of care.
    episodes: dict[str, list[tuple[int, dict, datetime.date, datetime.date | None]]] = defaultdict(list)
    for line, row in enumerate(tables.get(EPISODES, []), start=2):
        child = row.get("CHILD", "")
        if child not in born:
            fail(EPISODES, line, "CHILD", "", f"Child {child} is not in the Header: every child must be.")
        start, end = _date(row.get("DECOM", "")), _date(row.get("DEC", "")) if row.get("DEC") else None
        if start is None:
            fail(EPISODES, line, "DECOM", "", f"'{row.get('DECOM', '')}' is not a date (dd/mm/yyyy).")
            continue
        if row.get("DEC") and end is None:
            fail(EPISODES, line, "DEC", "", f"'{row['DEC']}' is not a date (dd/mm/yyyy).")
        if end is not None and end < start:
            fail(EPISODES, line, "DEC", "", "The episode ends before it starts.")
        if end is not None and end > year_ending:
            fail(EPISODES, line, "DEC", "", f"An episode still open on {_dmy(year_ending)} has DEC blank.")
        if start > year_ending or (end is not None and end < first):
            fail(EPISODES, line, "DECOM", "", "The episode is not open at any time in the collection year.")
        if row.get("RNE", "") not in RNE_CODES:
            fail(
                EPISODES,
                line,
                "RNE",
                "",
                f"RNE (reason for new episode) must be one of {', '.join(sorted(RNE_CODES))}.",
            )
        rec = row.get("REC", "")
        if end is None and rec:
            fail(EPISODES, line, "REC", "", "REC is given only for an episode that ended (DEC).")
        if end is not None and rec not in REC_CODES:
            fail(
                EPISODES,
                line,
                "REC",
                "",
                f"An episode that ended needs REC, the reason it ended: '{rec}' is not a REC code.",
            )
        place = row.get("PLACE", "")
        if year_ending >= datetime.date(2026, 3, 31) and place == "Z1":
            fail(EPISODES, line, "PLACE", "", "From 2025-26 placement code Z1 is recorded as one of Z11–Z14.")
        if year_ending < datetime.date(2026, 3, 31) and place in Z1_SPLIT:
            fail(EPISODES, line, "PLACE", "", f"{place} is a code from 2025-26; before then it is Z1.")
        needs_urn = place in NEEDS_URN or (place in NEEDS_URN_FROM_2025 and year_ending >= datetime.date(2025, 3, 31))
        urn = row.get("URN", "")
        if needs_urn and not urn:
            fail(
                EPISODES,
                line,
                "URN",
                "",
                f"A {place} placement carries the setting's Ofsted URN (or {min(UNKNOWN_URN)} when not known).",
            )
        if urn and urn not in UNKNOWN_URN and not (urn.isalnum() and len(urn) <= 8):
            fail(EPISODES, line, "URN", "", f"'{urn}' is not an Ofsted URN.")
        episodes[child].append((line, row, start, end))

    care: dict[str, list[_Care]] = defaultdict(list)
    for child, rows in episodes.items():
        rows.sort(key=lambda r: r[2])
        for index, (line, row, start, end) in enumerate(rows):
            following = rows[index + 1][2] if index + 1 < len(rows) else None
            rec = row.get("REC", "")
            if end is not None and (following == end) != (rec == CARE_CONTINUES):
                fail(
                    EPISODES,
                    line,
                    "REC",
                    "",
                    (
                        f"REC is {CARE_CONTINUES} exactly when the next episode starts the day this one ends ({_dmy(end)})."
                    ),
                )
            joins = bool(care[child]) and care[child][-1].end == start and care[child][-1].rec == CARE_CONTINUES
            if joins:
                care[child][-1].end, care[child][-1].last_line, care[child][-1].rec = end, line, rec
            else:
                if care[child] and row.get("RNE") != "S":
                    fail(
                        EPISODES,
                        line,
                        "RNE",
                        "",
                        "An episode that does not follow on the day the last ended starts a period of care: RNE S.",
                    )
                care[child].append(
                    _Care(start=start if row.get("RNE") == "S" else None, end=end, last_line=line, rec=rec)
                )

    # Missing.
    periods: dict[str, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    for line, row in enumerate(tables.get(MISSING, []), start=2):
        child, kind = row.get("CHILD", ""), row.get("MISSING", "")
        start_text, end_text = row.get("MIS_START", ""), row.get("MIS_END", "")
        start = _date(start_text)
        end = _date(end_text) if end_text else None
        if start_text and start is None:
            fail(MISSING, line, "MIS_START", "1004", f"'{start_text}' is not a valid date (dd/mm/yyyy).")
        if end_text and end is None:
            fail(MISSING, line, "MIS_END", "1005", f"'{end_text}' is not a valid date (dd/mm/yyyy).")
        if kind not in ("M", "A"):
            fail(MISSING, line, "MISSING", "1006", f"MISSING is M or A, not '{kind}'.")
        if kind and not start_text:
            fail(MISSING, line, "MIS_START", "564", "A missing or away period has a start date.")
        if start_text and not kind:
            fail(
                MISSING,
                line,
                "MISSING",
                "565",
                "A period with a start date says whether the child was missing or away.",
            )
        if end_text and not start_text:
            fail(MISSING, line, "MIS_START", "566", "A period with an end date has a start date.")
        if start is None:
            continue
        if end is not None and end < start:
            fail(MISSING, line, "MIS_END", "567", "The period ends before it starts.")
        if start > year_ending:
            fail(
                MISSING, line, "MIS_START", "570", f"The period starts after the collection year ({_dmy(year_ending)})."
            )
        if end is not None and not first <= end <= year_ending:
            fail(
                MISSING,
                line,
                "MIS_END",
                "571",
                f"MIS_END is within the collection year, or blank while still missing at {_dmy(year_ending)}.",
            )
        dob = born.get(child)
        if child not in born:
            fail(MISSING, line, "CHILD", "", f"Child {child} is not in the Header: every child must be.")
        elif row.get("DOB", "") != (_dmy(dob) if dob else None):
            fail(MISSING, line, "DOB", "", "DOB is the Header's date of birth for the child.")
        if dob is not None and start < dob:
            fail(MISSING, line, "MIS_START", "586", "The period starts before the child's date of birth.")
        periods[child].append((line, start, end))

        spells = care.get(child, [])
        spell = next(
            (s for s in spells if (s.start is None or s.start <= start) and (s.end is None or start <= s.end)), None
        )
        if spell is None:
            fail(MISSING, line, "MIS_START", "578", "The period starts outside the child's period of care (Episodes).")
            continue
        if spell.end is not None and (end is None or end > spell.end):
            fail(
                MISSING,
                line,
                "MIS_END",
                "581" if end is not None else "577",
                (f"Care ended on {_dmy(spell.end)}: a period open then ends that day."),
            )
        if spell.end is not None and (end is None or end >= spell.end) and spell.rec != CEASED_WHILE_MISSING:
            fail(
                EPISODES,
                spell.last_line,
                "REC",
                "580",
                (
                    f"Child {child} was missing or away when care ended ({_dmy(spell.end)}): REC is {CEASED_WHILE_MISSING}."
                ),
            )
        if end is None:
            ended = next((r for _, r, s, e in episodes[child] if s <= start and e is not None and start <= e), None)
            if ended is not None and ended.get("REC") == CARE_CONTINUES:
                fail(
                    MISSING,
                    line,
                    "MIS_END",
                    "575",
                    (f"The placement the child was missing from ended on {ended['DEC']}: the period closes then."),
                )

    for rows in periods.values():
        rows.sort(key=lambda r: (r[1], r[0]))
        for (line_a, _start_a, end_a), (line_b, start_b, _end_b) in zip(rows, rows[1:], strict=False):
            if end_a is None:
                fail(
                    MISSING,
                    line_b,
                    "MIS_START",
                    "574",
                    f"A new period cannot start while the one on line {line_a} is open.",
                )
            elif start_b < end_a:
                fail(MISSING, line_b, "MIS_START", "574", f"The period overlaps the one on line {line_a}.")

    if previous_missing is not None:
        carried = {(r["CHILD"], r["MIS_START"]) for r in tables.get(MISSING, [])}
        for row in previous_missing:
            if not row.get("MIS_END") and (row["CHILD"], row["MIS_START"]) not in carried:
                fail(
                    MISSING,
                    1,
                    "MIS_START",
                    "576",
                    (
                        f"Child {row['CHILD']}'s period open at last year's end (from {row['MIS_START']}) carries over with the same start."
                    ),
                )
    problems.sort(key=lambda p: (p.table, p.line, p.column))
    return problems
