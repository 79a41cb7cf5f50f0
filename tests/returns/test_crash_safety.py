"""Kill an import (SIGKILL) part-way, run it again: the database ends exactly as after one clean run.

Each test imports the same synthetic file twice through the real `homeward` command in separate
processes: once cleanly into one agency, and once into another agency killed mid-import and then
re-run. The canonical dumps of the two agencies' data (every field but ids and timestamps, and the
audit entries by action and object) must be equal. The killed run is slowed with
HOMEWARD_IMPORT_ROW_DELAY_MS (read by the importers for fault tests only) so the kill lands in the
middle of a batch, and it is killed only once some batches have committed.
"""

import signal
import time

import pytest

from homeward.audit.models import AuditEvent
from homeward.episodes.models import Episode
from homeward.returns.files import ROW_DELAY_ENV
from homeward.returns.models import CouncilMissingRecord, ImportRun, PoliceReport
from homeward.returns.services import BATCH
from tests.returns.factories import dump_903, dump_police, homeward, synthetic_903, synthetic_police

# The command's process must see committed rows; each test kills an import and runs it again.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _kill_once(process, committed, *, at_least: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while committed() < at_least:
        if process.poll() is not None:
            pytest.fail(f"the import ended before it could be killed: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the import did not get far enough to be killed in time")
        time.sleep(0.02)
    # The next batch has just begun: with the row delay its transaction stays open for a second, so
    # the kill lands inside it, with rows written but not committed.
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def _ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_903_import_killed_mid_way_and_run_again_ends_as_one_clean_run(la, other_la, tmp_path):
    directory = tmp_path / "903"
    counts = synthetic_903(directory, children=300, periods_per_child=10, bad_every=97)  # 3,000 Missing rows
    _ok(homeward("import-903", str(directory), "--la", other_la.code, "--rejects", str(tmp_path / "clean.csv")))
    clean = dump_903(other_la)
    records = len(clean["records"])
    assert records == counts["missing"] - counts["missing"] // 97 and records > 3 * BATCH

    process = homeward(
        "import-903",
        str(directory),
        "--la",
        la.code,
        "--rejects",
        str(tmp_path / "killed.csv"),
        env={ROW_DELAY_ENV: "2"},
        wait=False,
    )
    _kill_once(process, lambda: CouncilMissingRecord.objects.filter(la=la).count(), at_least=2 * BATCH)

    # Killed part-way, and only whole batches committed: each record with its episode and audit entry.
    partial = CouncilMissingRecord.objects.filter(la=la).count()
    assert 2 * BATCH <= partial < records and partial % BATCH == 0
    assert Episode.objects.filter(child__responsible_authority=la).count() == partial
    assert AuditEvent.objects.filter(agency_code=la.code, object_type="episode").count() == partial
    interrupted = ImportRun.objects.get(agency=la, file_name__endswith="missing.csv")
    assert (interrupted.status, interrupted.finished_at, interrupted.created) == ("running", None, partial)

    output = _ok(homeward("import-903", str(directory), "--la", la.code, "--rejects", str(tmp_path / "rerun.csv")))

    assert f"missing.csv: {records - partial} created, 0 updated, {partial} unchanged" in output
    assert dump_903(la) == clean
    assert (tmp_path / "rerun.csv").read_text() == (tmp_path / "clean.csv").read_text()


def test_a_police_import_killed_mid_way_and_run_again_ends_as_one_clean_run(force, other_force, tmp_path):
    path = tmp_path / "reports.csv"
    rows = synthetic_police(path, reports=3000, bad_every=101)
    _ok(homeward("import-police", str(path), "--force", other_force.code, "--rejects", str(tmp_path / "clean.csv")))
    clean = dump_police(other_force)
    reports = len(clean["reports"])
    assert reports == rows - rows // 101

    process = homeward(
        "import-police",
        str(path),
        "--force",
        force.code,
        "--rejects",
        str(tmp_path / "killed.csv"),
        env={ROW_DELAY_ENV: "2"},
        wait=False,
    )
    _kill_once(process, lambda: PoliceReport.objects.filter(force=force).count(), at_least=2 * BATCH)

    partial = PoliceReport.objects.filter(force=force).count()
    assert 2 * BATCH <= partial < reports and partial % BATCH == 0
    assert AuditEvent.objects.filter(agency_code=force.code, object_type="police_report").count() == partial

    output = _ok(homeward("import-police", str(path), "--force", force.code, "--rejects", str(tmp_path / "rerun.csv")))

    assert f"reports.csv: {reports - partial} created, 0 updated, {partial} unchanged" in output
    assert dump_police(force) == clean
    assert (tmp_path / "rerun.csv").read_text() == (tmp_path / "clean.csv").read_text()
