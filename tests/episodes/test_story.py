"""The whole story through the API and the UI (issue 3, "What it must show"): a provider reports a
child missing; the police force of the area sees it on its board and grades it high; an unrelated
council's board, API and search show nothing; the child returns; the interview is due exactly 72
hours later; the interview service records it (through its form); the timeline shows every step with
who did it."""

import datetime
import re
import time
from html import unescape

from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from homeward.episodes.selectors import board, child_timeline
from tests.episodes.conftest import ago
from tests.support import sign_in


def _iso(value: datetime.datetime) -> str:
    return value.isoformat()


def _browser(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _page(client: Client, url: str, query: dict | None = None) -> str:
    response = client.get(url, query or {})
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _timeline_steps(html: str) -> list[tuple[str, str]]:
    """Each moj-timeline item's title and byline, newest first, as the page shows them."""
    items = re.findall(
        r'<h3 class="moj-timeline__title">(.*?)</h3>\s*<p class="moj-timeline__byline">(.*?)</p>', html, re.S
    )
    return [(unescape(title).strip(), " ".join(unescape(byline).split())) for title, byline in items]


def _local_parts(prefix: str, value: datetime.datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {
        f"{prefix}_day": str(local.day),
        f"{prefix}_month": str(local.month),
        f"{prefix}_year": str(local.year),
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def test_report_respond_return_interview(world, api, rhi_worker):
    provider, police, leeds = api(world.provider_staff), api(world.police_officer), api(world.unrelated_social_worker)
    left, last_seen = ago(hours=5), ago(hours=4, minutes=30)

    # A children's home worker reports the child missing.
    response = provider.post(
        "/api/v1/episodes/",
        {
            "child": world.child.pk,
            "kind": "missing",
            "left_at": _iso(left),
            "last_seen_at": _iso(last_seen),
            "last_seen_location": "Oak House, front door",
            "last_seen_postcode": "b1 1aa",
            "clothing": "Black puffer jacket, white trainers",
            "circumstances": "Left after a phone call",
            "out_of_character": True,
            "client_reference": "OAK-2024-001",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    episode = response.json()
    assert episode["child"] == world.child.pk and episode["kind"] == "missing" and episode["status"] == "open"
    assert parse_datetime(episode["started_at"]) == last_seen  # the later of left and last seen
    assert episode["risk_grade"] == "" and episode["returned_at"] is None and episode["return_interview_due_at"] is None
    assert episode["location_police_force"] == world.west_midlands_police.code
    assert episode["last_seen_postcode"] == "B1 1AA"
    episode_id = episode["id"]

    # West Midlands Police see it among the open episodes, grade it high and add their reference.
    listed = police.get("/api/v1/episodes/", {"status": "open"}).json()
    assert [e["id"] for e in listed["results"]] == [episode_id]
    response = police.post(
        f"/api/v1/episodes/{episode_id}/risk/",
        {
            "risk_grade": "high",
            "source": "Call from Oak House; phone off",
            "rationale": "Aged 14, CSE concerns",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["risk_grade"] == "high"
    response = police.post(
        f"/api/v1/episodes/{episode_id}/police-reference/", {"reference": "WMP-20240101-0042"}, format="json"
    )
    assert response.json()["police_references"] == [
        {"force": world.west_midlands_police.code, "reference": "WMP-20240101-0042"}
    ]
    police_board = board(user=world.police_officer, why="test")
    assert [(row.child.pk, row.episode.risk_grade) for row in police_board.rows] == [(world.child.pk, "high")]
    # ... and on the board page.
    html = _page(_browser(world.police_officer), "/board/")
    assert re.findall(r'data-episode="(\d+)"', html) == [str(episode_id)]
    assert "Amira Okafor" in html and "High risk" in html and "WMP-20240101-0042" in html

    # An unrelated council sees nothing: not in its list, not by id, not in search, not on its board.
    for status in ("open", "all"):
        listed = leeds.get("/api/v1/episodes/", {"status": status}).json()
        assert listed["count"] == 0 and listed["results"] == []
    assert leeds.get(f"/api/v1/episodes/{episode_id}/").status_code == 404
    assert (
        leeds.post(
            f"/api/v1/episodes/{episode_id}/risk/", {"risk_grade": "low", "source": "x"}, format="json"
        ).status_code
        == 404
    )
    found = leeds.get("/api/v1/children/", {"q": "Okafor"}).json()
    assert found["count"] == 0
    assert board(user=world.unrelated_social_worker, why="test").rows == []
    # ... and in its pages: the board, and a search for "Amira" finds Leeds's own Amira only.
    leeds_browser = _browser(world.unrelated_social_worker)
    html = _page(leeds_browser, "/board/")
    assert "0 children missing or away" in html and "Okafor" not in html and "data-episode=" not in html
    html = _page(leeds_browser, "/children/", {"q": "Amira"})
    assert "1 child matches" in html and "Hussain, Amira" in html and "Okafor" not in html
    assert f"/children/{world.child.pk}/" not in html

    # The child comes back; the interview is due exactly 72 hours after the return.
    returned = timezone.now()
    response = provider.post(
        f"/api/v1/episodes/{episode_id}/return/",
        {
            "returned_at": _iso(returned),
            "how": "own_accord",
            "place": "Oak House",
            "postcode": "B1 1AA",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    episode = response.json()
    assert episode["status"] == "returned" and parse_datetime(episode["returned_at"]) == returned
    assert parse_datetime(episode["return_interview_due_at"]) - returned == datetime.timedelta(hours=72)
    assert episode["return_interview"]["service"] == rhi_worker.agency.code
    assert episode["return_interview"]["status"] == "assigned"
    assert board(user=world.police_officer, why="test").rows == []

    # The return-interview service sees the child now, offers the interview and completes it.
    rhi = api(rhi_worker)
    assert [e["id"] for e in rhi.get("/api/v1/episodes/").json()["results"]] == [episode_id]
    response = rhi.post(f"/api/v1/episodes/{episode_id}/return-interview/", {"status": "offered"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "offered"
    # The interview is recorded through its form, as a worker at the service does it.
    if timezone.localtime().second >= 58:
        time.sleep(2.5)  # the form takes the time to the minute: fill it in and post it within one minute
    response = _browser(rhi_worker).post(
        f"/episodes/{episode_id}/return-interview/findings/",
        {
            **_local_parts("interview-findings-held_at", timezone.now()),
            "interview-findings-why_went": "To see a friend",
            "interview-findings-where_and_with_whom": "A flat in Digbeth with older males",
            "interview-findings-harm_suffered": "None disclosed",
            "interview-findings-exploitation_indicators": ["older_controlling_adult", "money_or_gifts"],
            "interview-findings-what_would_help": "More time with her key worker",
            "interview-findings-held_by": "Rhi Tester, Manchester RHI service",
            "interview-findings-held_by_independent": "yes",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/episodes/{episode_id}/", (
        response.content.decode()[:2000]
    )
    interview = rhi.get(f"/api/v1/episodes/{episode_id}/").json()
    assert (
        interview["return_interview"]["status"] == "completed"
        and interview["return_interview"]["held_within_72_hours"] is True
    )
    assert interview["return_interview_findings"]["exploitation_indicators"] == [
        "older_controlling_adult",
        "money_or_gifts",
    ]

    # The findings go to the responsible authority, not to the home.
    assert (
        api(world.social_worker).get(f"/api/v1/episodes/{episode_id}/").json()["return_interview_findings"]["why_went"]
        == "To see a friend"
    )
    assert provider.get(f"/api/v1/episodes/{episode_id}/").json()["return_interview_findings"] is None

    # The timeline shows every step, in time order, with who did it and for which agency.
    timeline = child_timeline(user=world.social_worker, child_id=world.child.pk, why="test")
    steps = [(e.kind, e.by, e.agency) for e in timeline.entries]
    assert steps == [
        ("reported", world.provider_staff.username, "Oak House"),
        ("risk_grade", world.police_officer.username, world.west_midlands_police.name),
        ("police_reference", world.police_officer.username, world.west_midlands_police.name),
        ("return", world.provider_staff.username, "Oak House"),
        ("interview", world.provider_staff.username, "Oak House"),  # assigned when the return was recorded
        ("interview", rhi_worker.username, rhi_worker.agency.name),  # offered
        ("interview", rhi_worker.username, rhi_worker.agency.name),  # completed
    ]
    assert [e.at for e in timeline.entries] == sorted(e.at for e in timeline.entries)
    assert "high" in timeline.entries[1].text and "Call from Oak House" in timeline.entries[1].text
    assert "completed within 72 hours" in timeline.entries[-1].text
    assert "Digbeth" not in " ".join(e.text for e in timeline.entries)  # findings stay on the interview
    assert [e.id for e in timeline.episodes] == [episode_id]

    # The social worker's timeline page shows the same steps, newest first, each with who took it.
    html = _page(_browser(world.social_worker), f"/children/{world.child.pk}/timeline/")
    wmp, oak, rhi_service = world.west_midlands_police.name, "Oak House", rhi_worker.agency.name
    assert _timeline_steps(html) == [
        ("Return interview", f"by {rhi_worker.username}, {rhi_service}"),
        ("Return interview", f"by {rhi_worker.username}, {rhi_service}"),
        ("Return interview", f"by {world.provider_staff.username}, {oak}"),
        ("Returned", f"by {world.provider_staff.username}, {oak}"),
        ("Police reference added", f"by {world.police_officer.username}, {wmp}"),
        ("Risk graded", f"by {world.police_officer.username}, {wmp}"),
        ("Reported", f"by {world.provider_staff.username}, {oak}"),
    ]
    assert "completed within 72 hours" in html and "Digbeth" not in html
