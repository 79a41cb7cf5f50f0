"""The safeguarding task the worker runs: the rules again, for a child whose evaluation failed."""

from homeward.safeguarding import services
from homeward.tasks.queue import task


@task(max_attempts=5)
def evaluate(*, child_id: int) -> None:
    services.risk_flags_evaluate(child=child_id)
