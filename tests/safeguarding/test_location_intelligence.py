"""Location intelligence shared by councils and police: the register writes only to children the
adding agency can see; concerns about children's homes; the home's location assessment; hotspots;
the map; and the one selector the placement check calls."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.audit.models import AuditEvent
from homeward.children.services import child_create, placement_create
from homeward.places.maps import MapPoint, map_svg
from homeward.safeguarding import selectors, services
from homeward.safeguarding.models import FlagKind, a_year_after, LocationRisk, RiskFlag, RiskFlagEvent, StrategyMeeting
from tests.conftest import make_user
from tests.safeguarding.conftest import at, flags_of, raised

TODAY = datetime.date.today()
SINCE = TODAY - datetime.timedelta(days=365)


def _add(user, area_kind="postcode", area="B1 1AA", **extra):
    return services.location_risk_add(
        user=user, why="test", area_kind=area_kind, area=area, kind=extra.pop("kind", "cse_hotspot"), **extra
    )


def _record_of(child) -> dict:
    """Everything a write could leave on the child's record."""
    return {
        "flags": list(RiskFlag.objects.filter(child=child).values_list("pk", "status", "evidence", "updated_at")),
        "events": RiskFlagEvent.objects.filter(flag__child=child).count(),
        "meetings": StrategyMeeting.objects.filter(child=child).count(),
        "audit": AuditEvent.objects.filter(child_id=child.pk).count(),
    }


@pytest.fixture
def coordinator(world):
    user = make_user(world.manchester, Role.MISSING_COORDINATOR)
    user.email = "missing@example.org"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def manager(world):
    return make_user(world.provider, Role.PROVIDER_MANAGER)


# ---------------------------------------------------------------------------------------------
# The register writes only to children the adding agency can see
# ---------------------------------------------------------------------------------------------


def test_an_entry_in_the_location_register_made_by_one_agency_changes_no_record_of_a_child_it_cannot_see(
    world, story, coordinator
):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    before = _record_of(world.child)
    _add(world.unrelated_social_worker)  # Leeds: no reason to see Manchester's child
    assert _record_of(world.child) == before
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)
    # The child's council is told, in words naming no one, with the alert linked to the child.
    [alert] = Alert.objects.filter(kind="location_risk_may_concern")
    assert (alert.recipient, alert.child_id) == (coordinator, world.child.pk)
    assert alert.link == f"/children/{world.child.pk}/flags/"
    assert world.child.first_name not in alert.subject and world.child.last_name not in alert.subject
    assert "may concern a child you are responsible for" in alert.subject
    assert not Alert.objects.filter(recipient__agency=world.leeds).exists()
    # Nor does the rule count it later, when the child's own council writes to the record.
    story.episode(at(10, 15), return_postcode="B1 1AA")
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)


def test_an_entry_by_the_childs_own_council_still_raises_the_flag_and_tells_no_one_else(world, story, coordinator):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    _add(world.social_worker)
    assert FlagKind.EXPLOITATION_LOCATION in raised(world.child)
    assert not Alert.objects.filter(kind="location_risk_may_concern").exists()


def test_the_police_covering_the_placement_see_the_child_so_their_entry_counts(world, story):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    _add(world.police_officer)
    assert FlagKind.EXPLOITATION_LOCATION in raised(world.child)


def test_a_place_name_tells_only_the_councils_of_children_seen_at_that_very_word(world, story, coordinator):
    story.episode(at(20, 15), place="Stationery shop, New Street")
    _add(world.unrelated_social_worker, "place", "station")
    assert not Alert.objects.filter(kind="location_risk_may_concern").exists()
    story.episode(at(10, 15), place="Coach station")
    _add(world.gmp_officer, "place", "coach station")
    assert Alert.objects.filter(kind="location_risk_may_concern", child_id=world.child.pk).count() == 1
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)


def test_a_withdrawal_re_evaluates_only_children_the_agency_can_see(world, story, coordinator):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    entry = _add(world.unrelated_social_worker)
    before = _record_of(world.child)
    services.location_risk_withdraw(user=world.unrelated_social_worker, why="test", entry=entry, reason="Wrong street")
    assert _record_of(world.child) == before


