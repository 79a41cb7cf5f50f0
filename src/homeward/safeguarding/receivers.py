"""The rules run on each episode event, inside the transaction of the write that caused it
(episodes.signals), so a flag raised and the write that raised it commit together.

A fault in the rules must never stop a child being reported missing or their return recorded: the
evaluation runs in a savepoint, and if it fails the write goes ahead, the error is logged and the
worker evaluates the child again (tasks.evaluate).

Time passing is no event, so an opening also sets clocks (services.risk_flag_clocks_set) for when
the missing overnight and missing over 24 hours flags come to hold; the return stops them.
"""

import logging

from django.db import transaction

from homeward.episodes import signals
from homeward.tasks.queue import enqueue, enqueue_many

log = logging.getLogger(__name__)
EVALUATE_TASK = "homeward.safeguarding.tasks.evaluate"


def evaluate_safely(child_id: int, user) -> None:
    from homeward.safeguarding.services import risk_flags_evaluate

    try:
        with transaction.atomic():
            risk_flags_evaluate(child=child_id, user=user)
    except Exception:
        log.exception("Safeguarding rules failed for child %s; queued to run again", child_id)
        enqueue(EVALUATE_TASK, args={"child_id": child_id})


def on_episode_event(sender, *, user, episode, **kwargs) -> None:
    evaluate_safely(episode.child_id, user)


def on_episodes_recorded(sender, *, children, **kwargs) -> None:
    # A return of many rows names many children: each is evaluated once, by the worker, so a
    # council's whole return is not held up by the rules (the same rules the events above run).
    enqueue_many(
        EVALUATE_TASK,
        args_list=[{"child_id": child_id} for child_id in children],
        dedupe_keys=[f"{EVALUATE_TASK}:{child_id}" for child_id in children],
    )


def _clocks_safely(change, episode) -> None:
    # As with the rules: a fault setting a flag clock must not stop the report or the return.
    try:
        with transaction.atomic():
            change(episode=episode)
    except Exception:
        log.exception("Safeguarding flag clocks failed for episode %s", episode.pk)


def on_episode_opened(sender, *, episode, **kwargs) -> None:
    from homeward.safeguarding.services import risk_flag_clocks_set

    _clocks_safely(risk_flag_clocks_set, episode)


def on_episode_returned(sender, *, episode, **kwargs) -> None:
    from homeward.safeguarding.services import risk_flag_clocks_stop

    _clocks_safely(risk_flag_clocks_stop, episode)


# Every event that can change a rule's facts: when, how long, where (last seen, sightings, found
# at), what the child said at the return interview.
EVENTS = [
    signals.episode_opened,
    signals.episode_kind_changed,
    signals.episode_risk_graded,
    signals.episode_updated,
    signals.episode_returned,
    signals.episode_closed,
    signals.return_interview_changed,
]


def connect() -> None:
    for signal in EVENTS:
        signal.connect(on_episode_event, dispatch_uid=f"safeguarding-{id(signal)}")
    # Time passing raises the missing overnight and over 24 hours flags: clocks, not events.
    signals.episode_opened.connect(on_episode_opened, dispatch_uid="safeguarding-flag-clocks-set")
    signals.episode_returned.connect(on_episode_returned, dispatch_uid="safeguarding-flag-clocks-stop")
    signals.episodes_recorded.connect(on_episodes_recorded, dispatch_uid="safeguarding-episodes-recorded")
