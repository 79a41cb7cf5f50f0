"""The child's timeline: /children/<id>/timeline/."""

import re

import pytest
from django.utils import timezone

from homeward import dates
from homeward.episodes import services
from tests.episodes_ui.conftest import ago


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
    assert dates.when(episode.reported_at) in html and f'datetime="{local.isoformat()}"' in html
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


@pytest.fixture
def five_episodes(world, story, monkeypatch):
    """Five episodes for Amira, ten to two days ago, the last still open; two episodes a page."""
    from homeward.episodes import selectors

    monkeypatch.setattr(selectors, "TIMELINE_EPISODES_PER_PAGE", 2)
    made = []
    for days in (10, 8, 6, 4):
        episode, _ = services.episode_open(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            kind="missing",
            started_at=ago(hours=days * 24),
            reported_at=ago(hours=days * 24 - 1),
        )
        made.append(
            services.episode_record_return(
                user=world.provider_staff, why="test", episode=episode.pk, returned_at=ago(hours=days * 24 - 2)
            )
        )
    made.append(story.open(hours=48))
    return made  # oldest first


def test_the_timeline_shows_the_newest_episodes_and_pages_to_older_ones(world, client_for, story, five_episodes):
    story.profile()
    client = client_for("social_worker")
    first = client.get(f"/children/{world.child.pk}/timeline/").content.decode()
    assert "5 episodes missing or away" in first and "Showing episodes 1 to 2 of 5" in first
    shown = re.findall(r'href="/episodes/(\d+)/"', first.split('data-testid="episodes"')[1].split("</table>")[0])
    assert shown == [str(five_episodes[4].pk), str(five_episodes[3].pk)]
    assert ("Philomena profile", "provider_staff-sc100001, Oak House") in _items(first)  # saved now: the newest page
    assert 'class="govuk-pagination"' in first and 'href="?page=2"' in first and 'rel="prev"' not in first

    second = client.get(f"/children/{world.child.pk}/timeline/", {"page": 2}).content.decode()
    assert "Showing episodes 3 to 4 of 5" in second and 'href="?page=1"' in second and 'href="?page=3"' in second
    links = set(re.findall(r'href="/episodes/(\d+)/"', second))
    assert links == {str(five_episodes[2].pk), str(five_episodes[1].pk)}  # every entry is of this page's episodes
    assert sorted(title for title, _ in _items(second)) == sorted(["Return interview", "Returned", "Reported"] * 2)
    # The child is still missing: no page offers to report a second episode.
    assert "report-missing" not in first and "report-missing" not in second

    last = client.get(
        f"/children/{world.child.pk}/timeline/", {"page": 99}
    ).content.decode()  # past the end: the last page
    assert "Showing episodes 5 to 5 of 5" in last and set(re.findall(r'href="/episodes/(\d+)/"', last)) == {
        str(five_episodes[0].pk)
    }


def test_the_timeline_page_costs_the_same_whatever_the_history(world, client_for, story, five_episodes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from homeward.episodes.selectors import child_timeline

    with CaptureQueriesContext(connection) as five:
        timeline = child_timeline(user=world.social_worker, child_id=world.child.pk, why="test")
    assert len(timeline.episodes) == 2 and timeline.page.paginator.count == 5 and timeline.has_open_episode
    services.episode_record_return(
        user=world.provider_staff, why="test", episode=five_episodes[4].pk, returned_at=ago(hours=1)
    )
    story.open(hours=0.5)
    with CaptureQueriesContext(connection) as six:
        timeline = child_timeline(user=world.social_worker, child_id=world.child.pk, why="test")
    assert len(six.captured_queries) == len(five.captured_queries)
    assert len(timeline.episodes) == 2 and timeline.page.paginator.count == 6
    assert {entry.episode_id for entry in timeline.entries} == {e.id for e in timeline.episodes}