# ---------------------------------------------------------------------------------------------
# Concerns about children's homes, with detail for whom the adding agency chose
# ---------------------------------------------------------------------------------------------


def test_a_concern_about_a_home_by_its_urn_shows_its_detail_only_to_whom_the_agency_chose(world, story, coordinator):
    story.episode(at(20, 15), return_postcode="B1 1AA")
    review = TODAY + datetime.timedelta(days=90)
    secret = _add(
        world.police_officer,
        "home",
        "sc100001",
        kind="county_lines",
        description="Adults waiting outside at night",
        source="police intelligence",
        detail_visible_to="own_agency",
        review_on=review,
    )
    shared = _add(world.police_officer, "home", "SC100001", description="Cars circling", source="MASE meeting")
    assert (secret.area, secret.source, secret.review_on) == ("SC100001", "police intelligence", review)
    # A concern about a home flags no child (its children are last seen there by definition).
    assert FlagKind.EXPLOITATION_LOCATION not in flags_of(world.child)
    assert not Alert.objects.filter(kind="location_risk_may_concern").exists()

    def details(user) -> dict:
        found = selectors.location_concerns(user=user, postcode="B1 1AA", provider=world.provider)
        return {c.entry_id: c.detail for c in found}

    assert details(world.police_officer) == {secret.pk: "Adults waiting outside at night", shared.pk: "Cars circling"}
    assert details(world.host_coordinator) == {secret.pk: None, shared.pk: "Cars circling"}
    # The home itself learns a concern exists, who to ask and when; not what the police know.
    [concern, _] = selectors.location_concerns(user=world.provider_staff, postcode="B1 1AA", provider=world.provider)
    assert (concern.agency, concern.kind_label, concern.detail) == (
        world.west_midlands_police.name,
        "County lines or criminal exploitation",
        None,
    )


def test_a_home_concern_needs_the_urn_of_a_childrens_home(world):
    with pytest.raises(ValidationError) as error:
        _add(world.police_officer, "home", "SC999999")
    assert "Ofsted URN" in str(error.value)


def test_the_register_page_shows_home_concerns_their_source_and_hides_detail_kept_to_the_agency(world, client_for):
    _add(
        world.police_officer,
        "home",
        "SC100001",
        description="Adults waiting outside",
        source="police intelligence",
        detail_visible_to="own_agency",
        review_on=TODAY + datetime.timedelta(days=30),
    )
    page = client_for(world.host_coordinator).get("/safeguarding/locations/").content.decode()
    assert (
        "SC100001" in page
        and "Oak House" in page
        and "police intelligence" in page
        and "Adults waiting outside" not in page
    )
    assert "Adults waiting outside" in client_for(world.police_officer).get("/safeguarding/locations/").content.decode()
    response = client_for(world.host_coordinator).post(
        "/safeguarding/locations/",
        {
            "area_kind": "home",
            "area": "SC100002",
            "kind": "other",
            "source": "host council",
            "detail_visible_to": "all",
            "description": "Near a park used for dealing",
        },
    )
    assert response.status_code == 302
    assert LocationRisk.objects.filter(area="SC100002", source="host council", agency=world.birmingham).exists()


# ---------------------------------------------------------------------------------------------
# The home's location risk assessment (Children's Homes (England) Regulations 2015, reg 46)
# ---------------------------------------------------------------------------------------------


def test_the_registered_manager_records_the_location_assessment_due_for_review_a_year_on(world, manager):
    assert selectors.location_assessment_current(world.provider) is None
    services.location_assessment_record(
        user=manager,
        why="test",
        provider=world.provider,
        assessed_on=TODAY - datetime.timedelta(days=400),
        summary="Near the station",
        consulted_police=True,
        consulted_host_council=False,
    )
    old = selectors.location_assessment_current(world.provider)
    assert old.overdue and old.review_due_on == a_year_after(TODAY - datetime.timedelta(days=400))
    latest = services.location_assessment_record(
        user=manager,
        why="test",
        provider=world.provider,
        assessed_on=TODAY,
        summary="Reviewed with WMP",
        consulted_police=True,
        consulted_host_council=True,
    )
    current = selectors.location_assessment_current(world.provider)
    assert current == latest and not current.overdue and current.review_due_on > TODAY + datetime.timedelta(days=364)
    audit = AuditEvent.objects.filter(object_type="location_assessment").latest("id")
    assert (audit.user_id, audit.child_id, audit.detail["consulted_host_council"]) == (manager.pk, None, True)


