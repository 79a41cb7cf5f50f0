"""A school's report that a looked-after pupil is not in school and not where expected (issue 18).

A school is often the first to know a child is not where they should be (DfE 2014: "missing from
care" includes not being at the place they are expected to be, such as school). The report waits
for the carer or the council to say what it is: missing, away, or accounted for. Confirmed missing or
away, it becomes an episode (episodes.services.episode_open) that starts from the school's time, so
the first sign is not lost between agencies.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from homeward.agencies.models import Agency
from homeward.children.models import Child


class Outcome(models.TextChoices):
    AWAITING = "awaiting", "Awaiting confirmation"
    MISSING = "missing", "Confirmed missing"
    AWAY = "away", "Confirmed away from placement"
    ACCOUNTED_FOR = "accounted_for", "Accounted for"


# The outcomes that make an episode, with its kind (episodes.models.Kind's values).
EPISODE_KINDS = {Outcome.MISSING: "missing", Outcome.AWAY: "away"}


class SchoolReport(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="school_reports")
    school = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # When the school last saw the child, or expected them and they did not come: the episode's start
    # if confirmed (SSDA903 MIS_START: last seen by a responsible adult).
    last_seen_at = models.DateTimeField()
    details = models.TextField()  # what the school knows: registration missed, calls made, friends asked
    reported_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.AWAITING)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)  # e.g. "At the dentist with her carer"
    episode = models.ForeignKey("episodes.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="school_report_outcome_valid"),
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("last_seen_at")), name="school_report_after_last_seen"
            ),
            # One report awaiting an answer per child: a second school (or the same one again) adds
            # nothing until the carer or council has said what the first one is.
            models.UniqueConstraint(
                fields=["child"], condition=Q(outcome="awaiting"), name="school_report_one_awaiting_per_child"
            ),
            models.CheckConstraint(
                condition=Q(outcome="awaiting") | Q(outcome_at__isnull=False), name="school_report_answered_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"School report {self.pk} ({self.outcome}) for child {self.child_id}"

    @property
    def awaiting(self) -> bool:
        return self.outcome == Outcome.AWAITING
