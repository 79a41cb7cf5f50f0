"""Writing to and checking the audit log, and signing its head (anchors) to keep elsewhere."""

import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from homeward.audit.models import Action, AuditEvent, keyed_hash

GENESIS = "0" * 64
# Any constant will do: it names the one advisory lock that serialises appends on PostgreSQL.
_PG_CHAIN_LOCK = 0x486F6D65  # "Home"


def _lock_chain() -> None:
    # Each entry's hash covers the previous entry's, so appends must be serialised. On PostgreSQL a
    # transaction-level advisory lock does it; SQLite takes its write lock at BEGIN (IMMEDIATE mode).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def _event(user, *, action, object_type, why, object_id="", child_id=None, detail=None, prev_hash, seq) -> AuditEvent:
    agency = getattr(user, "agency", None)
    event = AuditEvent(
        seq=seq,
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


# The actions that disclose a child's record (or part of it) to the person acting.
DISCLOSURES = frozenset({Action.READ, Action.LIST, Action.SEARCH, Action.EXPORT})
# The detail key of a disclosure's lawful basis: the reasons (agencies.access.REASONS) the person's
# agency had to see the child at that moment, and any the caller names (a force's look-up).
DISCLOSED_UNDER = "disclosed_under"


def _disclosed_under(user, action: str, child_ids: Iterable[int | None]) -> dict[int, list[str]]:
    """For each child disclosed to someone of another agency than the council responsible for it,
    the reasons that agency had to see it. The duty to share (Children's Wellbeing and Schools Act
    2026, s16LA Children Act 2004) makes every such disclosure answerable: kept in the entry, the
    child's register of sharing (children.sharing.child_sharing_register) is read from this log alone."""
    agency_id = getattr(user, "agency_id", None)
    ids = {pk for pk in child_ids if pk is not None}
    if action not in DISCLOSURES or agency_id is None or not ids:
        return {}
    from homeward.agencies.access import access_reasons_many
    from homeward.children.models import Child

    others = Child.objects.filter(pk__in=ids).exclude(responsible_authority_id=agency_id).values_list("pk", flat=True)
    return access_reasons_many(user, list(others))


def _detail(detail: dict | None, reasons: list[str] | None) -> dict:
    if reasons is None:
        return detail or {}
    named = list((detail or {}).get(DISCLOSED_UNDER, []))
    return {**(detail or {}), DISCLOSED_UNDER: list(dict.fromkeys(named + reasons))}


def _last() -> tuple[str, int]:
    """The hash and sequence number of the chain's last entry. Read only under _lock_chain()."""
    return AuditEvent.objects.order_by("-seq").values_list("hash", "seq").first() or (GENESIS, 0)


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
    disclosed = _disclosed_under(user, action, [child_id])
    with transaction.atomic():
        _lock_chain()
        prev_hash, last_seq = _last()
        event = _event(
            user,
            action=action,
            object_type=object_type,
            why=why,
            object_id=object_id,
            child_id=child_id,
            detail=_detail(detail, disclosed.get(child_id)),
            prev_hash=prev_hash,
            seq=last_seq + 1,
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
    items = list(items)
    disclosed = _disclosed_under(user, action, [child_id for _, child_id in items])
    with transaction.atomic():
        _lock_chain()
        previous, seq = _last()
        events = []
        for object_id, child_id in items:
            seq += 1
            event = _event(
                user,
                action=action,
                object_type=object_type,
                why=why,
                object_id=object_id,
                child_id=child_id,
                detail=_detail(detail, disclosed.get(child_id)),
                prev_hash=previous,
                seq=seq,
            )
            previous = event.hash
            events.append(event)
        # Ids follow insertion order in one bulk insert, so the chain stays in id order.
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        return len(events)


@dataclass
class ChainProblem:
    event_id: int | None  # None for a problem with the chain as a whole (its end)
    reason: str


@dataclass
class ChainReport:
    problems: list[ChainProblem]
    head: str  # the last entry's hash (GENESIS for an empty log)
    count: int


def audit_check(
    events: Iterable[AuditEvent] | None = None, *, expect_head: str | None = None, expect_count: int | None = None
) -> ChainReport:
    """Walk the chain in sequence order; report every entry whose hash, link or number does not hold.

    The chain alone cannot show entries cut off its end. An operator who recorded the head and count
    printed by an earlier check passes them back: the recorded head must still be in the chain (as
    entry number `expect_count`, when both are given) and the chain must have at least that many
    entries. A chain that has grown since passes.
    """
    problems: list[ChainProblem] = []
    previous, previous_seq, count, head_seq = GENESIS, 0, 0, None
    events = events if events is not None else AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)
    for event in events:
        count += 1
        if event.prev_hash != previous:
            problems.append(ChainProblem(event.id, "does not link to the entry before it"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.id, "contents do not match its hash"))
        if event.seq != previous_seq + 1:
            missing = event.seq - previous_seq - 1
            reason = f"is number {event.seq} but follows number {previous_seq}"
            problems.append(ChainProblem(event.id, f"{reason}: {missing} entries missing" if missing > 0 else reason))
        if expect_head is not None and event.hash == expect_head:
            head_seq = event.seq
        previous, previous_seq = event.hash, event.seq
    if expect_count is not None and count < expect_count:
        problems.append(
            ChainProblem(None, f"has {count} entries, fewer than the {expect_count} recorded: entries were removed")
        )
    if expect_head is not None and expect_head != GENESIS:
        if head_seq is None:
            problems.append(
                ChainProblem(
                    None,
                    f"no longer holds the recorded head {expect_head}: it, or entries up to it, were removed or changed",
                )
            )
        elif expect_count is not None and head_seq != expect_count:
            problems.append(
                ChainProblem(None, f"holds the recorded head as entry {head_seq}, not entry {expect_count} as recorded")
            )
    return ChainReport(problems=problems, head=previous, count=count)


def audit_verify(events: Iterable[AuditEvent] | None = None, **expected) -> list[ChainProblem]:
    """The problems audit_check finds (an empty list for an intact chain)."""
    return audit_check(events, **expected).problems


# ---------------------------------------------------------------------------------------------
# Anchors: the head and count of an intact chain, signed with the chain key, kept outside the
# database (a file elsewhere, or POSTed to another service). Verifying against one catches entries
# cut off the end, and a chain re-sealed even by someone holding the key, since the head it signed
# must still be in the chain at its number.
# ---------------------------------------------------------------------------------------------

# Signed text starts with this label, so an anchor's signature can never be mistaken for an
# entry's hash (whose text is a JSON object).
_ANCHOR_LABEL = "homeward audit anchor\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")


