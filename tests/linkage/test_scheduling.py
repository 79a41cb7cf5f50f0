"""New police reports ask the worker for a linkage run; reports of one burst share it."""

import datetime

from django.utils import timezone

from homeward.agencies.models import Role
from homeward.linkage.models import CountUnit, LinkRun
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_file_import, police_report_submit
from homeward.tasks.models import Task
from homeward.tasks.worker import run_due
from tests.conftest import make_user

RUN = "homeward.linkage.tasks.linkage_run_task"


def _report(world, reference: str) -> dict:
    return {
        "reference": reference,
        "first_name": world.child.first_name,
        "last_name": world.child.last_name,
        "date_of_birth": str(world.child.date_of_birth),
        "sex": "F",
        "reported_at": "2026-11-01T10:00:00Z",
    }


def test_reports_from_the_api_queue_one_run_that_links_them(world):
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    police_report_submit(user=system, why="test", data=_report(world, "WM/2"))
    [task] = Task.objects.filter(name=RUN)
    assert task.run_at > timezone.now()  # a minute on: a burst shares one run
    assert run_due(timezone.now()) == 0 and not LinkRun.objects.exists()
    run_due(task.run_at + datetime.timedelta(seconds=1))
    assert LinkRun.objects.count() == 1
    assert set(PoliceReport.objects.values_list("child_id", flat=True)) == {world.child.pk}
    assert CountUnit.objects.filter(known="police_only", child=world.child).count() == 1  # one absence, two reports


def test_an_unchanged_report_asks_for_nothing(world):
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    Task.objects.filter(name=RUN).delete()
    police_report_submit(user=system, why="test", data=_report(world, "WM/1"))
    assert not Task.objects.filter(name=RUN).exists()


def test_a_file_import_queues_a_run(world, tmp_path):
    path = tmp_path / "reports.csv"
    fields = _report(world, "WM/7")
    path.write_text(",".join(fields) + "\n" + ",".join(fields.values()) + "\n", encoding="utf-8")
    police_file_import(force=world.west_midlands_police, path=path)
    assert Task.objects.filter(name=RUN).count() == 1
