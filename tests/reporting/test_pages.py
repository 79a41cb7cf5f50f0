"""The one count's page, CSV and gap lists: figures over what the asker may see, and nothing else."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.episodes.services import episode_open
from homeward.linkage.models import CountUnit
from homeward.linkage.services import linkage_run
from homeward.returns.services import police_report_submit
from tests.conftest import make_user, sign_in

DAY = datetime.timedelta(days=1)


@pytest.fixture
def counted(world):
    """Amira missing and reported to the police (both); Jayden away (council only); Leeds's child
    missing (council only); Kacper reported by the police only; a report of a child nobody knows."""
    now = timezone.now().replace(microsecond=0)
    amira_went = now - 5 * DAY
    episode_open(user=world.social_worker, why="test", child=world.child.pk, kind="missing", started_at=amira_went)
    episode_open(user=world.social_worker, why="test", child=world.child_at_home.pk, kind="away", started_at=now - 3 * DAY)
    episode_open(user=world.unrelated_social_worker, why="test", child=world.leeds_child.pk, kind="missing", started_at=now - 2 * DAY)
    force = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    for reference, person, last_seen in (
        ("WM/1", world.child, amira_went + datetime.timedelta(minutes=20)),
        ("WM/8", world.moved_child, now - 4 * DAY),
    ):
        police_report_submit(user=force, why="test", data={
            "reference": reference, "first_name": person.first_name, "last_name": person.last_name,
            "date_of_birth": str(person.date_of_birth), "sex": "F" if person.sex == "2" else "M",
            "reported_at": (last_seen + datetime.timedelta(hours=1)).isoformat(), "last_seen_at": last_seen.isoformat(),
        })
    police_report_submit(user=force, why="test", data={
        "reference": "WM/9", "first_name": "Zed", "last_name": "Nobody", "date_of_birth": "2010-01-01",
        "reported_at": (now - DAY).isoformat(), "risk_grade": "no apparent risk",
    })
    linkage_run(why="test")
    today = timezone.localdate()
    return {"since": (today - 30 * DAY).isoformat(), "until": today.isoformat()}


def rows_of(client, period, by="council") -> dict[str, dict]:
    response = client.get("/reports/one-count.csv", {**period, "by": by})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return {row["name"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def figures(row) -> tuple[int, int, int, int]:
    return int(row["known_to_both"]), int(row["police_only"]), int(row["council_only"]), int(row["combined"])


def test_the_units_and_their_reasons(world, counted):
    units = {(u.child_id, u.known, u.reason) for u in CountUnit.objects.all()}
    assert units == {
        (world.child.pk, "both", ""),
        (world.child_at_home.pk, "council_only", "away"),
        (world.leeds_child.pk, "council_only", "not_reported"),
        (world.moved_child.pk, "police_only", "not_recorded"),
        (None, "police_only", "unidentified"),
    }


def test_a_council_counts_its_own_children_only(client, world, counted):
    sign_in(client, make_user(world.manchester, Role.MISSING_COORDINATOR, "man-coord"))
    rows = rows_of(client, counted)
    assert set(rows) == {"Manchester", "All"}
    assert figures(rows["Manchester"]) == (1, 1, 1, 3)
    page = client.get("/reports/one-count/", counted).content.decode()
    assert 'data-testid="row-E08000003"' in page and "Leeds" not in page
    assert "<svg" in page and "<title" in page  # the chart, drawn on the server


def test_an_unrelated_council_sees_no_count_of_another_councils_children(client, world, counted):
    sign_in(client, world.unrelated_social_worker)
    rows = rows_of(client, counted)
    assert set(rows) == {"Leeds", "All"}
    assert figures(rows["All"]) == (0, 0, 1, 1)


def test_a_force_counts_what_it_may_see_and_its_own_reports(client, world, counted):
    sign_in(client, world.police_officer)
    rows = rows_of(client, counted, by="force")
    # Amira's episode (placed in its area) and both of its own reports the council never had.
    assert figures(rows["West Midlands Police"]) == (1, 2, 0, 3)
    page = client.get("/reports/one-count/police_only/", counted).content.decode()
    assert "Not identified" in page and "A child outside your view" in page  # Kacper is placed elsewhere now
    assert "Kacper" not in page
    assert "The police graded it" not in page  # WM/9's reason is that nobody matches, not the grade
    assert "No child in Homeward matches the report" in page


def test_a_national_analyst_sees_every_figure_and_no_record(client, world, counted):
    sign_in(client, world.national_analyst)
    rows = rows_of(client, counted)
    assert figures(rows["All"]) == (1, 2, 2, 5)
    assert rows["Child not identified"]["police_only"] == "1"
    for known in ("police_only", "council_only"):
        assert client.get(f"/reports/one-count/{known}/", counted).status_code == 404


def test_a_council_sees_the_reason_for_each_gap(client, world, counted):
    sign_in(client, make_user(world.manchester, Role.MISSING_COORDINATOR, "man-coord"))
    page = client.get("/reports/one-count/council_only/", counted).content.decode()
    assert "Jayden Walsh" in page and "Recorded as away from placement" in page
    assert "Amira Hussain" not in page


def test_bad_periods_get_a_clear_error(client, world, counted):
    sign_in(client, world.social_worker)
    response = client.get("/reports/one-count.csv", {"since": "2026-13-01", "until": "2026-12-01"})
    assert response.status_code == 400 and "From must be a date written as yyyy-mm-dd" in response.content.decode()
    response = client.get("/reports/one-count.csv", {"since": "2026-03-01"})
    assert response.status_code == 400 and "Give both dates of the period, or neither" in response.content.decode()
    response = client.get("/reports/one-count.csv", {"since": "2026-03-01", "until": "2026-02-01"})
    assert "To must be on or after From" in response.content.decode()
    page = client.get("/reports/one-count/", {"year": "1999"}).content.decode()
    assert "Choose one of the years listed" in page


def test_the_default_period_is_the_latest_collection_year(client, world, counted):
    sign_in(client, world.social_worker)
    response = client.get("/reports/one-count.csv")
    [row] = [r for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert row["from"].endswith("-04-01") and row["to"].endswith("-03-31")
    assert int(row["to"][:4]) - int(row["from"][:4]) == 1


def test_the_episode_page_shows_each_agencys_record_of_it(client, world, counted):
    from homeward.episodes.models import Episode

    episode = Episode.objects.get(child=world.child)
    sign_in(client, world.social_worker)
    sources = client.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Police report WM/1, West Midlands Police" in sources
    jayden = Episode.objects.get(child=world.child_at_home)
    assert "Police report" not in client.get(f"/episodes/{jayden.pk}/").content.decode().split('data-testid="sources"')[1].split("</dd>")[0]
