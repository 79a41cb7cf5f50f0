"""The review queue: borderline pairs go to a person, who sees both records side by side with how
each field compared, decides, and is obeyed on every later run. Only those who may see the child,
and whose job it is, see a pair."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from homeward import dates
from homeward.agencies.models import Role
from homeward.audit.models import AuditEvent
from homeward.children.services import child_create, placement_create
from homeward.linkage.models import CandidatePair, PairStatus
from homeward.linkage.services import linkage_run
from homeward.returns.models import PoliceReport
from homeward.returns.services import police_report_submit
from tests.conftest import make_user, sign_in


@pytest.fixture
def zara(world):
    """Amira Okafor's twin, looked after by Leeds and placed in Leeds."""
    twin = child_create(
        user=world.unrelated_social_worker,
        why="test",
        first_name="Zara",
        last_name="Okafor",
        date_of_birth=world.child.date_of_birth,
        sex="2",
        la_child_id="LDS002",
    )
    placement_create(
        user=world.unrelated_social_worker,
        why="test",
        child=twin,
        start_date=datetime.date.today() - datetime.timedelta(days=50),
        placement_type="K2",
        provider_type="PR4",
        provider=world.other_provider,
        placement_postcode="LS1 1UR",
        home_postcode="LS1 1UR",
    )
    return twin


@pytest.fixture
def reports(world, zara):
    """West Midlands Police's reports: one plainly of Amira Okafor; two of "A Okafor" with the twins'
    date of birth and no address, which fit Amira and Zara alike."""
    force_system = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    dob = str(world.child.date_of_birth)
    given = {
        "WM/1": {"first_name": "Amira", "last_name": "Okafor", "address_postcode": "B1 1AA"},
        "WM/2": {"first_name": "A", "last_name": "Okafor"},
        "WM/3": {"first_name": "A", "last_name": "Okafor", "last_seen_location": "Bus station"},
    }
    for reference, fields in given.items():
        police_report_submit(
            user=force_system,
            why="test",
            data={
                "reference": reference,
                "reported_at": "2026-11-01T10:00:00Z",
                "sex": "F",
                "date_of_birth": dob,
                **fields,
            },
        )
    linkage_run(why="test")
    return {r.reference: r for r in PoliceReport.objects.all()}


@pytest.fixture
def coordinators(world):
    return {
        "manchester": make_user(world.manchester, Role.MISSING_COORDINATOR, "man-coord"),
        "leeds": make_user(world.leeds, Role.MISSING_COORDINATOR, "leeds-coord"),
    }


def pair(report, child) -> CandidatePair:
    return CandidatePair.objects.get(police_report=report, child=child)


def test_a_plain_match_links_and_borderline_ones_wait_for_a_person(world, reports, zara):
    assert reports["WM/1"].child == world.child
    assert pair(reports["WM/1"], world.child).status == PairStatus.AUTO
    for reference in ("WM/2", "WM/3"):
        assert reports[reference].child is None
        assert {p.child for p in CandidatePair.objects.filter(police_report=reports[reference])} == {world.child, zara}
        assert set(CandidatePair.objects.filter(police_report=reports[reference]).values_list("status", flat=True)) == {
            PairStatus.REVIEW
        }


def test_each_council_sees_only_the_pair_of_its_own_child(client, world, reports, coordinators, zara):
    sign_in(client, coordinators["manchester"])
    page = client.get("/linkage/review/").content.decode()
    assert "WM/2" in page and "WM/3" in page
    leeds_pair = pair(reports["WM/3"], zara)
    assert f'data-testid="pair-{pair(reports["WM/3"], world.child).pk}"' in page
    assert f'data-testid="pair-{leeds_pair.pk}"' not in page and "Leeds" not in page  # not Manchester's child to see
    assert client.get(f"/linkage/review/{leeds_pair.pk}/").status_code == 404
    sign_in(client, coordinators["leeds"])
    assert client.get(f"/linkage/review/{leeds_pair.pk}/").status_code == 200
    assert client.get(f"/linkage/review/{pair(reports['WM/3'], world.child).pk}/").status_code == 404