class AnchorError(ValueError):
    """An anchor that is malformed or whose signature does not match."""


def anchor_signature(*, head: str, count: int, at: str, key: bytes | None = None) -> str:
    text = json.dumps({"at": at, "count": count, "head": head}, sort_keys=True, separators=(",", ":"))
    return keyed_hash(_ANCHOR_LABEL + text, key)


def audit_anchor() -> dict:
    """The signed head of the chain as it is now. Raises AnchorError if the chain is broken: an
    anchor vouches for the chain up to its head, so a broken one is never anchored."""
    report = audit_check()
    if report.problems:
        raise AnchorError(
            f"the audit chain is broken ({len(report.problems)} problem(s): see `homeward audit verify`); not anchoring it"
        )
    at = timezone.now().isoformat()
    return {
        "head": report.head,
        "count": report.count,
        "at": at,
        "signature": anchor_signature(head=report.head, count=report.count, at=at),
    }


def anchor_load(text: str) -> dict:
    """An anchor read back, its signature checked against the chain key."""
    try:
        anchor = json.loads(text)
    except ValueError:
        raise AnchorError("not JSON") from None
    if not isinstance(anchor, dict) or set(anchor) != {"head", "count", "at", "signature"}:
        raise AnchorError("expected an object with exactly head, count, at and signature")
    head, count, at, signature = anchor["head"], anchor["count"], anchor["at"], anchor["signature"]
    if not (
        isinstance(head, str) and _HEX64.fullmatch(head) and isinstance(signature, str) and _HEX64.fullmatch(signature)
    ):
        raise AnchorError("head and signature must be 64 lower-case hexadecimal characters")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0 or not isinstance(at, str):
        raise AnchorError("count must be a whole number and at a time")
    if not hmac.compare_digest(signature, anchor_signature(head=head, count=count, at=at)):
        raise AnchorError("its signature does not match: it was changed, or signed with another audit key")
    return anchor
