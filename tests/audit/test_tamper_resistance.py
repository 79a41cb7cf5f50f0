"""The audit log against someone with database access: REPLACE INTO is refused, the chain is keyed
(HMAC with a key outside the database), and a signed anchor kept elsewhere catches what the chain
alone cannot (entries cut off the end, a chain sealed again)."""

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from homeward.audit import triggers
from homeward.audit.models import AuditEvent
from homeward.audit.services import GENESIS, audit_record, audit_verify
from homeward.children.selectors import child_get

CONTENTS = "contents do not match its hash"


def _audit(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _plain_sha256(event: AuditEvent) -> str:
    return hashlib.sha256(event.canonical().encode()).hexdigest()


def _wrong_key(event: AuditEvent) -> str:
    return hmac.new(b"a key the attacker guessed", event.canonical().encode(), hashlib.sha256).hexdigest()


def _the_real_key(event: AuditEvent) -> str:
    return event.compute_hash()


def _rewrite_and_reseal(victim_index: int, hasher: Callable[[AuditEvent], str]) -> list[AuditEvent]:
    """Rewrite one entry's detail and recompute every later hash with `hasher`, behind the triggers'
    back, as someone with the database owner's rights could. Returns the entries re-sealed."""
    events = list(AuditEvent.objects.order_by("seq"))
    resealed = events[victim_index:]
    resealed[0].detail = {"rewritten": "to hide what was read"}
    previous = events[victim_index - 1].hash
    triggers.remove(connection)
    try:
        for event in resealed:
            event.prev_hash = previous
            event.hash = hasher(event)
            AuditEvent.objects.filter(pk=event.pk).update(
                detail=event.detail, prev_hash=event.prev_hash, hash=event.hash
            )
            previous = event.hash
    finally:
        triggers.install(connection)
    return resealed


def _cut_the_tail(n: int) -> None:
    last = list(AuditEvent.objects.order_by("-seq").values_list("pk", flat=True)[:n])
    triggers.remove(connection)
    try:
        AuditEvent.objects.filter(pk__in=last).delete()
    finally:
        triggers.install(connection)


# ---------------------------------------------------------------------------------------------
# REPLACE INTO, and its PostgreSQL cousin
# ---------------------------------------------------------------------------------------------


def _columns_and_values(event: AuditEvent, **changes) -> tuple[str, list]:
    row = {
        "id": event.pk,
        "seq": event.seq,
        "at": event.at,
        "user_id": event.user_id,
        "username": event.username,
        "agency_code": event.agency_code,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "child_id": event.child_id,
        "why": event.why,
        "detail": json.dumps(event.detail),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        **changes,
    }
    return ", ".join(row), list(row.values())


@pytest.mark.parametrize(
    ("collides_on", "column"),
    [
        pytest.param({}, "id", id="every-unique-column"),
        pytest.param({"seq": 10**9, "hash": "f" * 64}, "id", id="id"),
        pytest.param({"id": 10**9, "hash": "f" * 64}, "seq", id="seq"),
        pytest.param({"id": 10**9, "seq": 10**9}, "hash", id="hash"),
    ],
)
def test_replace_into_an_existing_entry_fails_and_leaves_it_unchanged(world, collides_on, column):
    """SQLite's REPLACE INTO, and PostgreSQL's nearest statement (an upsert on the same column)."""
    victim = AuditEvent.objects.order_by("seq")[2]
    columns, values = _columns_and_values(victim, why="covered up", **collides_on)
    placeholders = ", ".join(["%s"] * len(values))
    if connection.vendor == "sqlite":
        statement = f"REPLACE INTO audit_auditevent ({columns}) VALUES ({placeholders})"
    else:
        statement = (
            f"INSERT INTO audit_auditevent ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({column}) DO UPDATE SET why = excluded.why"
        )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, values)
    after = AuditEvent.objects.get(pk=victim.pk)
    assert (after.why, after.hash, after.seq) == (victim.why, victim.hash, victim.seq)
    assert audit_verify() == []


def test_an_upsert_over_an_existing_entry_fails_and_leaves_it_unchanged(world):
    victim = AuditEvent.objects.order_by("seq")[2]
    columns, values = _columns_and_values(victim, why="covered up")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO audit_auditevent ({columns}) VALUES ({', '.join(['%s'] * len(values))}) "
                "ON CONFLICT (id) DO UPDATE SET why = excluded.why",
                values,
            )
    assert AuditEvent.objects.get(pk=victim.pk).why == victim.why


def test_appending_still_works_with_the_replace_guard(world):
    before = AuditEvent.objects.count()
    audit_record(user=None, action="read", object_type="child", why="after the guard")
    assert AuditEvent.objects.count() == before + 1 and audit_verify() == []


# ---------------------------------------------------------------------------------------------
# The keyed chain
# ---------------------------------------------------------------------------------------------


def test_each_hash_is_an_hmac_under_the_key_from_the_settings(world, settings):
    event = AuditEvent.objects.order_by("-seq").first()
    expected = hmac.new(settings.HOMEWARD_AUDIT_KEY.encode(), event.canonical().encode(), hashlib.sha256).hexdigest()
    assert event.hash == expected != _plain_sha256(event)
    assert AuditEvent.objects.order_by("seq").first().prev_hash == GENESIS


