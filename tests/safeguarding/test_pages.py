"""The safeguarding pages: what each agency sees, the forms calling their services, and another
council getting nothing (404, not even a count)."""

import datetime

import pytest
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.safeguarding import services
from homeward.safeguarding.models import FlagKind, LocationRisk, Screening, StrategyMeeting
from tests.safeguarding.conftest import at, flags_of
from tests.safeguarding.test_flag_rules import MODERATE_ANSWERS


def _local(prefix: str, value: datetime.datetime) -> dict:
    local = timezone.localtime(value)
    return {
        f"{prefix}_day": local.day,
        f"{prefix}_month": local.month,
        f"{prefix}_year": local.year,
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def _flagged(world, story):
    episodes = [story.episode(at(days, 15)) for days in (25, 20, 15)]
    story.interview(episodes[-1], ["money_or_gifts"])
    return episodes


def _pages(world) -> list[str]:
    child = world.child.pk
    return [f"/children/{child}/flags/", f"/children/{child}/screening/", f"/children/{child}/strategy-meetings/"]


def test_another_council_gets_404_on_every_page_and_only_the_refusals_are_audited(
    world, story, client_for, team_manager
):
    _flagged(world, story)
    meeting = StrategyMeeting.objects.get()
    flag = flags_of(world.child)[FlagKind.REPEAT_MISSING]
    screening = services.screening_record(user=world.social_worker, why="test", child=world.child.pk, answers={})
    client = client_for(world.unrelated_social_worker)
    before = AuditEvent.objects.count()
    child = world.child.pk
    paths = _pages(world) + [
        f"/children/{child}/flags/{flag.pk}/",
        f"/children/{child}/screening/{screening.pk}/",
        f"/children/{child}/strategy-meetings/{meeting.pk}/",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
        posted = client.post(
            path, {"reason": "x", "kind": "practitioner_concern", "form": "cancel", "cancel_reason": "x"}
        )
        assert posted.status_code in (404, 405), path  # the result page takes no POST at all
    new = AuditEvent.objects.filter(seq__gt=AuditEvent.objects.order_by("seq")[before - 1].seq if before else 0)
    assert set(new.values_list("action", "child_id")) == {("denied", world.child.pk)}  # the refusals, and nothing else
    assert not client.get("/safeguarding/screenings-due/").context["rows"]


def test_the_child_page_shows_the_flags_raised_and_links_to_why(world, story, client_for, team_manager):
    _flagged(world, story)
    page = client_for(world.police_officer).get(f"/children/{world.child.pk}/").content.decode()
    assert 'data-testid="child-risk-flags"' in page and "Repeat missing" in page
    assert (
        f'href="/children/{world.child.pk}/flags/"' in page and "Exploitation screening</a>" not in page
    )  # police: no screening
    page = client_for(world.social_worker).get(f"/children/{world.child.pk}/").content.decode()
    assert f'href="/children/{world.child.pk}/screening/"' in page and "A strategy meeting is proposed" in page
    # Recorded after the event, the episodes were briefly open for days; the rule lowered those flags
    # when the returns were recorded, and a flag the rule lowered is history, not on the child's page.
    assert flags_of(world.child)[FlagKind.MISSING_OVER_24_HOURS].status == "lowered"
    assert "Missing for more than 24 hours" not in page


def test_the_flags_page_explains_each_flag_and_audits_the_read(world, story, client_for, team_manager):
    episodes = _flagged(world, story)
    response = client_for(world.police_officer).get(f"/children/{world.child.pk}/flags/")
    page = response.content.decode()
    assert f"#{episodes[0].pk}, #{episodes[1].pk}, #{episodes[2].pk}" in page
    # The police see the flag, not what she said at the interview, and cannot change flags.
    assert "Unexplained money" not in page and "Raise the flag" not in page
    assert AuditEvent.objects.filter(
        user_id=world.police_officer.pk, object_type="risk_flag", action="list", child_id=world.child.pk
    ).exists()
    assert (
        client_for(world.police_officer)
        .post(f"/children/{world.child.pk}/flags/", {"kind": "repeat_missing", "reason": "x"})
        .status_code
        == 403
    )
    page = client_for(world.social_worker).get(f"/children/{world.child.pk}/flags/").content.decode()
    assert "Unexplained money, gifts or phones" in page and "Raise the flag" in page


def test_raising_lowering_and_clearing_through_the_pages(world, client_for):
    client = client_for(world.social_worker)
    flags = f"/children/{world.child.pk}/flags/"
    response = client.post(flags, {"kind": "practitioner_concern", "reason": ""})
    assert response.status_code == 200 and "Give the reason for raising the flag" in response.content.decode()
    response = client.post(flags, {"kind": "practitioner_concern", "reason": "Older man waiting outside the home"})
    assert response.status_code == 302
    flag = flags_of(world.child)[FlagKind.PRACTITIONER_CONCERN]
    assert flag.is_raised and flag.events.get().reason == "Older man waiting outside the home"
    response = client.post(f"{flags}{flag.pk}/", {"change": "lower", "reason": "He has been identified as her uncle"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "lowered"
    # Lowered by a person, it stays in view on the child's page.
    assert "Practitioner&#x27;s concern (lowered)" in client.get(f"/children/{world.child.pk}/").content.decode()
    client.post(f"{flags}{flag.pk}/", {"change": "clear", "reason": "Checked with police"})
    flag.refresh_from_db()
    assert flag.status == "cleared"
    assert client_for(world.police_officer).get(f"{flags}{flag.pk}/").status_code == 403


def test_the_screening_form_scores_and_shows_what_drove_the_grade(world, client_for):
    client = client_for(world.social_worker)
    url = f"/children/{world.child.pk}/screening/"
    page = client.get(url).content.decode()
    assert (
        "Vulnerabilities" in page
        and "Moderate indicators in the last 6 months" in page
        and 'name="significant_money_or_gifts"' in page
    )
    data = _local("screened_at", timezone.now()) | {
        "vulnerabilities": ["neglect", "isolation"],
        "moderate": ["alcohol"],
        "significant_money_or_gifts": "last_6_months",
        "significant_older_controlling_adult": "last_6_months",
        "significant_unexplained_injury": "6_to_12_months",
        "significant_missing_overnight": "no",
        "notes": "Spoke with her and her carer",
    }
    response = client.post(url, data)
    screening = Screening.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{url}{screening.pk}/"
    assert (screening.score, screening.band) == (14, "moderate")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="score">14<' in page and "Moderate" in page and "Unexplained money, gifts or phones" in page
    assert "6 to 12 months ago" in page and "(escalating on a three-tier scale)" in page
    assert FlagKind.SCREENING in flags_of(world.child)


def test_the_screening_pages_are_for_the_responsible_council_and_inspectors(world, client_for):
    screening = services.screening_record(
        user=world.social_worker, why="test", child=world.child.pk, answers=MODERATE_ANSWERS
    )
    url = f"/children/{world.child.pk}/screening/"
    for user in (world.police_officer, world.host_coordinator, world.provider_staff):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).get(f"{url}{screening.pk}/").status_code == 403
    inspector = client_for(world.inspector)
    page = inspector.get(url).content.decode()
    assert "Record a screening" not in page and inspector.get(f"{url}{screening.pk}/").status_code == 200
    assert inspector.post(url, {}).status_code == 403


def test_the_meeting_pages_schedule_record_and_give_actions(world, story, client_for, team_manager):
    _flagged(world, story)
    meeting = StrategyMeeting.objects.get()
    client = client_for(team_manager)
    url = f"/children/{world.child.pk}/strategy-meetings/{meeting.pk}/"
    assert str(meeting.pk) in client.get(f"/children/{world.child.pk}/strategy-meetings/").content.decode()
    page = client.get(url).content.decode()
    assert "Repeat missing: 3 episodes in 30 days" in page and "West Midlands Police" in page
    when = timezone.now() + datetime.timedelta(days=1)
    invited = [str(a.pk) for a in meeting.invited_agencies.all()]
    assert client.post(url, {"form": "schedule", "invited": invited} | _local("scheduled_for", when)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    due = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(
        url,
        {
            "form": "action",
            "description": "Disruption notice",
            "owner": str(world.police_officer.pk),
            "due_date_day": due.day,
            "due_date_month": due.month,
            "due_date_year": due.year,
        },
    )
    assert response.status_code == 302 and meeting.actions.get().owner == world.police_officer
    response = client.post(
        url,
        {
            "form": "action",
            "description": "x",
            "owner": "",
            "due_date_day": "31",
            "due_date_month": "2",
            "due_date_year": "2027",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Choose who will do it" in page and "must be a real date" in page
    response = client.post(
        url, {"form": "record", "decisions": "Safety plan agreed"} | _local("held_at", timezone.now())
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.decisions == "Safety plan agreed"
    # The police owner sees the meeting and marks their action done; the police cannot change the meeting.
    police = client_for(world.police_officer)
    action = meeting.actions.get()
    assert "Disruption notice" in police.get(url).content.decode()
    assert police.post(url, {"form": "record", "decisions": "x"}).status_code == 403
    assert police.post(url, {"form": "done", "action": str(action.pk)}).status_code == 302
    action.refresh_from_db()
    assert action.done_by == world.police_officer


def test_the_location_register_is_kept_by_councils_and_police(world, story, client_for):
    story.episode(at(10, 15), return_postcode="B1 1AA")
    police = client_for(world.police_officer)
    response = police.post(
        "/safeguarding/locations/",
        {"area_kind": "sector", "area": "Cowley Road", "kind": "county_lines", "description": "Cuckooed flats"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "is not a postcode sector" in page
    response = police.post("/safeguarding/locations/", {"area_kind": "sector", "area": "b11", "kind": "county_lines"})
    assert response.status_code == 302
    entry = LocationRisk.objects.get()
    assert FlagKind.EXPLOITATION_LOCATION in flags_of(world.child)
    assert "B1 1" in police.get("/safeguarding/locations/").content.decode()
    assert client_for(world.provider_staff).get("/safeguarding/locations/").status_code == 403
    # Only the agency that added it withdraws it.
    assert client_for(world.social_worker).get(f"/safeguarding/locations/{entry.pk}/withdraw/").status_code == 404
    assert police.post(f"/safeguarding/locations/{entry.pk}/withdraw/", {"reason": "Wrong sector"}).status_code == 302
    assert flags_of(world.child)[FlagKind.EXPLOITATION_LOCATION].status == "lowered"


@pytest.mark.parametrize("path", ["/safeguarding/screenings-due/"])
def test_the_screenings_due_page_lists_the_councils_overdue_screenings(world, client_for, path):
    services.screening_record(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        answers={},
        screened_at=timezone.now() - datetime.timedelta(days=120),
    )
    page = client_for(world.social_worker).get(path).content.decode()
    assert world.child.full_name in page and "Overdue" in page
    assert world.child.full_name not in client_for(world.host_coordinator).get(path).content.decode()
