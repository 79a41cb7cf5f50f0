"""Health and education at the strategy meeting (issue 18; Working Together 2023): invited and told
like every partner, given actions, and their attendance counted in the compliance figures."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from homeward.alerts.models import Alert
from homeward.oversight.compliance import compliance_by_month
from homeward.safeguarding import selectors, services
from homeward.tasks.worker import run_due
from tests.partners import partners  # noqa: F401
from tests.support import sign_in


def _propose(world, team_manager):
    return services.strategy_meeting_propose(
        user=team_manager, why="test", child=world.child.pk, reason="Seen with older men at the bus station"
    )


def _totals(user, authority, duty: str) -> tuple[int, int]:
    today = timezone.localdate()
    figures = [
        f
        for m in compliance_by_month(user=user, authority=authority, first=today, last=today)
        for f in m.figures
        if f.duty.code == duty
    ]
    return sum(f.numerator for f in figures), sum(f.denominator for f in figures)


def test_health_and_education_are_invited_by_default(world, partners, team_manager):
    invited = selectors.default_invitees(world.child)
    assert {partners.icb, partners.virtual_school, partners.school} <= set(invited)
    # Not another council's ICB, nor a school the child has left or never attended.
    assert partners.leeds_icb not in invited and partners.leeds_school not in invited
    assert partners.school not in selectors.default_invitees(world.moved_child)


def test_health_and_education_are_told_of_the_meeting_and_see_it(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    run_due(timezone.now())
    for user in (partners.nurse, partners.virtual_school_head, partners.school_lead):
        [alert] = Alert.objects.filter(recipient=user, kind="strategy_meeting_proposed")
        assert alert.link == f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/"
        client = Client()
        sign_in(client, user)
        assert client.get(alert.link).status_code == 200, user.username
    assert not Alert.objects.filter(recipient__in=[partners.leeds_nurse, partners.leeds_school_lead]).exists()

    when = timezone.now() + datetime.timedelta(days=2)
    services.strategy_meeting_schedule(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        scheduled_for=when,
        invited_agency_ids=[world.manchester.pk, partners.icb.pk, partners.school.pk],
    )
    for user in (partners.nurse, partners.school_lead):
        assert Alert.objects.filter(recipient=user, kind="strategy_meeting_scheduled").count() == 1
    assert not Alert.objects.filter(recipient=partners.virtual_school_head, kind="strategy_meeting_scheduled").exists()


def test_a_school_sees_only_the_meetings_it_is_invited_to(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    client = Client()
    sign_in(client, partners.school_lead)
    path = f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/"
    assert client.get(path).status_code == 200
    services.strategy_meeting_schedule(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
        invited_agency_ids=[world.manchester.pk, partners.icb.pk],
    )
    assert client.get(path).status_code == 404


def test_health_and_education_own_actions(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    due = timezone.localdate() + datetime.timedelta(days=7)
    for owner, what in (
        (partners.nurse, "Arrange a sexual health review"),
        (partners.school_lead, "Check attendance daily"),
    ):
        services.meeting_action_add(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            description=what,
            owner=owner,
            due_date=due,
        )
        assert Alert.objects.filter(recipient=owner, kind="meeting_action_assigned").count() == 1
    action = meeting.actions.get(owner=partners.school_lead)
    services.meeting_action_complete(
        user=partners.school_lead, why="test", child=world.child.pk, meeting=meeting.pk, action=action.pk
    )


def test_attendance_is_recorded_and_counted_in_the_compliance_figures(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    services.strategy_meeting_record(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        held_at=timezone.now(),
        decisions="Daily attendance checks; health review",
        attended_agency_ids=[world.manchester.pk, partners.icb.pk],
    )
    assert set(meeting.attended_agencies.all()) == {world.manchester, partners.icb}
    assert _totals(team_manager, world.manchester, "health_attended") == (1, 1)
    assert _totals(team_manager, world.manchester, "education_attended") == (0, 1)
    # Amended once the school's lead is found on the attendance sheet.
    services.strategy_meeting_record(
        user=team_manager,
        why="test",
        child=world.child.pk,
        meeting=meeting.pk,
        held_at=None,
        decisions="Daily attendance checks; health review",
        attended_agency_ids=[world.manchester.pk, partners.icb.pk, partners.school.pk],
    )
    assert _totals(team_manager, world.manchester, "education_attended") == (1, 1)


def test_only_invited_agencies_can_be_recorded_as_attending(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    with pytest.raises(ValidationError) as error:
        services.strategy_meeting_record(
            user=team_manager,
            why="test",
            child=world.child.pk,
            meeting=meeting.pk,
            held_at=timezone.now(),
            decisions="x",
            attended_agency_ids=[partners.leeds_icb.pk],
        )
    assert "attended" in error.value.message_dict


def test_the_meeting_page_records_who_came(world, partners, team_manager):
    meeting = _propose(world, team_manager)
    client = Client()
    sign_in(client, team_manager)
    path = f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/"
    held = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(
        path,
        {
            "form": "record",
            "held_at_day": held.day,
            "held_at_month": held.month,
            "held_at_year": held.year,
            "held_at_time": held.strftime("%H:%M"),
            "decisions": "Health to review",
            "attended": [str(partners.icb.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(meeting.attended_agencies.all()) == [partners.icb]
    assert "NHS Greater Manchester Integrated Care Board" in client.get(path).content.decode()
