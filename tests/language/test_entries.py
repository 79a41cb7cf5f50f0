"""A council's own entries in the language guide: only its managers write them, every write is a new
version and an audit entry, a retired entry stops applying, and a bad pattern is refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from homeward.agencies.models import Role
from homeward.audit.models import AuditEvent
from homeward.language.guide import find
from homeward.language.models import GuideEntry
from homeward.language.selectors import guide_entries_current, guide_families
from homeward.language.services import guide_entry_retire, guide_entry_save
from tests.conftest import make_user

ENTRY = {
    "key": "nuisance",
    "label": "“Nuisance”",
    "patterns": "nuisance+\n  \n",
    "why": "It treats a child in danger as a problem for the adults.",
    "instead": "Say what happened\nSay why it worries you",
}


@pytest.fixture
def manager(world):
    return make_user(world.manchester, Role.TEAM_MANAGER)


def _ids(agency) -> set[str]:
    return {f.id for f in guide_families(agency=agency)}


def test_a_councils_entry_is_added_audited_and_applies_to_its_children(world, manager):
    entry = guide_entry_save(user=manager, **ENTRY)
    assert (entry.version, entry.patterns, entry.instead_lines()) == (
        1,
        "nuisance+",
        ["Say what happened", "Say why it worries you"],
    )
    event = AuditEvent.objects.get(object_type="language_guide_entry")
    assert (event.action, event.object_id, event.detail["version"]) == ("create", str(entry.pk), 1)
    assert "E08000003:nuisance" in _ids(world.manchester) and "E08000003:nuisance" not in _ids(world.leeds)
    families = guide_families(agency=world.manchester)
    assert [f.phrase for f in find("Treated as a nuisance by staff.", families)] == ["nuisance"]


def test_an_edit_is_a_new_version_and_the_old_one_stays(world, manager):
    guide_entry_save(user=manager, **ENTRY)
    guide_entry_save(user=manager, **(ENTRY | {"patterns": "nuisance+\npest+"}))
    assert list(GuideEntry.objects.filter(key="nuisance").values_list("version", "patterns")) == [
        (2, "nuisance+\npest+"),
        (1, "nuisance+"),
    ]
    assert [e.version for e in guide_entries_current(agency=world.manchester)] == [2]
    assert list(AuditEvent.objects.filter(object_type="language_guide_entry").values_list("action", flat=True)) == [
        "create",
        "update",
    ]
    family = next(f for f in guide_families(agency=world.manchester) if f.id == "E08000003:nuisance")
    assert family.version == 2 and find("a pest", [family])


def test_a_retired_entry_no_longer_applies_but_is_kept(world, manager):
    guide_entry_save(user=manager, **ENTRY)
    retired = guide_entry_retire(user=manager, key="nuisance")
    assert (retired.version, retired.active) == (2, False)
    assert "E08000003:nuisance" not in _ids(world.manchester)
    assert GuideEntry.objects.filter(key="nuisance").count() == 2
    with pytest.raises(ValidationError):
        guide_entry_retire(user=manager, key="nuisance")


@pytest.mark.parametrize(
    "who", ["social_worker", "provider_staff", "police_officer", "unrelated_social_worker", "inspector"]
)
def test_only_a_councils_managers_may_change_its_guide(world, who):
    with pytest.raises(PermissionDenied):
        guide_entry_save(user=getattr(world, who), **ENTRY)
    assert (
        not GuideEntry.objects.exists() and not AuditEvent.objects.filter(object_type="language_guide_entry").exists()
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"patterns": "sex*"}, "patterns"),
        ({"patterns": ""}, "patterns"),
        ({"key": "self_risk"}, "key"),
        ({"key": "no spaces please"}, "key"),
        ({"why": " "}, "why"),
        ({"instead": ""}, "instead"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_field(world, manager, change, field):
    with pytest.raises(ValidationError) as refused:
        guide_entry_save(user=manager, **(ENTRY | change))
    assert field in refused.value.message_dict and not GuideEntry.objects.exists()


def test_the_command_adds_and_retires_an_entry_as_the_manager(world, manager):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command(
        "language_entry",
        manager.username,
        "nuisance",
        "--label",
        "Nuisance",
        "--pattern",
        "nuisance+",
        "--why",
        "It treats a child in danger as a problem.",
        "--instead",
        "Say what happened",
        stdout=out,
    )
    assert out.getvalue().strip() == "E08000003\tnuisance\tversion 1\tin use"
    call_command("language_entry", manager.username, "nuisance", "--retire", stdout=out)
    assert out.getvalue().splitlines()[-1] == "E08000003\tnuisance\tversion 2\tretired"
    with pytest.raises(CommandError, match="patterns"):
        call_command(
            "language_entry",
            manager.username,
            "pest",
            "--label",
            "Pest",
            "--pattern",
            "sex*",
            "--why",
            "Why",
            "--instead",
            "Instead",
            stdout=out,
        )
    with pytest.raises(CommandError, match="managers"):
        call_command("language_entry", world.social_worker.username, "pest", stdout=out)
