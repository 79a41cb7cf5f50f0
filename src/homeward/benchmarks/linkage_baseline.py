"""A generic Splink model, for the benchmark only: what the engine is measured against.

Splink's library comparisons (NameComparison, DateOfBirthComparison, PostcodeComparison,
ExactMatch) and eight blocking rules on exact field pairs, as a first Splink model is
usually written. It uses the engine's normalised columns, so the difference measured is
the model (nicknames, swaps, partial-date and null-date blocking), not data cleaning.
Given a list without some field, it is written as a user would write it for the fields
there are: the comparisons, blocking rules and training steps that need an absent field
are left out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from homeward.linkage import engine

GENERIC_BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name", "dob"),
    ("first_name", "dob"),
    ("last_name", "dob"),
    ("first_name", "last_name", "pc"),
    ("dob", "pc"),
    ("first_name", "pc"),
    ("last_name", "pc"),
    ("first_name", "last_name", "dob_y"),
)


@dataclass(kw_only=True)
class GenericModel:
    linker: Any
    prepared: str
    timings: dict[str, float] = field(default_factory=dict)


GENERIC_PRIOR_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name", "dob"),
    ("first_name", "last_name", "pc"),
    ("first_name", "last_name"),
)
GENERIC_EM_RULES: tuple[tuple[str, ...], ...] = (("first_name", "last_name"), ("dob", "pc"))


def train(*, records: pa.Table, seed: int = 42) -> GenericModel:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = engine.new_connection()
    started = time.perf_counter()
    prepared = engine.prepare_records(con=con, records=records)
    present = {
        c
        for c in ("first_name", "last_name", "dob", "sex", "pc")
        if con.execute(f'SELECT count("{c}") FROM {prepared}').fetchall()[0][0]
    }
    db_api = DuckDBAPI(connection=con)
    comparisons = {
        "first_name": cl.NameComparison("first_name"),
        "last_name": cl.NameComparison("last_name"),
        "dob": cl.DateOfBirthComparison("dob", input_is_string=False),
        "sex": cl.ExactMatch("sex"),
        "pc": cl.PostcodeComparison("pc"),
    }

    def usable(rule: tuple[str, ...]) -> bool:
        # dob_y is read off dob.
        return {"dob" if c == "dob_y" else c for c in rule} <= present

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[c for name, c in comparisons.items() if name in present],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in GENERIC_BLOCKING_RULES if usable(rule)],
        retain_matching_columns=False,
    )
    linker = Linker(db_api.register(prepared), settings, log_level=None)
    engine._quiet_splink()
    prior_rule = next(rule for rule in GENERIC_PRIOR_RULES if usable(rule))
    linker.training.estimate_probability_two_random_records_match([block_on(*prior_rule)], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    for rule in GENERIC_EM_RULES:
        if usable(rule):
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule), max_pairs=5e5)
    return GenericModel(
        linker=linker,
        prepared=prepared,
        timings={"train_s": time.perf_counter() - started},
    )


def predict(*, model: GenericModel, threshold: float = 0.5) -> pa.Table:
    scored = model.linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    out = (
        scored.as_duckdbpyrelation()
        .query(
            "scored",
            f"""
            SELECT least(l.record_id, r.record_id) AS id_l,
                   greatest(l.record_id, r.record_id) AS id_r,
                   s.match_probability
            FROM scored s
            JOIN {model.prepared} l ON l.unique_id = s.unique_id_l
            JOIN {model.prepared} r ON r.unique_id = s.unique_id_r
            WHERE s.match_probability >= {float(threshold)!r}
            """,
        )
        .to_arrow_table()
    )
    return out
