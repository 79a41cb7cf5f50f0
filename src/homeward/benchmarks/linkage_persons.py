"""Person-linkage benchmark: precision, recall and F1 against synthetic truth, time, memory.

    python -m homeward.benchmarks.linkage_persons --records 1000000 [--seed 1] [--model generic]
        [--backend spark] [--generator independent] [--side-by-side] [--cluster local-standalone]

Records come from `linkage.persons` (the generator the engine's defaults were learnt on)
or `linkage.independent` (written apart from it, with other mess), so the engine is not
only measured against its own mirror. `--side-by-side` runs Homeward's model and the
generic Splink model (benchmarks.linkage_baseline) on the same records and prints both.

The generator runs in this process and writes the records to a temporary directory; the
model is trained and run in a fresh child process, so its peak resident memory
(`ru_maxrss`, which counts DuckDB's own allocations, unlike tracemalloc) and its times
are of linkage alone. Metrics are then computed here against the truth:

- pairwise (edges): every predicted pair at or above the threshold vs every pair of
  records of the same child;
- clusters: the same, after joining predicted pairs into connected components (what a
  "one child, many records" view would show);
- calibration: every scored pair (threshold 0) by band of predicted match probability
  (0-0.1, ..., 0.9-1), the mean predicted probability against the observed share of true
  matches, with the 95% interval of that share (a band of a few dozen pairs cannot show
  a 5-point error).

Times are wall-clock and depend on what else the machine is doing; the load average and
the child's CPU seconds are reported beside them so a noisy run can be recognised.

With `--backend spark` the same model runs on a local Spark session. Spark does its work
in a JVM, a child of the linkage process that ru_maxrss and os.times() do not see, so
for Spark the peak memory is the sampled resident memory of the linkage process and all
its descendants together (every 0.2 s), and the CPU seconds are those of the whole tree
(from /proc). The JVM's start is timed on its own line, not in train.

`--cluster local-standalone` links the same records on DuckDB and then on a Spark
standalone cluster started here (benchmarks.spark_cluster: a master and two workers of one
core each, the checkpoint directory a directory both workers and the driver see), and
prints the two side by side; the cluster's CPU and memory include its daemons and
executors, which are not the linkage process's descendants.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

GENERATORS: tuple[str, ...] = ("persons", "independent")
# Issue 13: no tenth of predicted probability off its observed share by more than this.
CALIBRATION_FLOOR_POINTS = 5.0


def generate(*, generator: str, n_records: int, seed: int) -> tuple[Any, Any]:
    """(records, truth) from the named generator."""
    if generator == "persons":
        from homeward.linkage.persons import generate_person_pairs

        return generate_person_pairs(n_records=n_records, seed=seed)
    if generator == "independent":
        from homeward.linkage.independent import generate_independent_people

        return generate_independent_people(n_records=n_records, seed=seed)
    raise ValueError(f"generator must be one of {', '.join(GENERATORS)}")


def run_person_linkage_bench(
    *,
    n_records: int,
    seed: int = 1,
    threshold: float = 0.5,
    model: str = "homeward",
    quiet: bool = False,
    backend: str = "duckdb",
    generator: str = "persons",
    generated: tuple[Any, Any] | None = None,
    env: dict[str, str] | None = None,
    ceiling: bool = False,
) -> dict[str, Any]:
    """Generate `n_records` (or take `generated`: records and truth already made), link
    them, and return (and print) the figures. `env`: variables for the linkage child (the
    Spark master and checkpoint directory of a cluster). `ceiling`: also the best F1 any
    rule over the model's comparison levels could reach on its candidate pairs, and any rule
    that also sees each pair's context (`_ceiling`, `_level_cells`; Homeward's model on DuckDB,
    one more scoring pass, not timed)."""
    if model not in ("homeward", "generic"):
        raise ValueError("model must be 'homeward' or 'generic'")
    if backend not in ("duckdb", "spark"):
        raise ValueError("backend must be 'duckdb' or 'spark'")
    if backend == "spark" and model != "homeward":
        raise ValueError("the generic model runs on DuckDB only")
    if ceiling and (model, backend) != ("homeward", "duckdb"):
        raise ValueError("the ceiling is counted for Homeward's model on DuckDB")
    with tempfile.TemporaryDirectory(prefix="hw-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        records, truth = generated or generate(generator=generator, n_records=n_records, seed=seed)
        generate_s = time.perf_counter() - started
        pq.write_table(records, work / "records.parquet")
        pq.write_table(truth, work / "truth.parquet")
        del records
        load_before = os.getloadavg()[0]
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "homeward.benchmarks.linkage_persons",
                "--child",
                str(work),
                "--model",
                model,
                "--seed",
                str(seed),
                "--backend",
                backend,
                *(["--levels"] if ceiling else []),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **env} if env else None,
        )
        if child.returncode != 0:
            raise RuntimeError(f"linkage child failed:\n{child.stderr[-4000:]}")
        stats = json.loads((work / "stats.json").read_text())
        metrics = _metrics(work / "pairs.parquet", truth, threshold)
        if ceiling:
            levels = work / "levels.parquet"
            metrics["ceiling"] = _ceiling(_level_cells(levels, truth), metrics["true_pairs"])
            metrics["ceiling_in_context"] = _ceiling(
                _level_cells(levels, truth, records_path=work / "records.parquet"), metrics["true_pairs"]
            )
    result: dict[str, Any] = {
        "model": model,
        "generator": generator,
        "backend": backend,
        "n_records": n_records,
        "seed": seed,
        "threshold": threshold,
        **metrics,
        "generate_seconds": round(generate_s, 2),
        **stats,
        "load_average_before": round(load_before, 2),
        "cpu_count": os.cpu_count(),
    }
    if not quiet:
        print(format_report(result))
    return result


def run_side_by_side(
    *, n_records: int, seed: int = 1, threshold: float = 0.5, generator: str = "independent"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Homeward's model and the generic Splink model on the same generated records."""
    generated = generate(generator=generator, n_records=n_records, seed=seed)
    return tuple(  # type: ignore[return-value]
        run_person_linkage_bench(
            n_records=n_records,
            seed=seed,
            threshold=threshold,
            model=model,
            quiet=True,
            generator=generator,
            generated=generated,
            ceiling=model == "homeward",
        )
        for model in ("homeward", "generic")
    )


