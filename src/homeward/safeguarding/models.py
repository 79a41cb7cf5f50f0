"""Safeguarding: risk flags with the facts behind them, the location risk register, exploitation
screenings and strategy meetings. Writes go through safeguarding.services, reads through
safeguarding.selectors (both start from agencies.access).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from homeward.agencies.models import Agency
from homeward.children.models import Child
from homeward.safeguarding.screening import Band


# ---------------------------------------------------------------------------------------------
# Each council's rules
# ---------------------------------------------------------------------------------------------


class FlagKind(models.TextChoices):
    REPEAT_MISSING = "repeat_missing", "Repeat missing"
    MISSING_OVERNIGHT = "missing_overnight", "Missing overnight"
    MISSING_OVER_24_HOURS = "missing_over_24_hours", "Missing for more than 24 hours"
    YOUNG_CHILD = "young_child", "Aged 13 or under when missing"
    EXPLOITATION_LOCATION = "exploitation_location", "Seen or found at a place flagged for exploitation"
    EXPLOITATION_DISCLOSED = "exploitation_disclosed", "Exploitation indicators disclosed at a return interview"
    SCREENING = "screening", "Exploitation screening moderate or above"
    # Raised only by a person: a concern the rules do not (yet) see.
    PRACTITIONER_CONCERN = "practitioner_concern", "Practitioner's concern"


RULE_KINDS = [kind for kind in FlagKind.values if kind != FlagKind.PRACTITIONER_CONCERN]
# The kinds that say "exploitation risk" for the strategy meeting rule (Essex: "3 in 90 days plus
# exploitation risk").
EXPLOITATION_KINDS = [FlagKind.EXPLOITATION_LOCATION, FlagKind.EXPLOITATION_DISCLOSED, FlagKind.SCREENING]


def default_meeting_requires() -> list[list[str]]:
    # Every group must have at least one of its kinds raised: repeat missing AND an exploitation flag.
    return [[FlagKind.REPEAT_MISSING.value], [k.value for k in EXPLOITATION_KINDS]]


class SafeguardingSettings(models.Model):
    """One council's safeguarding rules, beside its notification settings (alerts.NotificationSettings,
    whose `repeat_missing` thresholds — default 3 in 30 days and 3 in 90 days — the repeat missing
    rule reads). A council without a row has the defaults (selectors.safeguarding_settings_for)."""

    authority = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="safeguarding_settings")
    # "Missing overnight": still missing when the night ends (06:00 Europe/London), having gone missing
    # during the night (from 22:00) or before it (rules.missing_overnight).
    night_ends = models.TimeField(default=datetime.time(6, 0))
    long_missing_hours = models.PositiveIntegerField(default=24)  # domain.md: "missing over 24 hours"
    young_child_max_age = models.PositiveSmallIntegerField(default=13)
    # domain.md: three-tier councils treat any single high factor in a child 13 or under as high.
    young_child_significant_is_high = models.BooleanField(default=False)
    # When to propose a strategy meeting: a list of groups of flag kinds; every group must have one of
    # its kinds raised. [] turns automatic proposals off.
    meeting_requires = models.JSONField(default=default_meeting_requires)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "safeguarding settings"

    def clean(self) -> None:
        groups = self.meeting_requires
        if not isinstance(groups, list) or not all(
            isinstance(g, list) and g and all(k in FlagKind.values for k in g) for g in groups
        ):
            raise ValidationError(
                {"meeting_requires": f"Give a list of lists of flag kinds ({', '.join(FlagKind.values)})."}
            )
        if not self.long_missing_hours:
            raise ValidationError({"long_missing_hours": "Give a number of hours above zero."})


# ---------------------------------------------------------------------------------------------
# The location risk register
# ---------------------------------------------------------------------------------------------


class AreaKind(models.TextChoices):
    POSTCODE = "postcode", "Postcode"  # B1 1AA
    SECTOR = "sector", "Postcode sector"  # B1 1
    DISTRICT = "district", "Postcode district"  # B1
    PLACE = "place", "Place name"  # matched in the words of a last-seen, sighting or return place
    # A children's home, by its Ofsted URN (the provider Agency's code): a concern about the home and
    # its surroundings, for those placing children there. It matches no episode (rules._matches): the
    # children there are last seen at the home by definition, so it would flag every one of them.
    HOME = "home", "Children's home (Ofsted URN)"


class DetailVisibleTo(models.TextChoices):
    # Others still see that a concern of this kind exists, its area, who to ask, and its dates.
    ALL = "all", "Councils and police"
    OWN_AGENCY = "own_agency", "Our agency only"


class LocationRiskKind(models.TextChoices):
    CSE_HOTSPOT = "cse_hotspot", "Child sexual exploitation hotspot"
    COUNTY_LINES = "county_lines", "County lines or criminal exploitation"
    OTHER = "other", "Other exploitation risk"


class LocationRisk(models.Model):
    """A place that councils and police know to be used to exploit children (Government response to
    the 2012 APPG inquiry: know whether an area is targeted for grooming)."""

    area_kind = models.CharField(max_length=8, choices=AreaKind.choices)
    area = models.CharField(max_length=100)  # normalised: "B1 1AA", "B1 1", "B1", or a place name
    kind = models.CharField(max_length=16, choices=LocationRiskKind.choices)
    description = models.TextField(blank=True)  # the detail: shown as detail_visible_to allows
    source = models.CharField(max_length=200, blank=True)  # "police intelligence", "MASE meeting", "host council"
    detail_visible_to = models.CharField(max_length=12, choices=DetailVisibleTo.choices, default=DetailVisibleTo.ALL)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the council or force that added it
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    starts_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)  # after this it no longer matches new episodes
    review_on = models.DateField(null=True, blank=True)  # when the agency means to look at it again
    # Withdrawn: entered in error or no longer to be relied on. It then matches nothing, ever.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["area", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(area_kind__in=AreaKind.values), name="location_risk_area_kind_valid"),
            models.CheckConstraint(condition=Q(kind__in=LocationRiskKind.values), name="location_risk_kind_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("starts_on")),
                name="location_risk_expires_after_start",
            ),
            models.CheckConstraint(
                condition=Q(detail_visible_to__in=DetailVisibleTo.values), name="location_risk_detail_visible_to_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["area_kind", "area"], condition=Q(withdrawn_at__isnull=True), name="location_risk_live_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_area_kind_display()} {self.area} ({self.get_kind_display().lower()})"

    @property
    def is_live(self) -> bool:
        today = timezone.localdate()
        return (
            self.withdrawn_at is None
            and self.starts_on <= today
            and (self.expires_on is None or self.expires_on > today)
        )


def a_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class LocationAssessment(models.Model):
    """A children's home's location risk assessment. The Children's Homes (England) Regulations 2015,
    reg 46: the registered person assesses the risks of the home's location, consulting the police and
    the host council, and reviews the assessment at least once a year."""

    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="location_assessments")
    assessed_on = models.DateField()
    review_due_on = models.DateField()  # reg 46: at least yearly (a_year_after(assessed_on) by default)
    summary = models.TextField()
    consulted_police = models.BooleanField()
    consulted_host_council = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_due_on__gt=models.F("assessed_on")), name="location_assessment_review_after"
            ),
        ]
        indexes = [models.Index(fields=["provider", "assessed_on"], name="location_assessment_provider")]

    def save(self, *args, **kwargs) -> None:
        if self.review_due_on is None and self.assessed_on is not None:
            self.review_due_on = a_year_after(self.assessed_on)
        super().save(*args, **kwargs)

    @property
    def overdue(self) -> bool:
        return self.review_due_on < timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Risk flags
# ---------------------------------------------------------------------------------------------


class FlagStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    LOWERED = "lowered", "Lowered"
    CLEARED = "cleared", "Cleared"


class RiskFlag(models.Model):
    """The current state of one kind of flag for one child; its history is in RiskFlagEvent.

    Raised by a rule when its facts hold, or by a person. A rule never lowers a flag because time has
    passed (a repeat missing window running out does not make a child safe); it lowers one only when
    the facts behind it are withdrawn from the record (rules.py). A person lowers or clears it, with a
    reason; the rule raises it again only on facts that person had not seen (`seen_evidence`).
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="risk_flags")
    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    status = models.CharField(max_length=8, choices=FlagStatus.choices, default=FlagStatus.RAISED)
    raised_at = models.DateTimeField()  # the latest raise
    raised_by_rule = models.BooleanField(default=True)  # the latest raise: by the rule, else by a person
    changed_at = models.DateTimeField()  # the latest raise, lower or clear
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # empty: the rule
    explanation = models.TextField()  # what raised it, in words: "3 episodes in 30 days: …"
    facts = models.JSONField(default=dict)  # the same, as data: episode ids, dates, the rule's parameters
    evidence = models.JSONField(default=list)  # the facts' keys ("episode:12", "screening:3")
    seen_evidence = models.JSONField(default=list)  # the keys before the person who lowered or cleared it
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["child", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["child", "kind"], name="risk_flag_one_per_child_kind"),
            models.CheckConstraint(condition=Q(kind__in=FlagKind.values), name="risk_flag_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=FlagStatus.values), name="risk_flag_status_valid"),
        ]
        indexes = [models.Index(fields=["child"], condition=Q(status="raised"), name="risk_flag_raised")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status}) for child {self.child_id}"

    @property
    def is_raised(self) -> bool:
        return self.status == FlagStatus.RAISED


