"""Writes of record linkage: linking police reports to children, a person's decision on a pair, and
episode reconciliation into the one count.

Linkage and reconciliation are system processes: to find which child a report is about they compare
it with every child in Homeward, which no agency's scope would allow. They are audited as the system
("record linkage"): one entry for each run, and one for every change they make to a record about a
child (a report linked, unlinked or paired with an episode). A person's decision goes through the
scoping function like any other write (linkage.selectors.pair_for_decision). Linkage never changes a
report's updated_at: that marks a change to what the force sent.
"""

import datetime
import time
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from homeward.audit.models import Action
from homeward.audit.services import audit_record, audit_record_many
from homeward.children.models import Child, ChildName, Placement
from homeward.episodes.models import Episode, PoliceReference
from homeward.linkage import reconcile, reports
from homeward.linkage.models import DECIDED, CandidatePair, CountUnit, CountUnitReport, LinkRun, PairStatus
from homeward.returns.models import PoliceReport
from homeward.tasks.models import Status, Task
from homeward.tasks.queue import enqueue

SYSTEM = None  # audit_record writes a user of None as "system"
SSDA903_REFERENCE = "ssda903:"  # episodes.client_reference of an episode made from an SSDA903 row (dates only)


def _children_identities() -> list[reports.ChildIdentity]:
    other_names: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for child_id, first, last in ChildName.objects.values_list("child_id", "first_name", "last_name").order_by("pk"):
        other_names[child_id].append((first, last))
    postcodes: dict[int, list[str]] = defaultdict(list)
    for child_id, postcode in (
        Placement.objects.exclude(placement_postcode="")
        .order_by("child_id", "-start_date")
        .values_list("child_id", "placement_postcode")
    ):
        postcodes[child_id].append(postcode)
    return [
        reports.ChildIdentity(
            id=pk,
            first_name=first,
            last_name=last,
            date_of_birth=dob,
            sex=sex,
            la_child_id=la_child_id,
            other_names=tuple(other_names.get(pk, ())),
            postcodes=tuple(postcodes.get(pk, ())),
        )
        for pk, first, last, dob, sex, la_child_id in Child.objects.order_by("pk").values_list(
            "pk", "first_name", "last_name", "date_of_birth", "sex", "la_child_id"
        )
    ]


def _report_identities() -> list[reports.ReportIdentity]:
    return [
        reports.ReportIdentity(
            id=pk,
            first_name=first,
            last_name=last,
            other_names=other,
            date_of_birth=dob,
            sex=sex,
            postcode=address_postcode or last_seen_postcode,
            council_child_id=council_child_id,
        )
        for pk, first, last, other, dob, sex, address_postcode, last_seen_postcode, council_child_id in PoliceReport.objects.order_by(
            "pk"
        ).values_list(
            "pk",
            "first_name",
            "last_name",
            "other_names",
            "date_of_birth",
            "sex",
            "address_postcode",
            "last_seen_postcode",
            "council_child_id",
        )
    ]


def _decided() -> dict[tuple[int, int], str]:
    return {
        (report_id, child_id): status
        for report_id, child_id, status in CandidatePair.objects.filter(status__in=DECIDED).values_list(
            "police_report_id", "child_id", "status"
        )
    }


def linkage_run(*, why: str) -> LinkRun:
    """Link every police report to a child (or send it for review), then rebuild the one count."""
    run = LinkRun.objects.create(why=why[:200])
    children = _children_identities()
    identities = _report_identities()
    decided = _decided()
    result = reports.link_reports(children=children, reports=identities, decisions=decided)
    episode_spans, _ = _episode_spans(Episode.objects.all())
    report_spans, _ = _report_spans(PoliceReport.objects.all(), in_review={})
    reports.review_weak_matches_in_time(
        result.links, fits=reconcile.fits_in_time(episode_spans, report_spans, now=timezone.now())
    )
    _links_store(
        run,
        result,
        decided,
        why=why,
        counted=(len(identities), len(children)),
        model=result.model.settings if result.model is not None else {},
    )
    reconcile_run(why=why)
    return run


