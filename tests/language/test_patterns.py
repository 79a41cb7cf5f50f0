"""Patterns, not blame: each family of phrases a writer is shown counts once, when the text is saved,
as reworded or kept, per month, writing agency, writing team and family; shown to the agency's own
managers (a council's and its health partner's for its children), by team only where enough people
wrote, never per person and never with the text."""

import datetime
import html
import io
import re

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from homeward.agencies.models import Agency, AgencyKind, Role
from homeward.episodes import services
from homeward.episodes.models import EpisodeUpdate
from homeward.language.forms import SHOWN_SALT
from homeward.language.models import PhraseTally, SpentCheck
from homeward.language.selectors import phrase_patterns, phrase_patterns_by_team
from homeward.language.services import phrase_outcome_record
from tests.conftest import make_user

TOKEN = re.compile(r'name="update-language_shown" value="([^"]+)"')


def _data(text: str, **extra) -> dict:
    at = timezone.localtime(timezone.now() - datetime.timedelta(minutes=5))
    return {
        "update-kind": "note",
        "update-at_day": str(at.day),
        "update-at_month": str(at.month),
        "update-at_year": str(at.year),
        "update-at_time": at.strftime("%H:%M"),
        "update-text": text,
        "update-location": "",
        "update-postcode": "",
    } | {f"update-{name}": value for name, value in extra.items()}


def _token(response) -> str:
    return TOKEN.search(response.content.decode())[1]


def _tallies() -> dict:
    return {(t.team, t.family): (t.shown, t.reworded, t.kept) for t in PhraseTally.objects.all()}


@pytest.fixture
def officer(world):
    world.police_officer.team = "Missing persons unit"
    world.police_officer.save()
    return world.police_officer


def test_phrases_shown_then_reworded_count_once_as_reworded(world, client_for, episode, officer):
    client, url = client_for(officer), f"/episodes/{episode.pk}/updates/"
    shown = client.post(url, _data("Believed to be streetwise and chose to go."))
    assert shown.status_code == 200 and not PhraseTally.objects.exists()  # nothing counted until saved
    saved = client.post(url, _data("Left with a man aged 30 in a grey car.", language_shown=_token(shown)))
    assert saved.status_code == 302
    assert _tallies() == {
        ("Missing persons unit", "choice"): (1, 1, 0),
        ("Missing persons unit", "streetwise"): (1, 1, 0),
    }
    tally = PhraseTally.objects.first()
    assert (tally.month, tally.agency, tally.authority) == (
        timezone.localdate().replace(day=1),
        world.west_midlands_police,
        world.manchester,
    )


def test_phrases_shown_then_kept_count_once_as_kept(client_for, episode, officer):
    client, url = client_for(officer), f"/episodes/{episode.pk}/updates/"
    text = "Believed to be streetwise."
    shown = client.post(url, _data(text))
    saved = client.post(url, _data(text, language_shown=_token(shown), language_keep="text:streetwise"))
    assert saved.status_code == 302 and EpisodeUpdate.objects.get(kind="note").text == text
    assert _tallies() == {("Missing persons unit", "streetwise"): (1, 0, 1)}


def test_a_refresh_or_a_second_send_counts_nothing_more(client_for, episode, officer):
    client, url = client_for(officer), f"/episodes/{episode.pk}/updates/"
    text = "Believed to be streetwise."
    client.post(url, _data(text))
    refreshed = client.post(url, _data(text))  # the page refreshed: the same post again, shown again
    final = _data(text, language_shown=_token(refreshed), language_keep="text:streetwise")
    assert client.post(url, final).status_code == 302
    client.post(url, final)  # sent twice
    assert _tallies() == {("Missing persons unit", "streetwise"): (1, 0, 1)}
    assert SpentCheck.objects.count() == 1


def test_a_family_shown_in_any_round_counts_once_and_the_token_outlives_other_errors(client_for, episode, officer):
    client, url = client_for(officer), f"/episodes/{episode.pk}/updates/"
    first = client.post(url, _data("She absconded and is streetwise."))
    # Reworded "absconded" away but left the kind out: the page comes back with the token still in it.
    second = client.post(url, _data("She left. Streetwise.", kind="", language_shown=_token(first)))
    assert second.status_code == 200 and "Streetwise" in html.unescape(second.content.decode())
    final = _data("She left. Streetwise.", language_shown=_token(second), language_keep="text:streetwise")
    assert client.post(url, final).status_code == 302
    assert _tallies() == {
        ("Missing persons unit", "absconded"): (1, 1, 0),
        ("Missing persons unit", "streetwise"): (1, 0, 1),
    }


