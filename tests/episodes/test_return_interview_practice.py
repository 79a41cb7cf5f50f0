"""Return home interviews as practice runs them: a decline with its reason, who held the interview
and whether they are independent, the child's own words, and a child missing again before it."""

import pytest
from django.core.exceptions import ValidationError

from homeward.episodes import services
from homeward.episodes.models import Episode, ReturnInterview
from tests.episodes.conftest import ago


def _back(world, *, hours: int = 6) -> Episode:
    episode, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        started_at=ago(hours=hours),
        reported_at=ago(hours=hours),
    )
    services.episode_record_return(
        user=world.provider_staff, why="test", episode=episode.pk, returned_at=ago(hours=hours - 1)
    )
    return episode


def _refused(field: str, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        services.return_interview_update(why="test", **kwargs)
    assert list(refused.value.message_dict) == [field], refused.value.message_dict
    return refused.value.message_dict[field][0]


def test_a_decline_needs_a_reason_from_the_list(world, rhi_worker):
    episode = _back(world)
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    step = {"user": rhi_worker, "episode": episode, "status": "declined"}
    assert _refused("declined_reason", **step) == "Select why the child declined the interview."
    assert _refused("declined_reason", **step, declined_reason="busy").startswith("“busy” is not a reason")
    assert (
        _refused("declined_detail", **step, declined_reason="other", declined_detail="  ")
        == "Say why the child declined."
    )
    assert ReturnInterview.objects.get(episode=episode).status == "offered"

    services.return_interview_update(
        **step, why="test", declined_reason="other", declined_detail="Wants to talk to her aunt first"
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert (interview.status, interview.declined_reason, interview.declined_detail) == (
        "declined",
        "other",
        "Wants to talk to her aunt first",
    )
    assert episode.updates.filter(text="Return interview declined: another reason.").exists()


def test_a_reason_is_given_only_with_a_decline_and_offering_again_clears_it(world, rhi_worker):
    episode = _back(world)
    assert _refused(
        "declined_reason", user=rhi_worker, episode=episode, status="offered", declined_reason="did_not_want"
    ) == ("A reason is recorded only when the child declines.")
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    services.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="declined", declined_reason="not_reached"
    )
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    interview = ReturnInterview.objects.get(episode=episode)
    assert (interview.status, interview.declined_reason) == ("offered", "")


def test_who_held_it_and_whether_they_are_independent_are_recorded_together(world, rhi_worker):
    episode = _back(world)
    services.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="offered", offered_at=ago(hours=4)
    )
    done = {"user": rhi_worker, "episode": episode, "status": "completed", "held_at": ago(hours=1)}
    assert _refused("held_by_independent", **done, held_by="Sam Lee, Manchester RHI service").startswith(
        "Say whether the person who held it is independent"
    )
    assert _refused("held_by", **done, held_by=" ", held_by_independent=True) == "Enter who held the interview."
    services.return_interview_update(
        why="test", **done, held_by="Sam Lee, Manchester RHI service", held_by_independent=False
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert (interview.held_by, interview.held_by_independent) == ("Sam Lee, Manchester RHI service", False)


def test_who_held_it_is_not_recorded_before_it_is_held(world, rhi_worker):
    episode = _back(world)
    services.return_interview_update(user=rhi_worker, why="test", episode=episode, status="offered")
    assert _refused("held_by", user=rhi_worker, episode=episode, held_by="Sam Lee", held_by_independent=True) == (
        "Who held the interview is recorded when it is completed."
    )


def test_the_childs_own_words_are_kept_apart_from_the_workers_account(world, rhi_worker):
    episode = _back(world)
    services.return_interview_update(
        user=rhi_worker, why="test", episode=episode, status="offered", offered_at=ago(hours=4)
    )
    assert _refused("child_words", user=rhi_worker, episode=episode, child_words="I just wanted to see my mum") == (
        "Findings are recorded when the interview is completed."
    )
    services.return_interview_update(
        user=rhi_worker,
        why="test",
        episode=episode,
        status="completed",
        held_at=ago(hours=1),
        held_by="Sam Lee",
        held_by_independent=True,
        why_went="Said she missed her mother.",
        child_words="  I just wanted to see my mum  ",
    )
    interview = ReturnInterview.objects.get(episode=episode)
    assert (interview.why_went, interview.child_words) == ("Said she missed her mother.", "I just wanted to see my mum")


def test_an_interview_not_held_before_the_child_goes_missing_again_stays_open_and_is_linked(world, rhi_worker):
    first = _back(world, hours=10)
    services.return_interview_update(user=rhi_worker, why="test", episode=first, status="offered")
    again, _ = services.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        started_at=ago(hours=2),
        reported_at=ago(hours=2),
    )
    interview = ReturnInterview.objects.get(episode=first)
    assert (interview.status, interview.closed_at, interview.missing_again_episode_id) == ("offered", None, again.pk)
    [reported] = again.updates.filter(kind="reported")
    assert "The return interview after the episode of" in reported.text and "is still open." in reported.text
    # It can still be held; the next return brings an interview of its own.
    services.episode_record_return(user=world.provider_staff, why="test", episode=again.pk, returned_at=ago(hours=1))
    assert ReturnInterview.objects.filter(episode__child=world.child, closed_at__isnull=True).count() == 2
    assert ReturnInterview.objects.get(episode=again).missing_again_episode_id is None


def test_a_closed_interview_is_not_linked_to_a_later_episode(world, rhi_worker):
    first = _back(world, hours=10)
    services.return_interview_update(user=rhi_worker, why="test", episode=first, status="offered")
    services.return_interview_update(
        user=rhi_worker, why="test", episode=first, status="declined", declined_reason="did_not_want"
    )
    services.episode_open(
        user=world.provider_staff, why="test", child=world.child.pk, kind="missing", started_at=ago(hours=2)
    )
    assert ReturnInterview.objects.get(episode=first).missing_again_episode_id is None


def test_the_api_takes_and_gives_the_new_fields(world, api, rhi_worker):
    episode = _back(world)
    client = api(rhi_worker)
    url = f"/api/v1/episodes/{episode.pk}/return-interview/"
    assert (
        client.post(url, {"status": "offered", "offered_at": ago(hours=4).isoformat()}, format="json").status_code
        == 200
    )
    response = client.post(url, {"status": "declined"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["declined_reason"]
    response = client.post(
        url,
        {
            "status": "completed",
            "held_at": ago(hours=1).isoformat(),
            "held_by": "Sam Lee",
            "held_by_independent": True,
            "child_words": "I was with my brother",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = client.get(f"/api/v1/episodes/{episode.pk}/").json()
    assert (body["return_interview"]["held_by"], body["return_interview"]["held_by_independent"]) == ("Sam Lee", True)
    assert (
        body["return_interview"]["declined_reason"] == "" and body["return_interview"]["missing_again_episode"] is None
    )
    assert body["return_interview_findings"]["child_words"] == "I was with my brother"