class FlagAction(models.TextChoices):
    RAISE = "raise", "Raised"
    LOWER = "lower", "Lowered"
    CLEAR = "clear", "Cleared"


class RiskFlagEvent(models.Model):
    """Each raise, lower and clear of a flag: by a person (`by`) or by the rule (`by` empty)."""

    flag = models.ForeignKey(RiskFlag, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=8, choices=FlagAction.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    explanation = models.TextField(blank=True)  # the flag's explanation at that moment
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=FlagAction.values), name="risk_flag_event_action_valid")
        ]

    @property
    def by_rule(self) -> bool:
        return self.by_id is None


# ---------------------------------------------------------------------------------------------
# Exploitation screening (screening.py holds the indicators and the scoring)
# ---------------------------------------------------------------------------------------------


class Screening(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="screenings")
    screened_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    age = models.PositiveSmallIntegerField()  # the child's age on the day
    answers = models.JSONField(default=dict)  # {code: "yes" | "last_6_months" | "6_to_12_months"}
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=12, choices=Band.choices)
    drivers = models.JSONField(default=list)  # the indicators that scored, most points first
    override = models.TextField(blank=True)  # why the band is above the score's, under a three-tier rule
    notes = models.TextField(blank=True)
    reassess_due = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child", "-screened_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(band__in=Band.values), name="screening_band_valid")]
        indexes = [models.Index(fields=["child", "screened_at"], name="screening_child_at")]


