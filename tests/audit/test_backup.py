"""`homeward backup` / `homeward restore` round trips on the database the suite runs on (SQLite or
PostgreSQL), and `homeward subject-access` exports one child and nothing of another."""

import datetime
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from homeward.audit.models import Action, AuditEvent
from homeward.audit.services import audit_check, audit_record
from homeward.children.models import Child
from homeward.children.services import child_create
from homeward.episodes.services import episode_add_update, episode_open


def _command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _database_url() -> str:
    """The test database as a DATABASE_URL, for a `homeward` subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_the_database_and_the_chain_it_backed_up(world, tmp_path: Path) -> None:
    backup = tmp_path / "homeward.backup"
    printed = _command("backup", "--out", str(backup))
    sidecar = json.loads((tmp_path / "homeward.backup.json").read_text())
    assert sidecar["vendor"] == connection.vendor
    assert sidecar["migrations"]["audit"].startswith("0004")
    report = audit_check()
    assert (sidecar["audit_head"], sidecar["audit_count"]) == (report.head, report.count)
    assert sidecar["audit_count"] > 0 and sidecar["audit_problems"] == 0
    assert f"head {report.head}" in printed

    # Written after the backup: a child (through the service, audited) and another audit entry.
    added = child_create(
        user=world.social_worker,
        why="test",
        first_name="Zara",
        last_name="Afterwards",
        date_of_birth=datetime.date(2012, 5, 1),
        sex="2",
        la_child_id="MAN099",
    )
    audit_record(
        user=world.social_worker,
        action=Action.READ,
        object_type="child",
        object_id=added.pk,
        child_id=added.pk,
        why="test",
    )
    assert AuditEvent.objects.count() > sidecar["audit_count"]

    printed = _command("restore", str(backup), "--yes")

    assert not Child.objects.filter(pk=added.pk).exists()
    assert Child.objects.filter(pk=world.child.pk).exists()
    report = audit_check()
    assert report.problems == []
    assert (report.head, report.count) == (sidecar["audit_head"], sidecar["audit_count"])
    assert f"count {sidecar['audit_count']}" in printed
    # And the CLI, in a process of its own, agrees about the restored database.
    connection.close()
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "homeward",
            "audit",
            "verify",
            "--expect-head",
            sidecar["audit_head"],
            "--expect-count",
            str(sidecar["audit_count"]),
        ],
        env={**os.environ, "DATABASE_URL": _database_url(), "HOMEWARD_AUDIT_KEY": settings.HOMEWARD_AUDIT_KEY},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert f"count {sidecar['audit_count']}" in verify.stdout


@pytest.mark.django_db(transaction=True)
def test_a_restore_fails_when_the_chain_is_not_the_one_backed_up(world, tmp_path: Path) -> None:
    backup = tmp_path / "homeward.backup"
    _command("backup", "--out", str(backup))
    sidecar_file = tmp_path / "homeward.backup.json"
    sidecar = json.loads(sidecar_file.read_text())
    sidecar["audit_count"] += 1  # as if an entry had been cut off the backup's end
    sidecar_file.write_text(json.dumps(sidecar))
    with pytest.raises(CommandError, match="does not match the backup"):
        _command("restore", str(backup), "--yes")


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_backup_of_another_database_kind(world, tmp_path: Path) -> None:
    backup = tmp_path / "homeward.backup"
    _command("backup", "--out", str(backup))
    sidecar_file = tmp_path / "homeward.backup.json"
    sidecar = json.loads(sidecar_file.read_text())
    sidecar["vendor"] = "oracle"
    sidecar_file.write_text(json.dumps(sidecar))
    with pytest.raises(CommandError, match="oracle"):
        _command("restore", str(backup), "--yes")
    assert Child.objects.filter(pk=world.child.pk).exists()


def test_a_restore_refuses_without_yes(world, tmp_path: Path) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="--yes"):
        _command("restore", str(tmp_path / "homeward.backup"))
    assert AuditEvent.objects.count() == count
    assert Child.objects.filter(pk=world.child.pk).exists()


def test_subject_access_exports_the_child_and_nothing_of_another(world, tmp_path: Path) -> None:
    now = timezone.now()
    episode, _ = episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child,
        kind="missing",
        started_at=now - datetime.timedelta(hours=2),
    )
    episode_add_update(user=world.provider_staff, why="test", episode=episode, kind="note", text="Called her phone")
    other, _ = episode_open(
        user=world.other_provider_staff,
        why="test",
        child=world.leeds_child,
        kind="missing",
        started_at=now - datetime.timedelta(hours=2),
    )
    out = tmp_path / "sar.json"

    printed = _command("subject_access", str(world.child.pk), "--out", str(out))

    text = out.read_text()
    export = json.loads(text)
    assert export["child"]["id"] == world.child.pk
    assert [name["first_name"] for name in export["other_names"]] == ["Mira"]
    assert [e["id"] for e in export["episodes"]] == [episode.pk]
    assert "Called her phone" in [u["text"] for u in export["episodes"][0]["updates"]]
    assert len(export["placements"]) == 1
    entries = export["audit_entries"]
    assert entries and {e["child_id"] for e in entries} == {world.child.pk}
    assert any(e["object_type"] == "episode" and e["object_id"] == str(episode.pk) for e in entries)
    assert any(e["action"] == "read" and e["why"] == "subject access export" for e in entries)
    # Nothing of the Leeds child who shares her first name.
    assert "Hussain" not in text and "LDS001" not in text
    assert other.pk not in [e["id"] for e in export["episodes"]]
    assert str(out) in printed
    # The export is itself in the child's access log.
    assert (
        AuditEvent.objects.filter(
            child_id=world.child.pk, action="read", why="subject access export", username="system"
        ).count()
        == 1
    )


def test_subject_access_of_an_unknown_child_is_refused(db, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No child"):
        _command("subject_access", "999999", "--out", str(tmp_path / "sar.json"))
