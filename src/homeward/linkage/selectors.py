"""Reads of record linkage: the review queue and one pair, both starting from the scoping function.

A pair shows a police report beside a child's record, so it is seen only by those who may see the
child (agencies.access.visible_children) and whose job the decision is: a council's missing-children
coordinator or team manager, or a force's missing-persons coordinator for its own force's reports.
"""

from django.db.models import QuerySet
from django.http import Http404

from homeward.agencies.access import visible_children
from homeward.agencies.models import AgencyKind
from homeward.agencies.permissions import Permission, may
from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.linkage.models import CandidatePair, LinkRun, PairStatus


def may_review(user) -> bool:
    return may(user, Permission.REVIEW_LINKS)


def _pairs(user) -> QuerySet[CandidatePair]:
    pairs = CandidatePair.objects.filter(child__in=visible_children(user))
    if not may_review(user):
        return pairs.none()
    if user.agency.kind == AgencyKind.POLICE:
        pairs = pairs.filter(police_report__force=user.agency)
    return pairs.select_related(
        "police_report", "police_report__force", "child", "child__responsible_authority", "decided_by"
    )


def review_queue(*, user, why: str, limit: int = 200) -> list[CandidatePair]:
    """Pairs waiting for a decision, oldest report first; each shown is audited under its child."""
    pairs = list(
        _pairs(user)
        .filter(status=PairStatus.REVIEW)
        .order_by("police_report__reported_at", "-match_probability", "id")[:limit]
    )
    audit_record_many(
        user=user, action=Action.LIST, object_type="candidate_pair", why=why, items=[(p.pk, p.child_id) for p in pairs]
    )
    return pairs


def review_queue_size(*, user) -> int:
    """How many pairs wait for a decision that this user may make: the queue's header counts what
    its list would show, never pairs of other agencies' children (not even as a number)."""
    return _pairs(user).filter(status=PairStatus.REVIEW).count()


def pair_get(*, user, pair_id: int, why: str) -> CandidatePair:
    """One pair, if the user may decide it (its reading audited); otherwise Http404."""
    pair = _pairs(user).filter(pk=pair_id).first()
    if pair is None:
        raise Http404("No such pair.")
    audit_record(
        user=user, action=Action.READ, object_type="candidate_pair", object_id=pair.pk, child_id=pair.child_id, why=why
    )
    return pair


def other_candidates(*, user, pair: CandidatePair, why: str) -> list[CandidatePair]:
    """The same report's other candidates that this user may see (the reviewer compares them)."""
    others = list(
        _pairs(user).filter(police_report=pair.police_report).exclude(pk=pair.pk).order_by("-match_probability")
    )
    audit_record_many(
        user=user, action=Action.LIST, object_type="candidate_pair", why=why, items=[(p.pk, p.child_id) for p in others]
    )
    return others


def last_run() -> LinkRun | None:
    return LinkRun.objects.filter(finished_at__isnull=False).first()
