"""The child's timeline: /children/<id>/timeline/."""

import re

import pytest
from django.utils import timezone

from homeward.episodes import services


def _items(html: str) -> list[tuple[str, str]]:
    """(title, byline) of each timeline item, in the order shown."""
    timeline = html.split('data-testid="timeline"')[1]
    return re.findall(r'moj-timeline__title">([^<]+)</h3>\s*<p class="moj-timeline__byline">by ([^<]+)</p>', timeline)


def test_it_shows_every_step_with_who_did_it(world, client_for, story, rhi_worker):
    world.police_officer.first_name, world.police_officer.last_name = "Priya", "Shah"
    world.police_officer.save()
    episode = story.open()
    story.grade(episode)
    services.episode_add_police_reference(user=world.police_officer, why="test", episode=episode.pk, reference="WMP-7")
    story.return_(episode, hours_ago=0)
    services.return_interview_update(user=rhi_worker, why="test", episode=episode.pk, status="offered")
    story.profile()

    html = client_for("social_worker").get(f"/children/{world.child.pk}/timeline/").content.decode()
    items = _items(html)
    assert items[-1] == ("Reported", "provider_staff-sc100001, Oak House")
    assert ("Risk graded", "Priya Shah, West Midlands Police") in items
    assert ("Police reference added", "Priya Shah, West Midlands Police") in items
    assert ("Returned", "provider_staff-sc100001, Oak House") in items
    assert ("Return interview", "Rhi Tester, Manchester RHI service") in items
    assert ("Philomena profile", "provider_staff-sc100001, Oak House") in items
    # When, in Europe/London.
    local = timezone.localtime(episode.reported_at)
    assert local.strftime("%H:%M") in html and f'datetime="{local.isoformat()}"' in html
    # The summary of episodes.
    episodes = html.split('data-testid="episodes"')[1].split("</table>")[0]
    assert f'href="/episodes/{episode.pk}/"' in episodes and "High risk" in episodes and "WMP-7" in episodes


@pytest.mark.parametrize("who", ["host_coordinator", "police_officer", "provider_staff", "inspector"])
def test_it_shows_to_everyone_who_sees_the_child(world, client_for, story, who):
    story.open()
    assert client_for(who).get(f"/children/{world.child.pk}/timeline/").status_code == 200


@pytest.mark.parametrize("who", ["unrelated_social_worker", "gmp_officer", "other_provider_staff", "national_analyst"])
def test_it_is_not_found_for_anyone_else(world, client_for, story, who):
    story.open()
    response = client_for(who).get(f"/children/{world.child.pk}/timeline/")
    assert response.status_code == 404 and b"Okafor" not in response.content


def test_a_child_never_missing(world, client_for):
    html = client_for("social_worker").get(f"/children/{world.child.pk}/timeline/").content.decode()
    assert "has never been recorded as missing or away" in html
    assert f'href="/children/{world.child.pk}/report-missing/"' in html
