"""Health told when it matters (issue 18): the designated nurse for looked-after children at the ICB
serving the child's council hears of a missing child with medical needs recorded, and of a return
interview disclosing harm, an injury or signs of sexual exploitation; nobody at another ICB does."""

import pytest
from django.test import Client
from django.utils import timezone

from homeward.alerts.models import Alert
from homeward.alerts.rules import HEALTH_TOLD
from homeward.episodes.services import philomena_profile_save, return_interview_update
from homeward.tasks.worker import run_due
from tests.alerts.conftest import with_email
from tests.alerts.test_rules import cast, check_delivered, hours, open_episode, returned, t0  # noqa: F401
from tests.partners import partners  # noqa: F401
from tests.support import sign_in

MEDICAL = "A child in care with medical needs recorded has been reported missing"


@pytest.fixture
def nurses(partners):
    for user in (partners.nurse, partners.leeds_nurse, partners.named_nurse):
        with_email(user)
    return partners


def test_a_missing_child_with_medical_needs_is_made_known_to_the_designated_nurse(world, cast, nurses, smtp):
    philomena_profile_save(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        medical_needs="Type 1 diabetes: insulin twice daily",
    )
    episode = open_episode(world, cast.social_worker)
    [alert] = check_delivered(world, smtp, world.child, HEALTH_TOLD, {nurses.nurse: MEDICAL})
    assert alert.link == f"/episodes/{episode.pk}/"
    client = Client()
    sign_in(client, nurses.nurse)
    assert client.get(alert.link).status_code == 200  # the nurse can read the episode she is told of


def test_a_missing_child_without_medical_needs_tells_health_nothing(world, cast, nurses):
    philomena_profile_save(user=world.provider_staff, why="test", child=world.child.pk, description="Tall, dark hair")
    open_episode(world, cast.social_worker)
    assert not Alert.objects.filter(kind=HEALTH_TOLD).exists()


@pytest.mark.parametrize(
    ("findings", "disclosed"),
    [
        ({"harm_suffered": "Hit by an older man she was with"}, "harm"),
        ({"exploitation_indicators": ["unexplained_injury"]}, "an injury"),
        ({"exploitation_indicators": ["older_controlling_adult", "money_or_gifts"]}, "signs of sexual exploitation"),
        (
            {"harm_suffered": "Assaulted", "exploitation_indicators": ["sexual_exploitation"]},
            "harm and signs of sexual exploitation",
        ),
    ],
)
def test_a_return_interview_disclosing_harm_tells_the_designated_nurse_once(
    world, cast, nurses, smtp, t0, findings, disclosed
):
    episode = returned(world, cast, t0)
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, status="completed", held_at=timezone.now(), **findings
    )
    subject = f"A return home interview has disclosed {disclosed} for a child in care"
    check_delivered(world, smtp, world.child, HEALTH_TOLD, {nurses.nurse: subject})
    # More findings on the same interview: the nurse already knows.
    return_interview_update(
        user=cast.rhi_worker, why="test", episode=episode, what_would_help="A key worker", harm_suffered="More"
    )
    assert Alert.objects.filter(kind=HEALTH_TOLD).count() == 1


def test_an_interview_with_nothing_of_harm_tells_health_nothing(world, cast, nurses, t0):
    episode = returned(world, cast, t0)
    return_interview_update(user=cast.rhi_worker, why="test", episode=episode, status="offered")
    return_interview_update(
        user=cast.rhi_worker,
        why="test",
        episode=episode,
        status="completed",
        held_at=timezone.now(),
        why_went="Wanted to see her sister",
        exploitation_indicators=["weapons"],
    )
    run_due(timezone.now())
    assert not Alert.objects.filter(kind=HEALTH_TOLD).exists()


@pytest.mark.parametrize("written", ["None disclosed.", "none", "No", "N/A", "Nil.", "Nothing said"])
def test_an_interview_that_says_no_harm_tells_the_nurse_nothing(written):
    from homeward.alerts.rules import _discloses_harm

    assert not _discloses_harm(written)
    assert _discloses_harm("Was hit by an older male at the address.")
    assert _discloses_harm("Noticed bruising on her arm.")  # "No" only as a whole first word
