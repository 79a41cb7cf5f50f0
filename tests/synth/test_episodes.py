"""Missing and away episodes in the synthetic world: calibrated to the national figures, never
overlapping, inside a placement, and the same for the same seed."""

import datetime
from collections import Counter, defaultdict

import pytest

from homeward.episodes.models import (
    EXPLOITATION_INDICATORS,
    DeclineReason,
    InterviewStatus,
    Kind,
    ReturnHow,
    RiskGrade,
)
from homeward.synth.generator import LONDON, episode_summary, episode_window, world_generate

from .conftest import AS_AT


def _key(record) -> tuple:
    return (record.responsible_authority, record.la_child_id)


def test_it_matches_the_national_figures_for_episodes(world) -> None:
    # domain.md "National figures", over the year to the snapshot day.
    s = episode_summary(world)
    assert s["children_looked_after_in_year"] == pytest.approx(3000 * 115 / 83, rel=0.05)  # ~115,000 for 83,000
    assert s["children_missing_pct"] == pytest.approx(11, abs=1.5)
    assert s["episodes_per_missing_child"] == pytest.approx(6.5, abs=1.0)
    assert s["missing_more_than_once_pct"] == pytest.approx(67, abs=6)  # about two thirds
    assert s["most_episodes_in_year"] >= 30  # some children go missing dozens of times
    assert s["within_2_days_pct"] == pytest.approx(90, abs=4)
    assert s["childrens_home_or_supported_pct"] == pytest.approx(50, abs=8)  # from a seventh of the children
    assert s["age_under_10_pct"] < 0.5
    assert s["age_10_15_pct"] == pytest.approx(44, abs=8)
    assert s["age_16_plus_pct"] == pytest.approx(55, abs=8)
    assert s["age_under_10_pct"] + s["age_10_15_pct"] + s["age_16_plus_pct"] == pytest.approx(100, abs=0.2)
    assert s["away_pct"] == pytest.approx(20, abs=5)
    # About 220 children still missing and 60 away on 31 March for 83,000 looked after.
    assert 0.15 <= s["open_pct_of_children"] <= 0.6
    assert s["open_missing"] > s["open_away"]


def test_risk_grades_and_return_interviews_follow_the_figures(world) -> None:
    s = episode_summary(world)
    assert s["grade_no_apparent_risk_pct"] == pytest.approx(20, abs=4)
    assert s["grade_low_pct"] == pytest.approx(35, abs=5)
    assert s["grade_medium_pct"] == pytest.approx(38, abs=5)
    assert s["grade_high_pct"] == pytest.approx(7, abs=3)
    assert 5 <= s["regraded_pct"] <= 20
    assert s["interview_held_within_72h_pct"] == pytest.approx(63, abs=5)
    # Offer rates differ between councils: from under 30% to over 90%.
    assert s["council_offer_rate_min_pct"] < 35
    assert s["council_offer_rate_max_pct"] > 88
    assert 10 <= s["report_delay_median_minutes"] <= 120  # minutes, not hours
    assert 1 <= s["reported_over_a_day_late_pct"] <= 6  # and some days late


@pytest.mark.slow  # a world of 12,000 children generated
def test_some_children_go_missing_dozens_of_times_a_year() -> None:
    # The long tail shows at a bigger size; a handful go missing more than 50 times.
    s = episode_summary(world_generate(seed=2, children=12000, as_at=AS_AT))
    assert 1 <= s["children_over_50_episodes"] <= 25
    assert s["episodes_per_missing_child"] == pytest.approx(6.5, abs=0.8)


def test_episodes_never_overlap_and_at_most_one_is_open(open_world) -> None:
    by_child = defaultdict(list)
    for episode in open_world.episodes:
        by_child[_key(episode)].append(episode)
    for episodes in by_child.values():
        episodes.sort(key=lambda e: e.started_at)
        assert sum(e.returned_at is None for e in episodes) <= 1
        assert all(e.returned_at is not None for e in episodes[:-1])  # only the last may be open
        for before, after in zip(episodes, episodes[1:]):
            assert before.returned_at < after.started_at
    assert len({(_key(e), e.started_at) for e in open_world.episodes}) == len(open_world.episodes)


def test_each_episode_falls_within_the_placement_current_at_its_start(open_world) -> None:
    placements = defaultdict(list)
    for placement in open_world.placements:
        placements[_key(placement)].append(placement)

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), LONDON)

    start, end = episode_window(AS_AT, open_world.years)
    for episode in open_world.episodes:
        assert start <= episode.started_at < end
        day = episode.started_at.astimezone(LONDON).date()
        placement = next(
            p for p in placements[_key(episode)] if p.start_date <= day and (p.end_date is None or day < p.end_date)
        )
        assert episode.started_at >= midnight(placement.start_date)
        if episode.returned_at is None:
            assert placement.end_date is None  # still missing on the snapshot day: from the current placement
        else:
            assert episode.returned_at < end
            assert placement.end_date is None or episode.returned_at <= midnight(placement.end_date)


