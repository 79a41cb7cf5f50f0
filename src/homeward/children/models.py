"""Child identity and placements: the core that every other part refers to."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from homeward.agencies.models import Agency


class Sex(models.TextChoices):
    # SSDA903 SEX codes.
    MALE = "1", "Male"
    FEMALE = "2", "Female"


class Child(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=4, blank=True)  # SSDA903 ETHNIC code, e.g. WBRI
    la_child_id = models.CharField("council child id", max_length=10)  # SSDA903 CHILD
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    responsible_authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="children")
    # The child's caseworkers at the responsible authority (services.child_allocate): the people the
    # alerts mean by "the child's social worker" and "the child's IRO". Empty: nobody allocated, and
    # the council's missing coordinators and team managers are told in their place (alerts.rules).
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload_as_social_worker",
    )
    iro = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload_as_iro",
        verbose_name="independent reviewing officer",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            # The council's own child id is its natural key for SSDA903 imports.
            models.UniqueConstraint(fields=["responsible_authority", "la_child_id"], name="child_id_unique_per_la"),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class ChildName(models.Model):
    """Other names a child is known by: aliases, nicknames, previous names."""

    class Kind(models.TextChoices):
        ALIAS = "alias", "Alias"
        NICKNAME = "nickname", "Nickname"
        PREVIOUS = "previous", "Previous name"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="other_names")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "kind", "first_name", "last_name"], name="child_name_unique"),
        ]


class PlacementQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "PlacementQuerySet":
        on = on or datetime.date.today()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gt=on))


class Placement(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    start_date = models.DateField()  # SSDA903 DECOM
    end_date = models.DateField(null=True, blank=True)  # SSDA903 DEC
    placement_type = models.CharField(max_length=3)  # SSDA903 PLACE, e.g. K2, U4, Z11
    provider_type = models.CharField(max_length=3)  # SSDA903 PLACE_PROVIDER, PR0–PR5
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="placements")
    urn = models.CharField(max_length=8, blank=True)  # Ofsted URN of the setting
    placement_postcode = models.CharField(max_length=8, blank=True)  # SSDA903 PL_POST
    home_postcode = models.CharField(max_length=8, blank=True)  # SSDA903 HOME_POST
    # Derived from the postcodes by places.services when the placement is written.
    district_code = models.CharField(max_length=9, blank=True)
    host_authority = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_placements"
    )
    police_force = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="policed_placements"
    )
    distance_miles = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_ends_after_start",
            ),
            models.UniqueConstraint(fields=["child", "start_date"], name="placement_start_unique_per_child"),
        ]
        indexes = [
            models.Index(fields=["host_authority", "end_date"]),
            models.Index(fields=["police_force", "end_date"]),
            models.Index(fields=["provider", "end_date"]),
        ]

    @property
    def out_of_area(self) -> bool:
        return self.host_authority_id is not None and self.host_authority_id != self.child.responsible_authority_id


class EnrolmentQuerySet(models.QuerySet):
    def on_roll(self, on: datetime.date | None = None) -> "EnrolmentQuerySet":
        on = on or datetime.date.today()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gt=on))


class Enrolment(models.Model):
    """A child on a school's roll (the school by its DfE URN, an Agency of kind school): while it
    lasts, the school sees the child (agencies.access._school_of_pupil)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)  # the day the child came off the roll

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="enrolment_ends_after_start"
            ),
            models.UniqueConstraint(fields=["child", "school", "start_date"], name="enrolment_unique"),
        ]
        indexes = [models.Index(fields=["school", "end_date"])]


class DecisionNotToShare(models.Model):
    """A decision not to share part of a child's record with an agency (or a kind of request),
    because sharing would be more detrimental to the child than not sharing: the one exception to
    the duty to share (Children's Wellbeing and Schools Act 2026, s16LA Children Act 2004). Taken by
    the council that looks after the child, with its reason (children.services.decision_not_to_share_record).
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="decisions_not_to_share")
    # The agency refused, or (when a whole kind of request is refused) none and request_kind says which.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    request_kind = models.CharField("kind of request", max_length=200, blank=True)
    parts = models.JSONField(default=list)  # agencies.fields.Field values: the parts not shared
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["child", "-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | ~Q(request_kind=""), name="decision_not_to_share_names_whom"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="decision_not_to_share_has_reason"),
        ]
