"""The police briefing sheet: the HTML print view and the PDF."""

import datetime
import io
import re
from html import unescape

import pytest
from pypdf import PdfReader

from homeward import dates
from homeward.audit.models import AuditEvent
from homeward.children.models import Placement
from homeward.episodes import services
from homeward.episodes.models import Episode
from homeward.safeguarding import services as flag_services
from homeward.safeguarding.models import FlagKind
from tests.episodes_ui.conftest import PNG, ago


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_print_view_has_part_a_part_b_the_photo_the_risk_and_the_references(world, client_for, story):
    story.profile(associates="Jay, older friend")
    episode = story.grade(story.open())
    services.episode_add_police_reference(user=world.police_officer, why="test", episode=episode.pk, reference="WMP-9")
    response = client_for("police_officer").get(f"/episodes/{episode.pk}/briefing/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Amira Okafor",
        "Black puffer jacket",
        "Oak House, front door",
        "High risk",
        "WMP-9",
        "Jay, older friend",
        "Part A: Philomena profile",
        "Part B: going missing",
        "OFFICIAL-SENSITIVE",
    ]:
        assert text in html, text
    assert f'src="/children/{world.child.pk}/profile/photo/?version=1"' in html
    assert 'href="/static/episodes/episodes.css"' in html  # the print stylesheet: no inline style (CSP)
    assert "style=" not in html


def test_the_pdf_is_a_pdf_with_the_child_the_risk_and_the_photo(world, client_for, story):
    story.profile()
    episode = story.grade(story.open())
    response = client_for("police_officer").get(f"/episodes/{episode.pk}/briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "no-store"
    content = response.content
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert 1 <= len(reader.pages) <= 2
    text = _pdf_text(content)
    for words in ["Amira Okafor", "High risk", "Black puffer jacket", "Tall, short dark hair", "OFFICIAL-SENSITIVE"]:
        assert words in text, words
    assert any(page.images for page in reader.pages)  # the photo


def test_the_pdf_without_a_profile_or_photo(world, client_for, story):
    episode = story.open()
    content = client_for("social_worker").get(f"/episodes/{episode.pk}/briefing.pdf").content
    text = _pdf_text(content)
    assert "Amira Okafor" in text and "No Philomena profile is on file." in text and "No photo on file" in text


def test_the_uncompressed_pdf_carries_the_name_in_its_bytes(world, story):
    from django.utils import timezone

    from homeward.episodes import briefing_pdf, presenters
    from homeward.episodes.selectors import episode_briefing

    episode = story.open()
    briefing = episode_briefing(user=world.police_officer, episode_id=episode.pk, why="test")
    context = {
        "episode": briefing.episode,
        "child": briefing.child,
        "profile": None,
        "placement": briefing.placement,
        "history": presenters.missing_history(briefing.history),
        "gradings": [],
        "missing_for": "3 hours",
        "age": 14,
        "printed_at": timezone.now(),
    }
    content = briefing_pdf.render(context, photo=PNG, compress=False)
    assert content.startswith(b"%PDF") and b"Amira Okafor" in content
    assert "Amira Okafor" in _pdf_text(content)


def test_a_name_beyond_the_font_still_prints(world, client_for, story):
    world.child.first_name = "Zoś"
    world.child.save()
    content = client_for("social_worker").get(f"/episodes/{story.open().pk}/briefing.pdf").content
    assert "Zos Okafor" in _pdf_text(content)


@pytest.mark.parametrize("who", ["unrelated_social_worker", "gmp_officer"])
def test_the_briefing_is_not_found_out_of_scope(world, client_for, story, who):
    story.profile()
    episode = story.open()
    for path in ["briefing/", "briefing.pdf"]:
        response = client_for(who).get(f"/episodes/{episode.pk}/{path}")
        assert response.status_code == 404 and b"Okafor" not in response.content


def test_after_the_return_the_police_briefing_leaves_part_a_out(world, client_for, story):
    story.profile(associates="Jay, older friend")
    episode = story.return_(story.open())
    html = client_for("police_officer").get(f"/episodes/{episode.pk}/briefing/").content.decode()
    assert "Jay, older friend" not in html and "no longer shared" in html


def _earlier_episode(world, *, kind: str, days_ago: int, hours: int, place: str = "", how: str = "") -> None:
    started = ago(days=days_ago)
    episode, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind=kind,
        started_at=started,
        reported_at=started + datetime.timedelta(minutes=30),
    )
    services.episode_record_return(
        user=world.provider_staff,
        why="test",
        episode=episode.pk,
        returned_at=started + datetime.timedelta(hours=hours),
        how=how,
        place=place,
    )


