"""Linking police reports to children: automatic when clear, a person's decision when not, and a
person's decision kept above whatever the model says on a later run."""

import datetime as dt

import pytest

from homeward.linkage import reports as R


@pytest.fixture(scope="module")
def children():
    kids = [
        R.ChildIdentity(
            1, "Amira", "Okafor", dt.date(2011, 5, 3), "2", "1000001", (("Mira", ""),), ("B1 1AA", "M1 1AE")
        ),
        R.ChildIdentity(2, "Jayden", "Walsh", dt.date(2015, 7, 9), "1", "1000002", (), ("M1 1AE",)),
        # Twins: same surname, date of birth and home.
        R.ChildIdentity(3, "Kacper", "Nowak", dt.date(2009, 2, 14), "1", "1000003", (), ("LS1 1UR",)),
        R.ChildIdentity(4, "Leah", "Nowak", dt.date(2009, 2, 14), "2", "1000004", (), ("LS1 1UR",)),
    ]
    kids += [
        R.ChildIdentity(
            i,
            f"Name{i}",
            f"Surname{i % 17}",
            dt.date(2008 + i % 9, 1 + i % 12, 1 + i % 27),
            "1" if i % 2 else "2",
            str(2000000 + i),
            (),
            (f"S{i % 9} {i % 9}AB",),
        )
        for i in range(5, 60)
    ]
    return kids


REPORTS = [
    R.ReportIdentity(101, "Amira", "Okafor", "", dt.date(2011, 5, 3), "F", "B1 1AA"),
    # Known-as name in capitals, day and month swapped, no postcode.
    R.ReportIdentity(102, "MIRA", "OKAFOR", "", dt.date(2011, 3, 5), "F", ""),
    # An initial only: one of the twins, but which?
    R.ReportIdentity(103, "K", "Nowak", "", dt.date(2009, 2, 14), "", "LS1 1UR"),
    # A spelling, no date of birth: the earlier placement's postcode is not needed.
    R.ReportIdentity(104, "Jaden", "Walsh", "", None, "M", ""),
    R.ReportIdentity(105, "Zed", "Unknown", "", dt.date(2001, 1, 1), "M", "ZZ9 9ZZ"),
]


def outcomes(result):
    return {rid: (link.outcome, link.child_id) for rid, link in result.links.items()}


def test_clear_matches_link_and_no_match_stays_unlinked(children):
    result = R.link_reports(children=children, reports=REPORTS)
    found = outcomes(result)
    assert found[101] == (R.LINKED_AUTO, 1)
    assert found[102] == (R.LINKED_AUTO, 1)
    assert found[104] == (R.LINKED_AUTO, 2)
    assert found[105] == (R.UNLINKED, None)


def test_a_report_that_fits_two_children_goes_to_a_person_with_both(children):
    link = R.link_reports(children=children, reports=REPORTS).links[103]
    assert link.outcome == R.REVIEW and link.child_id is None
    assert sorted(c.child_id for c in link.candidates) == [3, 4]


def test_a_confirmed_pair_links_whatever_the_model_says(children):
    result = R.link_reports(
        children=children, reports=REPORTS, decisions={(103, 4): R.CONFIRMED, (105, 2): R.CONFIRMED}
    )
    assert outcomes(result)[103] == (R.LINKED_CONFIRMED, 4)
    assert outcomes(result)[105] == (R.LINKED_CONFIRMED, 2)


def test_a_rejected_pair_is_never_linked_and_leaves_the_other_candidate(children):
    result = R.link_reports(children=children, reports=REPORTS, decisions={(102, 1): R.REJECTED, (103, 4): R.REJECTED})
    assert outcomes(result)[102] == (R.UNLINKED, None)
    assert outcomes(result)[103] == (R.LINKED_AUTO, 3)


def test_a_child_is_compared_at_each_placement_postcode(children):
    # Amira's earlier placement (M1 1AE) is as good a postcode as her current one.
    earlier = R.ReportIdentity(106, "Amira", "Okafor", "", dt.date(2011, 5, 3), "F", "M1 1AE")
    [candidate] = R.link_reports(children=children, reports=[earlier]).links[106].candidates
    assert candidate.record_ids == ("P106", "C1#1")


def test_the_explanation_says_which_fields_agreed(children):
    result = R.link_reports(children=children, reports=REPORTS)
    [why] = R.explain_candidates(model=result.model, candidates=[(result.links[102].candidates[0], False)])
    levels = {f["field"]: f["level"] for f in why["fields"]}
    assert levels["dob"] == "Day and month swapped"
    assert levels["first_name"] == "Known-as name (alias)"
    weights = {f["field"]: f["match_weight"] for f in why["fields"]}
    assert weights["last_name"] > 0
