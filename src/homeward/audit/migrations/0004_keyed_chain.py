"""Key the audit chain: each entry's hash becomes an HMAC-SHA256 under a key kept outside the database
(HOMEWARD_AUDIT_KEY, else var/audit_key), so that whoever can rewrite the table cannot recompute the
hashes of a rewritten chain. On SQLite, also refuse REPLACE INTO (triggers.SQLITE_NO_REPLACE).

Entries already in the log are sealed again under the key, in sequence order, after the plain
SHA-256 chain has been verified: re-sealing must never launder tampering, so the migration refuses
to go on if the chain is broken. The reverse does the same the other way. The append-only triggers
are lifted for this migration only and installed again at the end. Run it with the service stopped.

The hashing is written out here, frozen as it is at this step, rather than taken from the model.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations

from homeward.audit import triggers

GENESIS = "0" * 64
FIELDS = ["seq", "at", "user_id", "username", "agency_code", "role", "action", "object_type", "object_id", "child_id", "why", "detail", "prev_hash"]
_PG_CHAIN_LOCK = 0x486F6D65  # audit.services: the lock every append takes


def _canonical(event) -> bytes:
    row = {name: getattr(event, name) for name in FIELDS}
    row["at"] = event.at.isoformat()
    return json.dumps(row, sort_keys=True, separators=(",", ":"), default=str).encode()


def _plain(event) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _keyed(event) -> str:
    return hmac.new(settings.HOMEWARD_AUDIT_KEY.encode(), _canonical(event), hashlib.sha256).hexdigest()


def _reseal(apps, schema_editor, *, old, new) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
    AuditEvent = apps.get_model("audit", "AuditEvent")
    previous, expected_seq = GENESIS, 1
    events = []
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        if event.prev_hash != previous or event.seq != expected_seq or old(event) != event.hash:
            raise RuntimeError(
                f"The audit chain is broken at entry {event.pk}: run `homeward audit verify` on the previous "
                "release and investigate before migrating. Refusing to seal a broken chain again."
            )
        previous, expected_seq = event.hash, expected_seq + 1
        events.append(event)
    sealed = GENESIS
    rows = []
    for event in events:
        event.prev_hash = sealed
        sealed = new(event)
        rows.append((event.prev_hash, sealed, event.pk))
    with connection.cursor() as cursor:
        table = schema_editor.quote_name(AuditEvent._meta.db_table)
        cursor.executemany(f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s", rows)


def key_the_chain(apps, schema_editor) -> None:
    _reseal(apps, schema_editor, old=_plain, new=_keyed)


def unkey_the_chain(apps, schema_editor) -> None:
    _reseal(apps, schema_editor, old=_keyed, new=_plain)


def lift_triggers(apps, schema_editor) -> None:
    triggers.remove(schema_editor.connection)


def install_triggers(apps, schema_editor) -> None:
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_sequence_numbers")]

    operations = [
        migrations.RunPython(lift_triggers, install_triggers),
        migrations.RunPython(key_the_chain, unkey_the_chain),
        migrations.RunPython(install_triggers, lift_triggers),
    ]
