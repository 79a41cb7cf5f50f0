"""What record linkage and episode reconciliation decided, and the people's decisions they respect.

- LinkRun: one run of the linkage: over every police report and child, training the model again
  (linkage.services.linkage_run), or over the few reports that arrived since, scored with the last
  full run's model (linkage.services.linkage_update).
- CandidatePair: a police report and a child it may be about; linked automatically, waiting for a
  person, or decided by one. A decision (confirmed or rejected) is kept and respected on every later
  run: the pair is never rescored into something else.
- CountUnit: the one count. Each absence is one unit: an episode known to both the council and the
  police, an episode known to the council only, or an absence known to the police only, with the
  likely reason for a gap (linkage.reconcile.REASONS), and the police reports in it (CountUnitReport:
  each report in one unit). Rebuilt by each reconciliation, for everyone or for some children.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from homeward.agencies.models import Agency
from homeward.children.models import Child
from homeward.episodes.models import Episode
from homeward.linkage import reconcile, reports
from homeward.returns.models import PoliceReport


class LinkRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    why = models.CharField(max_length=200)
    police_reports = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    linked_auto = models.PositiveIntegerField(default=0)
    linked_confirmed = models.PositiveIntegerField(default=0)
    to_review = models.PositiveIntegerField(default=0)
    unlinked = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)
    model = models.JSONField(default=dict, blank=True)  # the trained Splink settings (its JSON model format)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"


class PairStatus(models.TextChoices):
    AUTO = reports.LINKED_AUTO, "Linked automatically"
    REVIEW = reports.REVIEW, "Waiting for review"
    CONFIRMED = reports.CONFIRMED, "Confirmed by a person"
    REJECTED = reports.REJECTED, "Rejected by a person"


DECIDED = (PairStatus.CONFIRMED, PairStatus.REJECTED)


class CandidatePair(models.Model):
    police_report = models.ForeignKey(PoliceReport, on_delete=models.CASCADE, related_name="candidate_pairs")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="candidate_pairs")
    status = models.CharField(max_length=10, choices=PairStatus.choices)
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # The engine's explanation when the pair was last scored: each field's values, level and weight.
    explanation = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey(LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="pairs")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["police_report", "child"], name="candidate_pair_once"),
            models.CheckConstraint(condition=Q(status__in=PairStatus.values), name="candidate_pair_status_valid"),
            # A decision names who made it.
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED) | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="candidate_pair_decision_has_a_decider",
            ),
        ]
        indexes = [models.Index(fields=["status", "child"], name="candidate_pair_status_child")]

    def __str__(self) -> str:
        return f"{self.police_report} ~ child {self.child_id} ({self.status})"


class Known(models.TextChoices):
    BOTH = reconcile.BOTH, "Known to both"
    POLICE_ONLY = reconcile.POLICE_ONLY, "Police only"
    COUNCIL_ONLY = reconcile.COUNCIL_ONLY, "Council only"


class CountUnit(models.Model):
    known = models.CharField(max_length=12, choices=Known.choices)
    reason = models.CharField(max_length=20, blank=True, choices=[(k, k) for k in reconcile.REASONS])
    child = models.ForeignKey(Child, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Denormalised for the report's GROUP BY: the child's council, and the force of the report(s) or,
    # for an episode the police never reported, the force of the area it was in.
    responsible_authority = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    force = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    started_on = models.DateField()  # local (Europe/London) date: periods are chosen by date

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(known__in=Known.values), name="count_unit_known_valid"),
            # A council-side unit has its episode; a police-only one has its reports and no episode.
            models.CheckConstraint(
                condition=(Q(known=reconcile.POLICE_ONLY) & Q(episode__isnull=True))
                | (~Q(known=reconcile.POLICE_ONLY) & Q(episode__isnull=False)),
                name="count_unit_episode_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_authority", "started_on"], name="count_unit_council_day"),
            models.Index(fields=["force", "started_on"], name="count_unit_force_day"),
            models.Index(fields=["child"], name="count_unit_child"),
        ]

    def __str__(self) -> str:
        return f"{self.get_known_display()} from {self.started_on}"


class CountUnitReport(models.Model):
    unit = models.ForeignKey(CountUnit, on_delete=models.CASCADE, related_name="reports")
    police_report = models.OneToOneField(PoliceReport, on_delete=models.CASCADE, related_name="count_unit")

    def __str__(self) -> str:
        return f"{self.police_report} in unit {self.unit_id}"