def test_only_the_homes_registered_manager_records_its_assessment(world, manager):
    other_manager = make_user(world.other_provider, Role.PROVIDER_MANAGER)
    for user in (world.provider_staff, other_manager, world.social_worker):
        with pytest.raises(PermissionDenied):
            services.location_assessment_record(
                user=user,
                why="test",
                provider=world.provider,
                assessed_on=TODAY,
                summary="x",
                consulted_police=False,
                consulted_host_council=False,
            )
    with pytest.raises(ValidationError):
        services.location_assessment_record(
            user=manager,
            why="test",
            provider=world.provider,
            assessed_on=TODAY,
            summary=" ",
            consulted_police=False,
            consulted_host_council=False,
        )


def test_the_assessment_page_records_it_for_the_manager_and_explains_itself_to_others(world, manager, client_for):
    client = client_for(manager)
    response = client.post(
        "/safeguarding/location-assessment/",
        {
            "assessed_on_day": str(TODAY.day),
            "assessed_on_month": str(TODAY.month),
            "assessed_on_year": str(TODAY.year),
            "summary": "Reviewed with the police",
            "consulted": ["police"],
        },
    )
    assert response.status_code == 302
    current = selectors.location_assessment_current(world.provider)
    assert (current.consulted_police, current.consulted_host_council) == (True, False)
    assert "Reviewed with the police" in client.get("/safeguarding/location-assessment/").content.decode()
    assert client_for(world.social_worker).get("/safeguarding/location-assessment/").status_code == 200
    assert (
        client_for(world.provider_staff).post("/safeguarding/location-assessment/", {"summary": "x"}).status_code == 403
    )


# ---------------------------------------------------------------------------------------------
# Hotspots
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def placed(world):
    """Five more children in Oak House, so that three different children can go to one sector."""
    children = []
    for n in range(5):
        child = child_create(
            user=world.social_worker,
            why="test",
            first_name=f"Child{n}",
            last_name="Test",
            date_of_birth=datetime.date(TODAY.year - 15, 1, 1),
            sex="1",
            la_child_id=f"MANH{n}",
        )
        placement_create(
            user=world.social_worker,
            why="test",
            child=child,
            start_date=TODAY - datetime.timedelta(days=200),
            placement_type="K2",
            provider_type="PR4",
            provider=world.provider,
            placement_postcode="B1 1AA",
            home_postcode="M1 1AE",
        )
        children.append(child)
    return children


def test_hotspots_count_episodes_and_children_per_sector_and_leave_out_sectors_of_fewer_than_3_children(
    world, story, placed
):
    from homeward.episodes import services as episodes

    for n, child in enumerate(placed[:3]):  # three children last seen in B1 2
        story.episode(at(30 + n, 15), child=child, postcode=f"B1 2A{'ABD'[n]}")
    story.episode(at(20, 15), child=placed[0], return_postcode="B1 2AE")  # found there again: 4 episodes
    opened = story.episode(at(2, 15), child=placed[3], hours=None)  # seen there
    episodes.episode_add_update(
        user=world.social_worker, why="test", episode=opened.pk, kind="sighting", postcode="B1 2AF", location="Park"
    )
    for child in placed[:2]:  # two children only in B12 0: suppressed
        story.episode(at(10, 15), child=child, return_postcode="B12 0AA")
    _add(world.social_worker, "sector", "B1 2", kind="county_lines")

    [spot] = selectors.hotspots(provider=world.provider, since=SINCE)
    assert (spot.sector, spot.episodes, spot.children, spot.registered) == ("B1 2", 5, 4, ["county_lines"])
    assert 400000 < spot.easting < 410000 and 280000 < spot.northing < 290000
    # The same episodes from the area's side; none from an area no child was placed in.
    assert [h.sector for h in selectors.hotspots(district="B1", since=SINCE)] == ["B1 2"]
    assert [h.sector for h in selectors.hotspots(council=world.birmingham, since=SINCE)] == ["B1 2"]
    assert selectors.hotspots(district="LS1", since=SINCE) == []
    assert selectors.hotspots(provider=world.provider, since=TODAY) == []  # none since today


