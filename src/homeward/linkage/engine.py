"""Person linkage with Splink 5 on DuckDB: who, across records and agencies, is the same child.

Pure Python (no Django models), so a management command, the review queue and the
benchmark all drive the same engine:

    model = train(records=table)                      # dedupe one table
    pairs = predict(model=model, threshold=0.5)       # id_l, id_r, match_probability, ...
    why = explain(model=model, pair=pairs.to_pylist()[0])

    model = train(records=(left, right))              # link two tables (link_only)

Input records are a pyarrow Table (or a list of dicts) with an id column (`record_id` by
default) and any of: first_name, last_name (or one `name`: "SURNAME, Given" or "Given
Surname"), dob (ISO, dd/mm/yyyy, yyyymmdd or a date), sex, postcode (UK or not),
agency_id, aliases (list of known-as names), and in one table that holds several lists,
source (which list: a child is seldom twice in one list and often in two, and the model
learns by how much). Missing columns are null.

The model is trained without labels: u by random sampling, m by EM over blocking rules
that between them leave every comparison free to be estimated once. No field is assumed:
a training step or blocking rule that needs a field the records lack (or lack in the
expected shape) is replaced by one that can run (`plan_training`), and the model says
which steps ran (`LinkageModel.training_steps`).

Two backends run the same model: DuckDB (the default) and Spark, for national runs
(`train(..., backend="spark")`, or HOMEWARD_LINKAGE_BACKEND=spark). Either way the records
are prepared here by DuckDB; with Spark the prepared tables are handed over as DataFrames
and the comparison levels and blocking rules are transpiled to Spark SQL
(homeward.linkage.spark). A model remembers its backend; predict and explain use it.

Beyond the fields themselves, preparation reads two things off the records as a whole
(within each input table): known-as names and the parts of double-barrelled surnames
are shared among records of the same name and birth date, and first names carried by
records with unrelated agency identifiers under one surname and birth date are taken
to be different children (twins), which the first-name comparison then holds against
a match. Neither uses any label.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import count
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import pyarrow as pa

from homeward.linkage.names import canonical_name_map

RecordsInput = pa.Table | Sequence[Mapping[str, Any]]

ROLE_COLUMNS: tuple[str, ...] = ("first_name", "last_name", "name", "dob", "sex", "postcode")

# The order matters only for speed: Splink drops pairs an earlier rule already found.
# Every pair of the four strong fields (first name, surname, date of birth, postcode) is
# covered, with the date key blind to day/month swaps and the first-name key blind to
# nicknames, so a true pair that differs on any two fields is still proposed. The generic
# model's rules (exact name + exact dob, ...) missed pairs differing on two fields at once.
# pc_area and pc_near are the postcode district and sector, or the whole postcode where it
# is not UK-shaped and has no parts: a foreign postcode is its own district.
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("fn_c", "dob_key"),
    ("last_name", "dob_key"),
    ("dob_key", "pc_area"),
    ("fn_c", "last_name", "pc_area"),
    ("fn_c", "pc_near"),
    ("last_name", "pc_near"),
    # Both names agree, the date has one part wrong and the postcode moved: one rule per
    # part that may be wrong (a single names+year rule proposed 4x as many pairs).
    ("fn_c", "last_name", "dob_y", "dob_m"),
    ("fn_c", "last_name", "dob_y", "dob_d"),
    ("fn_c", "last_name", "dob_m", "dob_d"),
    # One name has a typo (its initial survives nine typos in ten) and another field is
    # off too, so the rules above need two exact fields the pair does not have: keep
    # the initial of the mistyped name and ask for the other name and the postcode
    # district, or the other name and two parts of the date, or (both names mistyped)
    # date of birth, sex and both initials. At 1M records these five add about 0.5M
    # candidate pairs and about 1,200 true pairs that score as matches (measured on the
    # synthetic data: the first three each about 300-400, the last two under 100).
    ("fn_c", "ln_1", "pc_area"),
    ("last_name", "fn_1", "pc_area"),
    ("dob", "sex", "fn_1", "ln_1"),
    ("last_name", "fn_1", "dob_m", "dob_d"),
    ("last_name", "fn_1", "dob_y", "dob_d"),
    ("last_name", "fn_1", "dob_y", "dob_m"),
    # Given name and surname transposed (one field holds the other's name): the two names
    # as a set, with the date or the address.
    ("name_set", "dob_key"),
    ("name_set", "pc_area"),
    # Three things wrong at once: a slip in the surname (its initial survives), one part
    # of the date misread and the address moved; or names transposed, the date misread
    # and moved. Measured on the independent generator (written apart from the model) at
    # 100,000 records, these were the largest groups of true pairs no rule proposed.
    ("fn_c", "ln_1", "dob_y", "dob_m"),
    ("fn_c", "ln_1", "dob_y", "dob_d"),
    ("fn_c", "ln_1", "dob_m", "dob_d"),
    ("name_set", "dob_y"),
    ("name_set", "dob_m", "dob_d"),
)

# A true pair whose date is missing on one side and whose postcode moved agrees only on
# names. Blocking on names alone would propose tens of millions of pairs; joining the
# records that lack a date to all records with the same names proposes only those pairs.
# (The same join on surname and first initial, for a missing date and a mistyped first
# name, added 0.3% recall at 100,000 records but took the pairs scored at 1,000,000 to
# 8.7 million.)
NAME_KEY: tuple[str, ...] = ("fn_c", "last_name")
NULL_DOB_RULES: tuple[str, ...] = (
    'l."bk_nodob" = r."bk_names"',
    'l."bk_names" = r."bk_nodob"',
)
# A date recorded as 1 January when only the year was known: join those records to every
# record with the same names and year (a names-and-year rule for all would propose 4x as
# many pairs).
JAN1_RULES: tuple[str, ...] = (
    'l."bk_jan1" = r."bk_names_y"',
    'l."bk_names_y" = r."bk_jan1"',
)
# Names transposed and one of them mistyped (so the two as a set differ): the given name
# on one side is the surname on the other, with the same date.
CROSS_NAME_RULES: tuple[str, ...] = (
    'l."bk_fn_dob" = r."bk_ln_dob"',
    'l."bk_ln_dob" = r."bk_fn_dob"',
)
NAMES_YEAR_KEY: tuple[str, ...] = ("fn_c", "last_name", "dob_y")
# Names transposed in a list that cuts given names to an initial: "J Smith" is "S Jack"
# there, so no name agrees; each record's initial is the other's surname's initial. Keyed
# only on records whose given name is one letter, so lists with full names pay nothing.
# One rule covers both orders (l's initials crossed equal r's exactly when r's crossed
# equal l's).
INITIALS_CROSS_RULES: tuple[str, ...] = ('l."bk_init" = r."bk_init_x"',)

# EM rules: names fixed -> learns dob, sex, postcode, agency id; date of birth + district
# fixed -> learns the names. Each is selective enough to hold mostly true pairs, and each
# names only columns its comparisons use (dob, not dob_key): Splink leaves a comparison
# out of EM only if the rule mentions one of its columns, and a comparison the rule forces
# to agree, left in, makes every pair look like a match.
EM_RULES: tuple[tuple[str, ...], ...] = (
    ("fn_c", "last_name"),
    ("dob", "pc_district"),
)
# What takes an EM rule's place when it cannot run (a field absent, no UK postcodes, too
# few pairs), most selective first: `plan_training` keeps adding the first that can run
# until every comparison with data has been estimated by one of them.
EM_FALLBACK_RULES: tuple[tuple[str, ...], ...] = (
    ("dob", "pc"),
    ("fn_c", "pc"),
    ("last_name", "pc"),
    ("dob", "sex"),
    ("fn_c", "dob"),
    ("last_name", "dob"),
    ("dob",),
    ("pc",),
)
# EM on fewer pairs than this learns noise; Splink asks for "at least a few hundred".
MIN_EM_PAIRS = 300

# Deterministic rules for the prior (probability two random records match): near-certain
# matches, with an assumed recall. Only the prior depends on it, and only weakly. The
# fallbacks are used, in order, only when none of the first rules has its fields.
PRIOR_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name", "dob"),
    ("fn_c", "dob", "pc"),
)
PRIOR_FALLBACK_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name", "pc"),
    ("first_name", "last_name", "sex"),
    ("first_name", "last_name"),
    ("dob", "pc"),
)
PRIOR_RECALL = 0.7
# A blocking rule that needs an absent field is replaced by the same rule without it
# only if that proposes at most this many pairs per record (else it is dropped).
MAX_PAIRS_PER_RECORD = 5
# Below this many records u and m are not estimated: the defaults are better than
# estimates from a handful of pairs.
MIN_RECORDS_TO_TRAIN = 2_000

_UK_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_table_ids = count()

BACKENDS: tuple[str, ...] = ("duckdb", "spark")
BACKEND_ENV = "HOMEWARD_LINKAGE_BACKEND"


def resolve_backend(backend: str | None = None) -> str:
    """The backend to use: the argument, else HOMEWARD_LINKAGE_BACKEND, else duckdb."""
    chosen = (backend or os.environ.get(BACKEND_ENV) or "duckdb").strip().lower()
    if chosen not in BACKENDS:
        raise ValueError(f"unknown linkage backend {chosen!r} (choose from {', '.join(BACKENDS)})")
    return chosen


@dataclass(kw_only=True)
class LinkageModel:
    """A trained model and the prepared input it was trained on (reused by `predict`)."""

    settings: dict[str, Any]
    link_type: str
    linker: Any
    db_api: Any
    prepared: list[str]  # DuckDB tables of prepared records, one per input
    timings: dict[str, float] = field(default_factory=dict)
    # "duckdb" or "spark": where Splink ran. With Spark, `con` is the DuckDB connection
    # holding `prepared` (also published to Spark as temp views of the same names).
    backend: str = "duckdb"
    con: Any = None
    # What training did, in words: each step that ran, and what replaced one that could not.
    training_steps: tuple[str, ...] = ()

    @property
    def duckdb_con(self) -> Any:
        """The DuckDB connection holding the prepared records (either backend)."""
        return self.con if self.con is not None else self.db_api.duckdb_con

    def to_json(self) -> str:
        """The trained settings (Splink's own JSON model format)."""
        return json.dumps(self.settings, indent=2, default=str)


@dataclass(frozen=True, kw_only=True)
class FieldExplanation:
    """How one field of a pair compared and what that did to the match weight."""

    field: str
    left: Any
    right: Any
    level: str
    match_weight: float  # log2 Bayes factor of this field, term-frequency adjustment included


@dataclass(frozen=True, kw_only=True)
class PairExplanation:
    id_l: str
    id_r: str
    match_probability: float
    match_weight: float
    prior_match_weight: float
    fields: tuple[FieldExplanation, ...]
    notes: tuple[str, ...] = ()  # warnings for a reviewer, e.g. possible twins


def new_connection(*, threads: int | None = None, memory_limit: str | None = None) -> Any:
    """A DuckDB connection for the engine (separate from Django's database)."""
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}").fetchall()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'").fetchall()
    # Splink's own progress logging is noise in commands and benchmarks.
    con.execute("SET enable_progress_bar = false").fetchall()
    return con


