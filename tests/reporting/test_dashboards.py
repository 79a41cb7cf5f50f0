"""Dashboards: each kind counts the episodes its viewer may see, and cross-council ones are controlled."""

import datetime

import pytest
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.audit.models import AuditEvent
from homeward.episodes.models import Episode
from homeward.episodes.services import (
    episode_open,
    episode_record_return,
    return_interview_commission_set,
    return_interview_update,
)
from homeward.linkage.services import linkage_run
from homeward.reporting import dashboards
from tests.conftest import make_user, sign_in

DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)


@pytest.fixture
def history(world):
    """Amira (Birmingham children's home) missing for 5 hours, interviewed within 72 hours, then away
    for 30 hours, interview declined; Jayden (fostered in Manchester) away for 3 days; Kacper missing
    for 2 hours 40 days ago, from the Birmingham home he has since left; Leeds's child missing now."""
    for council in (world.manchester, world.leeds):
        service = Agency.objects.create(
            code=f"RHI-{council.code}", kind=AgencyKind.RHI, name=f"{council.name} return interviews"
        )
        return_interview_commission_set(council=council, service=service)
    rhi = make_user(Agency.objects.get(code=f"RHI-{world.manchester.code}"), Role.RHI_WORKER, "rhi-man")
    now = timezone.now().replace(microsecond=0)
    worker = world.social_worker

    def went(child, kind, ago, lasted=None, user=worker):
        episode, _ = episode_open(user=user, why="test", child=child.pk, kind=kind, started_at=now - ago)
        if lasted is not None:
            episode = episode_record_return(
                user=user, why="test", episode=episode, returned_at=episode.started_at + lasted
            )
        return episode

    e1 = went(world.child, "missing", 20 * DAY, 5 * HOUR)
    return_interview_update(user=rhi, why="test", episode=e1, status="offered", offered_at=e1.returned_at + HOUR)
    return_interview_update(user=rhi, why="test", episode=e1, status="completed", held_at=e1.returned_at + 30 * HOUR)
    e2 = went(world.child, "away", 10 * DAY, 30 * HOUR)
    return_interview_update(user=rhi, why="test", episode=e2, status="offered", offered_at=e2.returned_at + HOUR)
    return_interview_update(user=rhi, why="test", episode=e2, status="declined", declined_reason="did_not_want")
    e3 = went(world.child_at_home, "away", 5 * DAY, 3 * DAY)
    e4 = went(world.moved_child, "missing", 40 * DAY, 2 * HOUR)
    e5 = went(world.leeds_child, "missing", 2 * DAY, user=world.unrelated_social_worker)
    linkage_run(why="test")
    today = timezone.localdate()
    return {"episodes": (e1, e2, e3, e4, e5), "since": today - 60 * DAY, "until": today}


def span(scope, history) -> dict:
    return {"scope": scope, "since": history["since"], "until": history["until"]}


def counted(scope, history) -> set[int]:
    return set(scope.episodes(history["since"], history["until"]).values_list("pk", flat=True))


def test_a_council_counts_the_children_it_looks_after(world, history):
    e1, e2, e3, e4, _ = history["episodes"]
    scope = dashboards.dashboard_scope(user=world.social_worker, kind="council")
    assert counted(scope, history) == {e1.pk, e2.pk, e3.pk, e4.pk} and not scope.controlled
    assert dashboards.children_missing(**span(scope, history)) == {
        "children": 3,
        "missing": 2,
        "away": 2,
        "episodes": 4,
        "repeat": 1,
        "repeat_rate": 33.3,
    }
    assert dashboards.durations(**span(scope, history)) == {
        "under_1_day": 2,
        "1_to_2_days": 1,
        "2_to_7_days": 1,
        "7_days_or_more": 0,
        "still_open": 0,
    }
    # Kacper's episode began in the Birmingham home he has left since: the placement then counts.
    placements = dashboards.placements(**span(scope, history))
    assert placements["types"]["Children's home"] == 3 and placements["types"]["Foster placement"] == 1
    assert placements["out_of_area"] == {"in": 1, "out": 3, "unknown": 0, "share": 75.0}
    assert dashboards.return_interviews(**span(scope, history)) == {
        "returned": 4,
        "offered": 2,
        "held": 1,
        "held_in_72_hours": 1,
        "declined": 1,
        "offered_rate": 50.0,
        "held_in_72_hours_rate": 25.0,
    }
    assert dashboards.one_count(**span(scope, history)) == {
        "both": 0,
        "police_only": 0,
        "council_only": 4,
        "combined": 4,
    }


