"""The episode page: /episodes/<id>/ shows the record to everyone with a reason, and each small form
only to those whose role may use it."""

import pytest
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.episodes import services
from tests.episodes_ui.conftest import ago

SEES_THE_CHILD = ["social_worker", "host_coordinator", "police_officer", "provider_staff", "inspector"]
DOES_NOT = ["unrelated_social_worker", "gmp_officer", "other_provider_staff", "expired_inspector", "national_analyst"]
# Which forms each role is offered on an open episode (the form's action ends with these).
FORMS = {
    "provider_staff": {"updates", "kind", "return"},
    "social_worker": {"updates", "kind", "return"},
    "host_coordinator": {"updates", "kind", "return"},
    "police_officer": {"police-reference", "risk", "updates", "kind", "return"},
    "inspector": set(),
}
ACTION_PATHS = [
    "police-reference",
    "risk",
    "updates",
    "kind",
    "return",
    "safe-and-well",
    "close",
    "return-interview",
    "return-interview/findings",
]


def _forms_on(html: str, episode_id: int) -> set[str]:
    return {path for path in ACTION_PATHS if f'action="/episodes/{episode_id}/{path}/"' in html}


@pytest.mark.parametrize("who", SEES_THE_CHILD)
def test_it_shows_the_episode_to_everyone_with_a_reason(world, client_for, story, who):
    episode = story.grade(story.open())
    response = client_for(who).get(f"/episodes/{episode.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amira Okafor" in html and "Black puffer jacket" in html and "Oak House, front door" in html
    assert "High risk" in html
    assert _forms_on(html, episode.pk) == FORMS[who]
    # The read is audited with the route as the reason.
    user = getattr(world, who)
    assert AuditEvent.objects.filter(
        user_id=user.pk, object_type="episode", object_id=str(episode.pk), why="episodes:detail"
    ).exists()


@pytest.mark.parametrize("who", DOES_NOT)
def test_it_is_not_found_for_anyone_else(world, client_for, story, who):
    episode = story.open()
    client = client_for(who)
    for path in ["", "briefing/", "briefing.pdf", *[f"{p}/" for p in ACTION_PATHS]]:
        response = client.get(f"/episodes/{episode.pk}/{path}".replace("/briefing.pdf/", "/briefing.pdf"))
        assert response.status_code == 404, path
        assert b"Okafor" not in response.content


def test_an_unknown_episode_is_not_found(world, client_for):
    assert client_for("social_worker").get("/episodes/999999/").status_code == 404


def test_returned_episode_offers_the_safe_and_well_check_and_close_to_the_police(world, client_for, story):
    episode = story.return_(story.open())
    police = client_for("police_officer").get(f"/episodes/{episode.pk}/").content.decode()
    assert _forms_on(police, episode.pk) == {"police-reference", "risk", "updates", "safe-and-well", "close"}
    council = client_for("social_worker").get(f"/episodes/{episode.pk}/").content.decode()
    # The responsible council closes its record, and commissions the interview.
    assert _forms_on(council, episode.pk) == {"updates", "close", "return-interview"}
    provider = client_for("provider_staff").get(f"/episodes/{episode.pk}/").content.decode()
    assert _forms_on(provider, episode.pk) == {"updates"}
    assert "Return interview" in provider and "Assigned" in provider


def test_a_closed_episode_offers_nothing_more(world, client_for, story):
    episode = story.return_(story.open())
    services.episode_close(user=world.police_officer, why="test", episode=episode.pk)
    html = client_for("police_officer").get(f"/episodes/{episode.pk}/").content.decode()
    assert _forms_on(html, episode.pk) == set()
    assert "Closed" in html


def test_the_risk_history_and_who_did_each_step(world, client_for, story):
    episode = story.open()
    story.grade(episode, "medium")
    story.grade(episode, "high")
    html = client_for("social_worker").get(f"/episodes/{episode.pk}/").content.decode()
    history = html.split('data-testid="risk-history"')[1].split("</table>")[0]
    assert history.index("High risk") < history.index("Medium risk")  # latest first
    assert history.count("West Midlands Police") == 2 and "Call from Oak House" in history
    updates = html.split('data-testid="updates"')[1]
    assert "Reported" in updates and "Oak House" in updates and "Risk graded" in updates


def _next_review(client, episode) -> str:
    return (
        client.get(f"/episodes/{episode.pk}/").content.decode().split('data-testid="next-review"')[1].split("</p>")[0]
    )


def test_a_just_reported_episode_awaits_its_grading_and_is_not_overdue(world, client_for, story):
    episode = story.open()
    for who in ("provider_staff", "police_officer", "social_worker"):
        review = _next_review(client_for(who), episode)
        assert "Awaiting police grading" in review and "Overdue" not in review, who


def test_the_first_risk_review_runs_from_the_grading_and_is_marked_when_overdue(world, client_for, story):
    episode = story.open(hours=20)
    services.episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=episode.pk,
        risk_grade="low",
        source="Call",
        graded_at=ago(hours=2),
    )
    review = _next_review(client_for("police_officer"), episode)
    assert "Next risk review" in review and "Overdue" not in review  # low: 12 hours from the grading
    services.episode_grade_risk(
        user=world.police_officer,
        why="test",
        episode=episode.pk,
        risk_grade="high",
        source="Call",
        graded_at=ago(hours=1, minutes=30),
    )
    assert "Overdue" in _next_review(client_for("police_officer"), episode)  # high: hourly


def test_interview_findings_are_shown_only_to_the_service_and_the_responsible_council(
    world, client_for, story, rhi_worker
):
    episode = story.return_(story.open())
    services.return_interview_update(user=rhi_worker, why="test", episode=episode.pk, status="offered")
    services.return_interview_update(
        user=rhi_worker,
        why="test",
        episode=episode.pk,
        status="completed",
        held_at=timezone.now(),
        why_went="Met an older friend",
        exploitation_indicators=["older_controlling_adult"],
    )
    # Not to inspectors: Ofsted asks whether an interview was offered and accepted, not what was said (agencies.fields).
    for who, sees in [
        ("social_worker", True),
        ("inspector", False),
        ("provider_staff", False),
        ("police_officer", False),
    ]:
        html = client_for(who).get(f"/episodes/{episode.pk}/").content.decode()
        assert ("Met an older friend" in html) is sees, who
        assert ("Older &#x27;boyfriend&#x27; or controlling adult" in html) is sees, who
    html = client_for(rhi_worker).get(f"/episodes/{episode.pk}/").content.decode()
    assert "Met an older friend" in html