def test_a_token_altered_or_missing_counts_nothing_and_the_text_is_still_saved(client_for, episode, officer):
    client, url = client_for(officer), f"/episodes/{episode.pk}/updates/"
    shown = client.post(url, _data("Believed to be streetwise."))
    payload = signing.loads(_token(shown), salt=SHOWN_SALT)
    forged = signing.dumps(payload | {"t": "Another team"}, salt="not-the-salt")
    assert client.post(url, _data("She left.", language_shown=forged)).status_code == 302
    # "Keep my wording" ticked without ever being shown the notes: saved, as always, and not counted.
    kept = client.post(url, _data("Streetwise.", language_keep="text:streetwise"))
    assert kept.status_code == 302 and not PhraseTally.objects.exists()


def test_the_token_holds_families_agency_team_and_nonce_never_the_text_or_the_person(client_for, episode, officer):
    shown = client_for(officer).post(f"/episodes/{episode.pk}/updates/", _data("Believed to be streetwise."))
    payload = signing.loads(_token(shown), salt=SHOWN_SALT)
    assert set(payload) == {"f", "s", "n", "a", "t"}
    assert (payload["f"], payload["s"], payload["a"], payload["t"]) == (
        "text",
        ["streetwise"],
        officer.agency_id,
        "Missing persons unit",
    )
    assert officer.username not in str(payload) and "Believed" not in str(payload)


def _write(user, episode) -> None:
    """Something written about a child (audited): the writer counts among their team's people that month."""
    services.episode_add_update(
        user=user, why="test", episode=episode.pk, kind="note", text="Checked the park.", at=timezone.now()
    )


def _officers(world, team: str, count: int, *, first: int = 0) -> list:
    people = []
    for n in range(first, first + count):
        user = make_user(world.west_midlands_police, Role.POLICE_OFFICER, f"pc-{team}-{n}".lower())
        user.team = team
        user.save()
        people.append(user)
    return people


def _shown(world, team: str, *, kept: bool) -> None:
    phrase_outcome_record(
        nonce=f"{team}-{kept}",
        agency_id=world.west_midlands_police.pk,
        team=team,
        authority=world.manchester,
        shown=["streetwise"],
        kept={"streetwise"} if kept else set(),
        at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("north", "south", "no_team", "teams_shown", "folded"),
    [
        (5, 5, 0, {"North", "South"}, 0),
        # South's 4 writers are in the force's total only.
        (5, 4, 1, {"North"}, 1),
        # North alone would leave South's 4 as the total less North: both are in the total only.
        (5, 4, 0, set(), 2),
        (4, 4, 0, set(), 2),
    ],
)
def test_teams_are_shown_only_where_enough_people_wrote(world, episode, north, south, no_team, teams_shown, folded):
    for user in _officers(world, "North", north) + _officers(world, "South", south) + _officers(world, "", no_team):
        _write(user, episode)
    _shown(world, "North", kept=True)
    _shown(world, "South", kept=False)
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    (month,) = phrase_patterns_by_team(user=coordinator).values()
    assert {row["team"] for row in month["teams"]} == teams_shown and month["folded"] == folded
    # The force's total holds every team.
    assert [(r["shown"], r["reworded"], r["kept"]) for r in phrase_patterns(user=coordinator)] == [(2, 1, 1)]


def test_a_team_counts_the_people_who_wrote_that_month_not_its_size(world, episode):
    writers = _officers(world, "North", 5)
    _officers(world, "North", 3, first=5)  # on the team, wrote nothing
    for user in writers[:4]:
        _write(user, episode)
    _shown(world, "North", kept=True)
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    assert [m["teams"] for m in phrase_patterns_by_team(user=coordinator).values()] == [[]]
    _write(writers[4], episode)
    (month,) = phrase_patterns_by_team(user=coordinator).values()
    assert [(r["team"], r["shown"], r["kept"]) for r in month["teams"]] == [("North", 1, 1)]


