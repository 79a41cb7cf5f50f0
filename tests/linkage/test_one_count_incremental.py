"""The one count kept up one report at a time (issue 13, item 4): a report that arrives is linked by
itself with the last trained model, and only the children it touches are re-reconciled, and the
count that leaves is the count a full rebuild makes. Which of the two runs is decided by what
arrived (linkage.receivers)."""

import datetime
from collections import Counter

import pytest

from homeward.agencies.models import Role
from homeward.benchmarks.one_count import world_build
from homeward.children.models import Child
from homeward.children.services import child_create
from homeward.episodes.models import Episode, PoliceReference
from homeward.linkage.models import CandidatePair, CountUnit, LinkRun, PairStatus
from homeward.linkage.services import linkage_run, linkage_update, reconcile_run
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_report_submit
from homeward.tasks.models import Task
from tests.conftest import make_user

RUN = "homeward.linkage.tasks.linkage_run_task"
FIELDS = ("first_name", "last_name", "other_names", "sex", "address_postcode", "risk_grade")


def _count() -> tuple[Counter, Counter, set]:
    """The one count: units per category, per category and child, and every unit whole."""
    units = list(CountUnit.objects.prefetch_related("reports"))
    return (
        Counter(u.known for u in units),
        Counter((u.known, u.child_id) for u in units),
        {
            (u.known, u.reason, u.child_id, u.episode_id, tuple(sorted(r.police_report_id for r in u.reports.all())))
            for u in units
        },
    )


def _links() -> dict[int, tuple[int | None, int | None]]:
    return {
        pk: (child, episode) for pk, child, episode in PoliceReport.objects.values_list("pk", "child_id", "episode_id")
    }


def _as_sent(report: PoliceReport) -> dict:
    data = {name: getattr(report, name) for name in FIELDS}
    data["reference"] = f"{report.reference}-again"
    data["date_of_birth"] = str(report.date_of_birth or "")
    data["reported_at"] = report.reported_at.isoformat()
    if report.last_seen_at:
        data["last_seen_at"] = report.last_seen_at.isoformat()
    return {k: v for k, v in data.items() if v}


@pytest.mark.slow
def test_reports_added_one_by_one_give_the_count_a_full_rebuild_gives(reference):
    world_build(children=150, reports=320, seed=3, say=lambda text: None)
    linkage_run(why="test: the first full run trains the model")
    assert CountUnit.objects.exists()
    # Reports arriving one at a time: second calls about looked-after children and reports of
    # children Homeward does not hold, sent as a force's system sends them.
    linked = list(PoliceReport.objects.filter(child__isnull=False).select_related("force").order_by("pk")[:8])
    outside = list(PoliceReport.objects.filter(child__isnull=True).select_related("force").order_by("-pk")[:4])
    assert len(linked) == 8 and outside
    updates, systems = 0, {}

    def system_of(force):
        if force.pk not in systems:
            systems[force.pk] = make_user(force, Role.POLICE_COORDINATOR, f"{force.code}-system")
        return systems[force.pk]

    for earlier in linked + outside:
        system = system_of(earlier.force)
        report, outcome = police_report_submit(user=system, why="test", data=_as_sent(earlier))
        assert outcome == "created"
        run = linkage_update(why="test: one report", report_ids={report.pk})
        trained = LinkRun.objects.filter(model__has_key="comparisons").first()
        assert run.police_reports == 1 and run.model == {"scored_with_run": trained.pk}
        updates += 1
        report.refresh_from_db()
        if earlier.child_id is not None:
            assert report.child_id == earlier.child_id
    # A report corrected to name another child moves from one child to the other: both children's
    # counts change, and both are re-reconciled.
    moved = linked[0]
    other = Child.objects.exclude(pk=moved.child_id).filter(episodes__isnull=False).order_by("pk").first()
    police_report_submit(
        user=system_of(moved.force),
        why="test: the force corrected the name",
        data={
            "reference": moved.reference,
            "first_name": other.first_name,
            "last_name": other.last_name,
            "date_of_birth": str(other.date_of_birth),
            "sex": {"1": "M", "2": "F"}[other.sex],
            "reported_at": moved.reported_at.isoformat(),
            **({"last_seen_at": moved.last_seen_at.isoformat()} if moved.last_seen_at else {}),
        },
    )
    linkage_update(why="test: a report corrected", report_ids={moved.pk})
    moved.refresh_from_db()
    assert moved.child_id == other.pk
    incremental, incremental_links = _count(), _links()

    linkage_run(why="test: a full rebuild")
    rebuilt = _count()
    assert incremental[0] == rebuilt[0]  # units per category
    assert incremental[1] == rebuilt[1]  # units per category and child
    assert incremental[2] == rebuilt[2]  # every unit, with its episode and reports
    assert incremental_links == _links()
    assert updates == 12


