"""Refused look-ups: every one recorded as `denied`, even when the refusal rolls its transaction back.

A look-up refused inside a service's transaction (an API call acting on an episode out of scope)
raises Http404 and so rolls back everything written in that transaction, an audit entry with it.
So while a request is being served the refusal is kept aside, and the request's door records it
once the response is made (`refusals_recorded`, a middleware), whatever happened to the
transactions. Outside a request (a command) it is recorded at once.
"""

from contextvars import ContextVar
from dataclasses import dataclass

from homeward.audit.models import Action
from homeward.audit.services import audit_record

_pending: ContextVar[list | None] = ContextVar("pending_refusals", default=None)


@dataclass(frozen=True)
class Refusal:
    user: object
    object_type: str
    object_id: str
    child_id: int | None  # the child's, when such a record exists: it shows in the child's access log
    why: str

    def record(self) -> None:
        audit_record(
            user=self.user,
            action=Action.DENIED,
            object_type=self.object_type,
            object_id=self.object_id[:40],
            child_id=self.child_id,
            why=self.why,
        )


def refuse(*, user, object_type: str, object_id: object, child_id: int | None, why: str) -> None:
    refusal = Refusal(user, object_type, str(object_id), child_id, why)
    pending = _pending.get()
    if pending is None:
        refusal.record()
    elif refusal not in pending:  # one door's one request asks once, however many layers looked
        pending.append(refusal)


def refusals_recorded(get_response):
    """Middleware: record the request's refused look-ups after its response, outside its transactions."""

    def middleware(request):
        token = _pending.set([])
        try:
            return get_response(request)
        finally:
            pending = _pending.get()
            _pending.reset(token)
            for refusal in pending:
                refusal.record()

    return middleware
