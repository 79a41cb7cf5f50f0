"""The one count for a synthetic year, end to end: each council's SSDA903 return and each force's
reports imported, linked and reconciled, reviewed, and the gaps the generator planted found again."""

import datetime
from pathlib import Path

import pytest

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.linkage import selectors as linkage_selectors
from homeward.linkage.models import CandidatePair, CountUnit, LinkRun, PairStatus
from homeward.linkage.services import link_pair_decide, linkage_run
from homeward.reporting import selectors
from homeward.returns.export import collection_year
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_file_import, ssda903_import
from homeward.synth.agency_files import (
    BOTH,
    COUNCIL_ONLY,
    POLICE_ONLY,
    agency_files_generate,
    agency_files_write,
    one_count_totals,
    one_count_truth,
)
from homeward.synth.files import world_write
from homeward.synth.generator import world_generate
from homeward.synth.loader import world_load

from tests.conftest import make_user

AS_AT = datetime.date(2026, 3, 31)
YEAR = collection_year(AS_AT)


@pytest.fixture(scope="module")
def synthetic_year(tmp_path_factory):
    world = world_generate(seed=7, children=1500, as_at=AS_AT)
    files = agency_files_generate(world)
    directory = tmp_path_factory.mktemp("synthetic-year")
    world_write(world=world, directory=directory)
    agency_files_write(files, directory / "agency")
    return world, files, directory


def _import_everything(directory: Path) -> None:
    agencies = {a.code: a for a in Agency.objects.filter(kind__in=[AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE])}
    for folder in sorted((directory / "agency" / "903").iterdir()):
        result = ssda903_import(la=agencies[folder.name], directory=folder)
        assert result.rejects == [], (folder.name, result.rejects[:3])
    for path in sorted((directory / "agency" / "police").glob("*.csv")):
        result = police_file_import(force=agencies[path.stem], path=path)
        assert result.rejects == [], (path.name, result.rejects[:3])


def _truth_child(files) -> dict[tuple[str, str], tuple[str, str]]:
    """(force, reference) -> (council, CHILD): whom each report is really about."""
    return {
        (force, r.row["reference"]): (r.responsible_authority, r.la_child_id)
        for force, reports in files.police_reports.items()
        for r in reports
    }


def _review_as_a_coordinator_would(files) -> int:
    """Decide every pair waiting for review, as the child's council's coordinator, who checks with the
    carer and so knows whom the report is about (the synthetic truth stands in for that call)."""
    truth = _truth_child(files)
    decided = 0
    coordinators = {}
    for pair in CandidatePair.objects.filter(status=PairStatus.REVIEW).select_related(
        "police_report__force", "child__responsible_authority"
    ):
        council = pair.child.responsible_authority
        if council.pk not in coordinators:
            coordinators[council.pk] = make_user(
                council, Role.MISSING_COORDINATOR, f"coordinator-{council.code}".lower()
            )
        user = coordinators[council.pk]
        if not CandidatePair.objects.filter(pk=pair.pk, status=PairStatus.REVIEW).exists():
            continue  # another candidate of the same report was confirmed, and this one withdrawn
        found = linkage_selectors.pair_get(user=user, pair_id=pair.pk, why="test review")
        right = truth[(pair.police_report.force.code, pair.police_report.reference)] == (
            council.code,
            pair.child.la_child_id,
        )
        link_pair_decide(
            user=user, why="test review", pair=found, decision=PairStatus.CONFIRMED if right else PairStatus.REJECTED
        )
        decided += 1
    return decided


def test_the_one_count_finds_the_gaps_the_generator_planted(synthetic_year, reference):
    world, files, directory = synthetic_year
    world_load(directory=directory, episodes=False)
    _import_everything(directory)
    first = linkage_run(why="test")
    assert first.police_reports == PoliceReport.objects.count() > 500
    assert first.linked_auto > 0.95 * first.police_reports

    decided = _review_as_a_coordinator_would(files)
    assert decided >= first.to_review  # at least one decision per report waiting
    second = linkage_run(why="test again")
    # Every decision stood: confirmed pairs are links, rejected ones never came back.
    assert second.to_review == 0
    assert second.linked_confirmed == CandidatePair.objects.filter(status=PairStatus.CONFIRMED).count()

    # Every automatic or confirmed link is to the child the report is really about.
    truth = _truth_child(files)
    wrong = [
        r.reference
        for r in PoliceReport.objects.filter(child__isnull=False).select_related(
            "force", "child__responsible_authority"
        )
        if truth[(r.force.code, r.reference)] != (r.child.responsible_authority.code, r.child.la_child_id)
    ]
    assert len(wrong) <= 0.002 * first.police_reports, wrong[:5]

    analyst = make_user(
        Agency.objects.create(code="DFE-T", kind=AgencyKind.NATIONAL, name="DfE"), Role.NATIONAL_ANALYST, "stats"
    )
    [*_, total] = selectors.one_count(user=analyst, why="test", since=YEAR[0], until=YEAR[1])
    expected = one_count_totals(one_count_truth(files), since=YEAR[0], until=YEAR[1])
    measured = {BOTH: total.both, POLICE_ONLY: total.police_only, COUNCIL_ONLY: total.council_only}
    for kind in (BOTH, POLICE_ONLY, COUNCIL_ONLY):
        # Within 1%, or one absence where 1% is less than one (a report whose planted errors keep it
        # from its child counts once police-only and once council-only).
        assert abs(measured[kind] - expected[kind]) <= max(1, 0.01 * expected[kind]), (kind, measured, dict(expected))
    assert expected[POLICE_ONLY] > 50 and expected[COUNCIL_ONLY] > 50  # the gaps are there to find
    assert total.awaiting_review == 0
    assert (
        CountUnit.objects.filter(known=POLICE_ONLY, reason="no_apparent_risk").count()
        > CountUnit.objects.filter(known=POLICE_ONLY, reason="not_recorded").count()
    )
    assert LinkRun.objects.count() == 2
