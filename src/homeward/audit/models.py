"""The audit log: append-only (database triggers refuse changes) and hash-chained with a key."""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import models


def chain_key() -> bytes:
    """The key of the chain's HMACs. It is kept outside the database (HOMEWARD_AUDIT_KEY, else
    var/audit_key), so whoever can rewrite the table cannot compute the hashes of a rewritten chain."""
    return settings.HOMEWARD_AUDIT_KEY.encode()


def keyed_hash(text: str, key: bytes | None = None) -> str:
    return hmac.new(key if key is not None else chain_key(), text.encode(), hashlib.sha256).hexdigest()


class Action(models.TextChoices):
    READ = "read", "Read"
    LIST = "list", "List"
    SEARCH = "search", "Search"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    # A look-up refused because the record is outside the asker's scope (answered 404): kept so that
    # the responsible authority can see who tried (children.selectors.child_lookup).
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    # 1, 2, 3 ... with no gaps, assigned under the chain lock (audit.services) and covered by the hash:
    # a gap shows entries cut out even where the hashes after them were recomputed.
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    # Who: kept as text as well as ids so the entry still says who acted if accounts change.
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150)
    agency_code = models.CharField(max_length=16, blank=True)
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    child_id = models.BigIntegerField(null=True)  # no FK: the log outlives and never blocks the record
    why = models.CharField(max_length=200)  # the route, API endpoint or command
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["child_id", "at"])]

    def canonical(self) -> str:
        """The exact text hashed for this entry: every field but the id and the hash itself (the
        previous entry's hash among them, which makes the chain)."""
        return json.dumps(
            {
                "seq": self.seq,
                "at": self.at.isoformat(),
                "user_id": self.user_id,
                "username": self.username,
                "agency_code": self.agency_code,
                "role": self.role,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "child_id": self.child_id,
                "why": self.why,
                "detail": self.detail,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the canonical text under the chain key (or the key given)."""
        return keyed_hash(self.canonical(), key)
