"""Backing up and restoring the whole database, with a sidecar that says what the backup holds.

SQLite: the online backup API (a consistent copy of a live database, WAL and all). PostgreSQL:
pg_dump's custom format and pg_restore. The sidecar (FILE.json) records the vendor, the latest
applied migration per app and the audit chain's head and count, so a restore can prove it brought
back the chain the backup held: the chain must verify, with exactly that head and count.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from homeward.audit.services import ChainReport, audit_check


class BackupError(Exception):
    """A backup or restore that could not be done, or a restore whose chain does not match."""


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def migration_state() -> dict[str, str]:
    """The latest applied migration of each app (names start with their number, so the greatest is the latest)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _pg_command(program: str, settings: dict) -> tuple[list[str], dict[str, str]]:
    """The client program with the connection's host, port, user and database, and its environment."""
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (the PostgreSQL client programs are needed)")
    command = [program]
    if settings.get("HOST"):
        command += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        command += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        command += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return command, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _sqlite_copy(source: str, target: str) -> None:
    """Page-by-page copy with the online backup API: consistent even while others write to the source."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


@dataclass
class BackupSummary:
    path: Path
    sidecar: dict


def database_backup(*, out: Path) -> BackupSummary:
    """Back the database up into `out` and write the sidecar `out`.json beside it.

    The chain's head and count are read in the very state the backup copies: on SQLite under the
    write lock the copy is made under (BEGIN IMMEDIATE), on PostgreSQL in the snapshot pg_dump is
    given. So the sidecar describes the backup, whatever is written meanwhile.
    """
    settings = connection.settings_dict
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {vendor} databases are not supported")
    if out.exists():
        out.unlink()
    if vendor == "sqlite":
        # A read transaction (not Django's atomic(): that is BEGIN IMMEDIATE, a write lock, and the
        # backup API refuses to read from a connection that holds one). In WAL mode it is a snapshot
        # that both the chain check and the copy read, however others write meanwhile.
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("BEGIN DEFERRED")
        try:
            report = audit_check()
            migrations = migration_state()
            target = sqlite3.connect(str(out))
            try:
                raw.backup(target)
            finally:
                target.close()
        finally:
            raw.execute("COMMIT")
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            report = audit_check()
            migrations = migration_state()
            command, env = _pg_command("pg_dump", settings)
            _run(
                [*command, "--format=custom", f"--snapshot={snapshot}", "--file", str(out), str(settings["NAME"])], env
            )
    # A broken chain is still backed up (the backup is evidence); the command then fails loudly.
    sidecar = {
        "vendor": vendor,
        "database": str(settings["NAME"]),
        "migrations": migrations,
        "audit_head": report.head,
        "audit_count": report.count,
        "audit_problems": len(report.problems),
        "at": timezone.now().isoformat(),
    }
    sidecar_path(out).write_text(json.dumps(sidecar, indent=2) + "\n")
    return BackupSummary(path=out, sidecar=sidecar)


@dataclass
class RestoreSummary:
    sidecar: dict
    report: ChainReport


def database_restore(*, path: Path) -> RestoreSummary:
    """Replace the database with the backup at `path`, then prove the chain is the one backed up."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    try:
        sidecar = json.loads(sidecar_path(path).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read the backup's sidecar {sidecar_path(path)}: {error}") from None
    if sidecar.get("vendor") != connection.vendor:
        raise BackupError(f"the backup is of a {sidecar.get('vendor')} database; this one is {connection.vendor}")
    settings = connection.settings_dict
    # Nothing of ours may hold the database while it is replaced.
    connection.close()
    if connection.vendor == "sqlite":
        _sqlite_copy(str(path), str(settings["NAME"]))
    else:
        command, env = _pg_command("pg_restore", settings)
        # One transaction: a restore that fails part-way leaves the database as it was.
        _run(
            [
                *command,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(settings["NAME"]),
                str(path),
            ],
            env,
        )
    report = audit_check(expect_head=sidecar["audit_head"], expect_count=sidecar["audit_count"])
    problems = [problem.reason for problem in report.problems]
    if report.head != sidecar["audit_head"] or report.count != sidecar["audit_count"]:
        problems.append(
            f"the restored chain ends at {report.head} with {report.count} entries; the backup's ends at "
            f"{sidecar['audit_head']} with {sidecar['audit_count']}"
        )
    if problems:
        raise BackupError("the restored audit chain does not match the backup: " + "; ".join(problems))
    return RestoreSummary(sidecar=sidecar, report=report)
