"""Episode reconciliation: which report and which episode are the same absence, and why the rest differ."""

import datetime

from homeward.linkage.reconcile import BOTH, COUNCIL_ONLY, POLICE_ONLY, REASONS, EpisodeSpan, ReportSpan, reconcile

NOW = datetime.datetime(2026, 3, 31, 23, 0, tzinfo=datetime.UTC)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=datetime.UTC)


def episode(pk, *, child=1, start, end=None, kind="missing", refs=(), date_only=False) -> EpisodeSpan:
    return EpisodeSpan(
        id=pk,
        child_id=child,
        kind=kind,
        started_at=start,
        returned_at=end,
        police_references=frozenset(refs),
        date_only=date_only,
    )


def report(pk, *, child=1, when, force=7, reference=None, grade="low", reported=False, review=False) -> ReportSpan:
    return ReportSpan(
        id=pk,
        child_id=child,
        force_id=force,
        reference=reference or f"REF{pk}",
        at=when,
        risk_grade=grade,
        at_is_reported=reported,
        awaiting_review=review,
    )


def units_by_kind(result):
    return {kind: [u for u in result.units if u.known == kind] for kind in (BOTH, POLICE_ONLY, COUNCIL_ONLY)}


def test_a_report_during_an_episode_of_its_child_is_the_same_absence():
    result = reconcile(
        episodes=[episode(1, start=at(10, 18), end=at(11, 9))], reports=[report(5, when=at(10, 18, 30))], now=NOW
    )
    assert result.pairs == {5: 1}
    [unit] = result.units
    assert (unit.known, unit.episode_id, unit.report_ids, unit.force_id) == (BOTH, 1, [5], 7)


def test_the_reference_already_on_the_episode_pairs_even_an_unlinked_report():
    result = reconcile(
        episodes=[episode(1, start=at(10, 18), end=at(11, 9), refs=[(7, "GMP/1")])],
        reports=[report(5, child=None, when=at(20), reference="GMP/1")],
        now=NOW,
    )
    assert result.pairs == {5: 1}


def test_a_report_of_another_child_at_the_same_time_is_not_paired():
    result = reconcile(
        episodes=[episode(1, start=at(10, 18), end=at(11, 9))], reports=[report(5, child=2, when=at(10, 19))], now=NOW
    )
    assert result.pairs == {}
    kinds = units_by_kind(result)
    assert [u.reason for u in kinds[COUNCIL_ONLY]] == ["not_reported"]
    assert [u.reason for u in kinds[POLICE_ONLY]] == ["not_recorded"]


def test_an_ssda903_period_covers_the_whole_of_its_last_day():
    # MIS_START 10/03, MIS_END 10/03: both midnights. The report at 15:00 that day is in it.
    period = episode(1, start=at(10), end=at(10), date_only=True)
    assert reconcile(episodes=[period], reports=[report(5, when=at(10, 15))], now=NOW).pairs == {5: 1}
    # An episode with real times ends when it ended.
    timed = episode(1, start=at(10, 9), end=at(10, 10))
    assert reconcile(episodes=[timed], reports=[report(5, when=at(10, 15))], now=NOW).pairs == {}


def test_the_period_containing_the_time_beats_a_nearer_start_the_next_day():
    # Back on the 30th, gone again on the 31st: a report at 15:09 on the 30th is the first absence,
    # though midnight of the 31st is nearer than midnight of the 30th.
    first = episode(1, start=at(30), end=at(30), date_only=True)
    second = episode(2, start=at(31), end=at(31), date_only=True)
    assert reconcile(episodes=[first, second], reports=[report(5, when=at(30, 15, 9))], now=NOW).pairs == {5: 1}


def test_a_council_that_recorded_the_next_day_still_pairs_within_a_day():
    late = episode(1, start=at(11), end=at(12), date_only=True)
    assert reconcile(episodes=[late], reports=[report(5, when=at(10, 23, 30))], now=NOW).pairs == {5: 1}
    assert reconcile(episodes=[late], reports=[report(5, when=at(9, 20))], now=NOW).pairs == {}


def test_only_a_report_timed_by_when_it_was_made_may_fall_after_the_end():
    ended = episode(1, start=at(10, 18), end=at(11, 9))
    assert reconcile(episodes=[ended], reports=[report(5, when=at(11, 20), reported=True)], now=NOW).pairs == {5: 1}
    assert reconcile(episodes=[ended], reports=[report(5, when=at(11, 20))], now=NOW).pairs == {}


def test_an_open_episode_runs_until_now():
    assert reconcile(episodes=[episode(1, start=at(1, 9))], reports=[report(5, when=at(29, 9))], now=NOW).pairs == {
        5: 1
    }


def test_two_reports_of_one_absence_count_once():
    result = reconcile(
        episodes=[episode(1, start=at(10, 18), end=at(12, 9))],
        reports=[report(5, when=at(10, 18, 30)), report(6, when=at(11, 9), force=8)],
        now=NOW,
    )
    assert result.pairs == {5: 1, 6: 1}
    [unit] = result.units
    assert unit.report_ids == [5, 6]


def test_unpaired_reports_of_one_child_a_day_apart_are_one_police_only_absence():
    result = reconcile(
        episodes=[],
        reports=[
            report(5, when=at(10, 18), grade="no_apparent_risk"),
            report(6, when=at(11, 10)),
            report(7, when=at(20, 10)),
        ],
        now=NOW,
    )
    police_only = units_by_kind(result)[POLICE_ONLY]
    assert [u.report_ids for u in police_only] == [[5, 6], [7]]
    assert [u.reason for u in police_only] == ["no_apparent_risk", "not_recorded"]


def test_reports_of_no_known_child_are_each_their_own_absence_with_their_reason():
    result = reconcile(
        episodes=[],
        reports=[
            report(5, child=None, when=at(10, 18)),
            report(6, child=None, when=at(10, 19), review=True),
        ],
        now=NOW,
    )
    assert [(u.reason, u.report_ids) for u in result.units] == [("unidentified", [5]), ("awaiting_review", [6])]


def test_council_only_reasons():
    result = reconcile(
        episodes=[
            episode(1, start=at(1, 9), end=at(1, 20), kind="away"),
            episode(2, start=at(2, 9), end=at(2, 10)),
            episode(3, start=at(3, 9), end=at(4, 10)),
            episode(4, start=at(5), end=at(5), date_only=True),
        ],
        reports=[],
        now=NOW,
    )
    assert [u.reason for u in result.units] == ["away", "short", "not_reported", "not_reported"]
    assert all(u.reason in REASONS for u in result.units)


def test_an_episode_with_a_police_reference_is_known_to_both_without_an_imported_report():
    result = reconcile(episodes=[episode(1, start=at(1, 9), refs=[(7, "GMP/1")])], reports=[], now=NOW)
    assert [(u.known, u.force_id) for u in result.units] == [(BOTH, 7)]
