"""The national one count: its full rebuild and a one-report update, timed (issue 13, item 4).

    homeward bench one-count [--children 96000] [--reports 200000] [--seed 1]

Builds (or reuses) a national year in the database the settings name: a synthetic world
(synth.generator, one year) and what its councils and forces hold of it (synth.agency_files): the
children and their placements and known-as names, each council's SSDA903 periods as the episodes an
SSDA903 import makes (dates only), and the forces' reports of those children. The police report
about as many children again who are not looked after, so that reports of people Homeward does not
hold (linkage.persons, police records only) bring the reports up to `--reports`. Then, in a fresh
process (so that its peak memory is the rebuild's, not the world generator's), it times:

- the full rebuild: linkage.services.linkage_run (person linkage trained on every report and child,
  pairs and links written, then every report reconciled and the whole one count written);
- a one-report update: a new report of a looked-after child sent as a force's system sends it
  (returns.services.police_report_submit), then linkage.services.linkage_update on it alone.

Figures are printed, never asserted. Use a database of its own (PostgreSQL: homeward_onecount).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
import zoneinfo
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

LONDON = zoneinfo.ZoneInfo("Europe/London")
WHY = "bench one-count world"
REFERENCE_OUTSIDE = "NLA/"  # references of reports about children Homeward does not hold
GRADES = ("no_apparent_risk", "low", "medium", "high")
GRADE_WEIGHTS = (0.35, 0.30, 0.28, 0.07)


def _iso(text: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), LONDON)


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _world_marker(*, children: int, reports: int, seed: int) -> str:
    return f"bench one-count seed {seed} children {children} reports {reports}"


def _outside_reports(*, count: int, seed: int, as_at: datetime.date, forces: list[str]) -> list[dict[str, Any]]:
    """Reports of `count` missing children who are not looked after: people of linkage.persons (its
    police records, so with the police's mess, some reported more than once), each report at a
    random time of the year to `as_at`, to a random force."""
    from homeward.linkage.persons import generate_person_pairs

    rng = random.Random(f"{seed}:outside-reports")
    made: list[dict[str, Any]] = []
    records, _ = generate_person_pairs(n_records=int(count * 2.4) + 100, seed=seed + 7919)
    end = _midnight(as_at + datetime.timedelta(days=1))
    for row in records.to_pylist():
        if row["source"] != "police":
            continue
        reported_at = end - datetime.timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
        last_seen = reported_at - datetime.timedelta(minutes=rng.randrange(30, 24 * 60))
        made.append(
            {
                "force": forces[rng.randrange(len(forces))],
                "reference": f"{REFERENCE_OUTSIDE}{len(made) + 1}",
                "first_name": row["first_name"] or "",
                "last_name": row["last_name"] or "Unknown",
                "other_names": ";".join(row["aliases"] or []),
                "date_of_birth": row["dob"] or "",
                "sex": row["sex"] or "",
                "address_postcode": row["postcode"] or "",
                "reported_at": reported_at,
                "last_seen_at": last_seen if rng.random() > 0.05 else None,
                "risk_grade": rng.choices(GRADES, GRADE_WEIGHTS)[0],
            }
        )
        if len(made) == count:
            break
    return made


def world_build(*, children: int, reports: int, seed: int, say) -> dict[str, Any]:
    """Generate the world and write it to the database in bulk (one transaction)."""
    from homeward.agencies.models import Agency, AgencyKind, Role
    from homeward.benchmarks.common import bench_user
    from homeward.children.models import Child, ChildName
    from homeward.children.services import PlacementIn, placements_write
    from homeward.episodes.models import EpisodeUpdate, UpdateKind
    from homeward.episodes.services import EpisodeHistory, episodes_record
    from homeward.linkage.services import SSDA903_REFERENCE
    from homeward.places.services import reference_data_load
    from homeward.returns.models import PoliceReport
    from homeward.synth import agency_files
    from homeward.synth.generator import world_generate
    from homeward.synth.loader import world_children_write

    figures: dict[str, Any] = {}
    t = time.perf_counter()
    say(f"generating a world of {children:,} children looked after, one year (seed {seed}) ...")
    world = world_generate(seed=seed, children=children, years=1)
    files = agency_files.agency_files_generate(world)
    figures["generate_s"] = round(time.perf_counter() - t, 1)
    say(f"  generated in {figures['generate_s']} s")

    t = time.perf_counter()
    reference_data_load()
    agency = dict(
        Agency.objects.filter(kind__in=[AgencyKind.LOCAL_AUTHORITY, AgencyKind.POLICE]).values_list("code", "pk")
    )
    forces = sorted(Agency.objects.filter(kind=AgencyKind.POLICE).values_list("code", flat=True))
    with transaction.atomic():
        # Children, placements and episodes through their bulk doors (the services the SSDA903 import
        # and the synthetic loader call), as the system: the same checks, geography and audit.
        say(f"  writing {len(world.children):,} children ...")
        world_children_write(world.children, user=None, why=WHY)
        child_id = {
            (code, la_child_id): pk
            for pk, code, la_child_id in Child.objects.values_list("pk", "responsible_authority__code", "la_child_id")
        }
        ChildName.objects.bulk_create(
            [
                ChildName(
                    child_id=child_id[(n.responsible_authority, n.la_child_id)],
                    kind=n.kind,
                    first_name=n.first_name,
                    last_name=n.last_name,
                )
                for n in world.child_names
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        say(f"  writing {len(world.placements):,} placements ...")
        # A council at a time: one statement on SQLite takes at most 32,766 values.
        by_council: dict[str, list[PlacementIn]] = {}
        for p in world.placements:
            by_council.setdefault(p.responsible_authority, []).append(
                PlacementIn(
                    child_id=child_id[(p.responsible_authority, p.la_child_id)],
                    start_date=p.start_date,
                    end_date=p.end_date,
                    placement_type=p.placement_type,
                    provider_type=p.provider_type,
                    urn=p.urn,
                    placement_postcode=p.placement_postcode,
                    home_postcode=p.home_postcode,
                )
            )
        for council in sorted(by_council):
            placements_write(user=None, why=WHY, rows=by_council[council])
        # The councils' SSDA903 periods as the import makes episodes of them: dates only.
        histories, open_children = [], set()
        for council in sorted(files.council_periods):
            reporter = bench_user(Agency.objects.get(code=council), Role.SOCIAL_WORKER)
            for p in files.council_periods[council]:
                key = child_id[(council, p.child)]
                returned = _midnight(p.mis_end) if p.mis_end else None
                if returned is None:
                    if key in open_children:  # one open period per child (SSDA903 rule 574)
                        continue
                    open_children.add(key)
                started = _midnight(p.mis_start)
                histories.append(
                    EpisodeHistory(
                        episode={
                            "child_id": key,
                            "kind": "away" if p.missing == "A" else "missing",
                            "started_at": started,
                            "reported_at": started,
                            "reported_by_id": reporter.pk,
                            "reporting_agency_id": agency[council],
                            "client_reference": f"{SSDA903_REFERENCE}{p.child}:{p.mis_start.isoformat()}",
                            "returned_at": max(returned, started) if returned else None,
                        },
                        rows=[
                            (
                                EpisodeUpdate,
                                {
                                    "kind": UpdateKind.REPORTED,
                                    "at": started,
                                    "by_id": reporter.pk,
                                    "agency_id": agency[council],
                                    "text": "Recorded from the council's SSDA903 return.",
                                    "detail": {"source": "ssda903"},
                                },
                            )
                        ],
                    )
                )
        say(f"  writing {len(histories):,} council episodes ...")
        episodes_record(user=None, why=WHY, histories=histories)
        rows = []
        for force in sorted(files.police_reports):
            for r in files.police_reports[force]:
                row = r.row
                rows.append(
                    PoliceReport(
                        force_id=agency[force],
                        reference=row["reference"],
                        first_name=row["first_name"],
                        last_name=row["last_name"],
                        other_names=row["other_names"],
                        date_of_birth=datetime.date.fromisoformat(row["date_of_birth"])
                        if row["date_of_birth"]
                        else None,
                        sex=row["sex"] if row["sex"] in ("M", "F") else "",
                        council_child_id=row["council_child_id"],
                        address_postcode=row["address_postcode"],
                        reported_at=_iso(row["reported_at"]),
                        last_seen_at=_iso(row["last_seen_at"]),
                        last_seen_postcode=row["last_seen_postcode"],
                        risk_grade=row["risk_grade"],
                        risk_history=json.loads(row["risk_history"]) if row["risk_history"] else [],
                        raw=row,
                    )
                )
        figures["reports_of_looked_after"] = len(rows)
        outside = _outside_reports(count=max(0, reports - len(rows)), seed=seed, as_at=world.as_at, forces=forces)
        for o in outside:
            rows.append(
                PoliceReport(
                    force_id=agency[o["force"]],
                    reference=o["reference"],
                    first_name=o["first_name"],
                    last_name=o["last_name"],
                    other_names=o["other_names"],
                    date_of_birth=datetime.date.fromisoformat(o["date_of_birth"]) if o["date_of_birth"] else None,
                    sex=o["sex"],
                    address_postcode=o["address_postcode"],
                    reported_at=o["reported_at"],
                    last_seen_at=o["last_seen_at"],
                    risk_grade=o["risk_grade"],
                    raw={"source": "bench one-count: a child not looked after"},
                )
            )
        say(f"  writing {len(rows):,} police reports ({len(outside):,} of children not looked after) ...")
        PoliceReport.objects.bulk_create(rows, batch_size=2000)
    figures["write_s"] = round(time.perf_counter() - t, 1)
    say(f"  written in {figures['write_s']} s")
    return figures


def _world_here() -> dict[str, int]:
    from homeward.children.models import Child
    from homeward.episodes.models import Episode
    from homeward.returns.models import PoliceReport

    return {
        "children": Child.objects.count(),
        "episodes": Episode.objects.count(),
        "police_reports": PoliceReport.objects.count(),
    }


def _units() -> dict[str, int]:
    from homeward.linkage.models import CountUnit

    counted = Counter({k: 0 for k in ("both", "police_only", "council_only")})
    for known, n in CountUnit.objects.values_list("known").annotate(n=Count("id")).values_list("known", "n"):
        counted[known] = n
    return dict(counted)


def run_one_count_bench(
    *, children: int, reports: int, seed: int, out, timed_only: bool = False, explain_sample: int | None = None
) -> dict:
    """Build or reuse the world, then time the rebuild and the update in a fresh process."""
    from homeward.benchmarks.common import preamble, say_to
    from homeward.children.models import Child
    from homeward.linkage.models import LinkRun

    say = say_to(out)

    def line(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    if not timed_only:
        preamble(say)
        if Child.objects.exists():
            if not LinkRun.objects.filter(why=_world_marker(children=children, reports=reports, seed=seed)).exists():
                here = _world_here()
                line(
                    f"reusing the world in this database ({here['children']:,} children, {here['episodes']:,} "
                    "episodes, {here['police_reports']:,} police reports): it was not built by this bench with "
                    "these arguments, so the figures below are of that world"
                )
        else:
            built = world_build(children=children, reports=reports, seed=seed, say=line)
            # Marks the world as this bench's: a later run with the same arguments reuses it.
            LinkRun.objects.create(why=_world_marker(children=children, reports=reports, seed=seed))
            line(f"world built: generated in {built['generate_s']} s, written in {built['write_s']} s")
        line("timing in a fresh process (its peak memory is the rebuild's, not the generator's) ...")
        env = dict(os.environ)
        command = [sys.executable, "-m", "homeward", "bench", "one-count", "--timed-only"]
        command += ["--children", str(children), "--reports", str(reports), "--seed", str(seed)]
        if explain_sample is not None:
            command += ["--explain-sample", str(explain_sample)]
        subprocess.run(command, check=True, env=env, stdout=sys.stdout, stderr=sys.stderr)
        return {}
    return _timed(line=line, explain_sample=explain_sample)


def _timed(*, line, explain_sample: int | None = None) -> dict[str, Any]:
    from homeward.agencies.models import Role
    from homeward.benchmarks.common import bench_user
    from homeward.linkage.models import CountUnit, LinkRun
    from homeward.linkage.services import linkage_run, linkage_update
    from homeward.returns.models import PoliceReport
    from homeward.returns.services import police_report_submit

    here = _world_here()
    line(
        f"world: {here['children']:,} children, {here['episodes']:,} council episodes, "
        f"{here['police_reports']:,} police reports ({connection.vendor})"
    )
    f: dict[str, Any] = {"world": here}
    line("full rebuild: person linkage (train, predict), links written, every report reconciled ...")
    explained: list[float] = []
    if explain_sample is not None:
        # Explaining review pairs costs time (engine.explain_many, scored a few dozen together); a
        # national run has thousands. Measured here on a sample, and the rebuild timed without the rest.
        from homeward.linkage import reports as linkage_reports

        real_explain = linkage_reports.explain_candidates

        def sampled(*, model, candidates):
            taken = candidates[: max(explain_sample - len(explained), 0)]
            whys = []
            if taken:
                t = time.perf_counter()
                whys = real_explain(model=model, candidates=taken)
                explained.extend([(time.perf_counter() - t) / len(taken)] * len(taken))
            return whys + [{}] * (len(candidates) - len(taken))

        linkage_reports.explain_candidates = sampled
        line(f"  (review pairs: only the first {explain_sample} explained, timed; the rest left unexplained)")
    t, cpu = time.perf_counter(), os.times()
    run = linkage_run(why="bench one-count: full rebuild")
    f["rebuild_s"] = round(time.perf_counter() - t, 1)
    cpu2 = os.times()
    f["rebuild_cpu_s"] = round((cpu2.user + cpu2.system) - (cpu.user + cpu.system), 1)
    run.refresh_from_db()
    f["link_s"] = round((run.finished_at - run.started_at).total_seconds(), 1)
    f["reconcile_s"] = round(f["rebuild_s"] - f["link_s"], 1)
    f["timings"] = run.timings
    f["run"] = {
        "linked_auto": run.linked_auto,
        "to_review": run.to_review,
        "unlinked": run.unlinked,
    }
    f["units"] = _units()
    f["rebuild_peak_mb"] = _rss_mb()
    line(
        f"  rebuilt in {f['rebuild_s']} s ({f['rebuild_cpu_s']} s CPU): linkage and links {f['link_s']} s "
        f"(train {run.timings.get('train_s', 0):.1f} s, predict {run.timings.get('predict_s', 0):.1f} s), "
        f"reconciliation and the count written {f['reconcile_s']} s; peak memory {f['rebuild_peak_mb']:,} MB"
    )
    if explain_sample is not None:
        linkage_reports.explain_candidates = real_explain
        f["explain_s"] = [round(x, 2) for x in explained]
        line(
            f"  {len(explained)} review pairs explained in {sum(explained):.1f} s "
            f"({sum(explained) / max(len(explained), 1):.2f} s each, included in the rebuild's time); "
            "the other review pairs were not explained"
        )
    line(
        f"  {run.linked_auto:,} reports linked automatically, {run.to_review:,} to review, {run.unlinked:,} "
        f"unlinked; one count: {f['units']['both']:,} known to both, {f['units']['police_only']:,} police only, "
        f"{f['units']['council_only']:,} council only"
    )

    # A new report of a looked-after child, as the force's system sends it: a second call about a
    # child a force reported before, a day after that report.
    rng = random.Random(1)
    earlier = (
        PoliceReport.objects.filter(child__isnull=False)
        .exclude(reference__startswith="bench-update/")
        .order_by("pk")
        .select_related("force")
    )
    template = earlier[rng.randrange(earlier.count())]
    system = bench_user(template.force, Role.POLICE_COORDINATOR)
    reference = f"bench-update/{LinkRun.objects.count()}"
    data = {
        "reference": reference,
        "first_name": template.first_name,
        "last_name": template.last_name,
        "date_of_birth": str(template.date_of_birth or ""),
        "sex": template.sex,
        "address_postcode": template.address_postcode,
        "reported_at": (template.reported_at + datetime.timedelta(days=1)).isoformat(),
        "risk_grade": "medium",
    }
    data = {k: v for k, v in data.items() if v}
    t = time.perf_counter()
    report, _ = police_report_submit(user=system, why="bench one-count: a new report", data=data)
    submit_s = time.perf_counter() - t
    units_before = _units()
    line(f"one-report update: report {reference} of child {template.child_id} ({template.force.code}) ...")
    t = time.perf_counter()
    update = linkage_update(why="bench one-count: one new report", report_ids={report.pk})
    f["update_s"] = round(time.perf_counter() - t, 2)
    update.refresh_from_db()
    report.refresh_from_db()
    f["update"] = {
        "submit_s": round(submit_s, 2),
        "timings": update.timings,
        "linked_to": report.child_id,
        "expected_child": template.child_id,
        "units_before": units_before,
        "units_after": _units(),
        "child_units": CountUnit.objects.filter(child_id=template.child_id).count(),
    }
    f["peak_mb"] = _rss_mb()
    line(
        f"  updated in {f['update_s']} s (prepare {update.timings.get('prepare_s', 0):.1f} s, score "
        f"{update.timings.get('predict_s', 0):.2f} s, {update.timings.get('units_rebuilt', 0)} units of the "
        f"children it touched reconciled again in {update.timings.get('reconcile_s', 0):.2f} s; the rest is reading "
        f"the records); report linked to child {report.child_id} "
        f"({'the same child' if report.child_id == template.child_id else 'NOT the child it was copied from'}); "
        f"submitting it took {submit_s:.2f} s"
    )
    line(f"  one count before {units_before}, after {f['update']['units_after']}")
    line(f"peak memory {f['peak_mb']:,} MB; load average {os.getloadavg()[0]:.2f}")
    # The update's report stays: the next run of this bench starts from a world with it (and rebuilds).
    return f
