"""The DfE's validation rules as returns.checks holds them: a clean return has no problem, and each
broken rule is named by table, line, column and (where domain.md numbers it) the DfE's rule."""

import datetime

from homeward.returns.checks import return_check
from homeward.returns.ssda903 import EPISODES, HEADER, MISSING

YEAR = datetime.date(2025, 3, 31)  # 2024-25: SEX is M/F


def clean() -> dict[str, list[dict[str, str]]]:
    return {
        HEADER: [
            {"CHILD": "C1", "SEX": "F", "DOB": "01/06/2010", "ETHNIC": "WBRI", "UPN": "UN5", "MOTHER": "", "MC_DOB": ""}
        ],
        EPISODES: [
            {
                "CHILD": "C1",
                "DECOM": "01/01/2024",
                "RNE": "S",
                "PLACE": "K2",
                "PLACE_PROVIDER": "PR4",
                "DEC": "01/06/2024",
                "REC": "X1",
                "URN": "SC100001",
            },
            {
                "CHILD": "C1",
                "DECOM": "01/06/2024",
                "RNE": "P",
                "PLACE": "U4",
                "PLACE_PROVIDER": "PR1",
                "DEC": "",
                "REC": "",
                "URN": "",
            },
        ],
        MISSING: [
            {"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "M", "MIS_START": "30/03/2024", "MIS_END": "02/04/2024"},
            {"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "A", "MIS_START": "02/04/2024", "MIS_END": "05/04/2024"},
            {"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "M", "MIS_START": "30/03/2025", "MIS_END": ""},
        ],
    }


def found(tables, **options) -> list[tuple[str, int, str, str]]:
    return [(p.table, p.line, p.column, p.rule) for p in return_check(tables, year_ending=YEAR, **options)]


def test_a_clean_return_has_no_problem():
    assert found(clean()) == []


def test_the_header_codes_of_the_year():
    tables = clean()
    tables[HEADER][0].update(SEX="2", UPN="UN1")  # 1/2 ended with 2023-24; UN1 is for the under-sixes
    assert found(tables) == [(HEADER, 2, "SEX", ""), (HEADER, 2, "UPN", "")]
    before = return_check(tables, year_ending=datetime.date(2024, 3, 31))
    assert (HEADER, "SEX") not in {(p.table, p.column) for p in before}  # 2 is right in 2023-24


def test_the_episode_codes():
    tables = clean()
    tables[EPISODES][0].update(REC="E8", URN="")  # care goes on the next day: X1; a K2 needs its URN
    tables[EPISODES][1].update(RNE="")
    # A blank RNE is no code; and after E8 the next episode begins a period of care, which is RNE S.
    assert found(tables) == [
        (EPISODES, 2, "REC", ""),
        (EPISODES, 2, "URN", ""),
        (EPISODES, 3, "RNE", ""),
        (EPISODES, 3, "RNE", ""),
    ]


def test_the_missing_tables_rules_by_number():
    tables = clean()
    tables[MISSING][1].update(MIS_START="01/04/2024")  # overlaps the period before it
    tables[MISSING].append(
        {"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "X", "MIS_START": "31/02/2025", "MIS_END": ""}
    )
    tables[MISSING].append(
        {"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "M", "MIS_START": "01/12/2023", "MIS_END": "02/12/2023"}
    )
    assert sorted(found(tables)) == [
        (MISSING, 3, "MIS_START", "574"),
        (MISSING, 5, "MISSING", "1006"),
        (MISSING, 5, "MIS_START", "1004"),
        (MISSING, 6, "MIS_END", "571"),
        (MISSING, 6, "MIS_START", "578"),
    ]


def test_care_ending_while_missing_closes_the_period_that_day_and_codes_e8():
    tables = clean()
    tables[EPISODES][1].update(DEC="31/03/2025", REC="E4A")  # care ended with the last period still open
    assert sorted(found(tables)) == [(EPISODES, 3, "REC", "580"), (MISSING, 4, "MIS_END", "577")]
    tables[EPISODES][1].update(REC="E8")
    tables[MISSING][2].update(MIS_END="31/03/2025")
    assert found(tables) == []


def test_a_period_open_at_last_years_end_carries_over_with_its_start():
    last_year = [{"CHILD": "C1", "DOB": "01/06/2010", "MISSING": "M", "MIS_START": "30/03/2024", "MIS_END": ""}]
    assert found(clean(), previous_missing=last_year) == []
    last_year[0]["MIS_START"] = "29/03/2024"
    assert found(clean(), previous_missing=last_year) == [(MISSING, 1, "MIS_START", "576")]