def prepare_records(*, con: Any, records: RecordsInput, id_column: str = "record_id") -> str:
    """Normalise records into a new DuckDB table and return its name.

    Names lower-cased without accents or punctuation, a nickname-canonical first name,
    dates parsed from any of the three formats with year/month/day and a swap-blind key,
    postcodes split into unit/sector/district (one that is not UK-shaped keeps its plain
    string and no sector or district), name initials for blocking, aliases as one
    '|a|b|' string (the record's own plus those of records with the same first name,
    surname and birth date, and the other parts of a double-barrelled surname seen with
    the same first name and birth date), `siblings` (first names of other children
    with this surname and birth date, see `_sibling_level`), and one hashed key per
    blocking rule. `unique_id` is the row number (integer joins are much faster than
    string ones at a million rows); `record_id` keeps the caller's id.
    """
    table = records if isinstance(records, pa.Table) else pa.Table.from_pylist(list(records))
    if id_column not in table.column_names:
        raise ValueError(f"records have no id column {id_column!r}")
    table = table.append_column("__hw_row", pa.array(range(table.num_rows), pa.int64()))
    _ensure_nickname_table(con)
    n = next(_table_ids)
    raw, out = f"hw_raw_{n}", f"hw_prep_{n}"
    con.register(raw, table)
    cols = set(table.column_names)

    def col(name: str) -> str:
        return f'CAST("{name}" AS VARCHAR)' if name in cols else "CAST(NULL AS VARCHAR)"

    name_clean = "regexp_replace(lower(strip_accents(trim({x}))), '[^a-z -]', '', 'g')"
    if "aliases" not in cols:
        alias_list = "CAST([] AS VARCHAR[])"
    elif pa.types.is_list(table.schema.field("aliases").type) or pa.types.is_large_list(
        table.schema.field("aliases").type
    ):
        alias_list = '"aliases"'
    else:  # one string: "Jay; Smokey"
        alias_list = "regexp_split_to_array(CAST(\"aliases\" AS VARCHAR), '[;,|]')"
    block_keys = ",\n".join(
        [f"            {_block_key_sql(rule)} AS bk{i}" for i, rule in enumerate(BLOCKING_RULES)]
        + [
            # Names agree and one date is missing: keyed on one side only (see
            # NULL_DOB_RULES), so only pairs with a missing date are ever formed.
            f"            CASE WHEN dob IS NULL THEN {_block_key_sql(NAME_KEY)} END AS bk_nodob",
            f"            {_block_key_sql(NAME_KEY)} AS bk_names",
            f"            CASE WHEN dob_m = 1 AND dob_d = 1 THEN {_block_key_sql(NAMES_YEAR_KEY)} END AS bk_jan1",
            f"            {_block_key_sql(NAMES_YEAR_KEY)} AS bk_names_y",
            f"            {_block_key_sql(('first_name', 'dob_key'))} AS bk_fn_dob",
            f"            {_block_key_sql(('last_name', 'dob_key'))} AS bk_ln_dob",
            "            CASE WHEN length(first_name) = 1 THEN "
            f"{_block_key_sql(('first_name', 'ln_1', 'dob_key'))} END AS bk_init",
            "            CASE WHEN length(first_name) = 1 THEN "
            f"{_block_key_sql(('ln_1', 'first_name', 'dob_key'))} END AS bk_init_x",
        ]
    )
    # One `name` field instead of two: "SURNAME, Given", "SURNAME Given" (the surname in
    # capitals, as police and court lists write it) or "Given [Middle] Surname".
    full = f"trim({col('name')})"
    given_from_name = f"""CASE
        WHEN contains({full}, ',') THEN trim(split_part({full}, ',', 2))
        WHEN NOT contains({full}, ' ') THEN NULL
        WHEN regexp_matches({full}, '^[A-Z''-]{{2,}} +.*[a-z]')
            THEN regexp_replace({full}, '^[^ ]+ +', '')
        ELSE regexp_replace({full}, ' +[^ ]+$', '') END"""
    surname_from_name = f"""CASE
        WHEN contains({full}, ',') THEN trim(split_part({full}, ',', 1))
        WHEN regexp_matches({full}, '^[A-Z''-]{{2,}} +.*[a-z]') THEN split_part({full}, ' ', 1)
        ELSE regexp_extract({full}, '[^ ]+$') END"""
    first_in = f"coalesce(nullif(trim({col('first_name')}), ''), {given_from_name})"
    last_in = f"coalesce(nullif(trim({col('last_name')}), ''), {surname_from_name})"
    con.execute(
        f"""
        CREATE TABLE {out} AS
        WITH base AS (
            SELECT
                "__hw_row" AS unique_id,
                CAST("{id_column}" AS VARCHAR) AS record_id,
                nullif(split_part(trim({name_clean.format(x=first_in)}), ' ', 1), '')
                    AS first_name,
                -- o'brien / o brien / obrien all become obrien; spaces join like hyphens
                nullif(regexp_replace(regexp_replace(trim(
                    regexp_replace(lower(strip_accents(trim({last_in}))),
                                   '[^a-z -]', '', 'g')),
                    '^(o|mc|mac|de|le|la|st|van|von) ', '\\1'), '[ -]+', '-', 'g'), '')
                    AS last_name,
                coalesce(
                    try_strptime(trim({col("dob")}), '%Y-%m-%d'),
                    try_strptime(trim({col("dob")}), '%d/%m/%Y'),
                    try_strptime(trim({col("dob")}), '%Y%m%d')
                )::DATE AS dob,
                CASE upper(left(trim({col("sex")}), 1))
                    WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' WHEN '1' THEN 'M' WHEN '2' THEN 'F'
                    ELSE NULL END AS sex,
                nullif(regexp_replace(upper({col("postcode")}), '[^A-Z0-9]', '', 'g'), '')
                    AS pc_raw,
                nullif(trim({col("agency_id")}), '') AS agency_id,
                nullif(trim({col("source")}), '') AS source,
                coalesce(list_filter(
                    list_transform({alias_list}, lambda a: {name_clean.format(x="a")}),
                    lambda a: a <> ''
                ), CAST([] AS VARCHAR[])) AS alias_list
            FROM {raw}
        ),
        based AS (
            SELECT *,
                regexp_matches(pc_raw, '{_UK_POSTCODE}') AS uk,
                left(pc_raw, length(pc_raw) - 3) AS pc_out
            FROM base
        ),
        parsed AS (
            SELECT
                b.unique_id,
                b.record_id,
                b.first_name,
                coalesce(nk.canonical, b.first_name) AS fn_c,
                left(b.first_name, 1) AS fn_1,
                b.last_name,
                left(b.last_name, 1) AS ln_1,
                b.dob,
                year(b.dob) AS dob_y,
                month(b.dob) AS dob_m,
                day(b.dob) AS dob_d,
                -- yyyy * 10000 + min(month, day) * 100 + max(month, day): swap-blind
                year(b.dob) * 10000 + least(month(b.dob), day(b.dob)) * 100
                    + greatest(month(b.dob), day(b.dob)) AS dob_key,
                b.sex,
                CASE WHEN b.uk THEN b.pc_out || ' ' || right(b.pc_raw, 3)
                    ELSE b.pc_raw END AS pc,
                CASE WHEN b.uk THEN b.pc_out || ' ' || left(right(b.pc_raw, 3), 1)
                    END AS pc_sector,
                CASE WHEN b.uk THEN b.pc_out END AS pc_district,
                CASE WHEN b.uk THEN b.pc_out || ' ' || left(right(b.pc_raw, 3), 1)
                    ELSE b.pc_raw END AS pc_near,
                CASE WHEN b.uk THEN b.pc_out ELSE b.pc_raw END AS pc_area,
                least(b.first_name, b.last_name) || '|' || greatest(b.first_name, b.last_name)
                    AS name_set,
                b.first_name || '|' || b.last_name AS full_name,
                b.agency_id,
                b.source,
                b.alias_list
            FROM based b
            LEFT JOIN hw_nicknames nk ON nk.name = b.first_name
        ),
        -- A known-as name recorded on one record (councils keep them) belongs to every
        -- record of the same name and birth date, so a police record under the alias
        -- can be compared with a police record under the real name.
        -- Likewise a double-barrelled surname on one record tells the records of the
        -- same first name and birth date under one of its parts what the other parts
        -- are: police "Murphy" and police "Jones" for council "Murphy-Jones".
        alias_sources AS (
            SELECT fn_c, last_name, dob, alias_list AS names
            FROM parsed
            WHERE len(alias_list) > 0
            UNION ALL
            SELECT fn_c, part AS last_name, dob, list_filter(parts, lambda x: x <> part) AS names
            FROM (
                SELECT fn_c, dob, string_split(last_name, '-') AS parts,
                    unnest(string_split(last_name, '-')) AS part
                FROM parsed
                WHERE contains(last_name, '-')
            )
        ),
        alias_groups AS (
            SELECT fn_c, last_name, dob, list_distinct(flatten(list(names))) AS group_aliases
            FROM alias_sources
            WHERE fn_c IS NOT NULL AND last_name IS NOT NULL AND dob IS NOT NULL
            GROUP BY ALL
        ),
        -- Different children with one surname and birth date (twins, mostly): two first
        -- names carried by records whose agency identifiers are unrelated (neither extends
        -- the other) are the names of two children, not two names of one child.
        with_ids AS (
            SELECT DISTINCT last_name, dob, fn_c, agency_id
            FROM parsed
            WHERE agency_id IS NOT NULL AND fn_c IS NOT NULL AND last_name IS NOT NULL
                AND dob IS NOT NULL
        ),
        sibling_groups AS (
            SELECT a.last_name, a.dob, a.fn_c, list(DISTINCT b.fn_c) AS siblings
            FROM with_ids a
            JOIN with_ids b ON a.last_name = b.last_name AND a.dob = b.dob AND a.fn_c <> b.fn_c
            WHERE NOT starts_with(a.agency_id, b.agency_id)
                AND NOT starts_with(b.agency_id, a.agency_id)
            GROUP BY ALL
        ),
        enriched AS (
            SELECT p.* EXCLUDE (alias_list),
                CASE WHEN len(p.alias_list) > 0 OR g.group_aliases IS NOT NULL
                    THEN '|' || array_to_string(
                        list_distinct(
                            p.alias_list || coalesce(g.group_aliases, CAST([] AS VARCHAR[]))
                        ), '|'
                    ) || '|' END AS aliases,
                s.siblings
            FROM parsed p
            LEFT JOIN alias_groups g
                ON g.fn_c = p.fn_c AND g.last_name = p.last_name AND g.dob = p.dob
            LEFT JOIN sibling_groups s
                ON s.fn_c = p.fn_c AND s.last_name = p.last_name AND s.dob = p.dob
        )
        SELECT *,
{block_keys}
        FROM enriched
        """
    ).fetchall()
    con.unregister(raw)
    dupes = con.execute(f"SELECT record_id FROM {out} GROUP BY record_id HAVING count(*) > 1 LIMIT 1").fetchall()
    if dupes:
        raise ValueError(f"record ids must be unique; {dupes[0][0]!r} appears more than once")
    return out


def _block_key_sql(rule: Sequence[str]) -> str:
    """One 64-bit hash per blocking rule, null if any part is missing.

    Joining on one integer instead of two to four strings, and excluding earlier rules'
    pairs with one integer comparison each, halves blocking time. A hash collision only
    adds a candidate pair, which scoring then rejects.
    """
    present = " AND ".join(f'"{c}" IS NOT NULL' for c in rule)
    parts = ", ".join(f'"{c}"' for c in rule)
    # 63 bits so the key is a signed BIGINT (Arrow and Python handle it everywhere).
    return f"CASE WHEN {present} THEN (hash({parts}) >> 1)::BIGINT END"


def _ensure_nickname_table(con: Any) -> None:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'hw_nicknames'").fetchall()[
        0
    ][0]
    if exists:
        return
    mapping = canonical_name_map()
    con.register(
        "hw_nicknames_src",
        pa.table({"name": list(mapping), "canonical": list(mapping.values())}),
    )
    con.execute("CREATE TABLE hw_nicknames AS SELECT * FROM hw_nicknames_src").fetchall()
    con.unregister("hw_nicknames_src")


def _level(
    sql: str,
    label: str,
    *,
    null: bool = False,
    tf: str | None = None,
    u: float | None = None,
    m: float | None = None,
) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if u is not None:
        # A starting u for a level random sampling may never see (it keeps this value);
        # the shipped defaults, where they have the level, take precedence.
        level["u_probability"] = u
    if m is not None:
        # A starting m for a level the shipped defaults lack (their generator never makes
        # it); EM replaces it wherever the records show the level.
        level["m_probability"] = m
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _else() -> dict[str, Any]:
    return _level("ELSE", "All other comparisons")


MISSING_LEVEL = "Missing on one side or both"
# Starting m and u of a missing level: equal, so a model that could not estimate them
# (too few records, or no training rule for the field) treats a gap as no evidence, as a
# null level would.
MISSING_M = MISSING_U = 0.05


# The record column each comparison's missing level tests.
MISSING_COLUMNS: dict[str, str] = {"dob": "dob", "postcode": "pc", "agency_id": "agency_id"}


