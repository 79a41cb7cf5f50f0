"""Which child is each police report about? Police missing-person reports linked to children's records.

Pure Python over plain records (no Django), so the service (linkage.services) and the benchmark
(benchmarks.linkage_world) run exactly the same steps:

    links = link_reports(children=[ChildIdentity(...)], reports=[ReportIdentity(...)], decisions={...})

or, for a few reports that arrived since (linkage.services.linkage_update), scored with the last
full run's trained model and not trained again:

    links = link_some_reports(children=..., reports=..., report_ids={...}, settings=run.model, decisions={...})

A child is given to the engine once per name it is known by (its own, then each other name the
council keeps: a known-as first name, another family surname) and postcode it has lived at (its
placements, newest first, up to MAX_POSTCODES): a report made from an earlier placement, or under a
known-as name, is then compared with that placement's postcode and that name, and is found by the
blocking rules that need an exact name. A pair's probability is the best over those records. The model is trained on the data
being linked, without labels (engine.train in link mode: police reports left, children right).

Each report then gets one outcome (REPORT_OUTCOMES):
- a person's decision stands above everything: a pair confirmed links, a pair rejected never does;
- the best child at or above AUTO_LINK links at once, unless another child comes within
  RIVAL_MARGIN_BITS of it (twins, or a namesake born days apart whom the report fits as well);
- otherwise every child at or above REVIEW_FLOOR (up to MAX_CANDIDATES) goes to the review queue,
  and the report stays unlinked until someone decides;
- otherwise the report is unlinked (no child in Homeward looks like the one reported), unless a
  child scoring at least WEAK_FLOOR had an episode at the time of the report: names and dates alone
  are weak evidence then, but a child going missing just when this one was reported is strong, so
  the pair goes to the review queue (review_weak_matches_in_time).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homeward.linkage.engine import LinkageModel

# A wrong link puts a police report on another child's record, so automatic links need a high
# probability. Measured with `homeward bench linkage` (a world of 20,000 children, seed 1): all
# 13,771 automatic links were to the right child, and 86 of the 88 reports sent to a person had the
# right child among the candidates. Between the two floors a person decides.
AUTO_LINK = 0.95
REVIEW_FLOOR = 0.5
WEAK_FLOOR = 0.01
# A rival this close (in log2 odds: 10 bits is a thousand times less likely) is a real doubt. One
# further off is not: without it, a child who goes missing every week and shares a name with a
# child born ten days apart would send every one of their reports to a person.
RIVAL_MARGIN_BITS = 10.0
MAX_CANDIDATES = 3
MAX_POSTCODES = 4
MAX_NAMES = 3

LINKED_AUTO, LINKED_CONFIRMED, REVIEW, UNLINKED = "auto", "confirmed", "review", "unlinked"
REPORT_OUTCOMES = (LINKED_AUTO, LINKED_CONFIRMED, REVIEW, UNLINKED)
CONFIRMED, REJECTED = "confirmed", "rejected"  # a person's decision on a pair


@dataclass(frozen=True, slots=True)
class ChildIdentity:
    id: int
    first_name: str
    last_name: str
    date_of_birth: datetime.date | None
    sex: str  # SSDA903: 1 male, 2 female
    la_child_id: str
    other_names: tuple[tuple[str, str], ...] = ()  # (first, last) the council keeps; either may be blank
    postcodes: tuple[str, ...] = ()  # placements', newest first


@dataclass(frozen=True, slots=True)
class ReportIdentity:
    id: int
    first_name: str
    last_name: str
    other_names: str  # ";"-separated
    date_of_birth: datetime.date | None
    sex: str  # M, F or blank
    postcode: str  # the address reported from, else where last seen
    council_child_id: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    child_id: int
    match_probability: float
    match_weight: float
    record_ids: tuple[str, str]  # (report record, child record) of the best-scoring pair, for explain()


@dataclass
class ReportLink:
    report_id: int
    outcome: str
    child_id: int | None  # the linked child (auto or confirmed)
    candidates: list[Candidate] = field(default_factory=list)  # best first; REVIEW: those to decide
    weak: list[Candidate] = field(default_factory=list)  # UNLINKED: children scoring WEAK_FLOOR to REVIEW_FLOOR
    in_time: bool = False  # sent to review because a weak candidate's episode fits the report's time


@dataclass
class LinkResult:
    links: dict[int, ReportLink]
    model: LinkageModel | None
    timings: dict[str, float] = field(default_factory=dict)


def _child_rows(children: Iterable[ChildIdentity]) -> list[dict]:
    rows = []
    for c in children:
        postcodes = list(dict.fromkeys(p for p in c.postcodes if p))[:MAX_POSTCODES] or [None]
        names = list(
            dict.fromkeys(
                [(c.first_name, c.last_name)]
                + [(first or c.first_name, last or c.last_name) for first, last in c.other_names]
            )
        )[:MAX_NAMES]
        aliases = [name for pair in c.other_names for name in pair if name]
        for i, ((first, last), postcode) in enumerate((n, p) for n in names for p in postcodes):
            rows.append(
                {
                    "record_id": f"C{c.id}#{i}",
                    "first_name": first or None,
                    "last_name": last or None,
                    "dob": c.date_of_birth.isoformat() if c.date_of_birth else None,
                    "sex": {"1": "M", "2": "F"}.get(c.sex),
                    "postcode": postcode,
                    "agency_id": c.la_child_id or None,
                    "aliases": aliases,
                }
            )
    return rows


def _report_rows(reports: Iterable[ReportIdentity]) -> list[dict]:
    return [
        {
            "record_id": f"P{r.id}",
            "first_name": r.first_name or None,
            "last_name": r.last_name or None,
            "dob": r.date_of_birth.isoformat() if r.date_of_birth else None,
            "sex": r.sex or None,
            "postcode": r.postcode or None,
            "agency_id": r.council_child_id or None,
            "aliases": [n.strip() for n in r.other_names.split(";") if n.strip()],
        }
        for r in reports
    ]


def _table(rows: list[dict]):
    import pyarrow as pa

    schema = pa.schema(
        [
            ("record_id", pa.string()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("dob", pa.string()),
            ("sex", pa.string()),
            ("postcode", pa.string()),
            ("agency_id", pa.string()),
            ("aliases", pa.list_(pa.string())),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def link_reports(
    *,
    children: Sequence[ChildIdentity],
    reports: Sequence[ReportIdentity],
    decisions: Mapping[tuple[int, int], str] | None = None,
    seed: int = 42,
    backend: str | None = None,
) -> LinkResult:
    """Link each report to a child, or send it for review, or leave it unlinked (module docstring).

    `decisions` maps (report id, child id) to CONFIRMED or REJECTED. `backend` is the
    engine's ("duckdb" or "spark"; default from HOMEWARD_LINKAGE_BACKEND, else duckdb).
    """
    import time

    # Imported here: DuckDB and Arrow are for linkage runs, not for every web process that reads a status.
    from homeward.linkage import engine

    decisions = decisions or {}
    if not reports:
        return LinkResult(links={}, model=None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    left = _table(_report_rows(reports))
    right = _table(_child_rows(children))
    model = None
    best: dict[int, dict[int, Candidate]] = {}
    if right.num_rows:
        model = engine.train(records=(left, right), seed=seed, backend=backend)
        timings["train_s"] = time.perf_counter() - started
        best = _best_candidates(engine.predict(model=model, threshold=WEAK_FLOOR))
        timings["predict_s"] = time.perf_counter() - started - timings["train_s"]
    links = _outcomes(reports, best, decisions)
    timings["link_s"] = time.perf_counter() - started
    return LinkResult(links=links, model=model, timings=timings)


def link_some_reports(
    *,
    children: Sequence[ChildIdentity],
    reports: Sequence[ReportIdentity],
    report_ids: Iterable[int],
    settings: Mapping,
    decisions: Mapping[tuple[int, int], str] | None = None,
) -> LinkResult:
    """Link only the reports `report_ids` (of `reports`, which holds every report), scored with a
    model trained before (`settings`, a full run's trained Splink settings) instead of training again.

    Every report and child is prepared, as in a full run, because preparation reads things off the
    records as a whole (known-as names and twins among records of one surname and birth date) and
    term frequencies count every child in both tables: a report is then scored exactly as a full run
    with the same parameters would score it. Only the pairs of the reports asked for are compared
    and scored, which is where a full run spends its time. DuckDB only: one report is no work for a
    Spark cluster.
    """
    import time

    from splink import DuckDBAPI, Linker

    from homeward.linkage import engine

    decisions = decisions or {}
    wanted = {int(i) for i in report_ids}
    scored_reports = [r for r in reports if r.id in wanted]
    if not scored_reports:
        return LinkResult(links={}, model=None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    con = engine.new_connection()
    every_report = engine.prepare_records(con=con, records=_table(_report_rows(reports)))
    right = engine.prepare_records(con=con, records=_table(_child_rows(children)))
    left = f"{every_report}_scored"
    con.execute(
        f"CREATE TABLE {left} AS SELECT * FROM {every_report} WHERE record_id IN (SELECT unnest(?))",
        [[f"P{i}" for i in sorted(wanted)]],
    ).fetchall()
    timings["prepare_s"] = time.perf_counter() - started
    best: dict[int, dict[int, Candidate]] = {}
    model = None
    if children:
        db_api = DuckDBAPI(connection=con)
        settings = dict(settings)
        linker = Linker(
            [
                db_api.register(left, dataset_display_name="a_left"),
                db_api.register(right, dataset_display_name="b_right"),
            ],
            settings,
            log_level=None,
        )
        if _uses_term_frequencies(settings):
            # Counted over every report and child, as the full run counts them (not over the few scored).
            engine._register_term_frequencies(
                con=con, linker=linker, db_api=db_api, prepared=[every_report, right], backend="duckdb"
            )
        model = engine.LinkageModel(
            settings=settings, link_type="link_only", linker=linker, db_api=db_api, prepared=[left, right], con=con
        )
        best = _best_candidates(engine.predict(model=model, threshold=WEAK_FLOOR))
        timings["predict_s"] = time.perf_counter() - started - timings["prepare_s"]
    links = _outcomes(scored_reports, best, decisions)
    timings["link_s"] = time.perf_counter() - started
    return LinkResult(links=links, model=model, timings=timings)


def _uses_term_frequencies(settings: Mapping) -> bool:
    return any(
        level.get("tf_adjustment_column")
        for comparison in settings.get("comparisons", ())
        for level in comparison.get("comparison_levels", ())
    )


def _best_candidates(pairs) -> dict[int, dict[int, Candidate]]:
    """Each report's best-scoring pair with each child (a child is several records: names x postcodes)."""
    best: dict[int, dict[int, Candidate]] = defaultdict(dict)
    for id_l, id_r, probability, weight in zip(
        pairs.column("id_l").to_pylist(),
        pairs.column("id_r").to_pylist(),
        pairs.column("match_probability").to_pylist(),
        pairs.column("match_weight").to_pylist(),
        strict=True,
    ):
        report_id, child_id = int(id_l[1:]), int(id_r[1:].split("#")[0])
        known = best[report_id].get(child_id)
        if known is None or probability > known.match_probability:
            best[report_id][child_id] = Candidate(child_id, float(probability), float(weight), (id_l, id_r))
    return best


def _outcomes(
    reports: Iterable[ReportIdentity],
    best: Mapping[int, Mapping[int, Candidate]],
    decisions: Mapping[tuple[int, int], str],
) -> dict[int, ReportLink]:
    """Each report's outcome from its scored candidates and people's decisions (module docstring)."""
    links: dict[int, ReportLink] = {}
    confirmed: dict[int, int] = {}
    rejected: set[tuple[int, int]] = set()
    for (report_id, child_id), decision in decisions.items():
        if decision == CONFIRMED:
            confirmed[report_id] = child_id
        elif decision == REJECTED:
            rejected.add((report_id, child_id))
    for report in reports:
        scored = sorted(
            (c for c in best.get(report.id, {}).values() if (report.id, c.child_id) not in rejected),
            key=lambda c: (-c.match_probability, c.child_id),
        )
        candidates = [c for c in scored if c.match_probability >= REVIEW_FLOOR]
        if report.id in confirmed:
            links[report.id] = ReportLink(report.id, LINKED_CONFIRMED, confirmed[report.id], candidates)
        elif (
            candidates
            and candidates[0].match_probability >= AUTO_LINK
            and (len(candidates) == 1 or candidates[0].match_weight - candidates[1].match_weight >= RIVAL_MARGIN_BITS)
        ):
            links[report.id] = ReportLink(report.id, LINKED_AUTO, candidates[0].child_id, candidates[:1])
        elif candidates:
            links[report.id] = ReportLink(report.id, REVIEW, None, candidates[:MAX_CANDIDATES])
        else:
            links[report.id] = ReportLink(report.id, UNLINKED, None, [], weak=scored[:MAX_CANDIDATES])
    return links


def review_weak_matches_in_time(links: Mapping[int, ReportLink], *, fits: Callable[[int, int], bool]) -> int:
    """Send to review each unlinked report with a weak candidate that had an episode at the report's
    time (`fits(report_id, child_id)`); returns how many were sent."""
    sent = 0
    for link in links.values():
        if link.outcome != UNLINKED:
            continue
        timed = [c for c in link.weak if fits(link.report_id, c.child_id)]
        if timed:
            link.outcome, link.candidates, link.in_time = REVIEW, timed, True
            sent += 1
    return sent


IN_TIME_NOTE = "The records differ, but this child had a missing or away episode at the time of the report."


def explain_candidates(*, model: LinkageModel, candidates: list[tuple[Candidate, bool]]) -> list[dict]:
    """The engine's explanation of each candidate pair (with whether it fits an episode in time), as
    plain data for the review page, in order; the pairs are scored together (engine.explain_many)."""
    from homeward.linkage import engine

    whys = engine.explain_many(
        model=model,
        pairs=[{"id_l": candidate.record_ids[0], "id_r": candidate.record_ids[1]} for candidate, _ in candidates],
    )
    return [_explanation_data(why, in_time=in_time) for why, (_, in_time) in zip(whys, candidates, strict=True)]


def _explanation_data(why, *, in_time: bool) -> dict:
    notes = list(why.notes)
    if in_time:
        notes.insert(0, IN_TIME_NOTE)
    return {
        "match_probability": why.match_probability,
        "match_weight": why.match_weight,
        "prior_match_weight": why.prior_match_weight,
        "fields": [
            {"field": f.field, "report": f.left, "child": f.right, "level": f.level, "match_weight": f.match_weight}
            for f in why.fields
        ],
        "notes": notes,
    }
