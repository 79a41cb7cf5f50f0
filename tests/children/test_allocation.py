"""A child's allocated social worker and IRO: set by the responsible council through one service,
audited, each an active person in that role there; the demo allocates its caseworkers."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from homeward.agencies.models import Role, User
from homeward.alerts.models import Alert
from homeward.audit.models import AuditEvent
from homeward.children.models import Child
from homeward.children.services import child_allocate
from homeward.episodes.services import episode_open
from tests.conftest import make_user


@pytest.fixture
def iro(world) -> User:
    return make_user(world.manchester, Role.IRO)


def test_the_responsible_council_allocates_and_it_is_audited(world, iro):
    other = make_user(world.manchester, Role.SOCIAL_WORKER, "social-worker-2")
    child = child_allocate(
        user=world.social_worker, why="test allocate", child=world.child.pk, social_worker=other, iro=iro
    )
    child.refresh_from_db()
    assert (child.social_worker, child.iro) == (other, iro)
    event = AuditEvent.objects.filter(object_type="child", child_id=child.pk, why="test allocate").get()
    assert (event.action, event.detail) == ("update", {"allocated": {"social_worker": other.pk, "iro": iro.pk}})
    # One left as it is; the other ended.
    child_allocate(user=world.social_worker, why="test end", child=child, iro=None)
    child.refresh_from_db()
    assert (child.social_worker, child.iro) == (other, None)
    assert AuditEvent.objects.get(why="test end").detail == {"allocated": {"iro": None}}
    # No change, no entry.
    child_allocate(user=world.social_worker, why="test same", child=child, social_worker=other)
    assert not AuditEvent.objects.filter(why="test same").exists()


@pytest.mark.parametrize("who", ["host_coordinator", "police_officer", "unrelated_social_worker"])
def test_nobody_else_allocates(world, iro, who):
    with pytest.raises(ValidationError, match="responsible authority"):
        child_allocate(user=getattr(world, who), why="test", child=world.child.pk, iro=iro)
    assert Child.objects.get(pk=world.child.pk).iro is None


def test_the_caseworker_must_be_an_active_person_in_that_role_at_the_council(world, iro):
    manager = make_user(world.manchester, Role.TEAM_MANAGER)
    gone = make_user(world.manchester, Role.SOCIAL_WORKER, "retired-sw")
    gone.is_active = False
    gone.save()
    system = make_user(world.manchester, Role.SOCIAL_WORKER, "cms-feed")
    system.is_service_account = True
    system.save()
    for bad in (manager, iro, gone, system, world.unrelated_social_worker):
        with pytest.raises(ValidationError) as refused:
            child_allocate(user=world.social_worker, why="test", child=world.child.pk, social_worker=bad)
        assert "social_worker" in refused.value.message_dict
    with pytest.raises(ValidationError):
        child_allocate(user=world.social_worker, why="test", child=world.child.pk, iro=world.social_worker)
    assert Child.objects.get(pk=world.child.pk).social_worker == world.social_worker


def test_the_demo_allocates_its_social_worker_and_iro_to_its_councils_children(world, settings):
    settings.DEMO_MODE = True
    unallocated = Child.objects.filter(pk=world.child_at_home.pk)
    unallocated.update(social_worker=None)
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    demo_sw, demo_iro = User.objects.get(username="demo-social-worker"), User.objects.get(username="demo-iro")
    manchester = {c.pk: c for c in Child.objects.filter(responsible_authority=world.manchester)}
    assert {c.iro_id for c in manchester.values()} == {demo_iro.pk}
    assert manchester[world.child_at_home.pk].social_worker_id == demo_sw.pk
    assert manchester[world.child.pk].social_worker_id == world.social_worker.pk  # allocated by hand: left alone
    assert Child.objects.get(pk=world.leeds_child.pk).iro is None  # another council's child
    assert "3 of the council's children allocated" in out.getvalue()
    # So the demo's caseworkers are told when one of their children goes missing.
    episode_open(
        user=world.social_worker, why="test", child=world.child_at_home.pk, kind="missing", started_at=timezone.now()
    )
    assert set(Alert.objects.filter(kind="episode_opened").values_list("recipient__username", flat=True)) >= {
        "demo-social-worker",
        "demo-iro",
    }
    call_command("demo_accounts", stdout=(again := StringIO()))
    assert "allocated" not in again.getvalue()  # nothing left to allocate
