"""The audit log: every read recorded, append-only at the database, tamper-evident, one chain."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from homeward.audit import triggers
from homeward.audit.models import AuditEvent
from homeward.audit.services import GENESIS, audit_record, audit_verify
from homeward.children.selectors import child_get


def test_a_read_creates_an_entry(world):
    before = AuditEvent.objects.count()
    child_get(user=world.host_coordinator, child_id=world.child.pk, why="test:read")
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert event.username == world.host_coordinator.username
    assert event.agency_code == "E08000025"
    assert (event.action, event.object_type, event.child_id, event.why) == ("read", "child", world.child.pk, "test:read")


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
                audit_record(user=None, action="read", object_type="child", object_id=f"{n}-{i}", why="concurrency test")
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
