"""After a report: the reporter's confirmation (/inbox/reported/<episode>/) lists who Homeward told,
says what happens next, and asks anyone but the police to call them."""

import re

import pytest

from homeward.agencies.models import Role
from homeward.children.services import child_allocate
from homeward.episodes.models import Episode
from tests.episodes_ui.conftest import make_user
from tests.episodes_ui.test_report_missing import _form


def _told(html: str) -> list[tuple[str, str, str]]:
    table = html.split('data-testid="told"')[1].split("</table>")[0]
    return [tuple(re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row)) for row in table.split("<tr")[2:]]


@pytest.fixture
def council_and_force(world):
    """A missing children coordinator at the responsible council, an IRO allocated to the child, and
    the force's coordinator where the child is placed; an IRO of other children, who is not told."""
    iro = make_user(world.manchester, Role.IRO, "ines-iro")
    child_allocate(user=world.social_worker, why="test", child=world.child, iro=iro)
    make_user(world.manchester, Role.IRO, "otto-iro")
    return {
        "coordinator": make_user(world.manchester, Role.MISSING_COORDINATOR, "cora-coordinator"),
        "iro": iro,
        "police": make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "pat-police"),
    }


def test_the_reporter_sees_who_has_been_told_and_what_happens_next(world, client_for, council_and_force):
    client = client_for("provider_staff")
    response = client.post(f"/children/{world.child.pk}/report-missing/", _form())
    episode = Episode.objects.get(child=world.child)
    assert response.status_code == 302 and response["Location"] == f"/inbox/reported/{episode.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Amira Okafor is recorded as missing" in html
    assert sorted(_told(html)) == sorted(
        [
            ("Cora Tester", "Missing children coordinator", world.manchester.name),
            ("Ines Tester", "Independent reviewing officer", world.manchester.name),
            (world.social_worker.username, "Social worker", world.manchester.name),
            (world.host_coordinator.username, world.host_coordinator.get_role_display(), world.birmingham.name),
            ("Pat Tester", "Police missing persons coordinator", world.west_midlands_police.name),
        ]
    )
    assert "Otto" not in html
    warning = html.split('data-testid="call-police"')[1].split("</div>")[0]
    assert "You still need to call the police" in warning and "999" in warning and "101" in warning
    assert f"Homeward has told {world.west_midlands_police.name}, but that is not a report to the police" in warning
    assert "return home interview within 72 hours" in html.split('data-testid="next"')[1]
    assert f'href="/episodes/{episode.pk}/"' in html


def test_a_force_with_nobody_on_homeward_must_hear_it_from_a_call(world, client_for):
    client = client_for("provider_staff")
    response = client.post(f"/children/{world.child.pk}/report-missing/", _form())
    html = client.get(response["Location"]).content.decode()
    assert f"Nobody at {world.west_midlands_police.name} uses Homeward" in html.split('data-testid="call-police"')[1]
    assert world.west_midlands_police.name not in html.split('data-testid="told"')[1].split("</table>")[0]


def test_the_police_reporting_are_not_asked_to_call_themselves(world, client_for, council_and_force):
    client = client_for("police_officer")
    response = client.post(f"/children/{world.child.pk}/report-missing/", _form())
    html = client.get(response["Location"]).content.decode()
    assert "Amira Okafor is recorded as missing" in html and 'data-testid="call-police"' not in html


@pytest.mark.parametrize("who", ["unrelated_social_worker", "gmp_officer"])
def test_it_is_not_found_for_those_who_cannot_see_the_child(world, client_for, story, who):
    episode = story.open()
    assert client_for(who).get(f"/inbox/reported/{episode.pk}/").status_code == 404
