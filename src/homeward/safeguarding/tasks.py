"""The safeguarding tasks the worker runs: the rules again, for a child whose evaluation failed; the
flag clocks of a child still missing; a screening's reassessment falling due."""

import datetime

from homeward.safeguarding import services
from homeward.tasks.queue import task


@task(max_attempts=5)
def evaluate(*, child_id: int) -> None:
    services.risk_flags_evaluate(child=child_id)


@task
def flags_due(*, child_id: int, episode_id: int, due_at: str) -> None:
    services.risk_flags_due(child_id=child_id, episode_id=episode_id, due_at=datetime.datetime.fromisoformat(due_at))


@task
def reassessment_due(*, screening_id: int, due_at: str) -> None:
    services.screening_reassessment_due(screening_id=screening_id, due_at=datetime.datetime.fromisoformat(due_at))