@pytest.fixture
def history(world):
    """Three earlier episodes: one over a year ago, two within it; the placement began before them all."""
    Placement.objects.filter(child=world.child).update(start_date=datetime.date.today() - datetime.timedelta(days=600))
    _earlier_episode(world, kind="missing", days_ago=400, hours=6, place="Aston Park", how="police")
    _earlier_episode(world, kind="away", days_ago=60, hours=26, place="Her aunt's flat", how="family")
    _earlier_episode(world, kind="missing", days_ago=10, hours=5, how="own_accord")


def test_the_briefing_shows_the_missing_history_computed_from_the_record(world, client_for, story, history):
    story.profile(photo=None)  # its previous missing history left blank
    episode = story.open()
    html = unescape(client_for("police_officer").get(f"/episodes/{episode.pk}/briefing/").content.decode())
    section = html.split('data-testid="briefing-history"')[1].split("Part A: Philomena profile")[0]
    assert 'In the 12 months before this episode</dt><dd class="govuk-summary-list__value">1 missing, 1 away' in section
    assert 'In all, before this episode</dt><dd class="govuk-summary-list__value">2 missing, 1 away' in section
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', section.split("<tbody")[1], re.S)
    cells = [re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row) for row in rows]
    earliest = Episode.objects.filter(child=world.child).order_by("started_at").first()
    assert [c[1:] for c in cells] == [
        ["Missing", "5 hours", "Returned of their own accord"],
        ["Away", "1 day 2 hours", "Her aunt's flat (found or brought back by family or friends)"],
        ["Missing", "6 hours", "Aston Park (found by police)"],
    ]
    assert cells[2][0] == dates.when(earliest.started_at)
    # The blank "Previous missing history" in Part A is the record's, not "Not recorded".
    assert (
        'Previous missing history</dt><dd class="govuk-summary-list__value homeward-pre">From the record: '
        "3 earlier episodes (2 missing, 1 away), 2 of them in the 12 months before this one." in html
    )
    listed = AuditEvent.objects.filter(user_id=world.police_officer.pk, action="list", object_type="episode").last()
    assert listed.child_id == world.child.pk and len(listed.detail["episodes"]) == 3


def test_the_pdf_carries_the_missing_history(world, client_for, story, history):
    story.profile(associates="Jay, older friend", medical_needs="Asthma: blue inhaler")
    episode = story.open()
    content = client_for("police_officer").get(f"/episodes/{episode.pk}/briefing.pdf").content
    assert len(PdfReader(io.BytesIO(content)).pages) <= 2  # still a sheet an officer can carry
    flat = " ".join(_pdf_text(content).split())
    for words in [
        "Missing history",
        "In the 12 months before this episode 1 missing, 1 away",
        "In all, before this episode 2 missing, 1 away",
        "Aston Park (found by police)",
        "1 day 2 hours",
        "From the record: 3 earlier episodes (2 missing, 1 away), 2 of them in the 12 months before this one.",
    ]:
        assert words in flat, words


def test_a_first_episode_says_there_is_no_earlier_one(world, client_for, story):
    # Last seen now: an episode still open at 06:00 since it began would raise "missing overnight"
    # (a test run between 06:00 and 09:00 failed when this one began three hours ago).
    episode = story.open(hours=0)
    client = client_for("police_officer")
    html = client.get(f"/episodes/{episode.pk}/briefing/").content.decode()
    assert "No earlier episodes on record." in html and "No risk flags raised." in html
    assert "No earlier episodes on record." in _pdf_text(client.get(f"/episodes/{episode.pk}/briefing.pdf").content)


def test_the_briefing_lists_the_childs_raised_risk_flags(world, client_for, story):
    episode = story.open()
    flag_services.risk_flag_raise(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        kind=FlagKind.PRACTITIONER_CONCERN,
        reason="Seen getting into cars with older men",
    )
    client = client_for("police_officer")
    html = unescape(client.get(f"/episodes/{episode.pk}/briefing/").content.decode())
    flags = html.split('data-testid="briefing-flags"')[1].split("</ul>")[0]
    assert "<strong>Practitioner's concern</strong>" in flags and "Seen getting into cars with older men" in flags
    text = " ".join(_pdf_text(client.get(f"/episodes/{episode.pk}/briefing.pdf").content).split())
    assert "Risk flags" in text and "Seen getting into cars with older men" in text