def test_the_chain_does_not_verify_under_another_key(world, settings):
    settings.HOMEWARD_AUDIT_KEY = "another installation's key, 32 characters or more"
    problems = audit_verify()
    assert {p.reason for p in problems} == {CONTENTS} and len(problems) == AuditEvent.objects.count()
    err = StringIO()
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert "is this the audit key the log was written with" in err.getvalue()


def test_a_single_rewritten_entry_does_not_blame_the_key(world):
    _rewrite_and_reseal(2, _plain_sha256)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert "audit key" not in err.getvalue()


@pytest.mark.parametrize("hasher", [_plain_sha256, _wrong_key], ids=["plain-sha256", "wrong-key"])
def test_verify_fails_after_a_chain_is_resealed_without_the_key(world, hasher):
    resealed = _rewrite_and_reseal(2, hasher)
    # The links hold and the numbers run on: only the key shows the rewrite, at every entry re-sealed.
    assert [(p.event_id, p.reason) for p in audit_verify()] == [(event.pk, CONTENTS) for event in resealed]
    with pytest.raises(CommandError, match="Audit chain broken"):
        _audit("verify")


def test_verify_fails_after_a_forged_entry_is_appended(world):
    last = AuditEvent.objects.order_by("-seq").first()
    forged = AuditEvent(
        seq=last.seq + 1,
        at=timezone.now(),
        user_id=None,
        username="system",
        agency_code="",
        role="",
        action="read",
        object_type="child",
        object_id="1",
        child_id=None,
        why="nothing to see",
        detail={},
        prev_hash=last.hash,
    )
    forged.hash = _plain_sha256(forged)
    forged.save(force_insert=True)  # inserting is allowed: the log is append-only, not closed
    assert [(p.event_id, p.reason) for p in audit_verify()] == [(forged.pk, CONTENTS)]
    with pytest.raises(CommandError, match="Audit chain broken"):
        _audit("verify")


# ---------------------------------------------------------------------------------------------
# Anchors
# ---------------------------------------------------------------------------------------------


def _anchor(tmp_path, name: str = "anchor.json") -> tuple[str, dict]:
    path = tmp_path / name
    _audit("anchor", "--out", str(path))
    return str(path), json.loads(path.read_text())


def test_anchor_writes_the_signed_head_and_count(world, tmp_path, settings):
    path, anchor = _anchor(tmp_path)
    last = AuditEvent.objects.order_by("-seq").first()
    assert set(anchor) == {"head", "count", "at", "signature"}
    assert (anchor["head"], anchor["count"]) == (last.hash, last.seq) == (last.hash, AuditEvent.objects.count())
    signed = "homeward audit anchor\n" + json.dumps(
        {"at": anchor["at"], "count": anchor["count"], "head": anchor["head"]}, sort_keys=True, separators=(",", ":")
    )
    assert (
        anchor["signature"]
        == hmac.new(settings.HOMEWARD_AUDIT_KEY.encode(), signed.encode(), hashlib.sha256).hexdigest()
    )
    out, _ = _audit("verify", "--anchor", path)
    assert out.startswith(f"Audit chain intact against the anchor of {anchor['at']}")


def test_a_chain_that_grew_since_the_anchor_passes(world, tmp_path):
    path, _ = _anchor(tmp_path)
    child_get(user=world.social_worker, child_id=world.child.pk, why="test:later read")
    out, _ = _audit("verify", "--anchor", path)
    assert "Audit chain intact" in out


def test_an_anchor_written_before_entries_were_cut_off_the_end_makes_verify_fail(world, tmp_path):
    path, anchor = _anchor(tmp_path)
    _cut_the_tail(2)
    _audit("verify")  # the chain that is left is intact in itself
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", "--anchor", path, stdout=StringIO(), stderr=err)
    assert str(failure.value) == (
        f"Audit chain broken against the anchor of {anchor['at']} ({anchor['count']} entries, head {anchor['head']}): 2 problem(s)."
    )
    assert err.getvalue().splitlines() == [
        f"chain: has {anchor['count'] - 2} entries, fewer than the {anchor['count']} recorded: entries were removed",
        f"chain: no longer holds the recorded head {anchor['head']}: it, or entries up to it, were removed or changed",
    ]


def test_an_anchor_catches_a_chain_resealed_by_someone_holding_the_key(world, tmp_path):
    path, _ = _anchor(tmp_path)
    _rewrite_and_reseal(2, _the_real_key)
    assert audit_verify() == []  # with the key, the rewrite is a valid chain...
    err = StringIO()
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("audit", "verify", "--anchor", path, stdout=StringIO(), stderr=err)
    assert "no longer holds the recorded head" in err.getvalue()  # ...but not the one anchored


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a: {**a, "count": a["count"] - 1}, id="count"),
        pytest.param(lambda a: {**a, "head": "0" * 64}, id="head"),
        pytest.param(lambda a: {**a, "at": "2000-01-01T00:00:00+00:00"}, id="time"),
    ],
)
def test_an_altered_anchor_is_refused(world, tmp_path, change):
    path, anchor = _anchor(tmp_path)
    (tmp_path / "anchor.json").write_text(json.dumps(change(anchor)))
    with pytest.raises(CommandError, match="signature does not match"):
        _audit("verify", "--anchor", path)