def _missing_level(column: str) -> dict[str, Any]:
    """A field missing on either side, as a level with its own m and u, not a null level.

    A null level weighs a gap as no evidence (m = u). That holds only when every source
    leaves a field out equally often. When one agency often leaves it out (police records
    without the council's child id, a date or a postcode taken on the phone), a gap says
    which kind of record this is, and pairs of such records match far more often than two
    random records do (a council keeps one record per child; duplicates are rare). Measured
    on the persons generator: a pair missing an agency id is 1.38 times as likely as a
    random pair to be a match, missing a date 1.17, a postcode 1.21, a sex 1.25; almost
    every pair scored between 0.1 and 0.9 lacks an agency id, and as null levels these gaps
    left such pairs scored 7-13 points too low on average (most of the issue-13
    underconfidence). As a level, u is counted (how often random pairs have the gap) and m
    is the share with the gap among pairs sure to be one child, else the share of matches EM
    finds with it (_gaps_settled), so a gap weighs what the records say it weighs: about nothing where fields go missing
    at random (the independent generator), more where they do not. (Sex stays a null
    level: see below.)
    """
    level = _level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', MISSING_LEVEL, m=MISSING_M, u=MISSING_U)
    # Held at m = u (no evidence) while Splink's EM runs, which still counts the matches that
    # have the gap: its m is counted, or read from what is left to the other levels (_gaps_settled).
    # Left free, EM over one blocking rule's few pairs (5,000 records, no dates) put matches
    # into the gap at the cost of the other levels and lost a tenth of the true pairs.
    level["fix_m_probability"] = True
    return level


def _alias_sql(column: str) -> str:
    """The name on one side is among the other side's known-as names ('|a|b|')."""
    return (
        f"""contains("aliases_r", '|' || "{column}_l" || '|') """
        f"""OR contains("aliases_l", '|' || "{column}_r" || '|')"""
    )


def _dob_one_digit_sql(part: str) -> str:
    """The other two parts of the date agree and `part` differs in one digit (a keying
    slip; for the year also one year either way, as 2009/2010).

    Integer arithmetic, not an edit distance on strings: it runs on every blocked pair
    whose dates differ, so it must be cheap. One level per part because random pairs
    agree on the other two parts at very different rates: sharing day and month (a
    year slip) is about ten times rarer than sharing year and month (a day slip).
    """
    others = [p for p in ("dob_y", "dob_m", "dob_d") if p != part]
    same = " AND ".join(f'"{p}_l" = "{p}_r"' for p in others)
    left, right = f'"{part}_l"', f'"{part}_r"'
    close = f"{left} // 10 = {right} // 10 OR {left} % 10 = {right} % 10"
    if part == "dob_y":
        close += f" OR abs({left} - {right}) = 1"
    return f"{same} AND ({close})"


SIBLING_LEVEL = "Name of another child with this surname and birth date"
# Fixed, not estimated: EM and random sampling both see too few such pairs (and twins
# break the independence they assume). The level is a veto: -60 bits outweighs all that
# twins share (surname, birth date, sex, address: at most about 45 bits).
SIBLING_M, SIBLING_U = 2.0**-60, 1.0


def _sibling_level() -> dict[str, Any]:
    """The first name on one side is a sibling's name on the other (see prepare_records)."""

    def sibling_of(side: str, other: str) -> str:
        # The list is null for almost every record, so the edit distances (a slip in
        # the sibling's name: "Roson" recorded as "Rvoson") cost next to nothing.
        return (
            f'list_contains("siblings_{side}", "fn_c_{other}") OR '
            f'(len("siblings_{side}") > 0 AND len(list_filter("siblings_{side}", '
            f'lambda s: damerau_levenshtein(s, "first_name_{other}") <= 1)) > 0)'
        )

    level = _level(f"{sibling_of('l', 'r')} OR {sibling_of('r', 'l')}", SIBLING_LEVEL)
    level.update(
        m_probability=SIBLING_M,
        u_probability=SIBLING_U,
        fix_m_probability=True,
        fix_u_probability=True,
    )
    return level


# Given name and surname transposed: one crosses exactly and the other nearly (a slip in
# one of them). One exact cross alone ("James Kelly" and "Ruby James") is chance.
_TRANSPOSED_SQL = (
    '("first_name_l" = "last_name_r" '
    'AND jaro_winkler_similarity("first_name_r", "last_name_l") >= 0.8) '
    'OR ("first_name_r" = "last_name_l" '
    'AND jaro_winkler_similarity("first_name_l", "last_name_r") >= 0.8)'
)

# Names transposed where given names are initials: each record's initial is the other's
# surname's initial. Two random initials cross by chance about once in 200 pairs, so this
# is weak evidence; it saves such a pair from the heavy "All other comparisons" weight.
_INITIALS_CROSS_SQL = (
    'length("first_name_l") = 1 AND length("first_name_r") = 1 '
    'AND "first_name_l" = "ln_1_r" AND "first_name_r" = "ln_1_l"'
)
INITIALS_CROSS_M, INITIALS_CROSS_U = 0.01, 0.002

TWIN_LEVEL = "Unrelated first names, same surname and birth date"
# Fixed, not estimated, for the reason the sibling level is: twins share surname, birth
# date, often sex and address, so under independence they score as one child. A pair
# that agrees on all that yet has unrelated first names is, on both generators measured,
# more often two children than one child under another name; -24 bits takes back about
# what the surname and date gave, so the pair stands on its address and sex alone.
TWIN_M, TWIN_U = 2.0**-24, 1.0
# Where the records carry agency identifiers, twins known to an agency are already told
# apart by the sibling level above (their identifiers are unrelated), so a pair that
# still reaches this level is more often one child under a second first name (a street
# name, a known-as name no record lists). Measured on the persons generator (which has
# identifiers): such pairs scored 0.1-0.3 at -24 bits and 75% of them were one child
# (about 40 pairs at 100,000 records); at -20 bits they score nearer how often they match.
TWIN_M_WITH_IDS = 2.0**-20


def _twin_level(*, with_agency_id: bool = False) -> dict[str, Any]:
    # The date's parts, not dob: a comparison that reads dob is left out of EM on the dob
    # rule, which is the rule that estimates first names. A slip in the twin's surname or
    # date (one part) still leaves two children.
    # An agency identifier that agrees (or extends the other) outranks the resemblance:
    # such a pair is one child under a second first name, and falls to the next level.
    # An initial is not a first name to hold against anyone ("A Okafor" may be either twin).
    level = _level(
        'length("first_name_l") > 1 AND length("first_name_r") > 1 '
        'AND jaro_winkler_similarity("last_name_l", "last_name_r") >= 0.9 '
        'AND (("dob_y_l" = "dob_y_r")::INT + ("dob_m_l" = "dob_m_r")::INT '
        '+ ("dob_d_l" = "dob_d_r")::INT) >= 2 '
        'AND NOT coalesce(starts_with("agency_id_l", "agency_id_r") '
        'OR starts_with("agency_id_r", "agency_id_l"), FALSE)',
        TWIN_LEVEL,
    )
    level.update(
        m_probability=TWIN_M_WITH_IDS if with_agency_id else TWIN_M,
        u_probability=TWIN_U,
        fix_m_probability=True,
        fix_u_probability=True,
        # Twins share their surname by birth, not by chance, so how rare it is says nothing of
        # whether the pair is one child or two: this takes back the surname's frequency
        # adjustment beyond its average (weighted -1, against the level's own u, which
        # _twin_level_settled makes the average chance of sharing a surname). Found at 100,000
        # records of the independent generator: twins of a rare surname (unrelated first names,
        # same date and address) were scored above 0.5, and about 1 in 10 of them was one child.
        tf_adjustment_column="last_name",
        tf_adjustment_weight=-1.0,
        disable_tf_exact_match_detection=True,
    )
    return level


def _one_edit(column: str) -> str:
    """Damerau-Levenshtein <= 1, computed only where Jaro-Winkler says it could be.

    DuckDB's damerau_levenshtein is ~10x slower than jaro_winkler_similarity and
    dominated scoring time; CASE evaluates lazily, so the cheap gate spares most pairs.
    One edit in a name of three or more letters keeps Jaro-Winkler above 0.7.
    """
    left, right = f'"{column}_l"', f'"{column}_r"'
    return (
        f"CASE WHEN jaro_winkler_similarity({left}, {right}) >= 0.7 "
        f"THEN damerau_levenshtein({left}, {right}) <= 1 ELSE FALSE END"
    )


def comparisons(*, with_agency_id: bool = True, with_source: bool = False) -> list[dict[str, Any]]:
    """Comparison definitions (Splink settings dicts), most specific level first."""
    fn = [
        _level('"first_name_l" IS NULL OR "first_name_r" IS NULL', "Null", null=True),
        _level('"first_name_l" = "first_name_r"', "Exact match", tf="first_name"),
        # No term-frequency adjustment here: only names that have variants (common,
        # formal names) can reach this level, so its m already belongs to common names,
        # and adjusting again by the (large) frequency of the whole group of variants
        # made these pairs look about three bits weaker than they are.
        _level('"fn_c_l" = "fn_c_r"', "Nickname or spelling variant"),
        _level(
            _alias_sql("first_name"),
            "Known-as name (alias)",
        ),
        # Term frequency as on an exact match: a pair whose names cross is as weak as the names
        # are common (the given name's frequency among given names: the record that holds it
        # there). Unadjusted, u was near nothing and the cross scored about 16 bits in each
        # name, so two children called Gemma Sweeney born in one year, one record transposed,
        # scored 0.76 (measured at 1,000,000 records of the independent generator, seed 2:
        # 2,849 such pairs, not one a match).
        _level(_TRANSPOSED_SQL, "Is the other record's surname (names transposed)", m=0.01, u=1e-6, tf="first_name"),
        _level(
            _INITIALS_CROSS_SQL,
            "Initial of the other record's surname (names transposed)",
            m=INITIALS_CROSS_M,
            u=INITIALS_CROSS_U,
        ),
        # Term frequency on the fuzzy levels too: a slip in a common name is weaker
        # evidence than a slip in a rare one (Splink adjusts by the commoner spelling).
        _level(_one_edit("first_name"), "One edit apart", tf="first_name"),
        _sibling_level(),
        _level(
            'jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.9',
            "Jaro-Winkler >= 0.9",
        ),
        _level(
            'jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.8',
            "Jaro-Winkler >= 0.8",
        ),
        _twin_level(with_agency_id=with_agency_id),
        _else(),
    ]
    ln = [
        _level('"last_name_l" IS NULL OR "last_name_r" IS NULL', "Null", null=True),
        _level('"last_name_l" = "last_name_r"', "Exact match", tf="last_name"),
        _level(
            # Only double-barrelled names have parts to share; skip the list work otherwise.
            "CASE WHEN contains(\"last_name_l\", '-') OR contains(\"last_name_r\", '-') "
            "THEN list_has_any(string_split(\"last_name_l\", '-'), "
            "string_split(\"last_name_r\", '-')) ELSE FALSE END",
            "Shares a part of a double-barrelled name",
        ),
        _level(
            _alias_sql("last_name"),
            "Other family surname (alias)",
        ),
        _level(_TRANSPOSED_SQL, "Is the other record's given name (names transposed)", m=0.01, u=1e-6, tf="last_name"),
        _level(
            _INITIALS_CROSS_SQL,
            "Initial is the other record's initial (names transposed)",
            m=INITIALS_CROSS_M,
            u=INITIALS_CROSS_U,
        ),
        _level(_one_edit("last_name"), "One edit apart", tf="last_name"),
        _level(
            'jaro_winkler_similarity("last_name_l", "last_name_r") >= 0.9',
            "Jaro-Winkler >= 0.9",
        ),
        _level(
            'jaro_winkler_similarity("last_name_l", "last_name_r") >= 0.8',
            "Jaro-Winkler >= 0.8",
        ),
        _else(),
    ]
    dob = [
        _missing_level("dob"),
        _level('"dob_l" = "dob_r"', "Exact match"),
        _level(
            '"dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_d_r" AND "dob_d_l" = "dob_m_r"',
            "Day and month swapped",
        ),
        _level(_dob_one_digit_sql("dob_y"), "Year differs by one digit"),
        _level(_dob_one_digit_sql("dob_m"), "Month differs by one digit"),
        _level(_dob_one_digit_sql("dob_d"), "Day differs by one digit"),
        _level(
            '(("dob_y_l" = "dob_y_r")::INT + ("dob_m_l" = "dob_m_r")::INT + ("dob_d_l" = "dob_d_r")::INT) = 2',
            "One of day, month, year differs",
        ),
        _level(
            # Only the year was known and the day was written as 1 January.
            '"dob_y_l" = "dob_y_r" AND (("dob_m_l" = 1 AND "dob_d_l" = 1) OR ("dob_m_r" = 1 AND "dob_d_r" = 1))',
            "Same year, one date 1 January",
            m=0.01,
            u=0.003,
        ),
        _level('"dob_y_l" = "dob_y_r"', "Same year only"),
        _else(),
    ]
    sex = [
        # First names are given by sex: when the names agree so does sex, for matches
        # and non-matches alike, and counting it again would overstate the evidence
        # by a bit. Such pairs go with the nulls (no weight); a sex that disagrees
        # still counts against, whatever the names.
        # (Sex stays a null level when missing: as a level of its own, a gap would be
        # weighed only on pairs whose first names differ, where matches are few and EM
        # finds them mostly missing a sex, so the gap looked like strong evidence.)
        _level(
            '"sex_l" IS NULL OR "sex_r" IS NULL OR ("sex_l" = "sex_r" AND "fn_c_l" = "fn_c_r")',
            "Null, or implied by the first name",
            null=True,
        ),
        _level('"sex_l" = "sex_r"', "Exact match"),
        _else(),
    ]
    postcode = [
        _missing_level("pc"),
        _level('"pc_l" = "pc_r"', "Same postcode", tf="pc"),
        _level('"pc_sector_l" = "pc_sector_r"', "Same sector"),
        _level('"pc_district_l" = "pc_district_r"', "Same district"),
        _else(),
    ]
    out = [
        {"output_column_name": "first_name", "comparison_levels": fn},
        {"output_column_name": "last_name", "comparison_levels": ln},
        {"output_column_name": "dob", "comparison_levels": dob},
        {"output_column_name": "sex", "comparison_levels": sex},
        {"output_column_name": "postcode", "comparison_levels": postcode},
    ]
    if with_agency_id:
        agency = [
            _missing_level("agency_id"),
            _level('"agency_id_l" = "agency_id_r"', "Same agency identifier"),
            _level(
                'starts_with("agency_id_l", "agency_id_r") OR starts_with("agency_id_r", "agency_id_l")',
                "One identifier extends the other",
                # As rare among random pairs as the same identifier: ids are per child.
                u=2e-6,
            ),
            _else(),
        ]
        out.append({"output_column_name": "agency_id", "comparison_levels": agency})
    if with_source:
        # One table that holds several lists (a `source` column): within one list a child
        # is seldom recorded twice, across lists often, so a pair's kind moves its odds.
        # Measured on the independent generator at 100,000 records (seeds 1-5): pairs with
        # the same names, one date missing and different addresses, scored 0.7-0.8, were
        # one child 86% of the time across lists and 56% within one. Its m and u are
        # learnt (random pairs, EM): how far apart the two kinds are belongs to the lists.
        source = [
            _level('"source_l" IS NULL OR "source_r" IS NULL', "Null", null=True),
            _level('"source_l" = "source_r"', "Same list", m=0.5, u=0.5),
            _level("ELSE", "Different lists", m=0.5, u=0.5),
        ]
        out.append({"output_column_name": "source", "comparison_levels": source})
    return out