def test_each_agency_sees_its_own_people_and_the_partners_see_their_councils_children(world, episode):
    _shown(world, "", kept=True)
    phrase_outcome_record(
        nonce="leeds",
        agency_id=world.leeds.pk,
        team="",
        authority=world.leeds,
        shown=["absconded"],
        kept=set(),
        at=timezone.now(),
    )
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    manchester = make_user(world.manchester, Role.TEAM_MANAGER)
    leeds = make_user(world.leeds, Role.TEAM_MANAGER)
    icb = Agency.objects.create(code="ICB-TEST", kind=AgencyKind.ICB, name="NHS Greater Manchester ICB")
    icb.councils_served.add(world.manchester)
    nurse = make_user(icb, Role.DESIGNATED_NURSE)
    home_manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    assert [(r["agency"], r["family"], r["shown"], r["kept"]) for r in phrase_patterns(user=coordinator)] == [
        ("West Midlands Police", "streetwise", 1, 1)
    ]
    # Manchester's managers, and the health partner serving Manchester, see what the force wrote about
    # Manchester's child; Leeds's see only Leeds's; the home, whose people wrote nothing, sees nothing.
    assert [(r["agency"], r["family"]) for r in phrase_patterns(user=manchester)] == [
        ("West Midlands Police", "streetwise")
    ]
    assert phrase_patterns(user=nurse) == phrase_patterns(user=manchester)
    assert [(r["agency"], r["family"]) for r in phrase_patterns(user=leeds)] == [("Leeds", "absconded")]
    assert phrase_patterns(user=home_manager) == []
    assert all(
        set(row) == {"month", "agency", "family", "shown", "reworded", "kept"} for row in phrase_patterns(user=nurse)
    )


@pytest.mark.parametrize("who", ["social_worker", "provider_staff", "police_officer", "inspector", "national_analyst"])
def test_staff_who_are_not_managers_see_no_patterns(world, who):
    with pytest.raises(PermissionDenied):
        phrase_patterns(user=getattr(world, who))
    with pytest.raises(PermissionDenied):
        phrase_patterns_by_team(user=getattr(world, who))


def test_the_command_prints_what_the_manager_may_see(world):
    _shown(world, "", kept=False)
    manager = make_user(world.manchester, Role.TEAM_MANAGER)
    out = io.StringIO()
    call_command("language_patterns", manager.username, stdout=out)
    assert out.getvalue().splitlines() == [
        "month\tagency\tfamily\tshown\treworded\tkept",
        f"{timezone.localdate():%Y-%m}\tWest Midlands Police\tstreetwise\t1\t1\t0",
    ]
    with pytest.raises(CommandError):
        call_command("language_patterns", world.social_worker.username, stdout=io.StringIO())


def test_the_page_shows_teams_and_counts_never_a_person_or_the_text(world, client_for, episode):
    text = "Believed to be streetwise and chose to go."
    north = _officers(world, "North", 5)
    for user in north:
        _write(user, episode)
    client, url = client_for(north[0]), f"/episodes/{episode.pk}/updates/"
    shown = client.post(url, _data(text))
    client.post(url, _data("Left with a man aged 30.", language_shown=_token(shown)))
    _shown(world, "South", kept=True)  # South: nobody wrote, so only in the total
    coordinator = make_user(world.west_midlands_police, Role.POLICE_COORDINATOR)
    page = client_for(coordinator).get("/language/patterns/")
    assert page.status_code == 200
    content = html.unescape(page.content.decode())
    assert "Phrases shown 3 times: reworded 2, kept 1." in content
    teams = content[content.index('data-testid="patterns-teams-') :]
    assert "North" in teams and "South" not in teams.split("</table>")[0]
    assert "1 team counted in West Midlands Police's total only" in content
    for person in north:  # the writers (the page names only the manager reading it, as signed in)
        assert person.username not in content
    assert "Believed" not in content and "Amira" not in content
    # A council's manager sees the force's figures, never its teams.
    manchester = client_for(make_user(world.manchester, Role.TEAM_MANAGER)).get("/language/patterns/")
    assert "West Midlands Police" in manchester.content.decode() and "North" not in manchester.content.decode()


def test_the_page_is_for_managers_only_and_links_a_home_to_its_training_records(world, client_for):
    home_manager = make_user(world.provider, Role.PROVIDER_MANAGER)
    page = client_for(home_manager).get("/language/patterns/").content.decode()
    assert 'data-testid="patterns-none"' in page
    assert f"/placements/homes/{world.provider.code}/" in page  # the staff's training records
    assert 'data-testid="patterns-link"' in client_for(home_manager).get("/").content.decode()
    for who in ("provider_staff", "social_worker", "police_officer"):
        assert client_for(getattr(world, who)).get("/language/patterns/").status_code == 403
    assert 'data-testid="patterns-link"' not in client_for(world.social_worker).get("/").content.decode()
