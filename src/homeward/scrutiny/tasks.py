"""The scrutiny clocks the worker runs. Thin: the work is in services.py."""

import datetime

from homeward.scrutiny import services
from homeward.tasks.queue import task


@task
def requirement_overdue(*, requirement_id: int, rung: int, due_at: str) -> None:
    services.requirement_overdue(
        requirement_id=requirement_id, rung=rung, due_at=datetime.datetime.fromisoformat(due_at)
    )