def _block_sql(columns: Iterable[str]) -> str:
    return " AND ".join(f'l."{c}" = r."{c}"' for c in columns)


def settings_for(
    *,
    link_type: str,
    with_agency_id: bool = True,
    with_source: bool = False,
    term_frequencies: bool = True,
    extra_blocking_rules: Sequence[str] = (),
) -> dict[str, Any]:
    """Splink settings with the shipped default m and u values as starting points.

    Without `term_frequencies` the name and postcode levels are not adjusted by how common
    the value is: in a few dozen records every shared value looks common.
    `extra_blocking_rules` (SQL) stand in for rules that need a field the records lack.
    """
    defaults = default_parameters()
    comps = comparisons(with_agency_id=with_agency_id, with_source=with_source)
    for comparison in comps:
        for level in comparison["comparison_levels"]:
            if not term_frequencies:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
                level.pop("disable_tf_exact_match_detection", None)
            key = f"{comparison['output_column_name']}/{level['label_for_charts']}"
            if key in defaults and not level.get("is_null_level") and not level.get("fix_m_probability"):
                level["m_probability"], level["u_probability"] = defaults[key]
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "comparisons": comps,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"}
            for rule in [f'l."bk{i}" = r."bk{i}"' for i in range(len(BLOCKING_RULES))]
            + list(NULL_DOB_RULES)
            + list(JAN1_RULES)
            + list(CROSS_NAME_RULES)
            + list(INITIALS_CROSS_RULES)
            + list(extra_blocking_rules)
        ],
        # Keep predict lean; explain() rescores a single pair with every column.
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


DEFAULT_PARAMETERS_PATH = Path(__file__).with_name("data") / "default_parameters.json"


@lru_cache(maxsize=1)
def default_parameters() -> dict[str, tuple[float, float]]:
    """ "comparison/level label" -> (m, u), learnt on synthetic data (`homeward linkage-defaults`)."""
    if not DEFAULT_PARAMETERS_PATH.exists():
        return {}
    data = json.loads(DEFAULT_PARAMETERS_PATH.read_text())
    return {key: (float(m), float(u)) for key, (m, u) in data["levels"].items()}


def write_default_parameters(*, model: LinkageModel, path: Path = DEFAULT_PARAMETERS_PATH) -> int:
    """Save a trained model's m and u values as the defaults for small inputs; how many levels.
    `homeward linkage-defaults` is its door."""
    levels: dict[str, list[float]] = {}
    transposed = {
        f"{comparison['output_column_name']}/{level['label_for_charts']}": level
        for comparison in comparisons()
        for level in comparison["comparison_levels"]
        if level["sql_condition"] == _TRANSPOSED_SQL
    }
    for comparison in model.settings["comparisons"]:
        if comparison["output_column_name"] == "source":
            continue  # learnt from each table's own lists, and only where it can be (train)
        for level in comparison["comparison_levels"]:
            # A gap's weight belongs to the records' sources (see _missing_level): no default. The
            # joint-names levels are made after training from the exact and missing levels.
            if level.get("is_null_level") or level.get("label_for_charts") in (
                MISSING_LEVEL,
                JOINT_NAMES_LEVEL,
                UNDATED_NAMES_LEVEL,
            ):
                continue
            key = f"{comparison['output_column_name']}/{level['label_for_charts']}"
            m, u = level.get("m_probability"), level.get("u_probability")
            if key in transposed:
                # Weighed after training for term frequencies (_with_transposed_names_weighed),
                # which a model too small to train goes without: its starting values.
                m, u = transposed[key]["m_probability"], transposed[key]["u_probability"]
            if m is not None and u is not None:
                # Significant figures, not decimals: some levels are fixed at tiny m.
                levels[key] = [float(f"{float(m):.8g}"), float(f"{float(u):.8g}")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "about": "m and u per comparison level, trained by homeward.linkage.engine "
                "on synthetic records (homeward.linkage.persons); used as starting values "
                "and for inputs too small to train on.",
                "levels": levels,
            },
            indent=1,
        )
        + "\n"
    )
    return len(levels)


@dataclass(frozen=True, kw_only=True)
class TrainingPlan:
    """The training steps and blocking rules the records allow (see `plan_training`)."""

    em_rules: tuple[tuple[str, ...], ...]
    prior_rules: tuple[tuple[str, ...], ...]
    extra_blocking_rules: tuple[str, ...]
    steps: tuple[str, ...]


def _describe(rule: Sequence[str]) -> str:
    return " + ".join(rule)


def _comparison_columns(settings: Mapping[str, Any]) -> dict[str, set[str]]:
    """The record columns each comparison reads (the `x` of every "x_l" / "x_r")."""
    import re

    out: dict[str, set[str]] = {}
    for comparison in settings["comparisons"]:
        sql = " ".join(level["sql_condition"] for level in comparison["comparison_levels"])
        out[comparison["output_column_name"]] = set(re.findall(r'"([a-z0-9_]+)_[lr]"', sql))
    return out


def plan_training(*, con: Any, prepared: list[str], settings: Mapping[str, Any], train_em: bool = True) -> TrainingPlan:
    """Choose the training steps and blocking rules these records can support.

    A field can be absent from a list, empty, or present in a shape the preferred steps
    cannot use (foreign postcodes have no district; one initial is no first name to key
    on). Each preferred step (EM_RULES, PRIOR_RULES, BLOCKING_RULES) whose fields are all
    present runs as designed; one that cannot run is replaced, and the plan says by what.

    - EM: the preferred rules if they find at least MIN_EM_PAIRS pairs, then fallbacks in
      order until every comparison with data has been estimated by some rule (a rule
      estimates the comparisons that do not read its columns).
    - Prior: the preferred rules with their fields, else the first fallback with them.
    - Blocking: a rule needing an absent field is tried without it; kept if it still names
      two fields (the name set counts as two) and proposes at most MAX_PAIRS_PER_RECORD pairs per record.
    """
    present = {
        column
        for column in (
            "first_name",
            "fn_c",
            "fn_1",
            "last_name",
            "ln_1",
            "dob",
            "dob_key",
            "dob_y",
            "dob_m",
            "dob_d",
            "sex",
            "pc",
            "pc_sector",
            "pc_district",
            "pc_near",
            "pc_area",
            "name_set",
            "agency_id",
            "source",
        )
        if all(_has_values(con, table, column) for table in prepared)
    }
    n_records = sum(_count(con, table) for table in prepared)
    steps: list[str] = []

    em_rules: list[tuple[str, ...]] = []
    if train_em:
        reads = _comparison_columns(settings)
        with_data = {name for name in reads if _DISPLAY_COLUMN.get(name, name) in present}
        learnt: set[str] = set()
        for rule in (*EM_RULES, *EM_FALLBACK_RULES):
            preferred = rule in EM_RULES
            if not preferred and with_data <= learnt:
                break
            learns = {name for name in with_data if not reads[name] & set(rule)}
            if not preferred and not learns - learnt:
                continue
            missing = [c for c in rule if c not in present]
            pairs = 0 if missing else _pair_count(con, prepared, rule)
            if missing or pairs < MIN_EM_PAIRS:
                if preferred:
                    why = f"no {', '.join(missing)}" if missing else f"{pairs} pairs, fewer than {MIN_EM_PAIRS}"
                    steps.append(f"EM on {_describe(rule)}: cannot run ({why})")
                continue
            em_rules.append(rule)
            learnt |= learns
            steps.append(
                f"EM on {_describe(rule)} ({pairs:,} pairs): estimates "
                f"{', '.join(sorted(learns)) or 'nothing new'}"
                + ("" if preferred else " (in place of a rule that could not run)")
            )
        not_learnt = with_data - learnt
        if not_learnt:
            steps.append(f"EM: no rule could estimate {', '.join(sorted(not_learnt))}; shipped defaults kept")

    prior_rules = tuple(r for r in PRIOR_RULES if set(r) <= present)
    if not prior_rules:
        prior_rules = next(((r,) for r in PRIOR_FALLBACK_RULES if set(r) <= present), ())
        steps.append(
            "prior: no records have "
            + " or ".join(_describe(r) for r in PRIOR_RULES)
            + (f"; estimated from {_describe(prior_rules[0])} instead" if prior_rules else "; a fixed guess used")
        )
    else:
        steps.append(f"prior from {' or '.join(_describe(r) for r in prior_rules)}")

    extra: list[str] = []
    budget = MAX_PAIRS_PER_RECORD * max(n_records, 1)
    for rule in BLOCKING_RULES:
        missing = [c for c in rule if c not in present]
        if not missing:
            continue
        kept = tuple(c for c in rule if c in present)
        # name_set is two fields in one (given name and surname as a set).
        fields_kept = len(kept) + ("name_set" in kept)
        pairs = _pair_count(con, prepared, kept) if fields_kept >= 2 else None
        if pairs is not None and pairs <= budget:
            extra.append(_block_sql(kept))
            steps.append(
                f"blocking on {_describe(rule)}: no {', '.join(missing)}; {_describe(kept)} instead ({pairs:,} pairs)"
            )
        else:
            steps.append(f"blocking on {_describe(rule)}: no {', '.join(missing)}; dropped")
    return TrainingPlan(
        em_rules=tuple(em_rules),
        prior_rules=prior_rules,
        extra_blocking_rules=tuple(dict.fromkeys(extra)),
        steps=tuple(steps),
    )