def test_a_partial_reconciliation_covers_the_child_a_report_left(world):
    """A report paired with child A's episode is relinked to child B: reconciling "B and the report"
    must also rebuild A's unit (now council only), or A's episode would drop out of the count."""
    force = world.west_midlands_police
    system = make_user(force, Role.POLICE_COORDINATOR, "wmp-system")
    started = datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)
    episode = Episode.objects.create(
        child=world.child,
        kind="missing",
        started_at=started,
        reported_at=started,
        reported_by=world.social_worker,
        reporting_agency=world.manchester,
        returned_at=started + datetime.timedelta(hours=8),
    )
    report, _ = police_report_submit(
        user=system,
        why="test",
        data={
            "reference": "WM/9",
            "first_name": world.child.first_name,
            "last_name": world.child.last_name,
            "reported_at": (started + datetime.timedelta(hours=1)).isoformat(),
        },
    )
    PoliceReport.objects.filter(pk=report.pk).update(child=world.child)
    reconcile_run(why="test")
    assert CountUnit.objects.get(episode=episode).known == "both"
    other = Child.objects.exclude(pk=world.child.pk).first()
    PoliceReport.objects.filter(pk=report.pk).update(child=other)
    reconcile_run(why="test", child_ids={other.pk}, report_ids={report.pk})
    assert CountUnit.objects.get(episode=episode).known == "council_only"
    assert CountUnit.objects.filter(child=other, known="police_only").count() == 1
    partial = _count()
    reconcile_run(why="test")
    assert _count() == partial


def test_a_report_carrying_an_episodes_reference_reconciles_that_child(world):
    """A report of nobody yet linked, whose reference the police already put on child A's episode,
    pairs with that episode: reconciling the report alone reaches A."""
    force = world.west_midlands_police
    system = make_user(force, Role.POLICE_COORDINATOR, "wmp-system")
    started = datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)
    episode = Episode.objects.create(
        child=world.child,
        kind="missing",
        started_at=started,
        reported_at=started,
        reported_by=world.social_worker,
        reporting_agency=world.manchester,
    )
    reconcile_run(why="test")
    PoliceReference.objects.create(episode=episode, force=force, reference="WM/77", added_by=world.police_officer)
    report, _ = police_report_submit(
        user=system,
        why="test",
        data={"reference": "WM/77", "first_name": "Someone", "last_name": "Else", "reported_at": started.isoformat()},
    )
    reconcile_run(why="test", report_ids={report.pk})
    unit = CountUnit.objects.get(episode=episode)
    assert unit.known == "both" and list(unit.reports.values_list("police_report_id", flat=True)) == [report.pk]
    partial = _count()
    reconcile_run(why="test")
    assert _count() == partial


def _report(world, reference: str) -> dict:
    return {
        "reference": reference,
        "first_name": world.child.first_name,
        "last_name": world.child.last_name,
        "date_of_birth": str(world.child.date_of_birth),
        "sex": "F",
        "reported_at": "2026-11-01T10:00:00Z",
    }


def test_one_report_asks_for_an_update_and_a_big_file_for_a_full_run(world, tmp_path):
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    [task] = Task.objects.filter(name=RUN)
    assert task.args["incremental"] is True
    # A council's return arrives before the update has run: the waiting task becomes a full run.
    from homeward.linkage.receivers import on_records_arrived

    on_records_arrived(None, kind="903", agency=world.manchester, created=3, updated=0)
    [task] = Task.objects.filter(name=RUN)
    assert task.args["incremental"] is False
    Task.objects.filter(name=RUN).delete()
    on_records_arrived(None, kind="police", agency=world.west_midlands_police, created=5000, updated=0)
    [task] = Task.objects.filter(name=RUN)
    assert task.args["incremental"] is False


def test_an_update_without_a_trained_model_is_a_full_run(world):
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    report, _ = police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    run = linkage_update(why="test", report_ids={report.pk})
    assert "comparisons" in run.model  # trained: a full run
    report.refresh_from_db()
    assert report.child_id == world.child.pk


def _doubtful_report_updated(world):
    """Amira's twin Zara at Leeds, a full run, then a report of "A Okafor" with their date of birth
    (fits both) linked by an update alone. The twin and that report."""
    twin = child_create(
        user=world.unrelated_social_worker,
        why="test",
        first_name="Zara",
        last_name="Okafor",
        date_of_birth=world.child.date_of_birth,
        sex="2",
        la_child_id="LDS002",
    )
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    linkage_run(why="test")
    report, _ = police_report_submit(
        user=system, why="test", data={**_report(world, "WM/2"), "first_name": "A", "address_postcode": ""}
    )
    linkage_update(why="test", report_ids={report.pk})
    return twin, report


def test_an_update_sends_a_doubtful_report_for_review_with_its_explanation(world):
    """Twins: "A Okafor" with their date of birth fits both, so the update sends the report to a
    person with how each field compared, as a full run would."""
    twin, report = _doubtful_report_updated(world)
    pairs = {p.child_id: p for p in CandidatePair.objects.filter(police_report=report)}
    assert set(pairs) == {world.child.pk, twin.pk}
    assert all(p.status == PairStatus.REVIEW and p.explanation["fields"] for p in pairs.values())
    incremental = {(p.child_id, p.status) for p in pairs.values()}, _count()
    linkage_run(why="test: a full rebuild")
    assert incremental == (
        {(p.child_id, p.status) for p in CandidatePair.objects.filter(police_report=report)},
        _count(),
    )


def test_a_pair_still_waiting_with_the_same_scores_keeps_its_explanation(world, monkeypatch):
    """Explaining costs time; a pair rescored the same is not explained again."""
    _, report = _doubtful_report_updated(world)
    before = dict(CandidatePair.objects.filter(police_report=report).values_list("child_id", "explanation"))
    assert len(before) == 2

    def not_again(**kwargs):
        raise AssertionError("explained again")

    monkeypatch.setattr("homeward.linkage.reports.explain_candidates", not_again)
    monkeypatch.setattr("homeward.linkage.engine.explain", not_again)
    monkeypatch.setattr("homeward.linkage.engine.explain_many", not_again)
    linkage_update(why="test again", report_ids={report.pk})
    assert dict(CandidatePair.objects.filter(police_report=report).values_list("child_id", "explanation")) == before