def test_an_anchor_signed_with_another_key_is_refused(world, tmp_path, settings):
    path, _ = _anchor(tmp_path)
    settings.HOMEWARD_AUDIT_KEY = "another installation's key, 32 characters or more"
    with pytest.raises(CommandError, match="signature does not match"):
        _audit("verify", "--anchor", path)


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"head": "x"}', json.dumps({"head": "0" * 64, "count": "3", "at": "", "signature": "0" * 64})],
)
def test_a_file_that_is_not_an_anchor_is_refused(world, tmp_path, text):
    path = tmp_path / "anchor.json"
    path.write_text(text)
    with pytest.raises(CommandError, match="refused"):
        _audit("verify", "--anchor", str(path))
    with pytest.raises(CommandError, match="Cannot read the anchor"):
        _audit("verify", "--anchor", str(tmp_path / "missing.json"))


def test_an_anchor_and_an_expected_head_are_not_given_together(world, tmp_path):
    path, anchor = _anchor(tmp_path)
    with pytest.raises(CommandError, match="not both"):
        _audit("verify", "--anchor", path, "--expect-count", str(anchor["count"]))


def test_a_broken_chain_is_not_anchored(world, tmp_path):
    _rewrite_and_reseal(2, _plain_sha256)
    with pytest.raises(CommandError, match="Not anchored: the audit chain is broken"):
        _audit("anchor", "--out", str(tmp_path / "anchor.json"))
    assert not (tmp_path / "anchor.json").exists()


def test_anchor_needs_somewhere_to_go(world):
    with pytest.raises(CommandError, match="--out FILE and/or --url URL"):
        _audit("anchor")


@pytest.fixture
def receiver():
    """A tiny HTTP service on localhost that keeps what is POSTed to it; /refuse answers 500."""
    received: list[SimpleNamespace] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                SimpleNamespace(path=self.path, content_type=self.headers["Content-Type"], body=json.loads(body))
            )
            self.send_response(500 if self.path == "/refuse" else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", received=received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_anchor_posts_the_signed_head_to_a_url(world, tmp_path, receiver):
    out, _ = _audit("anchor", "--url", f"{receiver.url}/anchors", "--out", str(tmp_path / "anchor.json"))
    assert "(HTTP 201)" in out
    [posted] = receiver.received
    assert (posted.path, posted.content_type) == ("/anchors", "application/json")
    assert posted.body == json.loads((tmp_path / "anchor.json").read_text())
    assert posted.body["head"] == AuditEvent.objects.order_by("-seq").first().hash
    # What was sent verifies as an anchor read back from the other service.
    (tmp_path / "returned.json").write_text(json.dumps(posted.body))
    _audit("verify", "--anchor", str(tmp_path / "returned.json"))


def test_an_anchor_the_url_refuses_fails_the_command(world, receiver):
    with pytest.raises(CommandError, match="not accepted by .*/refuse: HTTP 500"):
        _audit("anchor", "--url", f"{receiver.url}/refuse")


def test_anchor_posts_only_over_http(world):
    with pytest.raises(CommandError, match="http:// or https://"):
        _audit("anchor", "--url", "file:///etc/passwd")


# ---------------------------------------------------------------------------------------------
# The migration that keys an existing chain
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_an_existing_chain_and_refuses_a_broken_one():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("audit", "0003_sequence_numbers")], [("audit", "0004_keyed_chain")]

    def migrate(targets) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)

    migrate(before)
    try:
        previous = GENESIS
        for seq in range(1, 4):
            event = AuditEvent(
                seq=seq,
                at=timezone.now(),
                username="system",
                action="read",
                object_type="child",
                object_id=str(seq),
                why="before keying",
                detail={"n": seq},
                prev_hash=previous,
            )
            event.hash = previous = _plain_sha256(event)
            event.save(force_insert=True)
        assert {p.reason for p in audit_verify()} == {CONTENTS}  # a plain chain is not a keyed one

        migrate(after)
        assert audit_verify() == []
        audit_record(user=None, action="read", object_type="child", why="after keying")
        assert audit_verify() == []
        if connection.vendor == "sqlite":  # the REPLACE guard is installed too
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("REPLACE INTO audit_auditevent SELECT * FROM audit_auditevent WHERE seq = 1")

        migrate(before)  # and back again: a valid plain chain
        events = list(AuditEvent.objects.order_by("seq"))
        assert [e.hash for e in events] == [_plain_sha256(e) for e in events]
        assert [e.prev_hash for e in events] == [GENESIS] + [e.hash for e in events[:-1]]

        triggers.remove(connection)
        AuditEvent.objects.filter(seq=2).update(why="changed")
        triggers.install(connection)
        with pytest.raises(RuntimeError, match="broken at entry"):
            migrate(after)
    finally:
        triggers.remove(connection)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
        migrate(after)
