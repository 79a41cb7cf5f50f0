"""`homeward linkage-defaults`: the door to the shipped default parameters."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from homeward.linkage import engine


def test_it_writes_every_level_the_shipped_defaults_hold_from_a_model_trained_on_synthetic_records(tmp_path):
    out = tmp_path / "defaults.json"
    stdout = StringIO()
    call_command(
        "linkage_defaults", "--records", "3000", "--seed", "2", "--out", str(out), stdout=stdout, stderr=StringIO()
    )
    written = json.loads(out.read_text())["levels"]
    shipped = json.loads(engine.DEFAULT_PARAMETERS_PATH.read_text())["levels"]
    assert set(written) == set(shipped)
    for key, (m, u) in written.items():
        assert 0 <= m <= 1 and 0 < u <= 1, key
    assert f"{len(written)} comparison levels written to {out}" in stdout.getvalue()
    # Learnt, not copied: an exact first-name match is far likelier among true pairs than among others.
    m, u = written["first_name/Exact match"]
    assert m > 0.5 and u < 0.05


def test_it_refuses_too_few_records_to_train_on(tmp_path):
    with pytest.raises(CommandError, match="--records: at least"):
        call_command("linkage_defaults", "--records", "10", "--out", str(tmp_path / "x.json"), stderr=StringIO())
    assert not (tmp_path / "x.json").exists()
