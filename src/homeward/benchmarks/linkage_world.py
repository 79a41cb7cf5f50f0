"""Linkage and reconciliation measured on a synthetic world's agency files (issue 5).

    homeward bench linkage --children 20000

Builds a world (synth.generator), what its councils and forces hold of it (synth.agency_files), then
runs the steps the service runs (linkage.reports.link_reports, linkage.reconcile.reconcile) on those
records, and scores them against the world's truth:

- report linkage: each police report's linked child (automatic links only; reports sent for review
  are not links) against the child it is really about;
- episode reconciliation: each report's paired council period against the period that holds the
  episode it describes;
- the one count: units known to both, to the police only and to the council only, against the truth.

The council's periods stand in for the episodes its SSDA903 import makes (one each, dates only).
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import time
import zoneinfo
from collections import Counter
from typing import Any

from homeward.linkage import reconcile, reports
from homeward.synth import agency_files
from homeward.synth.generator import world_generate

LONDON = zoneinfo.ZoneInfo("Europe/London")


def _iso(text: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), LONDON)


def _prf(correct: int, predicted: int, actual: int) -> dict[str, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / actual if actual else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _council_episodes(files, child_ids) -> tuple[list[reconcile.EpisodeSpan], dict]:
    """The councils' periods as the SSDA903 import makes episodes of them, and which holds each
    world episode (the truth)."""
    episodes, period_of = [], {}
    for council in sorted(files.council_periods):
        for p in files.council_periods[council]:
            number = len(episodes) + 1
            episodes.append(
                reconcile.EpisodeSpan(
                    id=number,
                    child_id=child_ids[(council, p.child)],
                    kind="away" if p.missing == "A" else "missing",
                    started_at=_midnight(p.mis_start),
                    returned_at=_midnight(p.mis_end) if p.mis_end else None,
                    date_only=True,
                )
            )
            for started_at in p.episodes:
                period_of[(council, p.child, started_at)] = number
    return episodes, period_of


def _report_spans(report_rows, *, linked: dict[int, int], links) -> list[reconcile.ReportSpan]:
    spans = []
    for number, force, row in report_rows:
        history = json.loads(row["risk_history"]) if row["risk_history"] else []
        first_grade = history[0]["grade"] if history else row["risk_grade"]
        spans.append(
            reconcile.ReportSpan(
                id=number,
                child_id=linked.get(number),
                force_id=force,
                reference=row["reference"],
                at=_iso(row["last_seen_at"]) or _iso(row["reported_at"]),
                risk_grade=first_grade,
                at_is_reported=not row["last_seen_at"],
                awaiting_review=links is not None and links[number].outcome == reports.REVIEW,
            )
        )
    return spans


def run_world_linkage_bench(*, children: int, seed: int = 1, years: int = 1, out=None) -> dict[str, Any]:
    say = (lambda text: out.write(text)) if out is not None else (lambda text: None)
    started = time.perf_counter()
    world = world_generate(seed=seed, children=children, years=years)
    files = agency_files.agency_files_generate(world)
    generate_s = time.perf_counter() - started

    # Children as Homeward holds them (names from the council), placements newest first.
    child_ids: dict[tuple[str, str], int] = {}
    postcodes: dict[tuple[str, str], list[tuple[datetime.date, str]]] = {}
    for p in world.placements:
        postcodes.setdefault((p.responsible_authority, p.la_child_id), []).append((p.start_date, p.placement_postcode))
    other_names: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for n in world.child_names:
        other_names.setdefault((n.responsible_authority, n.la_child_id), []).append((n.first_name, n.last_name))
    identities = []
    for number, c in enumerate(world.children, start=1):
        key = (c.responsible_authority, c.la_child_id)
        child_ids[key] = number
        identities.append(
            reports.ChildIdentity(
                id=number,
                first_name=c.first_name,
                last_name=c.last_name,
                date_of_birth=c.date_of_birth,
                sex=c.sex,
                la_child_id=c.la_child_id,
                other_names=tuple(other_names.get(key, ())),
                postcodes=tuple(pc for _, pc in sorted(postcodes.get(key, []), reverse=True)),
            )
        )
    report_rows, truth_child, truth_episode = [], {}, {}
    forces = {code: number for number, code in enumerate(sorted(files.police_reports), start=1)}
    for force in sorted(files.police_reports):
        for r in files.police_reports[force]:
            number = len(report_rows) + 1
            row = r.row
            report_rows.append((number, forces[force], row))
            truth_child[number] = child_ids[(r.responsible_authority, r.la_child_id)]
            truth_episode[number] = (r.responsible_authority, r.la_child_id, r.episode_started_at)
    report_identities = [
        reports.ReportIdentity(
            id=number,
            first_name=row["first_name"],
            last_name=row["last_name"],
            other_names=row["other_names"],
            date_of_birth=_date(row["date_of_birth"]),
            sex=row["sex"],
            postcode=row["address_postcode"] or row["last_seen_postcode"],
            council_child_id=row["council_child_id"],
        )
        for number, _, row in report_rows
    ]

    # Link, as the service does (in this process: its peak memory is the linkage's and the world's).
    cpu0, t0 = os.times(), time.perf_counter()
    result = reports.link_reports(children=identities, reports=report_identities)
    episodes, period_of = _council_episodes(files, child_ids)
    now = _midnight(world.as_at + datetime.timedelta(days=1))
    reports.review_weak_matches_in_time(
        result.links,
        fits=reconcile.fits_in_time(episodes, _report_spans(report_rows, linked={}, links=None), now=now),
    )
    link_s = time.perf_counter() - t0
    cpu1 = os.times()
    linked = {rid: link.child_id for rid, link in result.links.items() if link.outcome == reports.LINKED_AUTO}
    review = sum(1 for link in result.links.values() if link.outcome == reports.REVIEW)
    correct = sum(1 for rid, child in linked.items() if truth_child[rid] == child)
    person = _prf(correct, len(linked), len(report_rows))
    in_review_right = sum(
        1
        for rid, link in result.links.items()
        if link.outcome == reports.REVIEW and any(c.child_id == truth_child[rid] for c in link.candidates)
    )

    spans = _report_spans(report_rows, linked=linked, links=result.links)
    t1 = time.perf_counter()
    rec = reconcile.reconcile(episodes=episodes, reports=spans, now=now)
    reconcile_s = time.perf_counter() - t1
    true_pairs = {rid: period_of[key] for rid, key in truth_episode.items() if key in period_of}
    right = sum(1 for rid, ep in rec.pairs.items() if true_pairs.get(rid) == ep)
    episode_prf = _prf(right, len(rec.pairs), len(true_pairs))

    measured = Counter(u.known for u in rec.units)
    truth = agency_files.one_count_totals(agency_files.one_count_truth(files))
    # The same after the review queue is worked: a coordinator, checking with the carer, links each
    # report under review to its child when that child is among the candidates shown.
    reviewed = dict(linked)
    for rid, link in result.links.items():
        if link.outcome == reports.REVIEW and any(c.child_id == truth_child[rid] for c in link.candidates):
            reviewed[rid] = truth_child[rid]
    after = reconcile.reconcile(
        episodes=episodes, reports=_report_spans(report_rows, linked=reviewed, links=None), now=now
    )
    measured_after = Counter(u.known for u in after.units)
    figures = {
        "children": children,
        "seed": seed,
        "years": years,
        "children_records": len(identities),
        "police_reports": len(report_rows),
        "council_periods": len(episodes),
        "person": person,
        "auto_linked": len(linked),
        "review": review,
        "review_with_right_child": in_review_right,
        "episode": episode_prf,
        "one_count": {
            k: {"measured": measured[k], "after_review": measured_after[k], "truth": truth[k]}
            for k in (reconcile.BOTH, reconcile.POLICE_ONLY, reconcile.COUNCIL_ONLY)
        },
        "generate_s": round(generate_s, 1),
        "link_s": round(link_s, 2),
        "reconcile_s": round(reconcile_s, 2),
        "link_cpu_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 1),
        "timings": {k: round(v, 2) for k, v in result.timings.items()},
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": round(os.getloadavg()[0], 2),
    }
    say(format_world_report(figures))
    return figures


def _off(value: int, truth: int) -> str:
    return f"{(value - truth) / truth * 100:+.2f}%" if truth else "n/a"


def format_world_report(f: dict[str, Any]) -> str:
    lines = [
        f"police reports to children: a world of {f['children']:,} children, {f['years']} year(s), seed {f['seed']}: "
        f"{f['police_reports']:,} police reports, {f['children_records']:,} children, {f['council_periods']:,} council periods",
        f"  person linkage (automatic links)  precision {f['person']['precision']:.4f}  recall {f['person']['recall']:.4f}  "
        f"F1 {f['person']['f1']:.4f}  ({f['auto_linked']:,} linked, {f['review']:,} to review, "
        f"{f['review_with_right_child']:,} of them with the right child among the candidates)",
        f"  episode reconciliation            precision {f['episode']['precision']:.4f}  recall {f['episode']['recall']:.4f}  "
        f"F1 {f['episode']['f1']:.4f}",
    ]
    for kind, counts in f["one_count"].items():
        truth, measured, after = counts["truth"], counts["measured"], counts["after_review"]
        lines.append(
            f"  one count {kind:<13} truth {truth:>8,}  measured {measured:>8,} ({_off(measured, truth)})  "
            f"after review {after:>8,} ({_off(after, truth)})"
        )
    lines.append(
        f"  link {f['link_s']:.1f} s ({f['link_cpu_s']:.1f} s CPU; train {f['timings'].get('train_s', 0):.1f} s, "
        f"predict {f['timings'].get('predict_s', 0):.1f} s), reconcile {f['reconcile_s']:.2f} s, "
        f"world generated in {f['generate_s']:.0f} s; peak memory {f['peak_memory_mb']:,} MB; load average {f['load_average']}"
    )
    return "\n".join(lines) + "\n"