def test_no_one_else_sees_a_pair(client, world, reports):
    target = pair(reports["WM/2"], world.child)
    outsiders = [
        world.unrelated_social_worker,  # a council that cannot see the child
        world.police_officer,  # the right force, but not its coordinator
        make_user(world.gmp, Role.POLICE_COORDINATOR, "gmp-coord"),  # another force's coordinator
        world.provider_staff,
        world.national_analyst,
    ]
    for user in outsiders:
        sign_in(client, user)
        assert client.get(f"/linkage/review/{target.pk}/").status_code == 404, user
        assert "WM/2" not in client.get("/linkage/review/").content.decode(), user
    # The force's own coordinator, who can see the child (placed in its area), can decide its reports.
    sign_in(client, make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-coord"))
    assert client.get(f"/linkage/review/{target.pk}/").status_code == 200


def test_the_pair_page_shows_both_records_and_why(client, world, reports, coordinators):
    target = pair(reports["WM/2"], world.child)
    sign_in(client, coordinators["manchester"])
    page = client.get(f"/linkage/review/{target.pk}/").content.decode()
    assert "Is this report about Amira Okafor?" in page
    assert dates.when(world.child.date_of_birth) in page and "B1 1AA" in page  # the child's record
    levels = {f["field"]: f["level"] for f in target.explanation["fields"]}
    assert (
        levels["last_name"] == "Exact match"
        and levels["dob"] == "Exact match"
        and levels["first_name"] != "Exact match"
    )
    for level in levels.values():
        assert level in page
    assert AuditEvent.objects.filter(
        object_type="candidate_pair",
        object_id=str(target.pk),
        child_id=world.child.pk,
        user_id=coordinators["manchester"].pk,
        action="read",
    ).exists()


def test_a_decision_needs_an_answer(client, world, reports, coordinators):
    target = pair(reports["WM/2"], world.child)
    sign_in(client, coordinators["manchester"])
    response = client.post(f"/linkage/review/{target.pk}/", {"note": "?"})
    assert response.status_code == 200
    assert "Choose whether the report is about this child" in response.content.decode()
    assert pair(reports["WM/2"], world.child).status == PairStatus.REVIEW


def test_a_rejection_is_respected_on_the_next_run(client, world, reports, coordinators, zara):
    report = reports["WM/3"]
    sign_in(client, coordinators["manchester"])
    response = client.post(
        f"/linkage/review/{pair(report, world.child).pk}/",
        {"decision": "rejected", "note": "Amira was at home all day."},
    )
    assert response.status_code == 302
    rejected = pair(report, world.child)
    assert (rejected.status, rejected.decided_by, rejected.decision_note) == (
        PairStatus.REJECTED,
        coordinators["manchester"],
        "Amira was at home all day.",
    )
    linkage_run(why="test again")
    report.refresh_from_db()
    assert pair(report, world.child).status == PairStatus.REJECTED
    # With Amira ruled out, the report fits only her twin.
    assert report.child == zara
    assert pair(report, zara).status == PairStatus.AUTO


def test_a_confirmation_links_at_once_and_is_respected_on_the_next_run(client, world, reports, coordinators, zara):
    report = reports["WM/2"]
    sign_in(client, coordinators["manchester"])
    client.post(f"/linkage/review/{pair(report, world.child).pk}/", {"decision": "confirmed", "note": "Same girl."})
    report.refresh_from_db()
    assert report.child == world.child
    assert not CandidatePair.objects.filter(police_report=report, child=zara).exists()  # withdrawn
    linkage_run(why="test again")
    report.refresh_from_db()
    assert report.child == world.child
    assert pair(report, world.child).status == PairStatus.CONFIRMED
    assert not CandidatePair.objects.filter(police_report=report, child=zara).exists()
    assert AuditEvent.objects.filter(
        object_type="police_report",
        object_id=str(report.pk),
        child_id=world.child.pk,
        user_id=coordinators["manchester"].pk,
    ).exists()


def test_a_decision_made_while_a_run_is_scoring_stands(world, reports, coordinators, zara, monkeypatch):
    from homeward.linkage import reports as linking
    from homeward.linkage import services

    report = reports["WM/2"]
    original = linking.link_reports

    def scored_while_a_person_decides(**kwargs):
        result = original(**kwargs)
        # The coordinator confirms Amira after this run read the decisions, before it writes.
        services.link_pair_decide(
            user=coordinators["manchester"], why="test", pair=pair(report, world.child), decision=PairStatus.CONFIRMED
        )
        return result

    monkeypatch.setattr(linking, "link_reports", scored_while_a_person_decides)
    linkage_run(why="test again")
    report.refresh_from_db()
    assert report.child == world.child
    assert pair(report, world.child).status == PairStatus.CONFIRMED
    assert not CandidatePair.objects.filter(police_report=report, child=zara).exists()


def test_a_pair_decided_by_someone_else_meanwhile_is_not_decided_again(client, world, reports, coordinators):
    from homeward.linkage.services import link_pair_decide

    target = pair(reports["WM/2"], world.child)
    link_pair_decide(user=coordinators["manchester"], why="test", pair=target, decision=PairStatus.REJECTED)
    other = make_user(world.manchester, Role.TEAM_MANAGER, "man-tm")
    with pytest.raises(ValidationError) as refused:
        link_pair_decide(user=other, why="test", pair=target, decision=PairStatus.CONFIRMED)
    assert refused.value.message_dict == {
        "decision": ["This pair is no longer waiting for a decision: man-coord rejected it."]
    }
    assert pair(reports["WM/2"], world.child).decided_by == coordinators["manchester"]


def test_the_queue_counts_what_its_list_shows_and_nothing_of_other_councils(client, world, reports, coordinators, zara):
    # Four pairs wait nationally (WM/2 and WM/3, each with both twins): Manchester may decide two.
    assert CandidatePair.objects.filter(status=PairStatus.REVIEW).count() == 4
    sign_in(client, coordinators["manchester"])
    page = client.get("/linkage/review/").content.decode()
    caption = page.split('data-testid="review-count">')[1].split("</caption>")[0]
    assert caption == "2 possible matches to check"
    assert page.count('data-testid="pair-') == 2
    assert "4 to check" not in page and "4 possible" not in page
