"""The loader links an interview not yet held when the child went missing again, as episode_open
does (episodes.services): to the first episode reported while it was open, saying so on its timeline."""

from django.db.models import Q

from homeward import dates
from homeward.episodes.models import Episode, ReturnInterview, UpdateKind
from homeward.synth.loader import world_load


def test_interviews_open_when_the_child_went_missing_again_are_linked_as_the_service_links_them(
    reference, open_world_dir
):
    world_load(directory=open_world_dir)
    linked = ReturnInterview.objects.exclude(missing_again_episode=None).select_related(
        "episode", "missing_again_episode"
    )
    assert linked.exists(), "the synthetic world has children missing again before their interview"
    for interview in linked:
        later = interview.missing_again_episode
        assert later.child_id == interview.episode.child_id and later.started_at > interview.episode.started_at
        assert interview.episode.returned_at <= later.reported_at
        assert interview.closed_at is None or interview.closed_at > later.reported_at
        reported = later.updates.get(kind=UpdateKind.REPORTED).text
        assert (
            f"The return interview after the episode of {dates.when(interview.episode.started_at, date_only=True)} is still open."
            in reported
        )
    # None that the rule would link is left out: each open at a later report is linked to the first.
    for interview in ReturnInterview.objects.filter(missing_again_episode=None).select_related("episode")[:500]:
        later = Episode.objects.filter(
            Q(reported_at__lt=interview.closed_at) if interview.closed_at else Q(),
            child_id=interview.episode.child_id,
            started_at__gt=interview.episode.started_at,
            reported_at__gte=interview.episode.returned_at,
        )
        assert not later.exists(), interview.pk