def run_on_cluster(
    *, n_records: int, seed: int = 1, threshold: float = 0.5, generator: str = "persons", say=print
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same records linked by the same model on DuckDB and on a Spark standalone
    cluster (a master and two workers started here, benchmarks.spark_cluster)."""
    from homeward.benchmarks.spark_cluster import local_standalone

    generated = generate(generator=generator, n_records=n_records, seed=seed)
    say(f"{n_records:,} records generated; DuckDB run ...")
    on_duckdb = run_person_linkage_bench(
        n_records=n_records, seed=seed, threshold=threshold, quiet=True, generator=generator, generated=generated
    )
    say(f"  DuckDB F1 {on_duckdb['f1']:.4f} in {on_duckdb['train_predict_seconds']:.1f} s; starting the cluster ...")
    with local_standalone(say=say) as cluster:
        say("  Spark run on the cluster ...")
        # The executors are the workers' children, not the driver's: their CPU and memory
        # are counted here, from the daemons we started (this process's other children).
        cluster_cpu0 = _daemons_cpu_seconds(cluster.pids())
        memory = _TreeMemory(descendants_only=True).__enter__()
        try:
            on_cluster = run_person_linkage_bench(
                n_records=n_records,
                seed=seed,
                threshold=threshold,
                quiet=True,
                backend="spark",
                generator=generator,
                generated=generated,
                env={"HOMEWARD_SPARK_MASTER": cluster.master_url, "HOMEWARD_SPARK_CHECKPOINT_DIR": cluster.shared_dir},
            )
        finally:
            memory.__exit__(None, None, None)
        # The driver's own tree (its CPU, from the child) plus the daemons' and executors'.
        on_cluster["cpu_seconds"] = round(
            on_cluster["cpu_seconds"] + _daemons_cpu_seconds(cluster.pids()) - cluster_cpu0, 2
        )
        on_cluster["peak_memory_mb"] = round(memory.peak_kb / 1024, 1)
        on_cluster["cluster"] = f"{cluster.workers} workers x 1 core, {cluster.master_url}"
    return on_duckdb, on_cluster


def _daemons_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of the cluster's daemons, their finished children (an executor ends with
    its application; its worker reaps it, so it is in the worker's cutime) and live ones."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for root in pids:
        for pid in _tree(root):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime, stime (+ cutime, cstime of reaped children, for the daemon itself).
            total += int(fields[11]) + int(fields[12])
            if pid == root:
                total += int(fields[13]) + int(fields[14])
    return total / ticks


def format_cluster(on_duckdb: dict[str, Any], on_cluster: dict[str, Any]) -> str:
    d, c = on_duckdb, on_cluster
    lines = [
        f"person linkage, DuckDB vs Spark standalone cluster ({c['cluster']}): {d['n_records']:,} records, "
        f"{d['true_pairs']:,} true pairs, seed {d['seed']}, {d['generator']} generator, threshold {d['threshold']}",
        f"  {'backend':<16} {'precision':>9} {'recall':>7} {'F1':>7}  {'train':>8}  {'predict':>8}  "
        f"{'total':>8}  {'CPU':>8}  {'peak memory':>11}",
    ]
    for name, r in (("duckdb", d), ("spark cluster", c)):
        lines.append(
            f"  {name:<16} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}  "
            f"{r['train_seconds']:>6.1f} s  {r['predict_seconds']:>6.1f} s  {r['train_predict_seconds']:>6.1f} s  "
            f"{r['cpu_seconds']:>6.1f} s  {r['peak_memory_mb']:>8,.0f} MB"
        )
    lines.append(
        f"  load average before: DuckDB {d['load_average_before']:.1f}, cluster {c['load_average_before']:.1f} "
        f"on {d['cpu_count']} cores (wall times are what the machine allowed)"
    )
    lines.append(
        f"  F1 difference {abs(c['f1'] - d['f1']):.4f}; Spark session start {c['spark_start_seconds']:.1f} s "
        f"(not in train); the cluster's CPU and peak memory are the driver's, the daemons' and the executors' together"
    )
    return "\n".join(lines)


def format_side_by_side(homeward: dict[str, Any], generic: dict[str, Any]) -> str:
    h, g = homeward, generic
    lines = [
        f"person linkage, {h['generator']} generator: {h['n_records']:,} records, "
        f"{h['true_pairs']:,} true pairs, seed {h['seed']}, threshold {h['threshold']}",
        f"  {'model':<10} {'precision':>9} {'recall':>7} {'F1':>7}  "
        f"{'cluster F1':>10}  {'train+predict':>13}  {'peak memory':>11}",
    ]
    for r in (h, g):
        lines.append(
            f"  {r['model']:<10} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}  "
            f"{r['cluster_f1']:>10.4f}  {r['train_predict_seconds']:>11.1f} s  "
            f"{r['peak_memory_mb']:>8,.0f} MB"
        )
    if h.get("ceiling"):
        c = h["ceiling"]
        lines.append(
            f"  Homeward's ceiling on its own candidate pairs: F1 {c['f1']:.4f} (precision {c['precision']:.4f}, "
            f"recall {c['recall']:.4f}) for the best rule over its comparison levels and whole bits of weight, "
            f"counted against the truth; blocking proposes {c['blocking_recall']:.2%} of the true pairs"
        )
        x = h["ceiling_in_context"]
        lines.append(
            f"  and with what no pair's own levels show (each record's best candidate and its margin, one "
            f"list or two, how many dates and records share the whole name): F1 {x['f1']:.4f} (precision "
            f"{x['precision']:.4f}, recall {x['recall']:.4f}); both counted in-sample, so upper bounds for "
            f"such rules on these candidate pairs"
        )
    lines.append(f"  Homeward's calibration ({h['generator']} generator):")
    lines += _calibration_lines(h["calibration"])
    return "\n".join(lines)


def _calibration_lines(bands: list[dict[str, Any]]) -> list[str]:
    lines = ["    predicted    pairs  mean predicted  observed  (95% interval)  off by"]
    for b in bands:
        lines.append(
            f"    {b['low']:.1f}-{b['low'] + 0.1:.1f}  {b['pairs']:>8,}  "
            f"{b['predicted']:>14.3f}  {b['observed']:>8.3f}  "
            f"({b['observed_low']:.3f}-{b['observed_high']:.3f})  "
            f"{100 * (b['observed'] - b['predicted']):+6.1f} pts"
        )
    if bands:
        worst = max(bands, key=lambda b: abs(b["observed"] - b["predicted"]))
        gap = 100 * abs(worst["observed"] - worst["predicted"])
        # A band of a hundred pairs cannot show a 5-point error on its own: say also which
        # bands are off beyond their own 95% interval (the error sampling cannot explain).
        beyond = [b for b in bands if not b["observed_low"] <= b["predicted"] <= b["observed_high"]]
        lines += _calibration_reach(bands)  # before the verdict, which stays the last line
        lines.append(
            f"    largest gap {gap:.1f} pts ({worst['low']:.1f}-{worst['low'] + 0.1:.1f}); floor "
            f"{CALIBRATION_FLOOR_POINTS:g} pts: {'met' if gap <= CALIBRATION_FLOOR_POINTS else 'NOT met'}; "
            f"{len(beyond)} of {len(bands)} tenths off beyond their 95% interval"
        )
    return lines


def _calibration_reach(bands: list[dict[str, Any]]) -> list[str]:
    """Two lines that tell a bias from bad luck. The tenths between 0.1 and 0.9 together
    (a model that is too unsure, or too sure, there is so in most of them at once), and how
    often a model whose probabilities were exactly right would meet the floor in every tenth
    with bands this size (at 100,000 records a tenth may hold 60 pairs, whose observed share
    wanders by 6 points either way: the floor is then met by chance or not at all)."""
    middle = [b for b in bands if 0.1 <= b["low"] < 0.9]
    if not middle:
        return []
    n = sum(b["pairs"] for b in middle)
    predicted = sum(b["pairs"] * b["predicted"] for b in middle) / n
    matches = round(sum(b["pairs"] * b["observed"] for b in middle))
    low, high = _wilson(matches, n)
    chance = 1.0
    for b in bands:
        sd = math.sqrt(max(b["predicted"] * (1 - b["predicted"]), 1e-12) / b["pairs"])
        chance *= math.erf(CALIBRATION_FLOOR_POINTS / 100 / sd / math.sqrt(2))
    return [
        f"    tenths 0.1-0.9 together: {n:,} pairs, mean predicted {predicted:.3f}, observed "
        f"{matches / n:.3f} ({low:.3f}-{high:.3f}), off by {100 * (matches / n - predicted):+.1f} pts",
        f"    a perfectly calibrated model would meet the floor in every tenth "
        f"{100 * chance:.0f}% of the time at these band sizes",
    ]


def format_report(result: dict[str, Any]) -> str:
    r = result
    spark = r.get("backend") == "spark"
    lines = [
        f"person linkage ({r['model']}{', spark' if spark else ''}): "
        f"{r['n_records']:,} records, "
        f"{r['n_clusters']:,} children, {r['true_pairs']:,} true pairs, seed {r['seed']}, "
        f"{r['generator']} generator",
        f"  pairwise  precision {r['precision']:.4f}  recall {r['recall']:.4f}  "
        f"F1 {r['f1']:.4f}  ({r['predicted_pairs']:,} pairs >= {r['threshold']})",
        f"  clusters  precision {r['cluster_precision']:.4f}  "
        f"recall {r['cluster_recall']:.4f}  F1 {r['cluster_f1']:.4f}",
        f"  train {r['train_seconds']:.1f} s + predict {r['predict_seconds']:.1f} s "
        f"= {r['train_predict_seconds']:.1f} s wall ({r['cpu_seconds']:.1f} s CPU, "
        f"load average {r['load_average_before']:.1f} on {r['cpu_count']} cores)",
        f"  peak memory {r['peak_memory_mb']:,.0f} MB "
        + ("(linkage process and its Spark JVM, sampled resident memory)" if spark else "(linkage process, ru_maxrss)"),
    ]
    if spark:
        lines.append(f"  Spark session start {r['spark_start_seconds']:.1f} s (JVM, not in train)")
    if r.get("calibration"):
        lines.append("  calibration (every scored pair):")
        lines += _calibration_lines(r["calibration"])
    return "\n".join(lines)


def _metrics(pairs_path: Path, truth: Any, threshold: float) -> dict[str, Any]:
    con = duckdb.connect()
    con.register("truth", truth)
    con.execute(f"CREATE TABLE scored AS SELECT * FROM read_parquet('{pairs_path}')").fetchall()
    calibration = _calibration(con)
    con.execute(f"CREATE TABLE pairs AS SELECT * FROM scored WHERE match_probability >= {threshold!r}").fetchall()
    true_pairs = con.execute(
        "SELECT coalesce(sum(c * (c - 1) / 2), 0)::BIGINT, count(*) "
        "FROM (SELECT count(*) c FROM truth GROUP BY cluster_id)"
    ).fetchall()[0]
    predicted, correct = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE a.cluster_id = b.cluster_id)
        FROM pairs p
        JOIN truth a ON a.record_id = p.id_l
        JOIN truth b ON b.record_id = p.id_r
        """
    ).fetchall()[0]
    cluster = _cluster_metrics(con)
    return {
        "n_clusters": int(true_pairs[1]),
        "true_pairs": int(true_pairs[0]),
        "predicted_pairs": int(predicted),
        **_prf(correct=correct, predicted=predicted, actual=true_pairs[0]),
        **{f"cluster_{k}": v for k, v in cluster.items()},
        "calibration": calibration,
    }


