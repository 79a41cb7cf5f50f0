"""The police briefing sheet: the HTML print view and the PDF."""

import io

import pytest
from pypdf import PdfReader

from homeward.episodes import services
from tests.episodes_ui.conftest import PNG


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

    from homeward.episodes import briefing_pdf
    from homeward.episodes.selectors import episode_briefing

    episode = story.open()
    briefing = episode_briefing(user=world.police_officer, episode_id=episode.pk, why="test")
    context = {
        "episode": briefing.episode,
        "child": briefing.child,
        "profile": None,
        "placement": briefing.placement,
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
