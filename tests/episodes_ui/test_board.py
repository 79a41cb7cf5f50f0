"""The live board (/board/) and the interviews due (/interviews/)."""

import re

import pytest

from homeward.episodes import services
from tests.episodes_ui.conftest import ago


def _board_children(html: str) -> list[str]:
    """The children on the board, in the order shown."""
    table = html.split('data-testid="board"')[1].split("</table>")[0] if 'data-testid="board"' in html else ""
    return re.findall(r'<a class="govuk-link" href="/episodes/\d+/">([^<]+)</a>', table)


@pytest.fixture
def three_gone(world, story):
    """Amira missing 3 hours and graded high; Jayden away 10 hours, ungraded; Kacper missing 30 hours, graded low."""
    amira = story.grade(story.open(world.child, hours=3), "high")
    jayden = story.open(world.child_at_home, by=world.social_worker, kind="away", hours=10, location="School gates")
    kacper = story.open(world.moved_child, by=world.social_worker, hours=30, location="Piccadilly Gardens")
    services.episode_grade_risk(
        user=world.gmp_officer, why="test", episode=kacper.pk, risk_grade="low", source="Call from carer"
    )
    return amira, jayden, kacper


def test_it_orders_by_risk_then_time_missing(world, client_for, three_gone):
    html = client_for("social_worker").get("/board/").content.decode()
    # High first, then not yet graded, then the rest by grade: within a grade, the longest gone first.
    assert _board_children(html) == ["Amira Okafor", "Jayden Walsh", "Kacper Nowak"]
    assert "3 children missing or away" in html
    assert "High risk" in html and "Not graded" in html and "Low risk" in html
    assert "1 day 6 hours" in html and "10 hours" in html


def test_each_agency_sees_only_its_children_and_counts_only_them(world, client_for, three_gone):
    for who, expected in [
        ("police_officer", ["Amira Okafor"]),
        ("gmp_officer", ["Jayden Walsh", "Kacper Nowak"]),
        ("provider_staff", ["Amira Okafor"]),
        ("host_coordinator", ["Amira Okafor"]),
    ]:
        html = client_for(who).get("/board/").content.decode()
        assert _board_children(html) == expected, who
    html = client_for("unrelated_social_worker").get("/board/").content.decode()
    assert _board_children(html) == []
    assert "0 children missing or away" in html
    assert "Okafor" not in html and "Walsh" not in html and "Nowak" not in html


def test_the_filter_works_without_javascript(world, client_for, three_gone):
    client = client_for("social_worker")
    html = client.get("/board/", {"kind": "away"}).content.decode()
    assert _board_children(html) == ["Jayden Walsh"]
    assert "1 of 3 children missing or away matches the filters" in html
    html = client.get("/board/", {"risk": ["high", "low"]}).content.decode()
    assert _board_children(html) == ["Amira Okafor", "Kacper Nowak"]
    # Each chosen filter is a link that removes it, keeping the others.
    assert 'href="?risk=low"' in html and 'href="?risk=high"' in html
    html = client.get("/board/", {"risk": "not_graded"}).content.decode()
    assert _board_children(html) == ["Jayden Walsh"]
    # Nonsense is ignored, never an error.
    html = client.get("/board/", {"risk": "purple", "kind": "lost"}).content.decode()
    assert _board_children(html) == ["Amira Okafor", "Jayden Walsh", "Kacper Nowak"]


