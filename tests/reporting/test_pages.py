"""The one count's page, CSV and gap lists: figures over what the asker may see, and nothing else."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from homeward import dates
from homeward.agencies.models import Role
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
    episode_open(
        user=world.social_worker, why="test", child=world.child_at_home.pk, kind="away", started_at=now - 3 * DAY
    )
    episode_open(
        user=world.unrelated_social_worker,
        why="test",
        child=world.leeds_child.pk,
        kind="missing",
        started_at=now - 2 * DAY,
    )
    force = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-system")
    for reference, person, last_seen in (
        ("WM/1", world.child, amira_went + datetime.timedelta(minutes=20)),
        ("WM/8", world.moved_child, now - 4 * DAY),
    ):
        police_report_submit(
            user=force,
            why="test",
            data={
                "reference": reference,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "date_of_birth": str(person.date_of_birth),
                "sex": "F" if person.sex == "2" else "M",
                "reported_at": (last_seen + datetime.timedelta(hours=1)).isoformat(),
                "last_seen_at": last_seen.isoformat(),
            },
        )
    police_report_submit(
        user=force,
        why="test",
        data={
            "reference": "WM/9",
            "first_name": "Zed",
            "last_name": "Nobody",
            "date_of_birth": "2010-01-01",
            "reported_at": (now - DAY).isoformat(),
            "risk_grade": "no apparent risk",
        },
    )
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
    # Kacper is placed elsewhere now: his report reads exactly as WM/9, a report of nobody known.
    assert page.count("Not yet identified as a child you may see") == 2
    assert "Kacper" not in page and "outside your view" not in page
    assert "The council has no episode" not in page and "The police graded it" not in page
    rows = rows_of(client, counted, by="council")
    assert set(rows) == {
        "Manchester",
        "Not yet identified",
        "All",
    }  # Amira only: Manchester's link to Kacper is not shown
    assert figures(rows["Not yet identified"]) == (0, 2, 0, 2)


def _report_naming(user, child, reference: str, at: datetime.datetime) -> None:
    police_report_submit(
        user=user,
        why="test",
        data={
            "reference": reference,
            "first_name": child.first_name,
            "last_name": child.last_name,
            "date_of_birth": str(child.date_of_birth),
            "sex": "F" if child.sex == "2" else "M",
            "reported_at": (at + datetime.timedelta(hours=1)).isoformat(),
            "last_seen_at": at.isoformat(),
        },
    )


def test_a_report_naming_a_child_the_force_cannot_see_is_no_oracle(client, world, counted):
    """A force that posts reports naming another council's child (one recorded missing then, one
    not) learns nothing it would not learn from a report of nobody: not the council, not whether
    the council recorded an absence, not the council's dates. The council sees the links."""
    leeds_episode_at = world.leeds_child.episodes.get().started_at
    nobody = type(
        "Person", (), {"first_name": "Zara", "last_name": "Quince", "date_of_birth": "2011-02-03", "sex": "2"}
    )
    force = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR, "wmp-probe")
    _report_naming(force, world.leeds_child, "WM/20", leeds_episode_at + datetime.timedelta(minutes=30))
    _report_naming(force, world.leeds_child, "WM/21", leeds_episode_at - 10 * DAY)
    _report_naming(force, nobody, "WM/22", leeds_episode_at - 9 * DAY)
    linkage_run(why="test")
    # The links were made: the one count knows both reports are Leeds's child's.
    assert CountUnit.objects.filter(child=world.leeds_child, known="both").count() == 1
    assert CountUnit.objects.filter(child=world.leeds_child, known="police_only", reason="not_recorded").count() == 1

    sign_in(client, world.police_officer)
    for by in ("council", "force"):
        rows = rows_of(client, counted, by=by)
        assert "Leeds" not in rows and "West Yorkshire Police" not in rows
    assert figures(rows_of(client, counted)["Not yet identified"]) == (0, 5, 0, 5)  # WM/8, 9, 20, 21, 22
    assert figures(rows_of(client, counted, by="force")["West Midlands Police"]) == (1, 5, 0, 6)
    page = client.get("/reports/one-count/police_only/", counted).content.decode()

    def row_of(reference: str) -> str:
        [row] = [r.split("</tr>")[0] for r in page.split("<tr")[1:] if f">{reference}<" in r]
        return re.sub(r"unit-\d+|<time.*?</time>|WM/\d+", "", row, flags=re.S)

    # The row of a report about Leeds's child reads as the row of a report about nobody, bar its time.
    assert row_of("WM/20") == row_of("WM/21") == row_of("WM/22")
    assert "Leeds" not in page and "Amira Hussain" not in page and "Recorded as missing" not in page
    assert dates.when(leeds_episode_at) not in page  # nor the council's time

    sign_in(client, make_user(world.leeds, Role.MISSING_COORDINATOR, "leeds-coord"))
    rows = rows_of(client, counted)
    assert figures(rows["Leeds"]) == (1, 1, 0, 2)
    assert "WM/21" in client.get("/reports/one-count/police_only/", counted).content.decode()


def test_a_national_analyst_sees_every_figure_and_no_record(client, world, counted):
    sign_in(client, world.national_analyst)
    rows = rows_of(client, counted)
    assert figures(rows["All"]) == (1, 2, 2, 5)
    assert rows["Not yet identified"]["police_only"] == "1"
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


def test_the_default_period_is_the_collection_year_to_date_and_the_last_one_is_offered(client, world, counted):
    """Issue 15: the year under way is counted as it happens, not only once it is over."""
    sign_in(client, world.social_worker)
    response = client.get("/reports/one-count.csv")
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    today = timezone.localdate()
    assert row["from"].endswith("-04-01") and row["to"] == today.isoformat()
    assert int(row["from"][:4]) == (today.year if (today.month, today.day) > (3, 31) else today.year - 1)
    page = client.get("/reports/one-count/").content.decode()
    assert "This collection year to date" in page
    last = client.get("/reports/one-count.csv", {"year": int(row["from"][:4])})
    rows = list(csv.DictReader(io.StringIO(last.content.decode())))
    assert rows and all(r["from"].endswith("-04-01") and r["to"].endswith("-03-31") for r in rows)


def test_the_episode_page_shows_each_agencys_record_of_it(client, world, counted):
    from homeward.episodes.models import Episode

    episode = Episode.objects.get(child=world.child)
    sign_in(client, world.social_worker)
    sources = client.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Police report WM/1, West Midlands Police" in sources
    jayden = Episode.objects.get(child=world.child_at_home)
    assert (
        "Police report"
        not in client.get(f"/episodes/{jayden.pk}/")
        .content.decode()
        .split('data-testid="sources"')[1]
        .split("</dd>")[0]
    )
