"""A council's configuration has a door (issue 12): `homeward council-settings` shows its alert
thresholds, safeguarding rules and return interview service, and its administrator changes them,
checked by each row's own rules, every change audited with its old and new value."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.alerts.selectors import notification_settings_for
from homeward.audit.models import AuditEvent
from homeward.episodes.services import return_interview_service_for
from homeward.safeguarding.selectors import safeguarding_settings_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("council_settings", *args, stdout=out, stderr=StringIO())
    return {key: json.loads(value) for key, value in (line.split("\t") for line in out.getvalue().splitlines())}


def test_it_shows_the_defaults_a_council_starts_with(world):
    shown = _run(world.manchester.code)
    assert shown["notification.escalate_after_hours"] == notification_settings_for(None).escalate_after_hours
    assert shown["safeguarding.long_missing_hours"] == 24 and shown["safeguarding.night_ends"] == "06:00:00"
    assert shown["interview.service"] is None


def test_the_director_changes_each_section_and_each_change_is_audited(world):
    director = make_user(world.manchester, Role.DIRECTOR)
    charity = Agency.objects.create(code="RHI-CHARITY", kind=AgencyKind.RHI, name="Charity interviews")
    shown = _run(
        world.manchester.code,
        "--by",
        director.username,
        "--set",
        "notification.escalate_after_hours=[4, 12]",
        "--set",
        "safeguarding.night_ends=07:00",
        "--set",
        "safeguarding.long_missing_hours=12",
        "--set",
        "interview.service=rhi-charity",
    )
    assert shown["notification.escalate_after_hours"] == [4, 12] and shown["safeguarding.night_ends"] == "07:00:00"
    assert notification_settings_for(world.manchester).escalate_after_hours == [4, 12]
    assert safeguarding_settings_for(world.manchester).long_missing_hours == 12
    assert return_interview_service_for(world.child) == charity
    # Leeds is untouched.
    assert safeguarding_settings_for(world.leeds).long_missing_hours == 24
    entries = {e.object_type: e for e in AuditEvent.objects.filter(username=director.username, action="update")}
    assert entries["safeguardingsettings"].detail == {
        "night_ends": ["06:00:00", "07:00:00"],
        "long_missing_hours": [24, 12],
    }
    assert entries["notificationsettings"].object_id == world.manchester.code
    assert entries["returninterviewcommission"].detail == {"service": [None, "RHI-CHARITY"]}


@pytest.mark.parametrize(("who", "council"), [("social_worker", "manchester"), ("director_leeds", "manchester")])
def test_only_the_councils_own_administrator_may_change_it(world, who, council):
    user = make_user(world.leeds, Role.DIRECTOR) if who == "director_leeds" else getattr(world, who)
    with pytest.raises(CommandError, match="Director of Children's Services or nominated officer"):
        _run(getattr(world, council).code, "--by", user.username, "--set", "safeguarding.long_missing_hours=12")
    assert safeguarding_settings_for(getattr(world, council)).long_missing_hours == 24


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("safeguarding.long_missing_hours=0", "safeguarding.long_missing_hours: Give a number of hours above zero."),
        ("safeguarding.bedtime=22:00", "safeguarding.bedtime: Not a setting here"),
        ('notification.repeat_missing=[{"episodes": 3}]', "notification.repeat_missing:"),
        ("safeguarding.night_ends=late", "safeguarding.night_ends:"),
        ("interview.service=SC100001", "interview.service: SC100001 is not a return interview service."),
    ],
)
def test_bad_values_are_refused_naming_the_setting(world, assignment, message):
    director = make_user(world.manchester, Role.DIRECTOR)
    with pytest.raises(CommandError) as refused:
        _run(world.manchester.code, "--by", director.username, "--set", assignment)
    assert message in str(refused.value)
    assert not AuditEvent.objects.filter(username=director.username, action="update").exists()
