"""Counting the guide's phrases in text saved about a child (issue 16, patterns), on the episode
events (episodes.signals): the report's circumstances when an episode is opened, and each update's
text. A fault here must never stop a child being reported missing: it runs in a savepoint and is
logged."""

import logging

from django.db import transaction

from homeward.episodes import signals

log = logging.getLogger(__name__)


def _tally_safely(*, user, episode, text: str, at) -> None:
    from homeward.language.services import phrase_tally_record

    try:
        with transaction.atomic():
            phrase_tally_record(
                agency=getattr(user, "agency", None), authority=episode.child.responsible_authority, text=text, at=at
            )
    except Exception:
        log.exception("Language tally failed for episode %s", episode.pk)


def on_episode_opened(sender, *, user, episode, **kwargs) -> None:
    _tally_safely(user=user, episode=episode, text=episode.circumstances, at=episode.reported_at)


def on_episode_updated(sender, *, user, episode, update, **kwargs) -> None:
    _tally_safely(user=user, episode=episode, text=update.text, at=update.recorded_at)


def connect() -> None:
    signals.episode_opened.connect(on_episode_opened, dispatch_uid="language-tally-opened")
    signals.episode_updated.connect(on_episode_updated, dispatch_uid="language-tally-updated")