def _pair_count(con: Any, prepared: list[str], rule: Sequence[str]) -> int:
    """Pairs a blocking rule on these columns would propose (exactly, by group sizes)."""
    keys = ", ".join(f'"{c}"' for c in rule)
    present = " AND ".join(f'"{c}" IS NOT NULL' for c in rule)
    if len(prepared) == 1:
        sql = (
            f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM "
            f"(SELECT count(*) n FROM {prepared[0]} WHERE {present} GROUP BY {keys})"
        )
    else:
        sql = (
            f"SELECT coalesce(sum(l.n * r.n), 0) FROM "
            f"(SELECT {keys}, count(*) n FROM {prepared[0]} WHERE {present} GROUP BY ALL) l "
            f"JOIN (SELECT {keys}, count(*) n FROM {prepared[1]} WHERE {present} GROUP BY ALL) r "
            f"USING ({keys})"
        )
    return int(con.execute(sql).fetchall()[0][0])


def _inputs(records: RecordsInput | Sequence[RecordsInput]) -> list[RecordsInput]:
    """One input (dedupe) or a pair (link): tell them apart by shape."""
    if isinstance(records, pa.Table):
        return [records]
    if isinstance(records, tuple) and len(records) == 2:
        return list(records)
    if isinstance(records, list) and records and isinstance(records[0], (pa.Table, list)):
        return list(records)
    return [records]  # a list of dicts


def _make_linker(*, db_api: Any, prepared: list[str], settings: dict[str, Any], suffix: str = "") -> Any:
    """A Splink linker over the prepared tables; `suffix` names a second linker over the
    same tables (each registration needs its own name; the left table's still sorts first)."""
    from splink import Linker

    _quiet_splink()  # its warning that agency_id has no null level (a gap is a level there)
    frames = [
        db_api.register(name, dataset_display_name=("a_left", "b_right")[i] + suffix)
        if len(prepared) == 2
        else db_api.register(name, dataset_display_name=f"records_{name}{suffix}")
        for i, name in enumerate(prepared)
    ]
    return Linker(frames if len(frames) > 1 else frames[0], settings, log_level=None)


