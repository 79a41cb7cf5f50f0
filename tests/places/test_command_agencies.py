"""`homeward agencies` and `homeward load_reference`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from homeward.agencies.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_load_reference_prints_the_counts() -> None:
    lines = _run("load_reference")
    assert lines[:2] == ["authorities\t175", "police_forces\t43"]
    assert lines[2].startswith("districts\t")


def test_agencies_lists_code_kind_name_by_kind_then_code(reference) -> None:
    Agency.objects.create(code="SC100001", kind=AgencyKind.PROVIDER, name="Oak House")
    lines = _run("agencies")
    assert lines[0] == "E06000001\tla\tHartlepool"
    assert "E23000005\tpolice\tGreater Manchester Police" in lines
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 for row in rows)
    assert rows == sorted(rows, key=lambda row: (row[1], row[0]))
    assert rows[-1] == ["SC100001", "provider", "Oak House"]


def test_agencies_filters_by_kind(reference) -> None:
    lines = _run("agencies", "--kind", "police")
    assert len(lines) == 43
    assert lines[0] == "E23000001\tpolice\tMetropolitan Police Service"
    assert lines[-1] == "W15000004\tpolice\tDyfed-Powys Police"


def test_agencies_rejects_an_unknown_kind() -> None:
    with pytest.raises(CommandError):
        call_command("agencies", "--kind", "army", stdout=StringIO())