def test_each_step_of_an_episode_happens_in_order(open_world) -> None:
    _, end = episode_window(AS_AT, open_world.years)
    episodes = {(_key(e), e.started_at): e for e in open_world.episodes}
    for e in open_world.episodes:
        assert e.kind in Kind.values
        assert e.started_at <= e.reported_at < end
        stop = e.returned_at or end
        if e.police_force:
            assert e.police_reference.split("/")[2] == str(e.police_reported_at.astimezone(LONDON).year)
            assert e.reported_at <= e.police_reported_at < stop
        else:
            assert not e.police_reference and e.police_reported_at is None
        if e.returned_at is None:
            assert not e.return_how and e.closed_at is None and e.safe_and_well_at is None
        else:
            assert e.return_how in ReturnHow.values
            assert e.return_recorded_by
            if e.safe_and_well_at:
                assert e.police_force and e.returned_at <= e.safe_and_well_at < end
            if e.closed_at:
                assert e.closed_by and e.returned_at <= e.closed_at < end
    gradings = defaultdict(list)
    for grading in open_world.risk_gradings:
        e = episodes[(_key(grading), grading.started_at)]
        assert grading.grade in RiskGrade.values and grading.force == e.police_force
        assert e.police_reported_at <= grading.graded_at <= (e.returned_at or end)
        gradings[(_key(grading), grading.started_at)].append(grading.graded_at)
    assert all(times == sorted(times) for times in gradings.values())
    assert gradings.keys() == {key for key, e in episodes.items() if e.police_force}  # every police report graded
    for change in open_world.kind_changes:
        e = episodes[(_key(change), change.started_at)]
        assert e.started_at < change.at < (e.returned_at or end) and change.to_kind == e.kind != change.from_kind
    for note in open_world.episode_notes:
        e = episodes[(_key(note), note.started_at)]
        assert note.kind in {"sighting", "enquiry", "note"}
        assert e.reported_at <= note.at <= (e.returned_at or end)


def test_every_return_has_an_interview_with_the_councils_service(open_world) -> None:
    interviews = {(_key(i), i.started_at): i for i in open_world.return_interviews}
    returned = {(_key(e), e.started_at): e for e in open_world.episodes if e.returned_at is not None}
    assert interviews.keys() == returned.keys()
    statuses = Counter()
    for key, interview in interviews.items():
        e = returned[key]
        statuses[interview.status] += 1
        assert interview.service == f"RHI-{e.responsible_authority}"
        assert interview.status in InterviewStatus.values
        assert e.returned_at <= interview.assigned_at
        times = [t for t in (interview.offered_at, interview.accepted_at, interview.held_at) if t]
        assert all(e.returned_at <= t for t in times) and times == sorted(times)
        assert (interview.closed_at is not None) == (interview.status in {"completed", "declined"})
        assert (interview.held_at is not None) == (interview.status == "completed")
        assert (interview.offered_at is None) == (interview.status == "assigned")
        if interview.status == "completed":
            assert interview.why_went and interview.closed_at >= interview.held_at
            assert set(interview.exploitation_indicators.split()) <= EXPLOITATION_INDICATORS.keys()
        else:
            assert not interview.why_went and not interview.exploitation_indicators
    assert statuses["completed"] and statuses["declined"] and statuses["assigned"]


def test_police_references_are_unique_per_force(world) -> None:
    references = [(e.police_force, e.police_reference) for e in world.episodes if e.police_force]
    assert len(set(references)) == len(references)
    assert len({ref.split("/")[1] for _, ref in references}) == 1  # one mark per world


def test_the_same_seed_gives_the_same_episodes() -> None:
    a = world_generate(seed=21, children=500, as_at=AS_AT, years=2)
    b = world_generate(seed=21, children=500, as_at=AS_AT, years=2)
    assert a.episodes and a.episodes == b.episodes
    assert a.risk_gradings == b.risk_gradings and a.return_interviews == b.return_interviews
    assert a.episode_notes == b.episode_notes and a.kind_changes == b.kind_changes
    c = world_generate(seed=22, children=500, as_at=AS_AT, years=2)
    assert c.episodes != a.episodes


def test_more_years_keep_the_children_looked_after_on_the_snapshot_day() -> None:
    one, three = (world_generate(seed=23, children=300, as_at=AS_AT, years=years) for years in (1, 3))
    # The earlier steps draw from their own streams: the years add leavers and episodes only.
    assert one.children[:300] == three.children[:300]
    assert [p for p in one.placements if p.end_date is None] == [p for p in three.placements if p.end_date is None]
    assert len(three.children) - 300 == round(300 * 0.375 * 3)
    start, _ = episode_window(AS_AT, 3)
    assert min(e.started_at for e in three.episodes) < episode_window(AS_AT, 1)[0]
    assert min(e.started_at for e in three.episodes) >= start


def test_a_declined_interview_says_why_as_the_service_asks(world) -> None:
    """The return interview service records why a child declined (a reason from its list); the
    world's declined interviews do too, and no other interview has a reason."""
    reasons = Counter(i.declined_reason for i in world.return_interviews if i.status == InterviewStatus.DECLINED)
    assert sum(reasons.values()) > 50
    assert set(reasons) <= set(DeclineReason.values) - {DeclineReason.OTHER}  # "other" needs words of its own
    assert len(reasons) == 4  # each reason drawn
    assert not [i for i in world.return_interviews if i.status != InterviewStatus.DECLINED and i.declined_reason]
