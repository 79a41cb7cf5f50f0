"""Number every audit entry 1, 2, 3 ... and cover the number by the hash, so that gaps show.

Entries already in the log are numbered in id order and the chain is sealed again with the numbers
in the hashes. Re-sealing must never launder tampering, so the old chain is verified first and the
migration refuses to go on if it is broken. The append-only triggers are lifted for this migration
only (SQLite also rebuilds the table, which drops them) and installed again at the end.

The hashing is written out here, frozen as it was at each step, rather than taken from the model.
"""

import hashlib
import json

from django.db import migrations, models

from homeward.audit import triggers

GENESIS = "0" * 64
FIELDS = ["at", "user_id", "username", "agency_code", "role", "action", "object_type", "object_id", "child_id", "why", "detail", "prev_hash"]


def _hash(row: dict) -> str:
    text = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _fields(event, *, with_seq: bool) -> dict:
    row = {name: getattr(event, name) for name in FIELDS}
    row["at"] = event.at.isoformat()
    if with_seq:
        row["seq"] = event.seq
    return row


def _reseal(apps, schema_editor, *, from_seq: bool, to_seq: bool) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ordering = "seq" if from_seq else "id"
    previous = GENESIS
    updates = []
    for event in AuditEvent.objects.order_by(ordering).iterator(chunk_size=5000):
        if event.prev_hash != previous or _hash(_fields(event, with_seq=from_seq)) != event.hash:
            raise RuntimeError(
                f"The audit chain is broken at entry {event.pk}: run `homeward audit verify` on the previous "
                "release and investigate before migrating. Refusing to seal a broken chain again."
            )
        previous = event.hash
        updates.append(event)
    sealed = GENESIS
    rows = []
    for number, event in enumerate(updates, 1):
        event.seq = number
        event.prev_hash = sealed
        sealed = _hash(_fields(event, with_seq=to_seq))
        rows.append((number if to_seq else None, event.prev_hash, sealed, event.pk))
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(AuditEvent._meta.db_table)
        cursor.executemany(f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", rows)


def number_and_seal(apps, schema_editor) -> None:
    _reseal(apps, schema_editor, from_seq=False, to_seq=True)


def unseal(apps, schema_editor) -> None:
    _reseal(apps, schema_editor, from_seq=True, to_seq=False)


def lift_triggers(apps, schema_editor) -> None:
    triggers.remove(schema_editor.connection)


def install_triggers(apps, schema_editor) -> None:
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunPython(lift_triggers, install_triggers),
        migrations.AddField(model_name="auditevent", name="seq", field=models.BigIntegerField(null=True)),
        migrations.RunPython(number_and_seal, unseal),
        migrations.AlterField(model_name="auditevent", name="seq", field=models.BigIntegerField(unique=True)),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[("read", "Read"), ("list", "List"), ("search", "Search"), ("create", "Create"), ("update", "Update"),
                         ("delete", "Delete"), ("export", "Export"), ("denied", "Denied")],
                max_length=8,
            ),
        ),
        migrations.RunPython(install_triggers, lift_triggers),
    ]
