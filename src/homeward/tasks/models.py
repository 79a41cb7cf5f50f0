"""The task table: the queue and the scheduler in one (architecture.md: no broker by default).

A row is a call to a registered function, due at run_at. Workers (`homeward worker`) claim due rows
with a lease, run them and mark them done; a row whose lease ran out (its worker died) is due again.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


PENDING = [Status.QUEUED, Status.RUNNING]  # literals in the partial index's condition


class Task(models.Model):
    name = models.CharField(max_length=200)  # the registered function's dotted path
    args = models.JSONField(default=dict)  # keyword arguments: JSON only, so any runner can carry them
    run_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)  # counted when claimed, so a crash counts too
    max_attempts = models.PositiveIntegerField(default=10)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)  # the lease
    last_error = models.TextField(blank=True)
    # Scheduling the same thing twice while it is pending (queued or running) is a no-op: the second
    # insert conflicts. Once the task is done or has failed the key is free, so a clock can be set
    # again (an interview offered again after the overdue alert): callers that must not repeat a
    # clock that has fired do not set it twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(dedupe_key__isnull=False, status__in=PENDING),
                name="task_dedupe_key_pending_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="task_status_valid"),
        ]
        indexes = [
            # The worker's poll reads only due work: a handful of rows among every task ever run.
            models.Index(fields=["run_at"], condition=Q(status="queued"), name="task_queued_run_at"),
            models.Index(fields=["locked_until"], condition=Q(status="running"), name="task_running_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"
