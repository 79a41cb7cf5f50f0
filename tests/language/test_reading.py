"""Text that arrives from outside (an agency's own system, through the API) is never altered: it is
stored byte for byte, and the reader sees the guide's notes beside the words, safely escaped."""

import html

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from homeward.agencies.models import Role
from homeward.episodes.models import EpisodeUpdate
from homeward.language.models import GuideEntry
from homeward.language.selectors import child_guide_families
from homeward.language.services import guide_entry_save
from tests.conftest import make_user

# A police system's note: its own line breaks, spacing, curly quotes and an attempt at markup.
SENT = (
    "Officer note:  MISPER absconded from placement.\r\nBelieved to be with her boyfriend (adult, 20s).\n"
    "She said “I’m fine, leave me”. <b>Streetwise</b> & putting herself at risk."
)


def _post_note(world, api, episode) -> EpisodeUpdate:
    response = api(world.police_officer).post(
        f"/api/v1/episodes/{episode.pk}/updates/", {"kind": "note", "text": SENT}, format="json"
    )
    assert response.status_code == 201
    return EpisodeUpdate.objects.get(pk=response.json()["id"])


def test_imported_text_is_stored_byte_for_byte(world, api, episode):
    update = _post_note(world, api, episode)
    update.refresh_from_db()
    assert update.text.encode("utf-8") == SENT.encode("utf-8")


def test_imported_text_is_shown_with_its_notes_and_unchanged(world, api, client_for, episode):
    _post_note(world, api, episode)
    page = client_for("social_worker").get(f"/episodes/{episode.pk}/").content.decode()
    # Every phrase marked, in order, with its note beside the text.
    assert '<mark class="homeward-language-mark">absconded</mark><sup class="govuk-!-font-size-14">[1]</sup>' in page
    assert '<mark class="homeward-language-mark">boyfriend</mark>' in page
    assert '<mark class="homeward-language-mark">Streetwise</mark>' in page
    assert (
        '<mark class="homeward-language-mark">putting herself at risk</mark><sup class="govuk-!-font-size-14">[4]</sup>'
        in page
    )
    assert "Language notes" in page and "It is a word for escaping custody" in html.unescape(page)
    # The markup sent is shown as text, never run; the child's quoted words are not marked.
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert "leave me" in html.unescape(page) and '<mark class="homeward-language-mark">I' not in page
    # Take the marks away and the words are exactly those sent (line breaks kept for the reader).
    shown = page.split('data-testid="language-marked">', 1)[1].split("</span>", 1)[0]
    for tag in ('<mark class="homeward-language-mark">', "</mark>"):
        shown = shown.replace(tag, "")
    for number in range(1, 5):
        shown = shown.replace(f'<sup class="govuk-!-font-size-14">[{number}]</sup>', "")
    assert html.unescape(shown) == SENT


def test_the_childs_timeline_marks_the_same_words(world, api, client_for, episode):
    _post_note(world, api, episode)
    page = client_for("social_worker").get(f"/children/{world.child.pk}/timeline/").content.decode()
    assert '<mark class="homeward-language-mark">absconded</mark>' in page


def test_what_is_known_from_the_report_is_marked_too(world, client_for):
    import datetime

    from django.utils import timezone

    from homeward.episodes import services

    episode, _ = services.episode_open(
        user=world.police_officer,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=timezone.now() - datetime.timedelta(hours=1),
        last_seen_location="New Street station",
        circumstances="Known to be promiscuous.",
    )
    assert episode.circumstances == "Known to be promiscuous."
    page = client_for("social_worker").get(f"/episodes/{episode.pk}/").content.decode()
    assert '<mark class="homeward-language-mark">promiscuous</mark>' in page


def test_text_without_phrases_is_shown_as_it_was(world, api, client_for, episode):
    api(world.police_officer).post(
        f"/api/v1/episodes/{episode.pk}/updates/",
        {"kind": "note", "text": "Checked the bus station & the park"},
        format="json",
    )
    page = client_for("social_worker").get(f"/episodes/{episode.pk}/").content.decode()
    assert "Checked the bus station &amp; the park</span>" in page and "Language notes" not in page


def _guide_reads(queries) -> int:
    return sum(GuideEntry._meta.db_table in q["sql"] for q in queries)


def test_a_councils_own_entry_is_marked_on_its_childs_pages_read_once_a_page(world, api, client_for, episode):
    guide_entry_save(
        user=make_user(world.manchester, Role.TEAM_MANAGER),
        key="nuisance",
        label="“Nuisance”",
        patterns="nuisance+",
        why="It treats a child in danger as a problem for the adults.",
        instead="Say what happened",
    )
    for text in ("A nuisance to staff.", "Absconded again, a nuisance.", "Nothing to mark here."):
        api(world.police_officer).post(
            f"/api/v1/episodes/{episode.pk}/updates/", {"kind": "note", "text": text}, format="json"
        )
    client = client_for("social_worker")
    for url in (f"/episodes/{episode.pk}/", f"/children/{world.child.pk}/timeline/"):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        # The council's entry applies to text about its child; the guide is read once for the page.
        assert page.count('<mark class="homeward-language-mark">nuisance</mark>') == 2, url
        assert "It treats a child in danger as a problem for the adults." in html.unescape(page)
        assert '<mark class="homeward-language-mark">Absconded</mark>' in page
        assert _guide_reads(queries.captured_queries) == 1, url


def test_the_tag_marks_with_the_families_it_is_given_and_reads_nothing(world, django_assert_num_queries):
    families = child_guide_families(world.child)
    national = child_guide_families(None)
    source = "{% load language %}{% language_marked text families %}"
    with django_assert_num_queries(0):
        marked = Template(source).render(Context({"text": "He absconded.", "families": families}))
        also = Template(source).render(Context({"text": "He absconded.", "families": national}))
    assert '<mark class="homeward-language-mark">absconded</mark>' in marked and marked == also
    # A page whose view gave no families fails, rather than leave every phrase unmarked.
    with pytest.raises(TypeError, match="child_guide_families"):
        Template(source).render(Context({"text": "He absconded."}))
