"""The bulk door for children (children_write): what the SSDA903 import and the synthetic loader
call. The same checks as a child a person records, each child audited, idempotent by the council's
child id, and a field not given left as the council recorded it here."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from homeward.audit.models import AuditEvent
from homeward.children.models import Child
from homeward.children.services import ChildIn, children_write

DOB = datetime.date(2012, 5, 1)


def _row(la_child_id: str = "MAN900", **changes) -> ChildIn:
    return ChildIn(**{"date_of_birth": DOB, "sex": "2", **changes, "la_child_id": la_child_id})


def test_new_children_are_created_once_and_audited(world):
    rows = [_row("MAN900", first_name=" Ruby ", last_name="Lane", ethnicity="wbri"), _row("MAN901")]
    written = children_write(user=world.social_worker, why="test", council=world.manchester, rows=rows)
    ruby = Child.objects.get(responsible_authority=world.manchester, la_child_id="MAN900")
    assert (ruby.first_name, ruby.last_name, ruby.ethnicity) == ("Ruby", "Lane", "WBRI")
    assert Child.objects.get(la_child_id="MAN901").first_name == ""  # not given: blank when new
    assert sorted(written.created) == sorted(
        Child.objects.filter(la_child_id__in=["MAN900", "MAN901"]).values_list("pk", flat=True)
    )
    created = AuditEvent.objects.filter(action="create", object_type="child", child_id__in=written.created)
    assert created.count() == 2 and set(created.values_list("why", flat=True)) == {"test"}

    again = children_write(user=world.social_worker, why="test", council=world.manchester, rows=rows)
    assert (again.created, again.updated, again.unchanged) == ([], [], 2)


def test_a_field_not_given_keeps_what_the_council_recorded(world):
    child = world.child  # recorded by a person, with names
    written = children_write(
        user=world.social_worker,
        why="test",
        council=world.manchester,
        rows=[_row(child.la_child_id, date_of_birth=child.date_of_birth, sex="1", upn="")],
    )
    child.refresh_from_db()
    assert written.updated == [child.pk] and child.sex == "1"
    assert child.first_name and child.last_name  # names are not in the SSDA903: kept
    assert AuditEvent.objects.filter(action="update", object_type="child", child_id=child.pk).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nhs_number": "9990000019"}, "nhs_number"),
        ({"upn": "12345"}, "upn"),
        ({"la_child_id": "MAN 900!"}, "la_child_id"),
        ({"sex": "X"}, "sex"),
        ({"ethnicity": "ZZZZ"}, "ethnicity"),
        ({"date_of_birth": datetime.date(1980, 1, 1)}, "date_of_birth"),
    ],
)
def test_a_row_failing_a_check_is_returned_with_its_field_and_the_others_written(world, changes, field):
    written = children_write(
        user=world.social_worker,
        why="test",
        council=world.manchester,
        rows=[_row("MAN902"), _row(**{"la_child_id": "MAN903", **changes})],
    )
    [(index, error)] = written.rejected
    assert index == 1 and list(error.message_dict) == [field]
    assert list(
        Child.objects.filter(la_child_id__in=["MAN902", "MAN903", "MAN 900!"]).values_list("la_child_id", flat=True)
    ) == ["MAN902"]


def test_only_the_council_itself_writes_its_children(world):
    with pytest.raises(ValidationError) as raised:
        children_write(user=world.unrelated_social_worker, why="test", council=world.manchester, rows=[_row()])
    assert list(raised.value.message_dict) == ["responsible_authority"]
    assert not Child.objects.filter(la_child_id="MAN900").exists()


def test_a_child_id_written_with_spaces_is_the_child_already_held(world):
    child = world.child
    written = children_write(
        user=world.social_worker,
        why="test",
        council=world.manchester,
        rows=[_row(f" {child.la_child_id} ", date_of_birth=child.date_of_birth, sex=child.sex)],
    )
    assert (written.created, written.updated, written.unchanged) == ([], [], 1)