def test_episodes_after_a_child_left_the_home_are_not_the_homes(world, story, placed):
    for child in placed[:2]:
        story.episode(at(30, 15), child=child, postcode="B1 2AA")
    story.episode(at(10, 15), child=world.moved_child, postcode="B1 2AB")  # left Oak House 30 days ago
    assert selectors.hotspots(provider=world.provider, since=SINCE) == []
    story.episode(at(5, 15), child=placed[2], postcode="B1 2AB")
    assert [(h.sector, h.episodes, h.children) for h in selectors.hotspots(provider=world.provider, since=SINCE)] == [
        ("B1 2", 3, 3)
    ]


# ---------------------------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------------------------


def test_the_map_draws_the_home_hotspots_and_register_entries_with_a_title_and_a_scale_bar():
    centre = (406800.0, 286500.0)
    svg = map_svg(
        centre=centre,
        title="Around <Oak House>",
        points=[
            MapPoint(406800, 286500, "home", "Oak House & garden"),
            MapPoint(407500, 287000, "hotspot", "B1 2: 5", 5),
            MapPoint(405000, 285000, "hotspot", "B1 3: 3", 3),
            MapPoint(406000, 286000, "register", "County lines (B1 1)"),
            MapPoint(606000, 486000, "register", "Far away"),
        ],
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title id=" in svg
    assert "Around &lt;Oak House&gt;" in svg and "Oak House &amp; garden" in svg and "<Oak" not in svg
    assert (
        svg.count('data-kind="home"') == 1
        and svg.count('data-kind="hotspot"') == 2
        and svg.count('data-kind="register"') == 1
    )
    assert "1 further away not shown" in svg and "5 miles" in svg
    assert "<script" not in svg


# ---------------------------------------------------------------------------------------------
# The placement check's one selector
# ---------------------------------------------------------------------------------------------


def test_location_intelligence_returns_the_concern_about_a_flagged_home(world, manager):
    entry = _add(
        world.police_officer,
        "home",
        "SC100001",
        kind="county_lines",
        description="Adults waiting outside",
        source="police intelligence",
        detail_visible_to="own_agency",
    )
    _add(world.host_coordinator, "district", "B1", description="Known for dealing")
    _add(world.host_coordinator, "postcode", "LS1 1UR")  # elsewhere
    services.location_assessment_record(
        user=manager,
        why="test",
        provider=world.provider,
        assessed_on=TODAY - datetime.timedelta(days=400),
        summary="Old",
        consulted_police=True,
        consulted_host_council=True,
    )

    found = selectors.location_intelligence(
        user=world.social_worker, postcode="b11aa", provider=world.provider, why="test"
    )
    assert found.postcode == "B1 1AA"
    home, district = sorted(found.concerns, key=lambda c: c.area_kind != "home")
    assert (home.entry_id, home.area_kind, home.kind, home.agency, home.source, home.detail) == (
        entry.pk,
        "home",
        "county_lines",
        world.west_midlands_police.name,
        "police intelligence",
        None,
    )
    assert (district.area, district.detail) == ("B1", "Known for dealing")
    assert found.assessment.summary == "Old" and found.assessment_overdue
    assert found.hotspots == [] and found.home_hotspots == []
    assert 'role="img"' in found.map and 'data-kind="home"' in found.map and "Oak House" in found.map
    audit = AuditEvent.objects.filter(object_type="location_intelligence").latest("id")
    assert (audit.object_id, audit.child_id, audit.detail["concerns"]) == (
        "B1 1AA",
        None,
        [c.entry_id for c in found.concerns],
    )
    police = selectors.location_intelligence(user=world.police_officer, postcode="B1 1AA", provider=world.provider)
    assert {c.entry_id: c.detail for c in police.concerns}[entry.pk] == "Adults waiting outside"


def test_location_intelligence_refuses_a_bad_postcode_and_those_with_no_part_in_placements(world):
    with pytest.raises(ValidationError):
        selectors.location_intelligence(user=world.social_worker, postcode="not a postcode")
    for user in (world.national_analyst, world.other_provider_staff):
        with pytest.raises(PermissionDenied):
            selectors.location_intelligence(user=user, postcode="B1 1AA", provider=world.provider)