def _level_cells(levels_path: Path, truth: Any, *, records_path: Path | None = None) -> list[tuple[int, int]]:
    """(pairs, true matches) for each cell of scored pairs that agree on every comparison's
    level (its own weight, `mw_*`) and on the whole bits of their match weight.

    With `records_path`, each cell is cut further by what a pair's own levels do not show and
    a rule told the truth could still use: whether each record is the other's best-weighed
    candidate and by how many bits (its margin over its next best, in 2-bit steps up to 6),
    whether the two come from one list, and, where the names are exactly the same, how many
    distinct dates and how many records have those names."""
    con = duckdb.connect()
    con.register("truth", truth)
    con.execute(f"CREATE VIEW levels AS SELECT * FROM read_parquet('{levels_path}')")
    columns = [d[0] for d in con.execute("SELECT * FROM levels LIMIT 0").description if d[0].startswith("mw_")]
    cell = [f"round(s.{c}, 3)" for c in columns] + ["floor(s.match_weight)"]
    context = ""
    if records_path is not None:
        con.execute(f"CREATE VIEW records AS SELECT * FROM read_parquet('{records_path}')")
        con.execute(_PAIR_CONTEXT_SQL).fetchall()
        context = "JOIN context c ON c.id_l = s.id_l AND c.id_r = s.id_r"
        cell += ["c.one_list", "c.best_l", "c.best_r", "c.margin_l", "c.margin_r", "c.dated", "c.named"]
    rows = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE a.cluster_id = b.cluster_id)
        FROM levels s
        {context}
        JOIN truth a ON a.record_id = s.id_l
        JOIN truth b ON b.record_id = s.id_r
        GROUP BY {", ".join(cell)}
        """
    ).fetchall()
    return [(int(n), int(k)) for n, k in rows]


# For `_level_cells` with the records: each scored pair with its context.
_PAIR_CONTEXT_SQL = """
CREATE TABLE context AS
WITH sides AS (
    SELECT id_l AS id, id_r AS other, match_weight AS w FROM levels
    UNION ALL SELECT id_r, id_l, match_weight FROM levels
),
tops AS (SELECT id, max(w) AS top, arg_max(other, w) AS top_other FROM sides GROUP BY id),
seconds AS (
    SELECT s.id, max(s.w) FILTER (WHERE s.other <> t.top_other) AS second
    FROM sides s JOIN tops t USING (id) GROUP BY s.id
),
edges AS (
    -- The weight over the best other candidate of this side (-6 to 6, in 2-bit steps).
    SELECT t.id, t.top_other,
        greatest(-3, least(3, floor((t.top - coalesce(q.second, t.top - 6)) / 2))) AS margin_top,
        t.top
    FROM tops t JOIN seconds q USING (id)
),
names AS (
    SELECT first_name, last_name, least(count(DISTINCT dob), 5) AS dated, least(count(*), 8) AS named
    FROM records GROUP BY ALL
)
SELECT s.id_l, s.id_r, (ra.source = rb.source) AS one_list,
    el.top_other = s.id_r AS best_l, er.top_other = s.id_l AS best_r,
    CASE WHEN el.top_other = s.id_r THEN el.margin_top
        ELSE greatest(-3, floor((s.match_weight - el.top) / 2)) END AS margin_l,
    CASE WHEN er.top_other = s.id_l THEN er.margin_top
        ELSE greatest(-3, floor((s.match_weight - er.top) / 2)) END AS margin_r,
    CASE WHEN ra.first_name = rb.first_name AND ra.last_name = rb.last_name THEN n.dated END AS dated,
    CASE WHEN ra.first_name = rb.first_name AND ra.last_name = rb.last_name THEN n.named END AS named