# A one-report update (linkage_update) rereads from a little before the last run began: a report
# written just before it began may have committed only after it read the reports. Linking a report
# twice with the same model gives the same answer, so the overlap costs only a few reports.
UPDATE_OVERLAP = datetime.timedelta(minutes=5)
# Up to this many police reports are linked one by one (linkage_update); more, and a full run is
# cheaper than scoring them apart, and a batch that large is an import, after which the model
# should be trained again anyway (linkage_schedule decides; see linkage.receivers).
INCREMENTAL_AT_MOST = 200


def _trained_run() -> LinkRun | None:
    """The latest full run whose trained model a one-report update can score with (DuckDB SQL)."""
    for run in LinkRun.objects.filter(finished_at__isnull=False, model__has_key="comparisons")[:1]:
        if run.model.get("sql_dialect", "duckdb") == "duckdb":
            return run
    return None


def linkage_update(*, why: str, report_ids: set[int] | None = None) -> LinkRun:
    """Link only some police reports (by default those that arrived since the last run) with the last
    full run's trained model, and rebuild the one count of only the children they touch.

    What it writes equals what a full run with the same model would write for those reports: every
    report and child is prepared as a full run prepares them (reports.link_some_reports), the same
    outcome rules apply, and reconciliation covers every child whose count could change (a report
    moving from one child to another re-reconciles both). Only a full run (after a council's
    return or a big file, or `homeward link-records`) trains the model again. Without a trained
    model, or with more than INCREMENTAL_AT_MOST reports to link, this is a full run."""
    trained = _trained_run()
    if report_ids is None:
        last = LinkRun.objects.filter(finished_at__isnull=False).first()
        if last is not None:
            since = last.started_at - UPDATE_OVERLAP
            report_ids = set(PoliceReport.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    if trained is None or report_ids is None or len(report_ids) > INCREMENTAL_AT_MOST:
        return linkage_run(why=why)
    run = LinkRun.objects.create(why=why[:200])
    children = _children_identities() if report_ids else []
    identities = _report_identities() if report_ids else []
    decided = _decided()
    result = reports.link_some_reports(
        children=children, reports=identities, report_ids=report_ids, settings=trained.model, decisions=decided
    )
    weak = {c.child_id for link in result.links.values() for c in link.weak}
    episode_spans, _ = _episode_spans(Episode.objects.filter(child_id__in=weak))
    report_spans, _ = _report_spans(PoliceReport.objects.filter(pk__in=report_ids), in_review={})
    reports.review_weak_matches_in_time(
        result.links, fits=reconcile.fits_in_time(episode_spans, report_spans, now=timezone.now())
    )
    touched = _links_store(
        run,
        result,
        decided,
        why=why,
        counted=(len(report_ids), len(children)),
        model={"scored_with_run": trained.pk},
        report_ids=report_ids,
    )
    if report_ids:
        started = time.perf_counter()
        rebuilt = reconcile_run(why=why, child_ids=touched, report_ids=report_ids)
        run.timings = {**run.timings, "reconcile_s": round(time.perf_counter() - started, 3)}
        run.timings["units_rebuilt"] = sum(rebuilt.values())
        LinkRun.objects.filter(pk=run.pk).update(timings=run.timings)
    return run


def _links_store(
    run: LinkRun,
    result: reports.LinkResult,
    decided: dict[tuple[int, int], str],
    *,
    why: str,
    counted: tuple[int, int],
    model: dict,
    report_ids: set[int] | None = None,
) -> set[int]:
    """Write a run's pairs and links (of every report, or of `report_ids`) and finish the run.
    Returns the children whose count may change: each report's child before and after, and every
    child it was or is a candidate of."""
    wanted: dict[tuple[int, int], tuple[str, reports.Candidate]] = {}
    for link in result.links.values():
        if link.outcome == reports.LINKED_AUTO:
            wanted[(link.report_id, link.child_id)] = (PairStatus.AUTO, link.candidates[0])
        elif link.outcome == reports.REVIEW:
            for candidate in link.candidates:
                wanted[(link.report_id, candidate.child_id)] = (PairStatus.REVIEW, candidate)
    # Scored before the transaction: it holds the database's write lock (on SQLite, everyone's).
    # Explaining costs time (the pairs are scored together, reports.explain_candidates), so a pair
    # already waiting with the same scores and reason keeps the explanation it has (at national scale
    # a full run finds a thousand or more).
    waiting = CandidatePair.objects.filter(status=PairStatus.REVIEW).exclude(explanation={})
    if report_ids is not None:
        waiting = waiting.filter(police_report_id__in=report_ids)
    explained = {
        (report_id, child_id): (probability, weight, explanation)
        for report_id, child_id, probability, weight, explanation in waiting.values_list(
            "police_report_id", "child_id", "match_probability", "match_weight", "explanation"
        )
    }
    explanations, to_explain = {}, []
    for key, (status, candidate) in wanted.items():
        if status != PairStatus.REVIEW:
            continue
        in_time = result.links[key[0]].in_time
        known = explained.get(key)
        if known is not None and known[:2] == (candidate.match_probability, candidate.match_weight):
            noted_in_time = known[2].get("notes", [])[:1] == [reports.IN_TIME_NOTE]
            if noted_in_time == in_time:
                explanations[key] = known[2]
                continue
        to_explain.append((key, candidate, in_time))
    if to_explain:
        whys = reports.explain_candidates(
            model=result.model, candidates=[(candidate, in_time) for _, candidate, in_time in to_explain]
        )
        explanations.update(zip([key for key, _, _ in to_explain], whys, strict=True))
    child_for = {link.report_id: link.child_id for link in result.links.values()}
    touched: set[int] = {child_id for child_id in child_for.values() if child_id} | {key[1] for key in wanted}

    with transaction.atomic():
        in_scope = CandidatePair.objects.select_for_update()
        if report_ids is not None:
            in_scope = in_scope.filter(police_report_id__in=report_ids)
        pairs = {(p.police_report_id, p.child_id): p for p in in_scope}
        touched |= {child_id for _, child_id in pairs}
        # A person may have decided a pair while this run was scoring: their decision stands.
        for (report_id, child_id), pair in pairs.items():
            if pair.status in DECIDED and decided.get((report_id, child_id)) != pair.status:
                wanted = {key: value for key, value in wanted.items() if key[0] != report_id}
                if pair.status == PairStatus.CONFIRMED:
                    child_for[report_id] = child_id
                elif child_for.get(report_id) == child_id:
                    child_for[report_id] = None
        stale = [p.pk for key, p in pairs.items() if p.status not in DECIDED and key not in wanted]
        CandidatePair.objects.filter(pk__in=stale).delete()
        new, changed = [], []
        for key, (status, candidate) in wanted.items():
            values = {
                "status": status,
                "match_probability": candidate.match_probability,
                "match_weight": candidate.match_weight,
                "explanation": explanations.get(key, {}),
                "run": run,
            }
            pair = pairs.get(key)
            if pair is None:
                new.append(CandidatePair(police_report_id=key[0], child_id=key[1], **values))
            elif pair.status not in DECIDED:
                for name, value in values.items():
                    setattr(pair, name, value)
                pair.updated_at = timezone.now()
                changed.append(pair)
        CandidatePair.objects.bulk_create(new, batch_size=1000)
        CandidatePair.objects.bulk_update(
            changed,
            ["status", "match_probability", "match_weight", "explanation", "run", "updated_at"],
            batch_size=1000,
        )
        touched |= _apply_links(child_for, why=why)

        outcomes = [link.outcome for link in result.links.values()]
        run.police_reports, run.children = counted
        run.linked_auto = outcomes.count(reports.LINKED_AUTO)
        run.linked_confirmed = outcomes.count(reports.LINKED_CONFIRMED)
        run.to_review = outcomes.count(reports.REVIEW)
        run.unlinked = outcomes.count(reports.UNLINKED)
        run.timings = {k: round(v, 3) for k, v in result.timings.items()}
        run.model = model
        run.finished_at = timezone.now()
        run.save()
        audit_record(
            user=SYSTEM,
            action=Action.UPDATE,
            object_type="link_run",
            object_id=run.pk,
            why=why,
            detail={
                "police_reports": run.police_reports,
                "children": run.children,
                "linked_auto": run.linked_auto,
                "linked_confirmed": run.linked_confirmed,
                "to_review": run.to_review,
                "unlinked": run.unlinked,
                **({"scored_with_run": model["scored_with_run"]} if "scored_with_run" in model else {}),
            },
        )
    return touched


def _reports_set(field: str, values: list[tuple[int, int | None]]) -> None:
    """Set one field of many reports, (pk, value) each: one UPDATE per distinct value."""
    by_value: dict[int | None, list[int]] = defaultdict(list)
    for pk, value in values:
        by_value[value].append(pk)
    for value, ids in by_value.items():
        PoliceReport.objects.filter(pk__in=ids).update(**{field: value})


def _apply_links(child_for: dict[int, int | None], *, why: str) -> set[int]:
    """Set each report's child as linkage decided; audit each change under the child concerned.
    Returns the children the reports were linked to before."""
    current = dict(PoliceReport.objects.filter(pk__in=list(child_for)).values_list("pk", "child_id"))
    changes = [(pk, old, child_for[pk]) for pk, old in current.items() if old != child_for[pk]]
    _reports_set("child_id", [(pk, new) for pk, _, new in changes])
    audit_record_many(
        user=SYSTEM,
        action=Action.UPDATE,
        object_type="police_report",
        why=why,
        items=[(pk, new) for pk, _, new in changes if new is not None],
        detail={"change": "linked to the child"},
    )
    audit_record_many(
        user=SYSTEM,
        action=Action.UPDATE,
        object_type="police_report",
        why=why,
        items=[(pk, old) for pk, old, new in changes if new is None],
        detail={"change": "unlinked from the child"},
    )
    return {old for old in current.values() if old}


def link_pair_decide(*, user, why: str, pair: CandidatePair, decision: str, note: str = "") -> CandidatePair:
    """A person's decision on a pair (found through linkage.selectors.pair_for_decision): confirmed
    links the report to the child, rejected makes sure it never is. Kept for every later run."""
    if decision not in DECIDED:
        raise ValueError(f"decision must be {PairStatus.CONFIRMED} or {PairStatus.REJECTED}")
    with transaction.atomic():
        pair = (
            CandidatePair.objects.select_for_update(of=("self",))
            .select_related("police_report", "decided_by")
            .get(pk=pair.pk)
        )
        if pair.status != PairStatus.REVIEW:
            # Someone else decided it meanwhile (or it was linked outright): theirs stands.
            if pair.decided_by is not None:
                done = f"{pair.decided_by.get_full_name() or pair.decided_by.username} {pair.status} it"
            else:
                done = "it was linked automatically"
            raise ValidationError({"decision": f"This pair is no longer waiting for a decision: {done}."})
        report = pair.police_report
        before = report.child_id
        pair.status, pair.decided_by, pair.decided_at, pair.decision_note = decision, user, timezone.now(), note.strip()
        pair.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        if decision == PairStatus.CONFIRMED:
            # One child per report: other candidates of this report are no longer waiting.
            CandidatePair.objects.filter(police_report=report, status__in=[PairStatus.AUTO, PairStatus.REVIEW]).exclude(
                pk=pair.pk
            ).delete()
            after = pair.child_id
        else:
            after = None if before == pair.child_id else before
        audit_record(
            user=user,
            action=Action.UPDATE,
            object_type="candidate_pair",
            object_id=pair.pk,
            child_id=pair.child_id,
            why=why,
            detail={"decision": decision, "police_report": report.pk},
        )
        if after != before:
            PoliceReport.objects.filter(pk=report.pk).update(child_id=after)
            audit_record(
                user=user,
                action=Action.UPDATE,
                object_type="police_report",
                object_id=report.pk,
                child_id=after or before,
                why=why,
                detail={"change": "linked to the child" if after else "unlinked from the child"},
            )
        reconcile_run(why=why, child_ids={c for c in (before, after, pair.child_id) if c}, report_ids={report.pk})
    return pair


# ---------------------------------------------------------------------------------------------
# Reconciliation and the one count
# ---------------------------------------------------------------------------------------------


def _first_grade(report_history: list, grade: str) -> str:
    return report_history[0]["grade"] if report_history else grade


def _episode_spans(episodes) -> tuple[list[reconcile.EpisodeSpan], list[tuple]]:
    """Episodes as reconciliation sees them, and their rows (pk, child, kind, started, returned,
    client reference, police force of the area, responsible authority)."""
    references: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for episode_id, force_id, reference in PoliceReference.objects.filter(episode__in=episodes).values_list(
        "episode_id", "force_id", "reference"
    ):
        references[episode_id].add((force_id, reference))
    rows = list(
        episodes.values_list(
            "pk",
            "child_id",
            "kind",
            "started_at",
            "returned_at",
            "client_reference",
            "location_police_force_id",
            "child__responsible_authority_id",
        )
    )
    spans = [
        reconcile.EpisodeSpan(
            id=pk,
            child_id=child_id,
            kind=kind,
            started_at=started_at,
            returned_at=returned_at,
            police_references=frozenset(references.get(pk, ())),
            date_only=client_reference.startswith(SSDA903_REFERENCE),
        )
        for pk, child_id, kind, started_at, returned_at, client_reference, _, _ in rows
    ]
    return spans, rows


def _report_spans(police_reports, *, in_review: dict[int, int]) -> tuple[list[reconcile.ReportSpan], list[tuple]]:
    """Reports as reconciliation sees them, and their rows (pk, linked child, paired episode)."""
    rows = list(
        police_reports.values_list(
            "pk",
            "child_id",
            "force_id",
            "reference",
            "last_seen_at",
            "reported_at",
            "risk_history",
            "risk_grade",
            "episode_id",
        )
    )
    spans = [
        reconcile.ReportSpan(
            id=pk,
            child_id=child_id,
            force_id=force_id,
            reference=reference,
            at=last_seen_at or reported_at,
            risk_grade=_first_grade(history, grade),
            at_is_reported=last_seen_at is None,
            awaiting_review=pk in in_review,
            likely_child_id=in_review.get(pk),
        )
        for pk, child_id, force_id, reference, last_seen_at, reported_at, history, grade, _ in rows
    ]
    return spans, [(pk, child_id, episode_id) for pk, child_id, *_, episode_id in rows]


def _reconcile_scope(child_ids: set[int], report_ids: set[int]) -> tuple[set[int], set[int]]:
    """The children and reports a partial reconciliation must cover so that its units are exactly
    those a full one would make: grown until nothing more is reached.

    A report pairs with an episode of its linked child, or with any episode carrying its reference;
    an episode's unit holds the reports paired with it; a unit is rebuilt only whole. So: with a
    child come the reports linked to it, in its units, or carrying its episodes' references; with a
    report come its linked child, the child of each unit it is in now (a report moving from child A
    to child B leaves A's unit, so A is re-reconciled as well as B) and the child of an episode
    carrying its reference."""
    children, report_set = {c for c in child_ids if c}, set(report_ids)
    while True:
        size = (len(children), len(report_set))
        report_set |= set(PoliceReport.objects.filter(child_id__in=children).values_list("pk", flat=True))
        report_set |= set(
            CountUnitReport.objects.filter(unit__child_id__in=children).values_list("police_report_id", flat=True)
        )
        references = set(
            PoliceReference.objects.filter(episode__child_id__in=children).values_list("force_id", "reference")
        )
        if references:
            report_set |= {
                pk
                for pk, force_id, reference in PoliceReport.objects.filter(
                    force_id__in={force_id for force_id, _ in references},
                    reference__in={reference for _, reference in references},
                ).values_list("pk", "force_id", "reference")
                if (force_id, reference) in references
            }
        report_keys = set(
            PoliceReport.objects.filter(pk__in=report_set).values_list("force_id", "reference", "child_id")
        )
        children |= {child_id for _, _, child_id in report_keys if child_id}
        children |= set(
            CountUnit.objects.filter(reports__police_report_id__in=report_set, child__isnull=False).values_list(
                "child_id", flat=True
            )
        )
        keys = {(force_id, reference) for force_id, reference, _ in report_keys}
        children |= {
            child_id
            for force_id, reference, child_id in PoliceReference.objects.filter(
                force_id__in={force_id for force_id, _ in keys}, reference__in={reference for _, reference in keys}
            ).values_list("force_id", "reference", "episode__child_id")
            if (force_id, reference) in keys
        }
        if (len(children), len(report_set)) == size:
            return children, report_set


def reconcile_run(*, why: str, child_ids: set[int] | None = None, report_ids: set[int] | None = None) -> dict[str, int]:
    """Pair police reports with episodes and rebuild the one count: for everyone, or for the
    children and reports a change touched (with everyone else whose count that could change:
    _reconcile_scope). Either way the units written are those a full rebuild would write."""
    with transaction.atomic():
        episodes_qs = Episode.objects.all()
        reports_qs = PoliceReport.objects.all()
        units_qs = CountUnit.objects.all()
        if child_ids is not None or report_ids is not None:
            child_ids, report_ids = _reconcile_scope(set(child_ids or ()), set(report_ids or ()))
            episodes_qs = episodes_qs.filter(child_id__in=child_ids)
            reports_qs = reports_qs.filter(pk__in=report_ids)
            unit_ids = set(units_qs.filter(child_id__in=child_ids).values_list("pk", flat=True))
            unit_ids |= set(
                CountUnitReport.objects.filter(police_report_id__in=report_ids).values_list("unit_id", flat=True)
            )
            units_qs = units_qs.filter(pk__in=unit_ids)
        spans, episode_rows = _episode_spans(episodes_qs)
        # Each report waiting for review, with its likeliest child.
        in_review: dict[int, int] = {}
        for report_id, child_id in (
            CandidatePair.objects.filter(status=PairStatus.REVIEW)
            .order_by("police_report_id", "-match_probability", "child_id")
            .values_list("police_report_id", "child_id")
        ):
            in_review.setdefault(report_id, child_id)
        report_spans, report_rows = _report_spans(reports_qs, in_review=in_review)
        result = reconcile.reconcile(episodes=spans, reports=report_spans, now=timezone.now())

        # Each report's episode, changed only where it changed, each change audited under the child.
        child_of_episode = {pk: child_id for pk, child_id, *_ in episode_rows}
        changes = [
            (pk, child_id, result.pairs.get(pk))
            for pk, child_id, episode_id in report_rows
            if result.pairs.get(pk) != episode_id
        ]
        _reports_set("episode_id", [(pk, episode_id) for pk, _, episode_id in changes])
        audit_record_many(
            user=SYSTEM,
            action=Action.UPDATE,
            object_type="police_report",
            why=why,
            detail={"change": "paired with an episode"},
            items=[(pk, child_of_episode.get(episode_id, child_id)) for pk, child_id, episode_id in changes],
        )

        episode_authority = {pk: la for pk, *_, la in episode_rows}
        child_authority = dict(
            Child.objects.filter(
                pk__in={u.child_id for u in result.units if u.child_id and u.episode_id is None}
            ).values_list("pk", "responsible_authority_id")
        )
        area_force = {pk: force for pk, *_, force, _ in episode_rows}
        units_qs.delete()
        made = CountUnit.objects.bulk_create(
            [
                CountUnit(
                    known=u.known,
                    reason=u.reason,
                    child_id=u.child_id,
                    episode_id=u.episode_id,
                    responsible_authority_id=episode_authority[u.episode_id]
                    if u.episode_id
                    else child_authority.get(u.child_id),
                    force_id=u.force_id or (area_force.get(u.episode_id) if u.episode_id else None),
                    started_at=u.started_at,
                    started_on=timezone.localtime(u.started_at).date(),
                )
                for u in result.units
            ],
            batch_size=1000,
        )
        # SQLite (3.35+) and PostgreSQL both return the new ids from a bulk insert.
        CountUnitReport.objects.bulk_create(
            [
                CountUnitReport(unit_id=unit.pk, police_report_id=report_id)
                for unit, u in zip(made, result.units, strict=True)
                for report_id in u.report_ids
            ],
            batch_size=1000,
        )
    counts = {known: 0 for known in (reconcile.BOTH, reconcile.POLICE_ONLY, reconcile.COUNCIL_ONLY)}
    for u in result.units:
        counts[u.known] += 1
    return counts


LINKAGE_DELAY = datetime.timedelta(minutes=1)  # reports of one burst (a file, a force's retries) share a run
LINKAGE_KEY = "linkage:run"


def linkage_schedule(*, why: str, dedupe_key: str = LINKAGE_KEY, incremental: bool = False) -> None:
    """Ask the worker for a linkage run soon; reports arriving meanwhile join the same run. Call it
    in the transaction of the write that needs it. `incremental`: only the reports that arrived need
    linking (linkage_update); a full run (the default) covers them too, so a full run asked for while
    an update waits turns the update into a full run, and an update asked for while a full run waits
    is already covered."""
    from homeward.linkage.tasks import linkage_run_task

    task = enqueue(
        linkage_run_task,
        args={"why": why[:200], "incremental": incremental},
        run_at=timezone.now() + LINKAGE_DELAY,
        dedupe_key=dedupe_key,
    )
    if not incremental and task.args.get("incremental"):
        Task.objects.filter(pk=task.pk, status=Status.QUEUED).update(args={**task.args, "incremental": False})
