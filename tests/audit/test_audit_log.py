"""The audit log: every read recorded, append-only at the database, tamper-evident, one chain."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from homeward.audit import triggers
from homeward.audit.models import AuditEvent
from homeward.audit.services import GENESIS, audit_check, audit_record, audit_record_many, audit_verify
from homeward.children.selectors import child_get


def test_a_read_creates_an_entry(world):
    before = AuditEvent.objects.count()
    child_get(user=world.host_coordinator, child_id=world.child.pk, why="test:read")
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert event.username == world.host_coordinator.username
    assert event.agency_code == "E08000025"
    assert (event.action, event.object_type, event.child_id, event.why) == (
        "read",
        "child",
        world.child.pk,
        "test:read",
    )


def test_writes_are_audited_too(world):
    creations = AuditEvent.objects.filter(action="create", child_id=world.moved_child.pk)
    assert sorted(creations.values_list("object_type", flat=True)) == ["child", "placement", "placement"]


def test_updating_an_entry_fails_at_the_database(world):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(why="covered up")


def test_deleting_an_entry_fails_at_the_database(world):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=AuditEvent.objects.first().pk).delete()


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the triggers' back, as someone with the database owner's rights could."""
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    triggers.install(connection)


def test_verify_passes_on_an_intact_chain(world):
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit chain intact" in out.getvalue()
    assert audit_verify() == []


def test_tampering_with_a_row_makes_verify_fail(world):
    victim = AuditEvent.objects.order_by("id")[2]
    _tamper("UPDATE audit_auditevent SET username = %s WHERE id = %s", ["someone-else", victim.pk])
    problems = audit_verify()
    assert [(p.event_id, p.reason) for p in problems] == [(victim.pk, "contents do not match its hash")]
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())


def test_removing_a_row_makes_verify_fail(world):
    victim = AuditEvent.objects.order_by("id")[2]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    problems = audit_verify()
    assert problems and problems[0].reason == "does not link to the entry before it"


def test_the_chain_starts_at_genesis(world):
    assert AuditEvent.objects.order_by("id").first().prev_hash == GENESIS


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_valid_chain():
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                audit_record(
                    user=None, action="read", object_type="child", object_id=f"{n}-{i}", why="concurrency test"
                )
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == writers * per_writer
    assert audit_verify() == []
    # One chain: every entry's predecessor is unique (no fork).
    assert AuditEvent.objects.values("prev_hash").distinct().count() == writers * per_writer


# ---------------------------------------------------------------------------------------------
# Sequence numbers: gaps show, and entries cut off the end are caught against a recorded head
# ---------------------------------------------------------------------------------------------


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _recorded() -> tuple[str, str]:
    """The head and count an operator copies from a successful verify."""
    out, _ = _verify()
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.startswith(("head ", "count ")))
    return lines["head"], lines["count"]


def _cut_the_tail(n: int) -> None:
    last = list(AuditEvent.objects.order_by("-seq").values_list("pk", flat=True)[:n])
    _tamper(f"DELETE FROM audit_auditevent WHERE id IN ({', '.join(['%s'] * n)})", last)


def test_entries_are_numbered_one_by_one_from_one(world):
    audit_record_many(user=None, action="read", object_type="child", why="test", items=[(1, None), (2, None)])
    audit_record(user=None, action="read", object_type="child", why="test")
    seqs = list(AuditEvent.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_the_number_is_covered_by_the_hash(world):
    victim = AuditEvent.objects.order_by("seq")[2]
    _tamper("UPDATE audit_auditevent SET seq = seq + 1000 WHERE id = %s", [victim.pk])
    reasons = {p.reason for p in audit_verify() if p.event_id == victim.pk}
    assert "contents do not match its hash" in reasons


def test_a_gap_shows_even_when_the_hashes_after_it_were_recomputed(world):
    """Someone who cuts an entry out and recomputes every later hash leaves the links intact, but not
    the numbering."""
    events = list(AuditEvent.objects.order_by("seq"))
    victim, later = events[2], events[3:]
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
            previous = events[1].hash
            for event in later:
                event.prev_hash = previous
                event.hash = event.compute_hash()
                cursor.execute(
                    "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                    [event.prev_hash, event.hash, event.pk],
                )
                previous = event.hash
    finally:
        triggers.install(connection)
    problems = audit_verify()
    assert [(p.event_id, p.reason) for p in problems] == [
        (later[0].pk, f"is number {victim.seq + 1} but follows number {victim.seq - 1}: 1 entries missing")
    ]


def test_verify_prints_the_head_and_count_to_record(world):
    out, _ = _verify()
    head, count = _recorded()
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head, int(count)) == (last.hash, AuditEvent.objects.count()) == (last.hash, last.seq)
    assert f"--expect-head {head} --expect-count {count}" in out


