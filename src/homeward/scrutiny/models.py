"""Placement scrutiny: the decisions before a child is placed, and the records that show them.

- PlacementCheck: the placement check, run by a social worker before placing (a proposal) or by the
  system on a placement it learns of, whichever door it came by. It keeps what the decision-maker
  saw (`findings`), as the page showed it, and becomes the placement's once the placement is made.
- Requirement: an approval, notice or consultation the regulations ask for that placement, with its
  due date, who did it, when, and the host council's response. An undone one past its due date
  escalates on the alert clocks (services.requirement_overdue).
- StaffTraining: a children's home's staff training (who, what, when, renewal due), shown on the
  check as coverage.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from homeward.agencies.models import Agency
from homeward.children.models import Child, Placement
from homeward.places.adjoining import AreaRelation


class PlacementCheck(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placement_checks")
    # The placement it is about: empty while it is a proposal.
    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, null=True, blank=True, related_name="placement_check"
    )
    start_date = models.DateField()
    emergency = models.BooleanField(default=False)  # placed first, notice within 5 working days
    placement_type = models.CharField(max_length=3)
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    placement_postcode = models.CharField(max_length=8)
    home_postcode = models.CharField(max_length=8, blank=True)
    host_authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    police_force = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=10, choices=AreaRelation.choices)
    distance_miles = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    findings = models.JSONField(default=dict, blank=True)  # services.Findings, as the page showed them
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # None: the system
    run_at = models.DateTimeField(auto_now_add=True)
    # Learned of too late to have been decided in Homeward (services.LEARNED_LATE): recorded, not chased.
    chased = models.BooleanField(default=True)

    class Meta:
        ordering = ["-run_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(relation__in=AreaRelation.values), name="placement_check_relation_valid")
        ]
        indexes = [models.Index(fields=["host_authority", "run_at"], name="placement_check_host")]

    def __str__(self) -> str:
        return f"Placement check {self.pk} for child {self.child_id}"


class RequirementKind(models.TextChoices):
    # Care Planning, Placement and Case Review (England) Regulations 2010 as amended 2013 (domain.md).
    NOMINATED_OFFICER_APPROVAL = "nominated_officer", "Nominated officer's approval (out of area)"
    DIRECTOR_APPROVAL = "director", "Director of Children's Services' approval (distant placement)"
    HOST_NOTICE = "host_notice", "Written notice to the host council"
    HOST_CONSULTATION = "host_consultation", "Consultation of the host council (distant placement)"


APPROVALS = (RequirementKind.NOMINATED_OFFICER_APPROVAL, RequirementKind.DIRECTOR_APPROVAL)
TO_HOST = (RequirementKind.HOST_NOTICE, RequirementKind.HOST_CONSULTATION)


class Outcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    SENT = "sent", "Sent"


class Requirement(models.Model):
    placement_check = models.ForeignKey(PlacementCheck, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=20, choices=RequirementKind.choices)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    reasons = models.TextField(blank=True)  # the approver's reasons, or what the notice said
    # The host council's answer to a notice or consultation.
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["placement_check", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["placement_check", "kind"], name="requirement_once_per_check"),
            models.CheckConstraint(condition=Q(kind__in=RequirementKind.values), name="requirement_kind_valid"),
            # Done means done by someone, with an outcome.
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, outcome="")
                | Q(done_at__isnull=False, done_by__isnull=False) & ~Q(outcome=""),
                name="requirement_done_has_doer_and_outcome",
            ),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True) | Q(done_at__isnull=False),
                name="requirement_response_follows_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for check {self.placement_check_id}"

    @property
    def done(self) -> bool:
        return self.done_at is not None


class TrainingTopic(models.TextChoices):
    CSE = "cse", "Child sexual and criminal exploitation"
    MISSING = "missing", "Missing from care procedure (reg 34 policy)"
    DEESCALATION = "deescalation", "De-escalation"


class StaffTraining(models.Model):
    """Training a children's home's staff member holds (Children's Homes Regulations 2015, reg 33:
    staff have the experience, qualifications and skills to meet the children's needs)."""

    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff_training")
    staff_name = models.CharField(max_length=200)
    topic = models.CharField(max_length=16, choices=TrainingTopic.choices)
    completed_on = models.DateField()
    renewal_due_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "staff_name", "topic", "-completed_on"]
        constraints = [
            models.CheckConstraint(condition=Q(topic__in=TrainingTopic.values), name="staff_training_topic_valid"),
            models.CheckConstraint(
                condition=Q(renewal_due_on__gt=models.F("completed_on")), name="staff_training_renewal_after"
            ),
        ]


class LeavingCareReview(models.Model):
    """The review a 16- or 17-year-old's move out of care, or to supported accommodation or
    independent living, needs before it takes effect (Care Planning, Placement and Case Review
    (England) Regulations 2010, regs 22C and 39; the IRO's part in it, reg 36): the young person's
    view, their readiness, and the IRO's view."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="leaving_care_reviews")
    held_on = models.DateField()
    move_on = models.DateField()  # when the move is planned to take effect
    young_persons_view = models.TextField()
    readiness = models.TextField()
    iro_view = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child", "-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(move_on__gte=models.F("held_on")), name="leaving_care_review_before_move"
            ),
            models.CheckConstraint(
                condition=~Q(young_persons_view="") & ~Q(readiness="") & ~Q(iro_view=""),
                name="leaving_care_review_complete",
            ),
        ]