FROM levels s
JOIN records ra ON ra.record_id = s.id_l
JOIN records rb ON rb.record_id = s.id_r
JOIN edges el ON el.id = s.id_l
JOIN edges er ON er.id = s.id_r
LEFT JOIN names n ON n.first_name = ra.first_name AND n.last_name = ra.last_name
"""


def _ceiling(cells: list[tuple[int, int]], true_pairs: int) -> dict[str, float]:
    """The best pairwise F1 of any rule that takes or leaves whole cells (`_level_cells`).

    The model's own rule (match weight at least 0) is one such rule, so this bounds what
    any threshold, or any other weighting of the same levels that keeps a cell's pairs
    together, could do on these candidate pairs; pairs blocking never proposed stay missed. Counted in-sample against the truth,
    so it is an upper bound, not an estimate: the F1-best set of cells is the cells taken
    in order of their share of true matches, up to the best prefix."""
    if not true_pairs:
        return {"f1": 0.0, "precision": 0.0, "recall": 0.0, "blocking_recall": 0.0}
    best = (0.0, 0, 0)
    taken = correct = 0
    for n, k in sorted(cells, key=lambda cell: cell[1] / cell[0], reverse=True):
        taken, correct = taken + n, correct + k
        f1 = 2 * correct / (taken + true_pairs)
        if f1 > best[0]:
            best = (f1, taken, correct)
    f1, taken, correct = best
    return {
        "f1": round(f1, 4),
        "precision": round(correct / taken, 4) if taken else 0.0,
        "recall": round(correct / true_pairs, 4),
        "blocking_recall": round(sum(k for _, k in cells) / true_pairs, 4),
    }


def _calibration(con: Any) -> list[dict[str, Any]]:
    """Predicted probability against the observed share of true matches, per tenth."""
    rows = con.execute(
        """
        SELECT least(floor(s.match_probability * 10), 9)::INT AS band, count(*),
               avg(s.match_probability),
               count(*) FILTER (WHERE a.cluster_id = b.cluster_id)
        FROM scored s
        JOIN truth a ON a.record_id = s.id_l
        JOIN truth b ON b.record_id = s.id_r
        GROUP BY band ORDER BY band
        """
    ).fetchall()
    out = []
    for band, n, predicted, matches in rows:
        low, high = _wilson(matches, n)
        out.append(
            {
                "low": band / 10,
                "pairs": int(n),
                "predicted": round(float(predicted), 4),
                "observed": round(matches / n, 4),
                "observed_low": round(low, 4),
                "observed_high": round(high, 4),
            }
        )
    return out


def _wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _cluster_metrics(con: Any) -> dict[str, float]:
    """Pairwise P/R/F1 after connected components over the predicted pairs."""
    import pyarrow as pa

    edges = con.execute("SELECT id_l, id_r FROM pairs").fetchall()
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = list(parent)
    con.register(
        "predicted_clusters",
        pa.table({"record_id": members, "predicted": [find(m) for m in members]}),
    )
    predicted, correct = con.execute(
        """
        WITH c AS (
            SELECT p.predicted, t.cluster_id, count(*) n
            FROM predicted_clusters p JOIN truth t USING (record_id)
            GROUP BY ALL
        )
        SELECT
            (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM
                (SELECT sum(n) n FROM c GROUP BY predicted)),
            coalesce(sum(n * (n - 1) / 2), 0)
        FROM c
        """
    ).fetchall()[0]
    actual = con.execute(
        "SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM (SELECT count(*) c FROM truth GROUP BY cluster_id)"
    ).fetchall()[0][0]
    return _prf(correct=correct, predicted=predicted, actual=actual)


def _prf(*, correct: float, predicted: float, actual: float) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


class _TreeMemory:
    """Peak resident memory of this process and its descendants (the Spark JVM), sampled."""

    def __init__(self, interval: float = 0.2, *, descendants_only: bool = False) -> None:
        import threading

        self.descendants_only = descendants_only
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.sample()

    def sample(self) -> None:
        me = os.getpid()
        pids = [pid for pid in _tree(me) if not (self.descendants_only and pid == me)]
        self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in pids))


def _tree(root: int) -> list[int]:
    """`root` and every process descended from it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_cpu_seconds() -> float:
    """User + system CPU seconds of this process and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _tree(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _child(*, work: Path, model: str, seed: int, backend: str = "duckdb", levels: bool = False) -> None:
    """Train and predict in this (fresh) process; write every scored pair (threshold 0,
    for calibration; the parent applies the threshold) and the figures to `work`; with
    `levels`, every scored pair again with its comparison levels, after the timings."""
    import resource

    records = pq.read_table(work / "records.parquet")
    spark_start = None
    if backend == "spark":
        from homeward.linkage import spark as spark_backend

        t = time.perf_counter()
        spark_backend.session()
        spark_start = time.perf_counter() - t
    memory = _TreeMemory().__enter__() if backend == "spark" else None
    tree_cpu0 = _tree_cpu_seconds() if backend == "spark" else 0.0
    cpu0 = os.times()
    started = time.perf_counter()
    if model == "homeward":
        from homeward.linkage import engine

        trained = engine.train(records=records, seed=seed, backend=backend)
        if trained.backend != backend:
            raise RuntimeError(f"asked for {backend}, the engine ran {trained.backend}")
        trained_at = time.perf_counter()
        pairs = engine.predict(model=trained, threshold=0.0)
    else:
        from homeward.benchmarks import linkage_baseline as baseline

        trained = baseline.train(records=records, seed=seed)
        trained_at = time.perf_counter()
        pairs = baseline.predict(model=trained, threshold=0.0)
    finished = time.perf_counter()
    cpu1 = os.times()
    tree_cpu1 = _tree_cpu_seconds() if backend == "spark" else 0.0
    if memory is not None:
        memory.__exit__(None, None, None)
    pq.write_table(pairs, work / "pairs.parquet")
    stats = {
        "train_seconds": round(trained_at - started, 2),
        "predict_seconds": round(finished - trained_at, 2),
        "train_predict_seconds": round(finished - started, 2),
        "cpu_seconds": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 2),
        # Linux reports ru_maxrss in kilobytes.
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "train_breakdown": {k: round(v, 2) for k, v in getattr(trained, "timings", {}).items()},
    }
    if backend == "spark":
        assert memory is not None and spark_start is not None
        stats.update(
            {
                # The JVM does the work: count its CPU and memory with this process's.
                "cpu_seconds": round(tree_cpu1 - tree_cpu0, 2),
                "python_peak_memory_mb": stats["peak_memory_mb"],
                "peak_memory_mb": round(memory.peak_kb / 1024, 1),
                "spark_start_seconds": round(spark_start, 2),
            }
        )
    if levels:  # after the figures: neither its time nor its memory is the model's
        pq.write_table(engine.predict(model=trained, threshold=0.0, levels=True), work / "levels.parquet")
    (work / "stats.json").write_text(json.dumps(stats))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--model", choices=("homeward", "generic"), default="homeward")
    parser.add_argument(
        "--backend",
        choices=("duckdb", "spark"),
        default=os.environ.get("HOMEWARD_LINKAGE_BACKEND") or "duckdb",
        help="where Splink runs (default duckdb, or HOMEWARD_LINKAGE_BACKEND)",
    )
    parser.add_argument("--generator", choices=GENERATORS, default="persons")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run Homeward's and the generic model on the same records",
    )
    parser.add_argument(
        "--cluster",
        choices=("local-standalone",),
        help="run on DuckDB and on a Spark master and two workers started here, side by side",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--levels", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(
            work=Path(args.child),
            model=args.model,
            seed=args.seed,
            backend=args.backend,
            levels=args.levels,
        )
        return
    if args.cluster:
        both = run_on_cluster(
            n_records=args.records, seed=args.seed, threshold=args.threshold, generator=args.generator
        )
        print(json.dumps(both, indent=2) if args.json else format_cluster(*both))
        return
    if args.side_by_side:
        both = run_side_by_side(
            n_records=args.records,
            seed=args.seed,
            threshold=args.threshold,
            generator=args.generator,
        )
        print(json.dumps(both, indent=2) if args.json else format_side_by_side(*both))
        return
    result = run_person_linkage_bench(
        n_records=args.records,
        seed=args.seed,
        threshold=args.threshold,
        model=args.model,
        quiet=args.json,
        backend=args.backend,
        generator=args.generator,
    )
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