def test_episodes_by_month_and_time_of_day_add_up_by_the_london_clock(world, history):
    scope = dashboards.dashboard_scope(user=world.social_worker, kind="council")
    months = dashboards.episodes_by_month(**span(scope, history))
    assert min(months) == history["since"].replace(day=1) and max(months) == history["until"].replace(day=1)
    assert sum(row["missing"] for row in months.values()) == 2 and sum(row["away"] for row in months.values()) == 2
    for episode in history["episodes"][:4]:
        started = timezone.localtime(episode.started_at)
        assert months[started.date().replace(day=1)]["all"] >= 1
    bands = dashboards.time_of_day(**span(scope, history))
    expected = {label: 0 for _, label in dashboards.HOUR_BANDS}
    for episode in history["episodes"][:4]:
        expected[dashboards.HOUR_BANDS[timezone.localtime(episode.started_at).hour // 3][1]] += 1
    assert bands == expected


def test_a_host_council_counts_children_placed_in_its_area_and_none_attributed(world, history):
    e1, e2, *_ = history["episodes"]
    scope = dashboards.dashboard_scope(user=world.host_coordinator, kind="host")
    # Kacper has left the Birmingham home, so Birmingham no longer sees him nor counts his episode.
    assert counted(scope, history) == {e1.pk, e2.pk} and scope.controlled
    figures = dashboards.children_missing(**span(scope, history))
    assert set(figures.values()) == {None}  # one child, two episodes: every cell under 10


def test_a_force_counts_episodes_in_its_area(world, history):
    e1, e2, e3, e4, _ = history["episodes"]
    assert counted(dashboards.dashboard_scope(user=world.police_officer, kind="police"), history) == {e1.pk, e2.pk}
    # Kacper's was reported after he moved to Manchester: the force last known to lead is GMP, not West Midlands.
    assert Episode.objects.get(pk=e4.pk).location_police_force == world.gmp
    assert counted(dashboards.dashboard_scope(user=world.gmp_officer, kind="police"), history) == {e3.pk, e4.pk}


def test_a_partnership_is_the_councils_area_with_its_force(world, history):
    e1, e2, e3, _, _ = history["episodes"]
    own = dashboards.dashboard_scope(user=world.social_worker, kind="partnership")
    assert own.area == world.manchester and own.forces == [world.gmp] and counted(own, history) == {e3.pk}
    by_force = dashboards.dashboard_scope(user=world.police_officer, kind="partnership", area=world.birmingham.code)
    assert by_force.area == world.birmingham and counted(by_force, history) == {e1.pk, e2.pk}
    with pytest.raises(Exception, match="No such dashboard"):
        dashboards.dashboard_scope(user=world.police_officer, kind="partnership", area=world.manchester.code)


def test_national_figures_count_everyone_and_show_no_small_cell(world, history):
    scope = dashboards.dashboard_scope(user=world.national_analyst, kind="national")
    assert counted(scope, history) == set(Episode.objects.values_list("pk", flat=True)) and scope.controlled
    assert set(dashboards.children_missing(**span(scope, history)).values()) == {None}
    assert set(dashboards.one_count(**span(scope, history)).values()) == {None}


@pytest.mark.parametrize(
    "who, kind",
    [
        ("provider_staff", "council"),
        ("national_analyst", "council"),
        ("social_worker", "national"),
        ("police_officer", "council"),
        ("inspector", "host"),
        ("social_worker", "nonsense"),
    ],
)
def test_it_validates_who_may_open_which_dashboard(client, world, who, kind):
    sign_in(client, getattr(world, who))
    assert client.get(f"/reports/dashboard/?kind={kind}").status_code == 404


def test_the_council_page_draws_each_figure_with_its_table(client, world, history):
    sign_in(client, world.social_worker)
    before = AuditEvent.objects.filter(object_type="dashboard").count()
    response = client.get(
        "/reports/dashboard/", {"kind": "council", "since": history["since"], "until": history["until"]}
    )
    page = response.content.decode()
    assert response.status_code == 200
    for chart in ("months", "durations", "time-of-day", "placements", "return-interviews"):
        assert f'data-testid="chart-{chart}"' in page and f'id="chart-{chart}-desc"' in page
    assert '<p class="govuk-heading-l govuk-!-margin-0" data-testid="episodes">4</p>' in page
    assert "[c]" not in page and "Amira" not in page and "Leeds" not in page
    assert AuditEvent.objects.filter(object_type="dashboard").count() == before + 1


def test_the_national_page_marks_suppressed_cells(client, world, history):
    sign_in(client, world.national_analyst)
    page = client.get(
        "/reports/dashboard/", {"kind": "national", "since": history["since"], "until": history["until"]}
    ).content.decode()
    assert 'data-testid="episodes">[c]' in page and "fewer than 10" in page
    assert "Manchester" not in page


def test_a_cross_council_period_under_a_month_is_refused(client, world, history):
    sign_in(client, world.national_analyst)
    today = timezone.localdate()
    page = client.get(
        "/reports/dashboard/", {"kind": "national", "since": today - 20 * DAY, "until": today}
    ).content.decode()
    assert 'data-testid="too-short"' in page and 'data-testid="key-figures"' not in page
    sign_in(client, world.social_worker)  # a council's own children: any period
    page = client.get(
        "/reports/dashboard/", {"kind": "council", "since": today - 20 * DAY, "until": today}
    ).content.decode()
    assert 'data-testid="key-figures"' in page


def test_the_collection_year_to_date_is_offered_and_chosen_first(client, world):
    sign_in(client, world.social_worker)
    page = client.get("/reports/dashboard/").content.decode()  # a council's own dashboard comes first
    assert '<h1 class="govuk-heading-l">Children we look after</h1>' in page
    today = timezone.localdate()
    start = today.year if (today.month, today.day) >= (4, 1) else today.year - 1
    assert (
        f'<option value="" selected>This collection year to date: 1 April {start} to {today.day} {today:%B %Y}</option>'
        in page
    )


def test_the_list_and_the_menu_offer_each_role_its_dashboards(client, world):
    sign_in(client, world.police_officer)
    page = client.get("/reports/dashboards/").content.decode()
    assert "/reports/dashboard/?kind=police" in page and f"kind=partnership&amp;area={world.birmingham.code}" in page
    assert f"area={world.manchester.code}" not in page
    assert 'href="/reports/dashboards/"' in client.get("/").content.decode()
    sign_in(client, world.provider_staff)
    assert 'href="/reports/dashboards/"' not in client.get("/").content.decode()
