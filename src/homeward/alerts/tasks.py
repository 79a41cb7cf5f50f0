"""The alert tasks the worker runs. Thin: the work is in delivery.py, services.py and rules.py."""

import datetime

from homeward.alerts import delivery, rules, services
from homeward.tasks.queue import task


# Not atomic: it commits around the SMTP conversation itself (delivery.py explains why and how).
@task(atomic=False, max_attempts=10)
def email_send(*, delivery_id: int) -> None:
    delivery.deliver(delivery_id)


@task
def renotify(*, alert_id: int, number: int, every_minutes: int, until_minutes: int, due_at: str) -> None:
    services.alert_renotify(
        alert_id=alert_id,
        number=number,
        every_minutes=every_minutes,
        until_minutes=until_minutes,
        now=datetime.datetime.fromisoformat(due_at),
    )


@task
def escalate(*, alert_id: int, after_minutes: int, due_at: str) -> None:
    services.alert_escalate(alert_id=alert_id, after_minutes=after_minutes, now=datetime.datetime.fromisoformat(due_at))


@task
def missing_longer_than(*, episode_id: int, hours: int, due_at: str) -> None:
    rules.missing_longer_than(episode_id=episode_id, hours=hours, due_at=datetime.datetime.fromisoformat(due_at))


@task
def ukmpu_due(*, episode_id: int, due_at: str) -> None:
    rules.ukmpu_due(episode_id=episode_id, due_at=datetime.datetime.fromisoformat(due_at))


@task
def interview_overdue(*, interview_id: int, due_at: str) -> None:
    rules.interview_overdue(interview_id=interview_id, due_at=datetime.datetime.fromisoformat(due_at))
