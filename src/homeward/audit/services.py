"""Writing to and checking the audit log."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from homeward.audit.models import AuditEvent

GENESIS = "0" * 64
# Any constant will do: it names the one advisory lock that serialises appends on PostgreSQL.
_PG_CHAIN_LOCK = 0x486F6D65  # "Home"


def _lock_chain() -> None:
    # Each entry's hash covers the previous entry's, so appends must be serialised. On PostgreSQL a
    # transaction-level advisory lock does it; SQLite takes its write lock at BEGIN (IMMEDIATE mode).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def _event(user, *, action, object_type, why, object_id="", child_id=None, detail=None, prev_hash) -> AuditEvent:
    agency = getattr(user, "agency", None)
    event = AuditEvent(
        at=timezone.now(),
        user_id=getattr(user, "pk", None),
        username=getattr(user, "username", "") or "system",
        agency_code=agency.code if agency else "",
        role=getattr(user, "role", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        why=why[:200],
        detail=detail or {},
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    return event


def _last_hash() -> str:
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS


def audit_record(
    *,
    user,
    action: str,
    object_type: str,
    why: str,
    object_id: object = "",
    child_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one entry. Call inside the same transaction as the read or write it records."""
    with transaction.atomic():
        _lock_chain()
        event = _event(
            user, action=action, object_type=object_type, why=why, object_id=object_id,
            child_id=child_id, detail=detail, prev_hash=_last_hash(),
        )
        event.save(force_insert=True)
        return event


def audit_record_many(
    *,
    user,
    action: str,
    object_type: str,
    why: str,
    items: Iterable[tuple[object, int | None]],
    detail: dict | None = None,
) -> int:
    """Append one entry per (object_id, child_id) in a single transaction: for imports and loaders."""
    with transaction.atomic():
        _lock_chain()
        previous = _last_hash()
        events = []
        for object_id, child_id in items:
            event = _event(
                user, action=action, object_type=object_type, why=why, object_id=object_id,
                child_id=child_id, detail=detail, prev_hash=previous,
            )
            previous = event.hash
            events.append(event)
        # Ids follow insertion order in one bulk insert, so the chain stays in id order.
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        return len(events)


@dataclass
class ChainProblem:
    event_id: int
    reason: str


def audit_verify(events: Iterable[AuditEvent] | None = None) -> list[ChainProblem]:
    """Walk the chain in order; report every entry whose hash or link does not hold."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    events = events if events is not None else AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    for event in events:
        if event.prev_hash != previous:
            problems.append(ChainProblem(event.id, "does not link to the entry before it"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.id, "contents do not match its hash"))
        previous = event.hash
    return problems
