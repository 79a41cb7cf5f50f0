"""At the moment of writing: a form with free text about a child shows the guide's phrases, why and
what instead, with the text as typed; the writer rewords or keeps it; nothing is changed for them."""

import datetime
import html

from django.utils import timezone

from homeward.episodes.models import Episode, EpisodeUpdate
from homeward.language.services import guide_entry_save
from homeward.safeguarding.models import RiskFlag
from tests.conftest import make_user

TYPED = "Left after a phone call.  She is putting herself at risk with her boyfriend.\r\nStaff  worried."


def _parts(prefix: str, value: datetime.datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {
        f"{prefix}_day": str(local.day),
        f"{prefix}_month": str(local.month),
        f"{prefix}_year": str(local.year),
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def _report(**overrides) -> dict:
    data = {
        "kind": "missing",
        **_parts("last_seen", timezone.now() - datetime.timedelta(minutes=40)),
        "last_seen_location": "Oak House, front door",
        "circumstances": TYPED,
    }
    return data | overrides


def test_phrases_are_shown_with_why_and_what_instead_and_nothing_is_saved(world, client_for):
    response = client_for("provider_staff").post(f"/children/{world.child.pk}/report-missing/", _report())
    assert response.status_code == 200 and not Episode.objects.exists()
    page = html.unescape(response.content.decode())
    # The text comes back exactly as typed, for the writer to reword or keep.
    assert f">{TYPED.replace(chr(13), '')}</textarea>" in page.replace("\r", "")
    assert "“putting herself at risk”, “boyfriend” may read as blaming Amira" in page
    assert "It says the child is the cause of the danger" in page
    assert "Say who or what the child is at risk from" in page
    assert "makes abuse sound like romance" in page
    assert 'name="language_keep" type="checkbox" value="circumstances:boyfriend,self_risk"' in page
    assert "Keep my wording" in page


def test_keeping_the_wording_saves_exactly_what_was_typed(world, client_for):
    client = client_for("provider_staff")
    response = client.post(
        f"/children/{world.child.pk}/report-missing/", _report(language_keep="circumstances:boyfriend,self_risk")
    )
    assert response.status_code == 302
    assert Episode.objects.get().circumstances == TYPED.strip()


def test_rewording_saves_the_new_words(world, client_for):
    client = client_for("provider_staff")
    client.post(f"/children/{world.child.pk}/report-missing/", _report())
    reworded = "Left after a phone call. We are worried she is being exploited by an adult man she calls her boyfriend, aged 24."
    response = client.post(f"/children/{world.child.pk}/report-missing/", _report(circumstances=reworded))
    # "boyfriend" is still there, for an adult: the writer has said who he is, and is asked once more.
    assert response.status_code == 200
    reworded = "Left after a phone call. We are worried she is being exploited by a man aged 24."
    response = client.post(f"/children/{world.child.pk}/report-missing/", _report(circumstances=reworded))
    assert response.status_code == 302 and Episode.objects.get().circumstances == reworded


def test_keeping_covers_only_the_phrases_shown(world, client_for):
    client = client_for("provider_staff")
    text = "She absconded again and is putting herself at risk."
    response = client.post(
        f"/children/{world.child.pk}/report-missing/",
        _report(circumstances=text, language_keep="circumstances:self_risk"),
    )
    assert response.status_code == 200 and not Episode.objects.exists()
    assert "“absconded”" in html.unescape(response.content.decode())


def test_clean_text_goes_straight_through(world, client_for):
    response = client_for("provider_staff").post(
        f"/children/{world.child.pk}/report-missing/",
        _report(circumstances="Left after a phone call from an unknown adult."),
    )
    assert response.status_code == 302 and Episode.objects.count() == 1


def test_an_update_on_the_episode_page_is_checked_with_its_prefix(world, client_for, episode):
    client = client_for("police_officer")
    data = {
        "update-kind": "note",
        **_parts("update-at", timezone.now() - datetime.timedelta(minutes=5)),
        "update-text": "Believed to be streetwise and chose to go.",
        "update-location": "",
        "update-postcode": "",
    }
    response = client.post(f"/episodes/{episode.pk}/updates/", data)
    assert response.status_code == 200 and not EpisodeUpdate.objects.filter(kind="note").exists()
    page = html.unescape(response.content.decode())
    assert 'name="update-language_keep" type="checkbox" value="text:choice,streetwise"' in page
    response = client.post(
        f"/episodes/{episode.pk}/updates/", data | {"update-language_keep": "text:choice,streetwise"}
    )
    assert response.status_code == 302
    assert EpisodeUpdate.objects.get(kind="note").text == "Believed to be streetwise and chose to go."


def test_a_flags_reason_is_checked(world, client_for):
    client = client_for("social_worker")
    data = {"kind": "practitioner_concern", "reason": "Sexually active with older males"}
    response = client.post(f"/children/{world.child.pk}/flags/", data)
    assert response.status_code == 200 and not RiskFlag.objects.exists()
    assert "“Sexually active”" in html.unescape(response.content.decode())
    response = client.post(f"/children/{world.child.pk}/flags/", data | {"language_keep": "reason:sexually_active"})
    assert response.status_code == 302 and RiskFlag.objects.get().facts["reason"] == "Sexually active with older males"


def test_the_childs_councils_own_entries_apply_to_whoever_writes(world, client_for):
    from homeward.agencies.models import Role

    manager = make_user(world.manchester, Role.TEAM_MANAGER)
    guide_entry_save(
        user=manager,
        key="nuisance",
        label="“Nuisance”",
        patterns="nuisance+",
        why="It treats a child in danger as a problem for the adults.",
        instead="Say what happened and why it worries you",
    )
    response = client_for("provider_staff").post(
        f"/children/{world.child.pk}/report-missing/", _report(circumstances="She is a nuisance on the ward.")
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "It treats a child in danger as a problem" in page
    assert "Manchester" in page and "guide" in page
    # Leeds's child is checked with Homeward's guide and Leeds's, not Manchester's.
    leeds = client_for("unrelated_social_worker").post(
        f"/children/{world.leeds_child.pk}/report-missing/", _report(circumstances="She is a nuisance on the ward.")
    )
    assert leeds.status_code == 302
