"""The placement check: where a placement is, what it needs, what is known of the home and the area,
and the approvals, notices and consultations kept as records with clocks."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.children.services import placement_create
from homeward.places.working_days import add_working_days
from homeward.safeguarding.services import location_risk_add
from homeward.scrutiny import services
from homeward.scrutiny.models import Outcome, PlacementCheck, Requirement, RequirementKind
from homeward.tasks.worker import run_due
from tests.conftest import make_user
from tests.support import sign_in

DAY = datetime.timedelta(days=1)


@pytest.fixture
def people(world):
    return {
        "officer": make_user(world.manchester, Role.NOMINATED_OFFICER, "man-no"),
        "director": make_user(world.manchester, Role.DIRECTOR, "man-dcs"),
        "host_police": make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-coord"),
        "bham_safeguarding": make_user(world.birmingham, Role.TEAM_MANAGER, "bham-tm"),
    }


def run_check(
    world, postcode: str, *, start: datetime.date | None = None, provider=None, emergency=False, placement_type="K2"
):
    return services.placement_check_run(
        user=world.social_worker,
        why="test",
        child=world.child_at_home,
        start_date=start or timezone.localdate() + 7 * DAY,
        placement_type=placement_type,
        placement_postcode=postcode,
        home_postcode="M1 1AE",
        provider=provider,
        emergency=emergency,
    )


def kinds(check: PlacementCheck) -> dict[str, datetime.date]:
    return {r.kind: r.due_on for r in check.requirements.all()}


def test_a_placement_in_the_councils_own_area_needs_nothing_more(world):
    check = run_check(world, "M1 1AE")
    assert (check.relation, check.host_authority, kinds(check)) == ("in_area", world.manchester, {})


def test_an_adjoining_placement_needs_the_nominated_officer_and_notice_before_it_starts(world):
    start = timezone.localdate() + 10 * DAY
    check = run_check(world, "M5 4WT", start=start)  # Salford
    assert check.relation == "adjoining" and check.host_authority.code == "E08000006"
    assert kinds(check) == {RequirementKind.NOMINATED_OFFICER_APPROVAL: start, RequirementKind.HOST_NOTICE: start}


def test_an_emergency_placement_gives_notice_within_five_working_days(world):
    start = datetime.date(2026, 12, 24)  # Christmas, Boxing Day's substitute and New Year's Day fall in the five
    check = run_check(world, "M5 4WT", start=start, emergency=True)
    assert kinds(check)[RequirementKind.HOST_NOTICE] == add_working_days(start, 5) == datetime.date(2027, 1, 5)
    assert kinds(check)[RequirementKind.NOMINATED_OFFICER_APPROVAL] == start


def test_a_distant_placement_into_a_flagged_home_is_shown_approved_by_the_director_and_chased(world, people):
    """The placements issue's own case: Manchester proposes a distant placement into Oak House, which
    Birmingham (the host) has flagged. The check shows the flag, asks for the director's approval and
    the host's consultation; the placement made without them is escalated on the clocks to the
    nominated officer, then the director; the host council and the force of the area are told."""
    location_risk_add(
        user=people["bham_safeguarding"],
        why="test",
        area_kind="home",
        area=world.provider.code,
        kind="cse_hotspot",
        description="Older men seen collecting residents",
        source="Police intelligence",
        detail_visible_to="all",
    )
    start = timezone.localdate() + 3 * DAY
    check = run_check(world, "B1 1AA", start=start, provider=world.provider)
    assert (
        check.relation == "distant"
        and check.host_authority == world.birmingham
        and check.police_force == world.west_midlands_police
    )
    assert set(kinds(check)) == {
        RequirementKind.NOMINATED_OFFICER_APPROVAL,
        RequirementKind.DIRECTOR_APPROVAL,
        RequirementKind.HOST_NOTICE,
        RequirementKind.HOST_CONSULTATION,
    }
    [concern] = check.findings["concerns"]
    assert concern["agency"] == "Birmingham" and concern["detail"] == "Older men seen collecting residents"
    assert any("concern(s) about this home or area" in w for w in check.findings["warnings"])

    # Placed anyway, unapproved: the check becomes the placement's; host and force are told.
    placement = placement_create(
        user=world.social_worker,
        why="test",
        child=world.child_at_home,
        start_date=start,
        placement_type="K2",
        provider_type="PR4",
        provider=world.provider,
        placement_postcode="B1 1AA",
        home_postcode="M1 1AE",
    )
    check.refresh_from_db()
    assert (
        check.placement == placement
        and PlacementCheck.objects.filter(child=world.child_at_home, start_date=start).count() == 1
    )
    told = set(Alert.objects.filter(kind="placed_in_area").values_list("recipient__username", flat=True))
    assert {world.host_coordinator.username, people["host_police"].username} <= told

    # The day after the start the nominated officer is told; two working days on, the director.
    after = timezone.make_aware(datetime.datetime.combine(start + 2 * DAY, datetime.time(9)))
    run_due(after)
    first = set(
        Alert.objects.filter(kind="placement_requirement_overdue").values_list("recipient__username", flat=True)
    )
    assert first == {people["officer"].username}
    run_due(timezone.make_aware(datetime.datetime.combine(add_working_days(start + DAY, 3), datetime.time(9))))
    later = set(
        Alert.objects.filter(kind="placement_requirement_overdue").values_list("recipient__username", flat=True)
    )
    assert later == {people["officer"].username, people["director"].username}
    assert all(
        "child" in a.subject and world.child_at_home.first_name not in a.subject
        for a in Alert.objects.filter(kind="placement_requirement_overdue")
    )


def test_only_the_roles_the_regulations_name_may_approve(world, people):
    check = run_check(world, "B1 1AA", provider=world.provider)
    director_approval = check.requirements.get(kind=RequirementKind.DIRECTOR_APPROVAL)
    for user in (world.social_worker, people["officer"]):
        with pytest.raises(PermissionDenied):
            services.requirement_record(
                user=user, why="test", requirement=director_approval, outcome=Outcome.APPROVED, reasons="Fine"
            )
    with pytest.raises(ValidationError) as error:
        services.requirement_record(
            user=people["director"], why="test", requirement=director_approval, outcome=Outcome.APPROVED, reasons=" "
        )
    assert "reasons" in error.value.message_dict
    done = services.requirement_record(
        user=people["director"],
        why="test",
        requirement=director_approval,
        outcome=Outcome.APPROVED,
        reasons="Specialist therapeutic care not available nearer home",
    )
    assert (done.done_by, done.outcome) == (people["director"], "approved")
    with pytest.raises(ValidationError):
        services.requirement_record(
            user=people["director"], why="test", requirement=director_approval, outcome=Outcome.REFUSED, reasons="Again"
        )
    # Nothing is escalated once it is done.
    run_due(timezone.now() + 30 * DAY)
    assert not Alert.objects.filter(kind="placement_requirement_overdue", related_id=director_approval.pk).exists()


def test_the_host_council_is_consulted_and_its_answer_reaches_the_social_worker(world, people, client):
    check = run_check(world, "B1 1AA", provider=world.provider)
    consultation = check.requirements.get(kind=RequirementKind.HOST_CONSULTATION)
    services.requirement_record(
        user=world.social_worker,
        why="test",
        requirement=consultation,
        outcome=Outcome.SENT,
        reasons="Jayden, 9, needs a specialist home; care plan attached",
    )
    assert Alert.objects.filter(kind=RequirementKind.HOST_CONSULTATION, recipient=world.host_coordinator).exists()

    sign_in(client, world.host_coordinator)
    page = client.get("/placements/in-your-area/").content.decode()
    assert f'data-testid="request-{consultation.pk}"' in page
    assert "Jayden" not in page and "A child aged 9" in page  # not placed there yet: described, not named
    response = client.post(
        f"/placements/requests/{consultation.pk}/", {f"q{consultation.pk}-response": "We know this home well."}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.response == "We know this home well." and consultation.responded_by == world.host_coordinator
    assert Alert.objects.filter(kind="host_response", recipient=world.social_worker).exists()

    # Another council cannot read or answer it.
    sign_in(client, world.unrelated_social_worker)
    assert client.get(f"/placements/requests/{consultation.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        services.requirement_respond(
            user=world.unrelated_social_worker, why="test", requirement=consultation, response="x"
        )


def test_the_host_council_sees_every_child_placed_in_its_area_by_others(world, client):
    sign_in(client, world.host_coordinator)
    page = client.get("/placements/in-your-area/").content.decode()
    assert "Amira Okafor" in page  # Manchester's child at Oak House, Birmingham
    assert "Amira Hussain" not in page  # Leeds's child is placed in Leeds
    sign_in(client, world.unrelated_social_worker)
    assert "Amira Okafor" not in client.get("/placements/in-your-area/").content.decode()


def test_a_placement_check_is_not_found_by_an_unrelated_council_and_the_api_runs_one(world, client):
    sign_in(client, world.social_worker)
    response = client.post(
        "/api/v1/placement-checks/",
        {
            "child_id": world.child_at_home.pk,
            "start_date": (timezone.localdate() + 7 * DAY).isoformat(),
            "placement_type": "K2",
            "placement_postcode": "M5 4WT",
            "home_postcode": "M1 1AE",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["relation"] == "adjoining" and body["host_authority"] == "E08000006"
    assert {r["kind"] for r in body["requirements"]} == {"nominated_officer", "host_notice"}
    bad = client.post(
        "/api/v1/placement-checks/",
        {
            "child_id": world.child_at_home.pk,
            "start_date": "2026-12-20",
            "placement_type": "K2",
            "placement_postcode": "ZZ1 1ZZ",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "placement_postcode" in bad.json()
    sign_in(client, world.unrelated_social_worker)
    assert client.get(f"/api/v1/placement-checks/{body['id']}/").status_code == 404
    assert client.get(f"/placements/checks/{body['id']}/").status_code == 404


def test_the_check_shows_the_childs_own_missing_places_near_the_placement(world):
    from homeward.episodes.services import episode_open

    episode_open(
        user=world.social_worker,
        why="test",
        child=world.child_at_home.pk,
        kind="missing",
        last_seen_at=timezone.now() - 5 * DAY,
        last_seen_location="Bus station",
        last_seen_postcode="B1 1BB",
    )
    check = run_check(world, "B1 1AA", provider=world.provider)
    [place] = check.findings["child"]["places"]
    assert place["postcode"] == "B1 1BB" and place["miles"] < 1
    assert any("within 5 miles" in w for w in check.findings["warnings"])


def test_a_placement_learned_of_long_after_it_began_is_recorded_not_chased(world):
    check = PlacementCheck.objects.get(placement__child=world.child)  # the world's placement began 100 days ago
    assert check.run_by is None and not check.chased and check.relation == "distant"
    assert set(kinds(check)) == {"nominated_officer", "director", "host_notice", "host_consultation"}
    run_due(timezone.now() + 60 * DAY)
    assert not Alert.objects.filter(kind="placement_requirement_overdue").exists()


def test_the_homes_manager_records_training_and_the_check_shows_coverage(world, client):
    manager = make_user(world.provider, Role.PROVIDER_MANAGER, "oak-manager")
    sign_in(client, manager)
    today = timezone.localdate()
    response = client.post(
        f"/placements/homes/{world.provider.code}/",
        {
            "staff_name": "Sam Jones",
            "topic": "cse",
            "completed_on_day": str(today.day),
            "completed_on_month": str(today.month),
            "completed_on_year": str(today.year - 1),
            "renewal_due_on_day": "1",
            "renewal_due_on_month": "1",
            "renewal_due_on_year": str(today.year + 1),
        },
    )
    assert response.status_code == 302
    bad = client.post(f"/placements/homes/{world.provider.code}/", {"staff_name": "", "topic": "cse"}).content.decode()
    assert "Enter the staff member&#x27;s name" in bad or "Enter the staff member's name" in bad
    check = run_check(world, "B1 1AA", provider=world.provider)
    coverage = {t["topic"]: (t["current"], t["staff"]) for t in check.findings["training"]}
    assert coverage == {"cse": (1, 1), "missing": (0, 1), "deescalation": (0, 1)}
    # The home's page is for its staff and councils placing or checking there: not for an unrelated council.
    sign_in(client, world.unrelated_social_worker)
    assert client.get(f"/placements/homes/{world.provider.code}/").status_code == 404
    sign_in(client, world.social_worker)
    page = client.get(f"/placements/homes/{world.provider.code}/").content.decode()
    assert "Sam Jones" in page and "Amira Okafor" in page
    assert 'data-testid="map"' in page and "<svg" in page  # the home on a map drawn by the server


def test_a_social_worker_cannot_approve_and_an_unrelated_council_cannot_check(world, people):
    with pytest.raises(PermissionDenied):
        services.placement_check_run(
            user=world.unrelated_social_worker,
            why="test",
            child=world.child_at_home,
            start_date=timezone.localdate(),
            placement_type="K2",
            placement_postcode="M1 1AE",
        )
    check = run_check(world, "M5 4WT")
    approval = Requirement.objects.get(placement_check=check, kind=RequirementKind.NOMINATED_OFFICER_APPROVAL)
    with pytest.raises(PermissionDenied):
        services.requirement_record(
            user=world.social_worker, why="test", requirement=approval, outcome="approved", reasons="ok"
        )
    services.requirement_record(
        user=people["officer"], why="test", requirement=approval, outcome="approved", reasons="Near family"
    )


def test_the_homes_record_counts_its_episodes_against_the_national_rate_and_shares_only_common_themes(world):
    from homeward.children.services import child_create
    from homeward.episodes.models import ReturnInterview
    from homeward.agencies.models import Agency, AgencyKind
    from homeward.episodes.services import episode_open, episode_record_return, return_interview_commission_set
    from homeward.scrutiny.findings import NATIONAL_RATE, home_record

    service = Agency.objects.create(code="RHI-MAN", kind=AgencyKind.RHI, name="Manchester RHI")
    return_interview_commission_set(council=world.manchester, service=service)
    today = timezone.localdate()
    children = [world.child]
    for n in range(2):
        child = child_create(
            user=world.social_worker,
            why="test",
            first_name=f"Resident{n}",
            last_name="Test",
            date_of_birth=today.replace(year=today.year - 15),
            sex="1",
            la_child_id=f"MANR{n}",
        )
        placement_create(
            user=world.social_worker,
            why="test",
            child=child,
            start_date=today - 90 * DAY,
            placement_type="K2",
            provider_type="PR4",
            provider=world.provider,
            placement_postcode="B1 1AA",
            home_postcode="M1 1AE",
        )
        children.append(child)
    for i, child in enumerate(children):
        episode, _ = episode_open(
            user=world.provider_staff,
            why="test",
            child=child.pk,
            kind="missing",
            last_seen_at=timezone.now() - (10 + i) * DAY,
        )
        episode_record_return(
            user=world.provider_staff, why="test", episode=episode.pk, returned_at=timezone.now() - (9 + i) * DAY
        )
        indicators = ["peers_exploited"] + (["weapons"] if i == 0 else [])
        ReturnInterview.objects.filter(episode=episode).update(exploitation_indicators=indicators)

    record = home_record(world.provider, placement_type="K2", today=today)
    assert record["episodes"] == 3 and record["residents_now"] == 3
    assert record["national_rate"] == NATIONAL_RATE[True]
    assert abs(record["rate"] - 3 / record["resident_months"]) < 0.002  # months shown to 0.1
    # Three children's interviews found peers in exploitation; one child's found weapons: not shown.
    assert record["interview_themes"] == [{"theme": "Peers involved in exploitation", "children": 3}]


def test_the_check_refuses_what_the_placement_would_be_refused(world):
    with pytest.raises(ValidationError) as error:  # Jayden is 9
        run_check(world, "M1 1AE", placement_type="K3")
    assert "under 16 cannot be placed in supported accommodation" in error.value.message_dict["placement_type"][0]
    with pytest.raises(ValidationError) as error:
        run_check(world, "M1 1AE", placement_type="Z9")
    assert "not an SSDA903 placement code" in error.value.message_dict["placement_type"][0]
