"""The SSDA903 return of a synthetic world, whole: for every council and each of the world's two
collection years, `homeward export-903` writes a return the DfE's rules (returns.checks) find no error
in, and importing it with `homeward import-903` into a council that holds nothing, then exporting
that council's return, gives the same three files byte for byte.

The council that holds nothing is another council of England, one the world has no child of, taken
for each council-year in the same database: the return names no council, and what a council exports
is scoped to its own children, so it stands for the empty database while the test runs in one. The
world is cut down to its largest councils so that enough others are left empty; the same check on
3,000 children was measured by hand.
"""

import dataclasses
import datetime
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from homeward.agencies.models import Agency, AgencyKind
from homeward.returns.export import TABLES
from homeward.synth.files import world_write
from homeward.synth.generator import world_generate
from homeward.synth.loader import world_load

AS_AT = datetime.date(2026, 3, 31)
YEARS = (datetime.date(2025, 3, 31), AS_AT)
CHILDREN = 900
COUNCILS = 4


def export(code: str, year_ending: datetime.date, out: Path) -> str:
    stdout = StringIO()
    call_command("export_903", "--la", code, "--year-ending", year_ending.isoformat(), "--out", str(out), stdout=stdout)
    return stdout.getvalue()


def files(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in TABLES}


@pytest.mark.slow  # a world generated, loaded, exported and imported again
@pytest.mark.django_db
def test_every_council_year_is_valid_and_comes_back_the_same_through_an_import(reference, tmp_path):
    world = world_generate(seed=11, children=CHILDREN, as_at=AS_AT, years=2)
    councils = sorted(
        code for code, _ in Counter(c.responsible_authority for c in world.children).most_common(COUNCILS)
    )
    for records in dataclasses.fields(world):
        value = getattr(world, records.name)
        if isinstance(value, list) and value and hasattr(value[0], "responsible_authority"):
            setattr(world, records.name, [r for r in value if r.responsible_authority in councils])
    world_write(world=world, directory=tmp_path / "world")
    world_load(directory=tmp_path / "world")
    empty_councils = Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).exclude(code__in=councils).order_by("code")
    exported = 0
    for (code, year_ending), empty in zip(((c, y) for c in councils for y in YEARS), empty_councils, strict=False):
        first = tmp_path / code / str(year_ending.year)
        assert "0 errors under the DfE's validation rules" in export(code, year_ending, first)
        exported += sum(len((first / name).read_text().splitlines()) - 1 for name in TABLES)

        assert not empty.children.exists()
        rejects = tmp_path / f"rejects-{empty.code}.csv"
        call_command("import_903", str(first), "--la", empty.code, "--rejects", str(rejects), stdout=StringIO())
        assert rejects.read_text().splitlines() == ["file,line,field,reason"]
        again = tmp_path / empty.code / str(year_ending.year)
        export(empty.code, year_ending, again)
        assert files(again) == files(first), f"{code} {year_ending}"
    assert exported > len(world.children) > 100  # the world's children, their placements and periods went through
