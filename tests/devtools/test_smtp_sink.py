"""`homeward bench alerts` and the demo's local mail server run on a plain install: aiosmtpd is a
runtime dependency, not a development one."""

import importlib
import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _requirements(lines: list[str]) -> dict[str, str]:
    """{name: version specifier} of PEP 508 lines such as "psycopg[binary]==3.3.9"."""
    found = {}
    for line in lines:
        name, specifier = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*([^;]*)(?:;.*)?", line.strip()).groups()
        found[name.lower()] = specifier.strip()
    return found


def test_aiosmtpd_is_a_runtime_dependency_pinned_once():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    runtime = _requirements(project["dependencies"])
    assert "aiosmtpd" in runtime
    assert runtime["aiosmtpd"].startswith("==")  # pinned, as every dependency is
    for extra, names in project.get("optional-dependencies", {}).items():
        assert "aiosmtpd" not in _requirements(names), f"aiosmtpd is pinned again in the {extra!r} extra"


def test_the_smtp_sink_and_the_alerts_bench_import():
    smtp_sink = importlib.import_module("homeward.devtools.smtp_sink")
    with smtp_sink.smtp_sink() as mailbox:
        assert mailbox.port > 0
    importlib.import_module("homeward.benchmarks.alerts")