def train(
    *,
    records: RecordsInput | Sequence[RecordsInput],
    id_column: str = "record_id",
    seed: int = 42,
    u_max_pairs: float = 1e6,
    em_max_pairs: float = 2.5e5,
    min_records_to_train: int = MIN_RECORDS_TO_TRAIN,
    con: Any | None = None,
    backend: str | None = None,
) -> LinkageModel:
    """Train a person-linkage model without labels.

    `records` is one table (dedupe within it: link_type dedupe_only) or a (left, right)
    pair (link across them: link_only). u probabilities come from random sampling of
    record pairs (almost all non-matches); m probabilities from EM over two blocking
    rules; the prior from near-certain deterministic rules with an assumed recall, then
    re-estimated by EM over the scored pairs with everything else held (_estimate_prior_em).
    Training starts from the shipped default parameters, so a step that cannot be
    estimated (too little data) keeps a sensible value; below `min_records_to_train`
    records only the prior is estimated and term frequencies are not used.

    `backend` is "duckdb" (default) or "spark" (default from HOMEWARD_LINKAGE_BACKEND):
    the same comparisons, blocking rules and training steps run on either.
    """
    import time

    from splink import DuckDBAPI

    backend = resolve_backend(backend)
    inputs = _inputs(records)
    if len(inputs) not in (1, 2):
        raise ValueError("records must be one table (dedupe) or two (link)")
    link_type = "dedupe_only" if len(inputs) == 1 else "link_only"
    con = con or new_connection()
    timings: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), _cpu()
    prepared = [prepare_records(con=con, records=r, id_column=id_column) for r in inputs]
    timings["prepare_s"] = time.perf_counter() - started
    timings["prepare_cpu_s"] = _cpu() - cpu_started
    with_agency = any(_has_values(con, name, "agency_id") for name in prepared)
    n_records = sum(_count(con, name) for name in prepared)
    enough = n_records >= min_records_to_train
    # Lists within one table are told apart only where their m and u can be learnt.
    with_source = enough and link_type == "dedupe_only" and _distinct(con, prepared[0], "source") > 1
    settings = settings_for(
        link_type=link_type, with_agency_id=with_agency, with_source=with_source, term_frequencies=enough
    )
    plan = plan_training(con=con, prepared=prepared, settings=settings, train_em=enough)
    if plan.extra_blocking_rules:
        settings = settings_for(
            link_type=link_type,
            with_agency_id=with_agency,
            with_source=with_source,
            term_frequencies=enough,
            extra_blocking_rules=plan.extra_blocking_rules,
        )
    # The prior is counted by DuckDB on the prepared tables, so both backends share it.
    settings["probability_two_random_records_match"] = _estimate_prior(con, prepared, plan.prior_rules)
    duckdb_settings = settings  # the prior's EM scores in DuckDB, whatever the backend
    if backend == "spark":
        from homeward.linkage import spark as spark_backend

        t = time.perf_counter()
        db_api = spark_backend.new_db_api()
        spark_backend.publish(con=con, tables=prepared)
        timings["spark_handover_s"] = time.perf_counter() - t
        settings = spark_backend.spark_settings(settings)
    else:
        db_api = DuckDBAPI(connection=con)
    linker = _make_linker(db_api=db_api, prepared=prepared, settings=settings)

    _quiet_splink()
    if enough:
        t, c = time.perf_counter(), _cpu()
        _u_sampled(
            con=con,
            prepared=prepared,
            settings=duckdb_settings,
            linker=linker,
            backend=backend,
            max_pairs=u_max_pairs,
            seed=seed,
        )
        timings["u_s"], timings["u_cpu_s"] = time.perf_counter() - t, _cpu() - c
        _gaps_neutral_for_em(linker)
        t, c = time.perf_counter(), _cpu()
        for rule in plan.em_rules:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    _em_rule_sql(rule, backend),
                    estimate_without_term_frequencies=True,
                    max_pairs=em_max_pairs,
                )
            except Exception as exc:  # noqa: BLE001 - keep the defaults, say why
                logging.getLogger(__name__).warning("EM on %s skipped: %s", rule, exc)
        timings["em_s"], timings["em_cpu_s"] = time.perf_counter() - t, _cpu() - c
    steps: tuple[str, ...] = ()
    if enough:
        gaps = _gaps_settled(con=con, prepared=prepared, linker=linker)
        if gaps:
            shares = ", ".join(f"{name} {m:.3g} ({how}; random pairs {u:.3g})" for name, (m, u, how) in gaps.items())
            steps += (f"share of matches with a gap: {shares}",)
        tf_tables = _register_term_frequencies(
            con=con, linker=linker, db_api=db_api, prepared=prepared, backend=backend
        )
        _twin_level_settled(con=con, linker=linker, tf_tables=tf_tables)
        t, c = time.perf_counter(), _cpu()
        start = settings["probability_two_random_records_match"]
        trained = linker.misc.save_model_to_json()
        prior = _estimate_prior_em(
            con=con,
            prepared=prepared,
            trained=_with_parameters(duckdb_settings, trained),
            tf_tables=tf_tables,
            total_pairs=_total_pairs(con, prepared),
            start=start,
            sample_every=max(1, n_records // PRIOR_EM_RECORDS_PER_SAMPLE),
        )
        linker._settings_obj._probability_two_random_records_match = prior
        steps += (f"prior re-estimated by EM over the scored pairs: {prior:.4g} (from {start:.4g})",)
        timings["prior_em_s"], timings["prior_em_cpu_s"] = time.perf_counter() - t, _cpu() - c
        t, c = time.perf_counter(), _cpu()
        trained = linker.misc.save_model_to_json()
        offset = _joint_names_offset(
            con=con,
            prepared=prepared,
            settings=_with_joint_names_level(_with_parameters(duckdb_settings, trained), "duckdb"),
        )
        linker = _make_linker(
            db_api=db_api,
            prepared=prepared,
            settings=_with_transposed_names_weighed(
                _with_joint_names_level(trained, backend, offset_bits=offset.bits), backend
            ),
            suffix="_joint",
        )
        tf_tables.append((_full_name_frequencies(con=con, union=_union(prepared)), FULL_NAME))
        _register_tables(linker=linker, db_api=db_api, con=con, tables=tf_tables, backend=backend, new=1)
        steps += (offset.step,)
        timings["joint_names_s"], timings["joint_names_cpu_s"] = time.perf_counter() - t, _cpu() - c
    timings["train_s"] = time.perf_counter() - started
    timings["train_cpu_s"] = _cpu() - cpu_started
    trained = linker.misc.save_model_to_json()
    if with_source:
        [lists] = [c["comparison_levels"] for c in trained["comparisons"] if c["output_column_name"] == "source"]
        same, other = (lv for lv in lists if not lv.get("is_null_level"))
        steps += (
            f"lists in the source column told apart: a match within one list {same['m_probability']:.3g} "
            f"(random pairs {same['u_probability']:.3g}), across lists {other['m_probability']:.3g} "
            f"({other['u_probability']:.3g})",
        )
    return LinkageModel(
        settings=trained,
        link_type=link_type,
        linker=linker,
        db_api=db_api,
        prepared=prepared,
        timings=timings,
        backend=backend,
        con=con,
        training_steps=plan.steps
        + steps
        + (
            ()
            if enough
            else (
                f"{n_records} records, fewer than {min_records_to_train}: u and m not estimated, shipped defaults used",
            )
        ),
    )


# The records that stand for one child when counting how common a value is: a first name
# is counted once per surname and birth date, a surname once per first name and birth
# date, a postcode once per surname and birth date. Records without a date count alone.
_TF_UNITS: dict[str, str] = {
    "first_name": "last_name, dob_key",
    "last_name": "fn_c, dob_key",
    "pc": "last_name, dob_key",
}


def _register_term_frequencies(
    *, con: Any, linker: Any, db_api: Any, prepared: list[str], backend: str
) -> list[tuple[str, str]]:
    """Term frequencies of other children, not of records, for the tf-adjusted levels.

    Splink's own table counts records: a rare name carried by one child's three records
    looks three times as common as it is, and the child being scored is among those
    counted, so the rarer the name the weaker its agreement seemed. Measured on both
    generators, that left pairs scored between 0.2 and 0.7 matching 10-20 points more
    often than predicted. Here a value is counted once per child (see _TF_UNITS) and the
    child itself is left out (one fewer, at least half a child): the chance that a
    *different* child has the value, which is what agreement on it must be weighed by.
    Counted in DuckDB, where the prepared records are, and handed to Spark when it scores,
    so that both backends weigh agreement the same way. The whole name's table
    (_full_name_frequencies) is made only for a model with that level. Returns (table,
    column) for each.
    """
    union = _union(prepared)
    tables = []
    for column, unit in _TF_UNITS.items():
        name = f"hw_tf_{column}_{next(_table_ids)}"
        con.execute(
            f"""
            CREATE TABLE {name} AS
            WITH counted AS (
                SELECT "{column}", {_CHILDREN.format(unit=unit)} AS children
                FROM ({union})
                WHERE "{column}" IS NOT NULL
                GROUP BY ALL
            )
            SELECT "{column}",
                greatest(children - 1, 0.5) / sum(children) OVER () AS "tf_{column}"
            FROM counted
            """
        ).fetchall()
        tables.append((name, column))
    if _uses_tf_column(linker.misc.save_model_to_json(), FULL_NAME):
        tables.append((_full_name_frequencies(con=con, union=union), FULL_NAME))
    _register_tables(linker=linker, db_api=db_api, con=con, tables=tables, backend=backend, new=len(tables))
    return tables


def _union(prepared: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT * FROM {table}" for table in prepared)


# The children among records grouped by a value: records with a date of birth counted once per
# `unit` (distinct), records without one counted alone.
_CHILDREN = "count(DISTINCT ({unit})) FILTER (WHERE dob_key IS NOT NULL) + count(*) FILTER (WHERE dob_key IS NULL)"
FULL_NAME = "full_name"


def _full_name_frequencies(*, con: Any, union: str) -> str:
    """For the level where both names agree and one record has no date (JOINT_NAMES_LEVEL):
    how common the surname is among the children who share the first name. Times the first
    name's frequency, that is the chance that a different child has the whole name.

    The two names' frequencies multiplied say how many other children are *expected* to have
    the whole name; the records say how many do. Where one record has no date that count is
    the evidence: at 100,000 records of the independent generator, pairs of a dated and an
    undated record with the same names matched 89% of the time where no other dated child had
    those names and 41% where one other did, and both were scored alike (0.80 and 0.48). So
    the chance is (k + e) / N: k other dated children with the whole name (distinct dates;
    undated records add none, as they may be any of them), e the expected number the two
    frequencies give (what the model used alone, and still does where k is 0)."""
    name = f"hw_tf_{FULL_NAME}_{next(_table_ids)}"
    con.execute(
        f"""
        CREATE TABLE {name} AS
        WITH records AS (SELECT first_name, last_name, fn_c, dob_key FROM ({union})),
        wholes AS (
            SELECT first_name, last_name, count(DISTINCT dob_key) AS dated
            FROM records WHERE first_name IS NOT NULL AND last_name IS NOT NULL GROUP BY ALL
        ),
        -- An undated record is a child of its own only where no dated record has its names.
        absorbed AS (
            SELECT r.* FROM records r LEFT JOIN wholes w USING (first_name, last_name)
            WHERE r.dob_key IS NOT NULL OR coalesce(w.dated, 0) = 0
        ),
        firsts AS (
            SELECT first_name, {_CHILDREN.format(unit=_TF_UNITS["first_name"])} AS children
            FROM records WHERE first_name IS NOT NULL GROUP BY ALL
        ),
        first_tf AS (
            SELECT first_name, greatest(children - 1, 0.5) / sum(children) OVER () AS tf,
                1 / sum(children) OVER () AS one
            FROM firsts
        ),
        {_absorbed_tf("first_name")},
        {_absorbed_tf("last_name")}
        SELECT w.first_name || '|' || w.last_name AS "{FULL_NAME}",
            ((greatest(w.dated, 1) - 1) * f.one + af.tf * al.tf) / f.tf AS "tf_{FULL_NAME}"
        FROM wholes w JOIN first_tf f USING (first_name)
            JOIN absorbed_first_name af USING (first_name) JOIN absorbed_last_name al USING (last_name)
        """
    ).fetchall()
    return name


def _absorbed_tf(column: str) -> str:
    """A common table `absorbed_<column>`: the column's frequency among children (as
    _TF_UNITS counts them) of the `absorbed` records."""
    return f"""absorbed_{column} AS (
            SELECT "{column}", greatest(children - 1, 0.5) / sum(children) OVER () AS tf
            FROM (
                SELECT "{column}", {_CHILDREN.format(unit=_TF_UNITS[column])} AS children
                FROM absorbed WHERE "{column}" IS NOT NULL GROUP BY ALL
            )
        )"""


def _register_tables(
    *, linker: Any, db_api: Any, con: Any, tables: Sequence[tuple[str, str]], backend: str, new: int
) -> None:
    """Each (table, column) made the linker's term frequencies of the column; the last `new`
    tables are handed to Spark first (the others are there already)."""
    if backend == "spark" and new:
        from homeward.linkage import spark as spark_backend

        spark_backend.publish(con=con, tables=[name for name, _ in tables[-new:]])
    for name, column in tables:
        linker.table_management.register_term_frequency_lookup(db_api.register(name), column)


JOINT_NAMES_LEVEL = "Exact match, first name too, one date missing (as common as the whole name)"
UNDATED_NAMES_LEVEL = "Missing on one side, names exact"
_BOTH_NAMES_ONE_DATE_SQL = (
    '"first_name_l" = "first_name_r" AND "last_name_l" = "last_name_r" AND ("dob_l" IS NULL OR "dob_r" IS NULL)'
)


def _with_joint_names_level(settings: dict[str, Any], backend: str, *, offset_bits: float = 0.0) -> dict[str, Any]:
    """`settings` with two levels for pairs whose names both agree exactly and one date is missing.

    In the surname's comparison, above its exact match (JOINT_NAMES_LEVEL): weighed by how
    common the surname is among the children of that first name (_full_name_frequencies), not
    among all children, with the exact level's m and u. In the date's, above its missing level
    (UNDATED_NAMES_LEVEL): the missing level's m and u, the m moved by `offset_bits`
    (_joint_names_offset). Added after training: as levels EM could see, each would count the
    first name's agreement a second time."""
    out = copy.deepcopy(settings)
    sql = _BOTH_NAMES_ONE_DATE_SQL
    if backend == "spark":
        from homeward.linkage.spark import to_spark_sql

        sql = to_spark_sql(sql)
    by_name = {c["output_column_name"]: c["comparison_levels"] for c in out["comparisons"]}
    surname, date = by_name["last_name"], by_name["dob"]
    if any(level["label_for_charts"] == JOINT_NAMES_LEVEL for level in surname):
        raise ValueError("the settings have the joint-names levels already")
    exact = [level["label_for_charts"] for level in surname].index("Exact match")
    surname.insert(
        exact,
        {
            **surname[exact],
            "sql_condition": sql,
            "label_for_charts": JOINT_NAMES_LEVEL,
            "tf_adjustment_column": FULL_NAME,
            # Adjusted from its own u (the exact level's), as there is no exact level on full_name.
            "disable_tf_exact_match_detection": True,
        },
    )
    missing = [level["label_for_charts"] for level in date].index(MISSING_LEVEL)
    gap = date[missing]
    date.insert(
        missing,
        {
            **gap,
            "sql_condition": sql,
            "label_for_charts": UNDATED_NAMES_LEVEL,
            "m_probability": min(gap["m_probability"] * 2.0**offset_bits, 1.0),
        },
    )
    return out


def _with_transposed_names_weighed(settings: dict[str, Any], backend: str) -> dict[str, Any]:
    """`settings` with the transposed-names levels weighed by the chance that a different child
    has the other record's given name as a given name and its surname as a surname: each
    comparison's level adjusted from its own u, not the exact level's, so that the two
    frequencies multiply; the given name's level keeps the trained m (the share of one child's
    pairs that are transposed) and the surname's counts it once (m 1).

    Adjusted from the exact levels' u, the weight rose with how rare an exact match is, not with
    how rare the cross is: at 1,000,000 records of the independent generator, seed 2, 2,738
    pairs of two children born in one year, one "James Jackson" and one "Jackson James" (names
    that are both given names and surnames), scored 0.50 and not one was a match."""
    out = copy.deepcopy(settings)
    sql = _TRANSPOSED_SQL
    if backend == "spark":
        from homeward.linkage.spark import to_spark_sql

        sql = to_spark_sql(sql)
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] == sql and comparison["output_column_name"] in ("first_name", "last_name"):
                level["disable_tf_exact_match_detection"] = True
                if comparison["output_column_name"] == "last_name":
                    level["m_probability"] = 1.0
    return out


@dataclass(frozen=True, kw_only=True)
class JointNamesOffset:
    bits: float
    step: str  # what was measured, for the model's training steps


# One dated record in JOINT_NAMES_SAMPLE has its date hidden to measure _joint_names_offset.
JOINT_NAMES_SAMPLE = 20
JOINT_NAMES_MIN_PAIRS = 200


# The hidden date `h` and the other record's `o` are one child's: the same, or apart as the date
# comparison's levels of a slip are (two of day, month and year the same, day and month swapped,
# one of them 1 January of the same year). Random pairs agree so about one time in a hundred.
_SAME_CHILD_DATES_SQL = """(
    (year(h) = year(o))::INT + (month(h) = month(o))::INT + (day(h) = day(o))::INT >= 2
    OR year(h) = year(o) AND month(h) = day(o) AND day(h) = month(o)
    OR year(h) = year(o) AND (month(h) = 1 AND day(h) = 1 OR month(o) = 1 AND day(o) = 1)
)"""


# A pair of a record whose date was hidden and a dated record of exactly the same names.
_HIDDEN_PAIR_SQL = (
    "l.first_name = r.first_name AND l.last_name = r.last_name "
    "AND (l.hw_hide AND r.dob IS NOT NULL OR r.hw_hide AND l.dob IS NOT NULL)"
)


def _joint_names_offset(*, con: Any, prepared: list[str], settings: dict[str, Any]) -> JointNamesOffset:
    """How far the pairs of the joint-names levels are from their observed share of matches,
    in bits, measured by hiding dates the records do have.

    A date missing from a record is missing whatever the record says (the records' own gaps
    carry no label). So one dated record in JOINT_NAMES_SAMPLE has its date hidden, the term
    frequencies are counted again as if it had none, and its pairs with records of the same
    names are scored with `settings` (DuckDB's SQL, the prior as trained): a pair is one child
    where the hidden date is the other record's. The offset is the shift of every such pair's
    weight that makes their expected matches the matches counted. Measured on the independent
    generator at 100,000 records, seed 1, against the truth: those pairs were scored 0.62 where
    no other dated child had the names, 0.11 where one did, and matched 0.79 and 0.23 of the
    time: the same 1.2-1.4 bits under at every count, which the weight does not see."""
    from splink import DuckDBAPI

    n = next(_table_ids)
    hidden = []
    for i, table in enumerate(prepared):
        name = f"hw_hidden_{n}_{i}"
        con.execute(
            f"""
            CREATE TABLE {name} AS
            SELECT * REPLACE (
                    CASE WHEN hw_hide THEN NULL ELSE dob END AS dob,
                    CASE WHEN hw_hide THEN NULL ELSE dob_y END AS dob_y,
                    CASE WHEN hw_hide THEN NULL ELSE dob_m END AS dob_m,
                    CASE WHEN hw_hide THEN NULL ELSE dob_d END AS dob_d,
                    CASE WHEN hw_hide THEN NULL ELSE dob_key END AS dob_key
                ),
                CASE WHEN hw_hide THEN dob END AS hw_hidden_dob
            FROM (
                SELECT *, dob_key IS NOT NULL AND hash(record_id) % {JOINT_NAMES_SAMPLE} = 0 AS hw_hide FROM {table}
            )
            """
        ).fetchall()
        hidden.append(name)
    left, right = hidden[0], hidden[-1]
    (measurable,) = con.execute(
        f"SELECT count(*) FROM {left} l JOIN {right} r ON l.bk_names = r.bk_names WHERE {_HIDDEN_PAIR_SQL}"
    ).fetchall()[0]
    if measurable < JOINT_NAMES_MIN_PAIRS:  # a small list: not worth the scoring
        for name in hidden:
            con.execute(f"DROP TABLE {name}").fetchall()
        return JointNamesOffset(
            bits=0.0, step=f"names-exact pairs with a date hidden: {measurable}, too few to measure; no offset"
        )
    scoring = copy.deepcopy(settings)
    scoring["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "l.bk_names = r.bk_names AND (l.hw_hide OR r.hw_hide)", "sql_dialect": "duckdb"}
    ]
    db_api = DuckDBAPI(connection=con)
    scorer = _make_linker(db_api=db_api, prepared=hidden, settings=scoring, suffix=f"_hidden_{n}")
    tf_tables = _register_term_frequencies(con=con, linker=scorer, db_api=db_api, prepared=hidden, backend="duckdb")
    scored = scorer.inference.predict(threshold_match_weight=PRIOR_EM_FLOOR_WEIGHT, warning_mode="never")
    try:
        # Weights to 0.01 bits, counted (as _estimate_prior_em gathers them).
        rows = scored.query_sql(
            f"""
            SELECT round(s.match_weight, 2) AS w, count(*) AS n, count(*) FILTER (WHERE {_SAME_CHILD_DATES_SQL}) AS same
            FROM {{this}} s
            JOIN {left} l ON l.unique_id = s.unique_id_l
            JOIN {right} r ON r.unique_id = s.unique_id_r
            CROSS JOIN LATERAL (
                SELECT coalesce(l.hw_hidden_dob, r.hw_hidden_dob) AS h, coalesce(l.dob, r.dob) AS o
            )
            WHERE s.match_weight IS NOT NULL AND {_HIDDEN_PAIR_SQL}
            GROUP BY 1
            """
        ).as_record_list()
    finally:
        scored.drop_table_from_database_and_remove_from_cache()
        for name in hidden + [table for table, _ in tf_tables]:
            con.execute(f"DROP TABLE {name}").fetchall()
    weights = {float(r["w"]): int(r["n"]) for r in rows}
    pairs, matched = sum(weights.values()), sum(int(r["same"]) for r in rows)
    if pairs < JOINT_NAMES_MIN_PAIRS or not 0 < matched < pairs:
        return JointNamesOffset(
            bits=0.0, step=f"names-exact pairs with a date hidden: {pairs}, too few to measure; no offset"
        )

    def expected(shift: float) -> float:
        return sum(n / (1.0 + 2.0 ** -(w + shift)) for w, n in weights.items())

    low, high = -20.0, 20.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if expected(mid) < matched else (low, mid)
    bits = round((low + high) / 2, 3)
    return JointNamesOffset(
        bits=bits,
        step=f"names-exact pairs with a date hidden: {pairs}, {matched} one child, "
        f"scored {expected(0.0):.0f} expected; offset {bits:+.2f} bits",
    )


def _u_sampled(
    *,
    con: Any,
    prepared: list[str],
    settings: dict[str, Any],
    linker: Any,
    backend: str,
    max_pairs: float,
    seed: int,
) -> None:
    """u by random sampling of record pairs, on DuckDB whatever the backend: the prepared records
    are on the driver's DuckDB before Spark is handed them, a million sampled pairs are a
    driver's work, and both backends then share one sample, as they share the prior: trained on
    the same records, they give the same m and u. (On Spark the same step took 19 s of a 30 s
    training at 3,000 records, each of its jobs costing about a second of scheduling, and
    DuckDB's hash and Spark's murmur3 drew different samples: u differed by sampling noise.)"""
    from splink import DuckDBAPI

    if backend == "duckdb":
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        return
    # Registered under the names the DuckDB backend gives them: the sample follows the names.
    sampler = _make_linker(db_api=DuckDBAPI(connection=con), prepared=prepared, settings=settings)
    sampler.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for comparison, sampled in zip(linker._settings_obj.comparisons, sampler._settings_obj.comparisons, strict=True):
        for level, estimate in zip(comparison.comparison_levels, sampled.comparison_levels, strict=True):
            level._trained_u_probabilities = copy.deepcopy(estimate._trained_u_probabilities)
    linker._populate_m_u_from_trained_values()


def _em_rule_sql(rule: Iterable[str], backend: str) -> str:
    sql = _block_sql(rule)
    if backend == "spark":
        from homeward.linkage.spark import to_spark_sql

        return to_spark_sql(sql)
    return sql


def _uses_term_frequencies(settings: Mapping[str, Any]) -> bool:
    return any(
        level.get("tf_adjustment_column")
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    )


def _uses_tf_column(settings: Mapping[str, Any], column: str) -> bool:
    return any(
        level.get("tf_adjustment_column") == column
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    )


def _cpu() -> float:
    """CPU seconds of this process, DuckDB's worker threads included."""
    times = os.times()
    return times.user + times.system


def _count(con: Any, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _estimate_prior(con: Any, prepared: list[str], rules: Sequence[Sequence[str]] = PRIOR_RULES) -> float:
    """Probability that two random records match, from near-certain rules.

    Counted directly (not with Splink's helper, which cannot cope with no matches):
    pairs meeting any of `rules` (each a tuple of columns that must agree), divided by
    PRIOR_RECALL, over all comparisons. One hash join per rule; the union counts a
    pair once.
    """
    left, right = prepared[0], prepared[-1]
    dedupe = len(prepared) == 1
    order = "AND l.unique_id < r.unique_id" if dedupe else ""
    found = 0
    if rules:
        joins = " UNION ".join(
            f"SELECT l.unique_id a, r.unique_id b FROM {left} l JOIN {right} r ON {_block_sql(rule)} {order}"
            for rule in rules
        )
        found = con.execute(f"SELECT count(*) FROM ({joins})").fetchall()[0][0]
    n_left, n_right = _count(con, left), _count(con, right)
    total = n_left * (n_left - 1) / 2 if dedupe else n_left * n_right
    if total <= 0:
        return 1e-4
    expected = max(found / PRIOR_RECALL, 1.0)
    return min(max(expected / total, 1e-12), 0.5)


def _total_pairs(con: Any, prepared: list[str]) -> float:
    """Every comparison the prior is a share of: all pairs (dedupe) or left x right (link)."""
    if len(prepared) == 1:
        n = _count(con, prepared[0])
        return n * (n - 1) / 2
    return float(_count(con, prepared[0]) * _count(con, prepared[-1]))


# Pairs scored below this match weight (before the prior is moved) are left out of the
# prior's EM: at 2^-25 each, even millions of them add less than one expected match.
PRIOR_EM_FLOOR_WEIGHT = -25.0


# Above this many records the prior's EM scores a sample of the candidate pairs: those
# whose left record's row number is a multiple of n_records // this (1 in 10 at 1,000,000
# records, still about 50,000 true pairs), so that it costs about what it costs at 100,000.
PRIOR_EM_RECORDS_PER_SAMPLE = 100_000


def _estimate_prior_em(
    *,
    con: Any,
    prepared: list[str],
    trained: dict[str, Any],
    tf_tables: Sequence[tuple[str, str]],
    total_pairs: float,
    start: float,
    sample_every: int = 1,
    iterations: int = 100,
) -> float:
    """The prior as EM estimates it with every m, u and term frequency held: the expected
    share of matches among all comparisons, given the trained model, iterated to its fixed
    point (lambda <- sum of match probabilities over all pairs / number of pairs).

    The deterministic rules of `_estimate_prior` (near-certain matches over an assumed
    recall, PRIOR_RECALL) are its starting point. That recall is a guess, and measured at
    100,000 records it was wrong both ways: the persons generator's rules found 78% of the
    true pairs, not 70% (prior 12% too high), the independent generator's 64% (prior 8% too
    low), shifting every probability by 0.1 nats. The fixed point came within 1% (persons)
    and 2.5% (independent) of the true share, from the records alone. Pairs the blocking
    rules never propose count as non-matches (their posterior is almost nil anyway).

    One extra scoring pass with the `trained` settings (DuckDB's SQL), of 1 candidate pair
    in `sample_every`, chosen by the left record's row number, which says nothing about the
    pair. It runs in DuckDB whichever backend trained the model, as the counted prior does:
    the prepared records are there, the sample keeps it to about what 100,000 records cost
    (1.7 s) at any size, and on Spark the same pass took longer than the rest of training
    for a few thousand records (each job costs about a second of scheduling). Its match
    weights are gathered as a histogram (0.01 bits wide) and the fixed point found here.
    """
    from splink import DuckDBAPI

    if total_pairs <= 0:
        return start
    settings = copy.deepcopy(trained)
    if sample_every > 1:
        settings["blocking_rules_to_generate_predictions"] = [
            {**rule, "blocking_rule": f"({rule['blocking_rule']}) AND l.unique_id % {int(sample_every)} = 0"}
            for rule in settings["blocking_rules_to_generate_predictions"]
        ]
        total_pairs = total_pairs / sample_every
    db_api = DuckDBAPI(connection=con)
    scorer = _make_linker(db_api=db_api, prepared=prepared, settings=settings, suffix="_prior")
    for name, column in tf_tables:
        scorer.table_management.register_term_frequency_lookup(db_api.register(name), column)
    scored = scorer.inference.predict(threshold_match_weight=PRIOR_EM_FLOOR_WEIGHT, warning_mode="never")
    try:
        rows = scored.query_sql(
            "SELECT round(match_weight, 2) AS w, count(*) AS n FROM {this} GROUP BY 1"
        ).as_record_list()
    finally:
        scored.drop_table_from_database_and_remove_from_cache()
    weights = [(float(r["w"]), float(r["n"])) for r in rows if r["w"] is not None]
    if not weights:
        return start
    start_bits = math.log2(start / (1 - start))
    prior = start
    for _ in range(iterations):
        shift = math.log2(prior / (1 - prior)) - start_bits
        expected = sum(n / (1 + 2.0 ** -(w + shift)) if w + shift > -60 else 0.0 for w, n in weights)
        updated = min(max(expected / total_pairs, 1e-12), 0.5)
        if abs(math.log(updated / prior)) < 1e-6:
            prior = updated
            break
        prior = updated
    # Three significant figures: the estimate is good to about 1%, and the two backends'
    # EM land a few parts in 100,000 apart, so both keep one prior (as the counted one did).
    return float(f"{prior:.3g}")


def _with_parameters(settings: dict[str, Any], trained: dict[str, Any]) -> dict[str, Any]:
    """`settings` (DuckDB's SQL) with the prior, m and u of `trained` (the same comparisons
    and levels in another backend's SQL)."""
    out = copy.deepcopy(settings)
    out["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    for comparison, learnt in zip(out["comparisons"], trained["comparisons"], strict=True):
        for level, values in zip(comparison["comparison_levels"], learnt["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if key in values:
                    level[key] = values[key]
    return out


def _twin_level_settled(*, con: Any, linker: Any, tf_tables: Sequence[tuple[str, str]]) -> None:
    """The twin level's u made the chance that two children share a surname, its m moved with it
    (the level weighs the same), so that its frequency adjustment takes back what the surname's
    gave beyond that average: a twin pair's surname then counts as much whatever the surname.
    Counted from the surname frequencies, as both backends weigh them (the exact level's u is
    sampled, differently by each backend)."""
    table = next(name for name, column in tf_tables if column == "last_name")
    ((chance,),) = con.execute(
        f'SELECT sum("tf_last_name" * "tf_last_name") / sum("tf_last_name") FROM {table}'
    ).fetchall()
    by_name = {c.output_column_name: c for c in linker._settings_obj.comparisons}
    for level in by_name["first_name"].comparison_levels:
        if level.label_for_charts == TWIN_LEVEL and chance:
            ratio = level.m_probability / level.u_probability
            level.u_probability = chance
            level.m_probability = chance * ratio


def _gap_levels(linker: Any) -> list[tuple[Any, Any]]:
    return [
        (comparison, level)
        for comparison in linker._settings_obj.comparisons
        if comparison.output_column_name in MISSING_COLUMNS
        for level in comparison.comparison_levels
        if not level.is_null_level and level.label_for_charts == MISSING_LEVEL
    ]


def _gaps_neutral_for_em(linker: Any) -> None:
    """Before EM: each gap's m held at its (sampled) u, so that EM weighs a gap as no
    evidence while it counts the matches that have one."""
    for _, level in _gap_levels(linker):
        level.m_probability = level.u_probability


def _gaps_settled(*, con: Any, prepared: list[str], linker: Any) -> dict[str, tuple[float, float, str]]:
    """After EM: each gap's u counted exactly and its m the share with the gap among pairs sure
    to be one child (_gap_share_of_sure_matches), or where those are too few the share of
    matches EM found with it (EM counts a held level's matches too, so the other levels' m
    sum to one less it); the other levels' m and u scaled to make room for the gap's. A gap
    neither counted nor estimated weighs nothing (m = u). Returns {comparison: (m, u, how m
    was found)} for the others.

    For random pairs the share with a gap follows from each table's share of records
    missing the field, so it is counted, not sampled (and set after EM, whose sessions put
    back the sampled values): random sampling draws about 1,400 records for a million pairs,
    and at 100,000 records it put the share of pairs missing a postcode at 0.114 where it was
    0.091."""
    found = {}
    for comparison, level in _gap_levels(linker):
        u = _missing_pair_share(con, prepared, MISSING_COLUMNS[comparison.output_column_name])
        if not 0 < u < 1:  # no pair, or every pair, has the gap: it says nothing either way
            level.m_probability = level.u_probability
            continue
        others = [lv for lv in comparison.comparison_levels if not lv.is_null_level and lv is not level]
        m = u
        counted = _gap_share_of_sure_matches(con, prepared, comparison.output_column_name)
        if counted is not None:
            m = min(max(counted, 1e-6), 1 - 1e-6)
            found[comparison.output_column_name] = (m, u, "counted among sure pairs")
        elif any(lv._has_estimated_m_values for lv in others):
            m = min(max(1 - sum(_probability(lv.m_probability) for lv in others), 1e-6), 1 - 1e-6)
            found[comparison.output_column_name] = (m, u, "from EM")
        _scale(others, "m_probability", 1 - m)
        _scale(others, "u_probability", 1 - u)
        level.m_probability, level.u_probability = m, u
    return found


def _probability(value: Any) -> float:
    """A level's m or u, or 0 where Splink holds none (or its text for a level not observed)."""
    return value if isinstance(value, (int, float)) else 0.0


def _scale(levels: Sequence[Any], attribute: str, total: float) -> None:
    """`levels` scaled to sum to `total` in `attribute` (m or u)."""
    present = sum(_probability(getattr(lv, attribute)) for lv in levels)
    if present <= 0:
        return
    for lv in levels:
        if _probability(getattr(lv, attribute)):
            setattr(lv, attribute, getattr(lv, attribute) * total / present)


# The fields on which pairs agreeing exactly are one child, all but never two, for each field
# whose gap is a level (twins share a surname, a date and an address, never a first name).
_SURE_MATCH_FIELDS: dict[str, tuple[str, ...]] = {
    "dob": ("first_name", "last_name", "pc"),
    "postcode": ("first_name", "last_name", "dob"),
    "agency_id": ("first_name", "last_name", "dob"),
}
SURE_MATCHES_NEEDED = 200


def _gap_share_of_sure_matches(con: Any, prepared: list[str], comparison: str) -> float | None:
    """The share with the gap among pairs that agree exactly on every other identifying field
    (nearly all one child): the gap's m counted, where EM's share of matches drifted at small
    scale (at 100,000 records of the independent generator EM put a missing date at 0.064 of
    matches, where these pairs, and the generator, say 0.078). None when too few such pairs."""
    column = MISSING_COLUMNS[comparison]
    on = " AND ".join(f'l."{c}" = r."{c}"' for c in _SURE_MATCH_FIELDS[comparison])
    distinct = " AND l.unique_id < r.unique_id" if len(prepared) == 1 else ""
    n, with_gap = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE l."{column}" IS NULL OR r."{column}" IS NULL)
        FROM {prepared[0]} l JOIN {prepared[-1]} r ON {on}{distinct}
        """
    ).fetchone()
    return with_gap / n if n >= SURE_MATCHES_NEEDED else None


def _missing_pair_share(con: Any, prepared: list[str], column: str) -> float:
    """Share of all compared pairs with `column` missing on one side or both."""
    sides = []
    for table in (prepared[0], prepared[-1]):
        n, missing = con.execute(f'SELECT count(*), count(*) - count("{column}") FROM {table}').fetchall()[0]
        sides.append((int(n), int(missing)))
    (n_l, k_l), (n_r, k_r) = sides
    if len(prepared) == 1:
        if n_l < 2:
            return 0.0
        return 1 - (n_l - k_l) * (n_l - k_l - 1) / (n_l * (n_l - 1))
    if not n_l or not n_r:
        return 0.0
    return 1 - (1 - k_l / n_l) * (1 - k_r / n_r)


def _has_values(con: Any, table: str, column: str) -> bool:
    return bool(con.execute(f'SELECT count("{column}") FROM {table}').fetchall()[0][0])


def _distinct(con: Any, table: str, column: str) -> int:
    return int(con.execute(f'SELECT count(DISTINCT "{column}") FROM {table}').fetchall()[0][0])


def _quiet_splink() -> None:
    # Splink logs every training step at INFO and warns about rare levels; a command's
    # output should be its own. Errors still surface.
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


def predict(
    *,
    model: LinkageModel,
    records: RecordsInput | Sequence[RecordsInput] | None = None,
    threshold: float = 0.5,
    id_column: str = "record_id",
    levels: bool = False,
) -> pa.Table:
    """Score candidate pairs and return those at or above `threshold`.

    With `records=None` the model's own training input is scored (the usual case:
    train on the data to be linked). New records are scored with the trained parameters
    (term frequencies come from the new records). Columns: id_l, id_r,
    match_probability, match_weight; in link mode id_l is from the left table. With
    `levels` (DuckDB only, for analysis: the bench's ceiling), also each comparison's own
    weight before term frequencies (`mw_<comparison>`), which says the level it fell in.
    """
    if levels and model.backend != "duckdb":
        raise ValueError("levels are given on DuckDB only")
    linker, prepared, settings = model.linker, model.prepared, model.settings
    if records is not None or levels:
        if records is not None:
            inputs = _inputs(records)
            prepared = [prepare_records(con=model.duckdb_con, records=r, id_column=id_column) for r in inputs]
            if model.backend == "spark":
                from homeward.linkage import spark as spark_backend

                spark_backend.publish(con=model.duckdb_con, tables=prepared)
            settings = dict(settings, link_type="dedupe_only" if len(inputs) == 1 else "link_only")
        if levels:
            settings = dict(settings, retain_intermediate_calculation_columns=True)
        # The model's own tables are registered again under a new name each time (Splink refuses
        # a name twice); new records come as new tables.
        suffix = f"_levels_{next(_table_ids)}" if levels else ""
        linker = _make_linker(db_api=model.db_api, prepared=prepared, settings=settings, suffix=suffix)
        if _uses_term_frequencies(settings):
            _register_term_frequencies(
                con=model.duckdb_con, linker=linker, db_api=model.db_api, prepared=prepared, backend=model.backend
            )
    _quiet_splink()
    scored = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    if model.backend == "spark":
        from homeward.linkage import spark as spark_backend

        return spark_backend.pairs_with_record_ids(scored=scored, prepared=prepared, threshold=threshold)
    # Map row numbers back to the callers' record ids (left/right table in link mode).
    left, right = prepared[0], prepared[-1]
    if len(prepared) == 1:  # dedupe: put the smaller record id on the left
        ids = "least(l.record_id, r.record_id) AS id_l, greatest(l.record_id, r.record_id) AS id_r"
    else:
        ids = "l.record_id AS id_l, r.record_id AS id_r"
    relation = scored.as_duckdbpyrelation()
    level_weights = "".join(
        f", s.{c}" for c in relation.columns if c.startswith("mw_") and not c.startswith("mw_tf_adj_")
    )
    out = relation.query(
        "scored",
        f"""
            SELECT {ids},
                   s.match_probability, s.match_weight{level_weights}
            FROM scored s
            JOIN {left} l ON l.unique_id = s.unique_id_l
            JOIN {right} r ON r.unique_id = s.unique_id_r
            WHERE s.match_probability >= {float(threshold)!r}
            ORDER BY s.match_probability DESC, id_l, id_r
            """,
    ).to_arrow_table()
    scored.drop_table_from_database_and_remove_from_cache()
    return out


def explain(*, model: LinkageModel, pair: Mapping[str, Any]) -> PairExplanation:
    """Per-field agreement level and match weight for one pair, for a reviewer.

    `pair` needs id_l and id_r (a row of `predict`'s output will do). The pair is rescored
    from the prepared records, so the explanation always matches the current model.
    """
    if model.backend != "spark":
        [explained] = explain_many(model=model, pairs=[pair])
        return explained
    from homeward.linkage import spark as spark_backend

    con = model.duckdb_con
    left_table = model.prepared[0]
    right_table = model.prepared[-1]
    left = _prepared_row(con, left_table, str(pair["id_l"]))
    right = _prepared_row(con, right_table, str(pair["id_r"]))
    scored = spark_backend.score_pair(
        model=model,
        left=(left_table, str(pair["id_l"])),
        right=(right_table, str(pair["id_r"])),
    )
    return _explanation(model=model, pair=pair, scored=scored, left=left, right=right)


EXPLAIN_TOGETHER = 40  # pairs scored in one pipeline by explain_many (its cross join: at most 1,600 rows)


def explain_many(*, model: LinkageModel, pairs: Sequence[Mapping[str, Any]]) -> list[PairExplanation]:
    """explain() for each of many pairs, the same explanations, in order. On DuckDB the pairs are
    scored EXPLAIN_TOGETHER at a time, in one scoring pipeline, rather than one pipeline a pair (each
    cost about half a second, whatever it scored)."""
    if model.backend == "spark":
        return [explain(model=model, pair=pair) for pair in pairs]
    con = model.duckdb_con
    left_table, right_table = model.prepared[0], model.prepared[-1]
    explained = []
    for start in range(0, len(pairs), EXPLAIN_TOGETHER):
        chunk = pairs[start : start + EXPLAIN_TOGETHER]
        scored = _score_pairs_duckdb(model=model, con=con, pairs=chunk)
        for pair in chunk:
            left = _prepared_row(con, left_table, str(pair["id_l"]))
            right = _prepared_row(con, right_table, str(pair["id_r"]))
            explained.append(
                _explanation(
                    model=model,
                    pair=pair,
                    scored=scored[(str(pair["id_l"]), str(pair["id_r"]))],
                    left=left,
                    right=right,
                )
            )
    return explained


def _score_pairs_duckdb(
    *, model: LinkageModel, con: Any, pairs: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str], dict]:
    """Each pair's scored row, keyed (id_l, id_r): the pairs' left records against their right ones
    in one call (splink scores every left record against every right one; the rest are not read).
    Typed tables, not dicts: a column null on both sides would reach DuckDB untyped (NULL) and
    functions such as contains() cannot bind to it."""
    left_table, right_table = model.prepared[0], model.prepared[-1]
    frames, record_ids = [], []
    for table, side in ((left_table, "id_l"), (right_table, "id_r")):
        name = f"hw_explain_{next(_table_ids)}"
        wanted = sorted({str(pair[side]) for pair in pairs})
        con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT * FROM {table} WHERE record_id IN ({', '.join('?' * len(wanted))})",
            wanted,
        ).fetchall()
        frames.append(name)
        record_ids.append(dict(con.execute(f"SELECT unique_id, record_id FROM {name}").fetchall()))
    try:
        rows = model.linker.inference.score_pair(
            model.db_api.register(frames[0]), model.db_api.register(frames[1])
        ).as_record_list()
    finally:
        for name in frames:
            con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
    left_ids, right_ids = record_ids
    return {(left_ids[row["unique_id_l"]], right_ids[row["unique_id_r"]]): row for row in rows}


def _explanation(
    *,
    model: LinkageModel,
    pair: Mapping[str, Any],
    scored: Mapping[str, Any],
    left: Mapping[str, Any],
    right: Mapping[str, Any],
) -> PairExplanation:
    fields: list[FieldExplanation] = []
    for comparison in model.settings["comparisons"]:
        name = comparison["output_column_name"]
        gamma = scored[f"gamma_{name}"]
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        null_label = next(
            (
                lvl.get("label_for_charts", "Null")
                for lvl in comparison["comparison_levels"]
                if lvl.get("is_null_level")
            ),
            "Null",
        )
        # gamma -1 is the null level; otherwise levels count down to 0 (the else level).
        label = null_label if gamma == -1 else levels[len(levels) - 1 - gamma]["label_for_charts"]
        weight = float(scored.get(f"mw_{name}") or 0.0)
        weight += float(scored.get(f"mw_tf_adj_{name}") or 0.0)
        fields.append(
            FieldExplanation(
                field=name,
                left=_display_value(left, name),
                right=_display_value(right, name),
                level=label,
                match_weight=round(weight, 3),
            )
        )
    prior = model.settings.get("probability_two_random_records_match", 1e-4)
    levels = {f.field: f.level for f in fields}
    notes: list[str] = []
    if (
        levels.get("first_name") in ("All other comparisons", TWIN_LEVEL)
        and levels.get("dob") == "Exact match"
        and levels.get("last_name") not in (None, "Null", "All other comparisons")
    ):
        # Independent fields cannot tell twins from one child under two first names;
        # on synthetic data about half of such confident pairs are twins.
        notes.append("Same surname and date of birth but unrelated first names: possibly twins or siblings.")
    return PairExplanation(
        id_l=str(pair["id_l"]),
        id_r=str(pair["id_r"]),
        match_probability=float(scored["match_probability"]),
        match_weight=float(scored["match_weight"]),
        prior_match_weight=round(math.log2(prior / (1 - prior)), 3),
        fields=tuple(fields),
        notes=tuple(notes),
    )


_DISPLAY_COLUMN = {"postcode": "pc"}


def _display_value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(_DISPLAY_COLUMN.get(name, name))
    return value.isoformat() if hasattr(value, "isoformat") else value


def _prepared_row(con: Any, table: str, unique_id: str) -> dict[str, Any]:
    cursor = con.execute(f"SELECT * FROM {table} WHERE record_id = ?", [unique_id])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        raise KeyError(f"no record with id {unique_id!r}")
    return dict(zip(names, rows[0]))
