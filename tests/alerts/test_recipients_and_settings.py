"""Who is told, by agency and role; and each council's thresholds with their shipped defaults."""

import pytest
from django.core.exceptions import ValidationError

from homeward.agencies.models import Role
from homeward.alerts import defaults
from homeward.alerts.models import NotificationSettings
from homeward.alerts.recipients import agency_staff, allocated, council_staff, escalation_recipients
from homeward.alerts.selectors import notification_settings_for
from tests.conftest import make_user


def test_council_staff_are_found_by_council_and_role(world, people):
    assert list(council_staff(world.manchester, [Role.MISSING_COORDINATOR, Role.SOCIAL_WORKER])) == [
        people.social_worker,
        people.coordinator,
        people.other_social_worker,
    ]
    assert list(council_staff(world.birmingham, [Role.MISSING_COORDINATOR])) == [people.host_coordinator]
    assert not council_staff(world.leeds, [Role.IRO]).exists()


def test_a_childs_allocated_caseworkers_count_only_while_they_can_act_on_the_case(world, people):
    child = world.child
    child.refresh_from_db()
    assert (allocated(child, "social_worker"), allocated(child, "iro")) == (people.social_worker, people.iro)
    people.iro.is_active = False  # left the council
    people.iro.save()
    people.social_worker.agency, people.social_worker.role = world.leeds, Role.SOCIAL_WORKER  # moved to another council
    people.social_worker.save()
    child.refresh_from_db()
    assert (allocated(child, "social_worker"), allocated(child, "iro")) == (None, None)


def test_council_staff_refuses_an_agency_that_is_not_a_council(world):
    with pytest.raises(ValueError):
        council_staff(world.west_midlands_police, [Role.POLICE_OFFICER])


def test_agency_staff_leaves_out_the_inactive_and_service_accounts(world, people):
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-feed")
    system.is_service_account = True
    system.save()
    gone = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "retired")
    gone.is_active = False
    gone.save()
    assert list(agency_staff(world.west_midlands_police, [Role.POLICE_COORDINATOR])) == [coordinator]


def test_escalation_goes_to_the_nearest_manager_there_is(world, people):
    assert escalation_recipients(people.social_worker) == [people.team_manager]
    assert escalation_recipients(people.team_manager) == [people.nominated_officer]
    assert escalation_recipients(people.nominated_officer) == []
    people.team_manager.is_active = False
    people.team_manager.save()
    assert escalation_recipients(people.social_worker) == [people.nominated_officer]
    manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    assert escalation_recipients(people.provider_staff) == [manager]


def test_a_council_without_settings_gets_the_shipped_defaults(world):
    rules = notification_settings_for(world.manchester)
    assert rules.pk is None
    assert rules.escalate_after_hours == [24, 72] == defaults.ESCALATE_AFTER_HOURS
    assert (rules.urgent_renotify_minutes, rules.urgent_escalate_minutes) == (15, 60)
    assert rules.repeat_missing == [{"episodes": 3, "days": 30}, {"episodes": 3, "days": 90}]
    assert notification_settings_for(None).urgent_escalate_minutes == 60


def test_a_council_can_set_its_own(world):
    NotificationSettings.objects.create(authority=world.leeds, escalate_after_hours=[12, 48])
    assert notification_settings_for(world.leeds).escalate_after_hours == [12, 48]
    assert notification_settings_for(world.manchester).escalate_after_hours == [24, 72]


def test_settings_are_validated(world):
    for bad in (
        {"escalate_after_hours": [0]},
        {"escalate_after_hours": "24"},
        {"repeat_missing": [{"episodes": 3}]},
        {"urgent_renotify_minutes": 0},
    ):
        with pytest.raises(ValidationError):
            NotificationSettings(authority=world.leeds, **bad).full_clean()
    NotificationSettings(authority=world.leeds).full_clean()
