"""Health and education in the access matrix (issue 18): a school sees only its pupils on roll, and
only who they are, who to call and whether they are missing now; a nurse or virtual school head sees
the children their council looks after, and nothing of another council's."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.fields import Field, fields_visible
from homeward.agencies.models import Agency, ApiToken, hash_token
from homeward.audit.models import Action, AuditEvent
from homeward.episodes import services
from homeward.episodes.models import Episode
from tests.partners import partners  # noqa: F401
from tests.support import sign_in

# Partners attribute -> the World children it must see (and no others)
EXPECTED = {
    "nurse": {"child", "child_at_home", "moved_child"},
    "named_nurse": {"child", "child_at_home", "moved_child"},
    "virtual_school_head": {"child", "child_at_home", "moved_child"},
    "school_lead": {"child"},  # Kacper has left its roll; Jayden was never on it
    "leeds_nurse": {"leeds_child"},
    "leeds_school_lead": {"leeds_child"},
}
HEALTH = {Field.IDENTITY, Field.IDENTIFIERS, Field.CURRENT_PLACEMENT, Field.CONTACTS, Field.MISSING_NOW, Field.EPISODES}
SHOWN = {
    "nurse": HEALTH,
    "named_nurse": HEALTH,
    "virtual_school_head": {
        Field.IDENTITY,
        Field.IDENTIFIERS,
        Field.CURRENT_PLACEMENT,
        Field.CONTACTS,
        Field.MISSING_NOW,
    },
    "school_lead": {Field.IDENTITY, Field.CONTACTS, Field.MISSING_NOW},
}


def _ids(world, names) -> set[int]:
    return {getattr(world, name).pk for name in names}


def _api(user) -> APIClient:
    raw = f"hw_test-{user.pk}"
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _open_episode(world, child) -> Episode:
    episode, _ = services.episode_open(
        user=world.social_worker,
        why="test",
        child=child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=2),
        last_seen_location="The bus station",
    )
    return episode


@pytest.mark.parametrize("who", EXPECTED)
def test_each_partner_sees_exactly_the_children_of_its_reason(world, partners, who):
    user = getattr(partners, who)
    assert set(visible_children(user).values_list("pk", flat=True)) == _ids(world, EXPECTED[who])
    listed = _api(user).get("/api/v1/children/").json()
    assert listed["count"] == len(EXPECTED[who])  # not even a count beyond the scope


@pytest.mark.parametrize("who", SHOWN)
def test_each_partner_is_shown_only_the_fields_of_its_reason(world, partners, who):
    assert fields_visible(user=getattr(partners, who), child=world.child) == SHOWN[who]


def test_a_nurse_of_one_icb_sees_nothing_of_another_councils_children(world, partners):
    assert access_reasons(partners.leeds_nurse, world.child) == []
    assert fields_visible(user=partners.leeds_nurse, child=world.child) == frozenset()
    client = Client()
    sign_in(client, partners.leeds_nurse)
    assert client.get(f"/children/{world.child.pk}/").status_code == 404
    episode = _open_episode(world, world.child)
    assert client.get(f"/episodes/{episode.pk}/").status_code == 404
    assert _api(partners.leeds_nurse).get(f"/api/v1/children/{world.child.pk}/").status_code == 404
    # And the refusal is audited, not a read.
    assert AuditEvent.objects.filter(
        user_id=partners.leeds_nurse.pk, child_id=world.child.pk, action=Action.DENIED
    ).exists()
    assert not AuditEvent.objects.filter(
        user_id=partners.leeds_nurse.pk, child_id=world.child.pk, action=Action.READ
    ).exists()


def test_the_reasons_are_named_on_the_childs_page(world, partners):
    assert access_reasons(partners.nurse, world.child) == ["Health body for the council that looks after the child"]
    assert access_reasons(partners.virtual_school_head, world.child) == [
        "Virtual school of the council that looks after the child"
    ]
    assert access_reasons(partners.school_lead, world.child) == ["School where the child is on roll"]


def test_a_school_sees_its_pupil_but_not_where_they_live_nor_the_episodes(world, partners):
    episode = _open_episode(world, world.child)
    client = Client()
    sign_in(client, partners.school_lead)
    page = client.get(f"/children/{world.child.pk}/").content.decode()
    assert "Amira Okafor" in page
    assert 'data-testid="contacts"' in page and 'data-testid="missing-now"' in page and "Missing" in page
    assert "B1 1AA" not in page and "Oak House" not in page  # the placement
    assert "999 000 0018" not in page  # the NHS number
    assert "Risk flags" not in page
    for path in (
        f"/episodes/{episode.pk}/",
        f"/episodes/children/{world.child.pk}/timeline/",
        f"/episodes/children/{world.child.pk}/profile/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/children/{world.child.pk}/flags/").status_code == 403
    assert "Risk flags" not in client.get(f"/children/{world.child.pk}/strategy-meetings/").content.decode()
    record = _api(partners.school_lead).get(f"/api/v1/children/{world.child.pk}/").json()
    assert record["first_name"] == "Amira" and not record.get("nhs_number") and not record.get("placements")


def test_a_pupil_who_left_the_roll_is_no_longer_seen_by_the_school(world, partners):
    assert world.moved_child not in visible_children(partners.school_lead)
    assert world.moved_child in visible_children(partners.virtual_school_head)


def test_a_nurse_reads_the_episodes_of_the_councils_children(world, partners):
    episode = _open_episode(world, world.child)
    client = Client()
    sign_in(client, partners.nurse)
    assert client.get(f"/episodes/{episode.pk}/").status_code == 200
    page = client.get(f"/children/{world.child.pk}/").content.decode()
    assert "999 000 0018" in page
    # Part A is for the search, not for health.
    assert client.get(f"/episodes/children/{world.child.pk}/profile/").status_code == 404


def test_an_administrator_adds_an_icb_serving_its_councils_and_a_school_by_urn(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from homeward.agencies.models import Role
    from tests.conftest import make_user

    out = StringIO()
    call_command(
        "partner_agency", "icb", "QOP", "NHS Greater Manchester ICB", "--serves", world.manchester.code, stdout=out
    )
    assert out.getvalue().startswith(f"QOP\ticb\tNHS Greater Manchester ICB\t{world.manchester.code}")
    nurse = make_user(Agency.objects.get(code="QOP"), Role.DESIGNATED_NURSE)
    assert set(visible_children(nurse)) == {world.child, world.child_at_home, world.moved_child}
    call_command("partner_agency", "school", "103456", "Digbeth Academy", stdout=StringIO())
    for wrong in (
        ["school", "SC1", "A school"],
        ["virtual_school", "VS-X", "Two councils", "--serves", world.manchester.code, world.leeds.code],
        ["icb", "QOP", "NHS Greater Manchester ICB", "--serves", "E99999999"],
        ["school", "QOP", "Not a school"],
    ):
        with pytest.raises(CommandError):
            call_command("partner_agency", *wrong, stdout=StringIO())
