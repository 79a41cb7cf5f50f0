"""POLICE_FORMAT.md stays in step with the code: every field documented, and its examples import."""

import json
import re
from pathlib import Path

import pytest

from homeward.returns import police
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_file_import

DOC = (Path(police.__file__).parent / "POLICE_FORMAT.md").read_text()


def _block(language: str) -> str:
    return re.search(rf"^{language}:\n```[a-z]*\n(.*?)```", DOC, re.S | re.M).group(1)


def test_every_field_is_documented_with_whether_it_is_required():
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| (\*\*yes\*\*|no) \|", DOC, re.M))
    assert set(rows) == set(police.FIELD_NAMES)
    assert {name for name, required in rows.items() if required == "**yes**"} == {
        f.name for f in police.FIELDS if f.required
    }
    for code in ("no_apparent_risk", "low", "medium", "high"):
        assert f"`{code}`" in DOC


@pytest.mark.django_db
def test_the_examples_import(force, tmp_path):
    (tmp_path / "example.csv").write_text(_block("CSV"))
    (tmp_path / "example.json").write_text("[" + re.search(r"```json\n(.*?)```", DOC, re.S).group(1) + "]")
    json.loads((tmp_path / "example.json").read_text())
    police_file_import(force=force, path=tmp_path / "example.csv")
    police_file_import(force=force, path=tmp_path / "example.json")  # same reference: a correction of it
    report = PoliceReport.objects.get()
    assert (report.reference, report.risk_grade, report.found_by) == ("MP/000123/25", "high", "PC 1234")
    assert len(report.risk_history) == 2
