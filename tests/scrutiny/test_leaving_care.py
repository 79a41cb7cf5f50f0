"""16- and 17-year-olds: supported accommodation refused under 16; a move out of care, or to supported
accommodation, reviewed first, or flagged to the IRO."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.agencies.models import Role
from homeward.alerts.models import Alert
from homeward.children.services import PlacementIn, child_allocate, placement_create, placements_write
from homeward.scrutiny.services import leaving_care_review_record
from tests.conftest import make_user

DAY = datetime.timedelta(days=1)
VIEWS = {
    "young_persons_view": "Wants to live near college",
    "readiness": "Cooks, budgets; key worker in place",
    "iro_view": "Agrees, with weekly contact",
}


@pytest.fixture
def iro(world):
    person = make_user(world.manchester, Role.IRO, "man-iro")
    child_allocate(user=world.social_worker, why="test", child=world.moved_child, iro=person)
    return person


def unreviewed(iro) -> list[Alert]:
    return list(Alert.objects.filter(kind="leaving_care_unreviewed", recipient=iro))


def test_a_child_under_16_cannot_be_placed_in_supported_accommodation(world):
    with pytest.raises(ValidationError) as error:  # Jayden is 9
        placement_create(
            user=world.social_worker,
            why="test",
            child=world.child_at_home,
            start_date=timezone.localdate(),
            placement_type="K3",
            provider_type="PR4",
            placement_postcode="M1 1AE",
        )
    assert "under 16 cannot be placed in supported accommodation" in error.value.message_dict["placement_type"][0]


def test_a_16_year_olds_move_to_supported_accommodation_without_a_review_is_flagged_to_the_iro(world, iro):
    today = timezone.localdate()
    placement_create(
        user=world.social_worker,
        why="test",
        child=world.moved_child,
        start_date=today,
        placement_type="K3",
        provider_type="PR4",
        placement_postcode="M1 1AE",
    )
    [alert] = unreviewed(iro)
    assert alert.urgency == "urgent" and alert.link == f"/children/{world.moved_child.pk}/leaving-care-review/"
    assert "Kacper" not in alert.subject


def test_a_reviewed_move_out_of_care_is_not_flagged_and_an_unreviewed_one_is(world, iro):
    today = timezone.localdate()
    current = world.moved_child.placements.get(end_date__isnull=True)
    leaving_care_review_record(
        user=world.social_worker, why="test", child=world.moved_child, held_on=today - 3 * DAY, move_on=today, **VIEWS
    )
    # Care ends (the last placement ends, none follows): the return says so.
    placements_write(
        user=world.social_worker,
        why="test",
        rows=[
            PlacementIn(
                child_id=world.moved_child.pk,
                start_date=current.start_date,
                end_date=today,
                placement_type=current.placement_type,
                provider_type=current.provider_type,
                placement_postcode=current.placement_postcode,
                home_postcode=current.home_postcode,
            )
        ],
    )
    assert unreviewed(iro) == []


def test_an_unreviewed_move_out_of_care_is_flagged_and_a_move_between_placements_is_not(world):
    from homeward.children.services import child_create

    today = timezone.localdate()
    iro = make_user(world.manchester, Role.IRO, "man-iro-2")
    born = today.replace(year=today.year - 17) - 10 * DAY
    child = child_create(
        user=world.social_worker,
        why="test",
        first_name="Dami",
        last_name="Cole",
        date_of_birth=born,
        sex="1",
        la_child_id="MAN017",
    )
    child_allocate(user=world.social_worker, why="test", child=child, iro=iro)
    first = PlacementIn(
        child_id=child.pk,
        start_date=today - 200 * DAY,
        end_date=today - 5 * DAY,
        placement_type="U4",
        provider_type="PR1",
        placement_postcode="M1 1AE",
    )
    second = PlacementIn(
        child_id=child.pk,
        start_date=today - 5 * DAY,
        placement_type="U4",
        provider_type="PR1",
        placement_postcode="M1 1AE",
    )
    placements_write(user=world.social_worker, why="test", rows=[first, second])
    assert unreviewed(iro) == []  # moved from one placement to the next: still in care
    placements_write(user=world.social_worker, why="test", rows=[PlacementIn(**{**second.__dict__, "end_date": today})])
    [alert] = unreviewed(iro)
    assert "move out of care" in alert.subject


def test_the_review_needs_every_view_and_is_for_16_and_17_year_olds(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        leaving_care_review_record(
            user=world.social_worker,
            why="test",
            child=world.moved_child,
            held_on=today,
            move_on=today,
            young_persons_view=" ",
            readiness="",
            iro_view="Agrees",
        )
    assert set(error.value.message_dict) == {"young_persons_view", "readiness"}
    with pytest.raises(ValidationError) as error:
        leaving_care_review_record(
            user=world.social_worker, why="test", child=world.child_at_home, held_on=today, move_on=today, **VIEWS
        )
    assert "this review is for 16- and 17-year-olds" in error.value.message_dict["move_on"][0]


def test_the_review_page_records_one(world, client):
    from tests.support import sign_in

    sign_in(client, world.social_worker)
    today = timezone.localdate()
    url = f"/children/{world.moved_child.pk}/leaving-care-review/"
    response = client.post(
        url,
        {
            "held_on_day": today.day,
            "held_on_month": today.month,
            "held_on_year": today.year,
            "move_on_day": today.day,
            "move_on_month": today.month,
            "move_on_year": today.year,
            **VIEWS,
        },
    )
    assert response.status_code == 302
    assert "Wants to live near college" in client.get(url).content.decode()
    sign_in(client, world.unrelated_social_worker)
    assert client.get(url).status_code == 404
