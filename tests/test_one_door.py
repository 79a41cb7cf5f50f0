"""One path per write (issue 12): a child, a placement and an episode are written only by their
services, whichever door the record came in by (a form, the API, an import, the synthetic loader,
a benchmark's world). The services' behaviour is tested beside each; this test keeps a second way
in from appearing elsewhere in the code."""

import re
from pathlib import Path

import homeward

SRC = Path(homeward.__file__).parent
MODELS = "Child|Placement|Episode"
WRITE = re.compile(
    rf"\b({MODELS})\.objects\b[^\n]*?\.(create|bulk_create|bulk_update|get_or_create|update_or_create|update)\("
    rf"|\bBulkRows\(({MODELS})\)"
)
# Where each kind is written: its services.
SERVICES = {SRC / "children" / "services.py", *(SRC / "episodes" / "services").glob("*.py")}


def _writes_outside_the_services() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path in SERVICES or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITE.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    return found


def test_children_placements_and_episodes_are_written_only_by_their_services():
    assert _writes_outside_the_services() == []


def test_the_check_finds_a_write_beside_the_services():
    # The pattern itself, on the shapes of write it is there to catch.
    assert WRITE.search("Episode.objects.bulk_create(episodes, batch_size=2000)")
    assert WRITE.search("        Child.objects.filter(pk=1).update(sex='1')")
    assert WRITE.search("rows = BulkRows(Placement)")
    assert not WRITE.search("Episode.objects.filter(child=child).exists()")
    assert not WRITE.search("ChildName.objects.bulk_create(names)")