def _board_rows(html: str) -> dict[str, str]:
    return {name: row for row in html.split("<tr")[1:] for name in re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</a>", row)}


def test_an_overdue_risk_review_is_highlighted(world, client_for, story):
    amira = story.grade(story.open(world.child, hours=3), "high")
    kacper = story.open(world.moved_child, by=world.social_worker, hours=30)
    # Graded low 13 hours ago: its 12-hourly review is past due.
    services.episode_grade_risk(
        user=world.gmp_officer,
        why="test",
        episode=kacper.pk,
        risk_grade="low",
        source="Call from carer",
        graded_at=ago(hours=13),
    )
    rows = _board_rows(client_for("social_worker").get("/board/").content.decode())
    assert "homeward-board__row--overdue" in rows["Kacper Nowak"] and "Overdue" in rows["Kacper Nowak"]
    assert (
        amira.risk_grade == "high" and "Overdue" not in rows["Amira Okafor"]
    )  # graded just now: next review in an hour


def test_a_child_not_yet_graded_awaits_the_police_grading_and_is_not_overdue(world, client_for, three_gone):
    # Jayden was reported 10 hours after he was last seen and nobody has graded him yet.
    rows = _board_rows(client_for("social_worker").get("/board/").content.decode())
    assert "Awaiting police grading" in rows["Jayden Walsh"]
    assert "Overdue" not in rows["Jayden Walsh"] and "homeward-board__row--overdue" not in rows["Jayden Walsh"]


def test_a_returned_child_leaves_the_board(world, client_for, story, three_gone):
    amira = three_gone[0]
    story.return_(amira, hours_ago=0)
    assert "Amira Okafor" not in _board_children(client_for("social_worker").get("/board/").content.decode())


def test_the_board_marks_its_refresh_for_the_script(world, client_for):
    html = client_for("social_worker").get("/board/").content.decode()
    assert 'data-homeward-refresh="30"' in html and 'src="/static/episodes/episodes.js"' in html


def test_interviews_due_for_the_service_and_the_council(world, client_for, story, rhi_worker):
    late = story.open(world.child, hours=100)
    late = services.episode_record_return(
        user=world.provider_staff, why="test", episode=late.pk, returned_at=ago(hours=80)
    )
    recent = story.open(world.child_at_home, by=world.social_worker, hours=5)
    story.return_(recent, by=world.social_worker, hours_ago=1)
    for who in [rhi_worker, world.social_worker]:
        html = client_for(who).get("/interviews/").content.decode()
        assert "2 interviews to hold, 1 overdue" in html
        assert _section(html, "interviews-due") == ["Jayden Walsh"] and _section(html, "interviews-overdue") == [
            "Amira Okafor"
        ]
        html = client_for(who).get("/interviews/", {"overdue": "1"}).content.decode()
        assert "1 interview overdue" in html and "Jayden Walsh" not in html
    html = client_for("unrelated_social_worker").get("/interviews/").content.decode()
    assert "0 interviews to hold" in html and "Okafor" not in html


def _section(html: str, testid: str) -> list[str]:
    """The children listed in one section of the interviews page, in the order shown."""
    if f'data-testid="{testid}"' not in html:
        return []
    table = html.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    return re.findall(r'<a class="govuk-link" href="/episodes/\d+/">([^<]+)</a>', table)


def test_todays_interview_comes_first_and_the_overdue_ones_stand_apart(world, client_for, story, rhi_worker):
    # Kacper's interview is due today (returned nearly three days ago), Jayden's in two days; Amira's
    # has been overdue for weeks, which must not push today's down the list.
    long_overdue = story.open(world.child, hours=24 * 30)
    story.return_(long_overdue, hours_ago=24 * 28)
    later = story.open(world.child_at_home, by=world.social_worker, hours=30)
    story.return_(later, by=world.social_worker, hours_ago=20)
    today = story.open(world.moved_child, by=world.social_worker, hours=80)
    story.return_(today, by=world.social_worker, hours_ago=70)
    html = client_for(rhi_worker).get("/interviews/").content.decode()
    assert _section(html, "interviews-due") == ["Kacper Nowak", "Jayden Walsh"]
    assert _section(html, "interviews-overdue") == ["Amira Okafor"]
    assert html.index("Due: 2") < html.index("Overdue: 1")


def test_the_navigation_links_to_the_board(world, client_for):
    html = client_for("provider_staff").get("/").content.decode()
    assert 'href="/board/"' in html and 'href="/interviews/"' not in html
    html = client_for("social_worker").get("/").content.decode()
    assert 'href="/board/"' in html and 'href="/interviews/"' in html
    assert 'href="/board/"' not in client_for("national_analyst").get("/").content.decode()


def _limited(monkeypatch, name: str, limit: int) -> None:
    """The view's selector with a small limit, as if the board held hundreds of episodes."""
    from homeward.episodes import views

    original = getattr(views.selectors, name)
    monkeypatch.setattr(views.selectors, name, lambda **kwargs: original(**kwargs, limit=limit))


def test_the_filter_finds_what_lies_beyond_the_boards_limit(world, client_for, three_gone, monkeypatch):
    _limited(monkeypatch, "board", 1)
    client = client_for("social_worker")
    html = client.get("/board/", {"kind": "away"}).content.decode()
    assert _board_children(html) == ["Jayden Walsh"]  # second of the three, unfiltered
    assert "1 of 3 children missing or away matches the filters" in html and "Only the first" not in html
    html = client.get("/board/", {"risk": ["high", "low"]}).content.decode()
    assert _board_children(html) == ["Amira Okafor"]
    assert "2 of 3 children missing or away match the filters" in html and "Only the first 1 are listed" in html


def test_interview_counts_are_not_bounded_by_the_list(world, client_for, story, rhi_worker, monkeypatch):
    late = story.open(world.child, hours=100)
    services.episode_record_return(user=world.provider_staff, why="test", episode=late.pk, returned_at=ago(hours=80))
    recent = story.open(world.child_at_home, by=world.social_worker, hours=5)
    story.return_(recent, by=world.social_worker, hours_ago=1)
    later = story.open(world.moved_child, by=world.social_worker, hours=5)
    story.return_(later, by=world.social_worker, hours_ago=0)
    _limited(monkeypatch, "interviews_due", 1)
    html = client_for(rhi_worker).get("/interviews/").content.decode()
    assert "3 interviews to hold, 1 overdue" in html and "Only the first 1 are listed, soonest due first" in html
    # The overdue interview has its own list: the limit on the due ones does not hide it.
    assert _section(html, "interviews-due") == ["Jayden Walsh"] and _section(html, "interviews-overdue") == [
        "Amira Okafor"
    ]