def test_entries_cut_off_the_end_are_caught_by_the_recorded_head_and_count(world):
    head, count = _recorded()
    _cut_the_tail(2)
    # The chain that is left is intact in itself: only what was recorded shows the loss.
    assert audit_verify() == []
    for args in (["--expect-head", head], ["--expect-count", count], ["--expect-head", head, "--expect-count", count]):
        with pytest.raises(CommandError, match="Audit chain broken"):
            _verify(*args)
    report = audit_check(expect_head=head, expect_count=int(count))
    assert [p.event_id for p in report.problems] == [None, None]
    assert (
        "fewer than the" in report.problems[0].reason
        and "no longer holds the recorded head" in report.problems[1].reason
    )


def test_a_chain_that_grew_since_the_recording_passes(world):
    head, count = _recorded()
    child_get(user=world.social_worker, child_id=world.child.pk, why="test:later read")
    out, _ = _verify("--expect-head", head, "--expect-count", count)
    assert "Audit chain intact" in out


def test_a_recorded_head_that_does_not_match_its_count_fails(world):
    head, count = _recorded()
    child_get(user=world.social_worker, child_id=world.child.pk, why="test:later read")
    problems = audit_verify(expect_head=head, expect_count=int(count) + 1)
    assert [p.reason for p in problems] == [
        f"holds the recorded head as entry {count}, not entry {int(count) + 1} as recorded"
    ]


def test_a_malformed_head_is_refused(world):
    with pytest.raises(CommandError, match="64 lower-case hexadecimal"):
        _verify("--expect-head", "not-a-hash")


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_and_seals_an_existing_log_and_refuses_a_broken_one():
    from django.db.migrations.executor import MigrationExecutor

    # Forward through 0004 as well: the chain verifies only once keyed (test_tamper_resistance.py).
    before, after = [("audit", "0002_append_only")], [("audit", "0004_keyed_chain")]

    def migrate(targets) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)

    migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("audit", "AuditEvent")
        import hashlib
        import json

        from django.utils import timezone

        previous = GENESIS
        for n in range(3):
            row = {
                "at": timezone.now(),
                "user_id": None,
                "username": "system",
                "agency_code": "",
                "role": "",
                "action": "read",
                "object_type": "child",
                "object_id": str(n),
                "child_id": None,
                "why": "before numbering",
                "detail": {},
                "prev_hash": previous,
            }
            text = json.dumps({**row, "at": row["at"].isoformat()}, sort_keys=True, separators=(",", ":"), default=str)
            previous = hashlib.sha256(text.encode()).hexdigest()
            old.objects.create(**row, hash=previous)
        migrate(after)
        assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3]
        assert audit_verify() == []
        audit_record(user=None, action="read", object_type="child", why="after numbering")
        assert AuditEvent.objects.latest("id").seq == 4 and audit_verify() == []
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(seq=1).delete()  # the triggers are back

        migrate(before)  # and back again, still a valid chain of the old kind
        _tamper("UPDATE audit_auditevent SET why = %s WHERE object_id = %s", ["changed", "1"])
        with pytest.raises(RuntimeError, match="broken at entry"):
            migrate(after)
    finally:
        triggers.remove(connection)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        migrate(after)