# ---------------------------------------------------------------------------------------------
# Strategy meetings
# ---------------------------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


OPEN_MEETING = Q(status__in=[MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED])


class StrategyMeeting(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="strategy_meetings")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PROPOSED)
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # empty: the rule
    reason = models.TextField()  # which rules (and the flags' explanations), or the person's reason
    rule_facts = models.JSONField(default=dict, blank=True)  # the flags and their evidence when proposed
    invited_agencies = models.ManyToManyField(Agency, related_name="+", blank=True)
    # Which invited agencies came, recorded with the decisions: health's and education's attendance
    # is counted in the compliance figures (Working Together 2023: strategy discussions include them).
    attended_agencies = models.ManyToManyField(Agency, related_name="+", blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    decisions = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["child", "-proposed_at", "-id"]
        constraints = [
            # At most one proposed or scheduled meeting per child.
            models.UniqueConstraint(
                fields=["child"], condition=OPEN_MEETING, name="strategy_meeting_one_open_per_child"
            ),
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="strategy_meeting_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.HELD) | Q(held_at__isnull=False),
                name="strategy_meeting_held_has_held_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Strategy meeting {self.pk} ({self.status}) for child {self.child_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED)


class MeetingAction(models.Model):
    meeting = models.ForeignKey(StrategyMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions")
    due_date = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["owner"], condition=Q(done_at__isnull=True), name="meeting_action_owner_open")]
