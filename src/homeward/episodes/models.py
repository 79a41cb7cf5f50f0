"""Missing and away episodes, what happens during and after them, and the Philomena profile.

Definitions are the DfE's (statutory guidance on children who run away or go missing from home or
care, January 2014) and the police's (College of Policing APP on missing persons, 2017); see
domain.md. Every write goes through episodes.services, every read through episodes.selectors.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q

from homeward.agencies.models import Agency, AgencyKind
from homeward.children.models import Child, Placement

OPEN = Q(returned_at__isnull=True)


class Kind(models.TextChoices):
    # DfE 2014: missing = whereabouts not known; away = whereabouts known but not at the placement or
    # the place expected, without authorisation. SSDA903 MISSING codes M and A.
    MISSING = "missing", "Missing"
    AWAY = "away", "Away from placement without authorisation"


class RiskGrade(models.TextChoices):
    # The College of Policing APP on missing persons: four grades, the lowest now "very low" (it was
    # "no apparent risk", and before 2017 "absent"; the stored value keeps the old name so records
    # and files of any year read alike). Blank on an episode means not yet graded.
    NO_APPARENT_RISK = "no_apparent_risk", "Very low (no apparent risk)"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    RETURNED = "returned", "Returned"
    CLOSED = "closed", "Closed"


class ReturnHow(models.TextChoices):
    OWN_ACCORD = "own_accord", "Returned of their own accord"
    POLICE = "police", "Found by police"
    CARER = "carer", "Found or collected by carer or staff"
    FAMILY = "family", "Found or brought back by family or friends"
    OTHER = "other", "Other"


class Episode(models.Model):
    """One period in which a looked-after child was missing or away from placement."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="episodes")
    # The kind now. A switch is recorded as a KindChange; the first kind is the earliest change's from_kind.
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # SSDA903 MIS_START: when the child left or was last seen by a responsible adult, whichever is
    # later. Both inputs are kept when given; started_at is derived from them.
    left_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField("last seen by a responsible adult", null=True, blank=True)
    started_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reporting_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The reporting agency's own key for this report: a retried POST finds the episode it made.
    client_reference = models.CharField(max_length=64, blank=True)

    # Philomena Protocol Part B: filled in when the child goes missing.
    last_seen_location = models.CharField(max_length=300, blank=True)
    last_seen_postcode = models.CharField(max_length=8, blank=True)
    clothing = models.TextField(blank=True)
    circumstances = models.TextField("what is known", blank=True)
    out_of_character = models.BooleanField(null=True, blank=True)

    # Where the child is last known to be: the last-seen place, then each sighting's. The police force
    # of that place (or of the current placement when it is not known) has a reason to see the child
    # while the episode is open (agencies.access).
    last_known_location = models.CharField(max_length=300, blank=True)
    last_known_postcode = models.CharField(max_length=8, blank=True)
    location_police_force = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The placement current on the London day the episode began (Placement.objects.current's rule),
    # and the council and police force of its area, kept by the services whenever an episode or the
    # child's placements are written (episodes.services.start_placements_refresh): what the
    # dashboards count an episode by, found by index rather than worked out for every episode of a year.
    start_placement = models.ForeignKey(Placement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start_host_authority = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    start_police_force = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    # The current grade; the history is in RiskGrading. Denormalised so the board sorts without a join.
    risk_grade = models.CharField(max_length=16, choices=RiskGrade.choices, blank=True)
    risk_graded_at = models.DateTimeField(null=True, blank=True)

    returned_at = models.DateTimeField(null=True, blank=True)  # SSDA903 MIS_END
    return_how = models.CharField(max_length=16, choices=ReturnHow.choices, blank=True)
    found_by = models.CharField(max_length=200, blank=True)
    return_place = models.CharField(max_length=300, blank=True)
    return_postcode = models.CharField(max_length=8, blank=True)
    # The police "safe and well" check: separate from the return interview (DfE 2014).
    safe_and_well_at = models.DateTimeField(null=True, blank=True)
    safe_and_well_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # SSDA903 rule 574: no new period while one is open. Also the board's index of open episodes.
            models.UniqueConstraint(fields=["child"], condition=OPEN, name="episode_one_open_per_child"),
            # SSDA903 rule 567: end not before start.
            models.CheckConstraint(
                condition=OPEN | Q(returned_at__gte=F("started_at")), name="episode_returns_after_start"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(returned_at__isnull=False, closed_at__gte=F("returned_at")),
                name="episode_closes_after_return",
            ),
            models.CheckConstraint(
                condition=Q(safe_and_well_at__isnull=True)
                | Q(returned_at__isnull=False, safe_and_well_at__gte=F("returned_at")),
                name="episode_safe_and_well_after_return",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="episode_kind_valid"),
            models.CheckConstraint(
                condition=Q(risk_grade__in=["", *RiskGrade.values]), name="episode_risk_grade_valid"
            ),
            models.UniqueConstraint(
                fields=["reporting_agency", "client_reference"],
                condition=~Q(client_reference=""),
                name="episode_client_reference_unique_per_agency",
            ),
            # Not a constraint: reported_at >= started_at. episode_open refuses a report that predates
            # the absence it describes, but information arriving later (the child was in fact seen
            # after the report was made) may move the start past it, and the record must take that.
        ]
        indexes = [
            models.Index(fields=["child", "started_at"], name="episode_child_started"),
            # The live board reads only open episodes: a few hundred among hundreds of thousands.
            models.Index(fields=["started_at"], condition=OPEN, name="episode_open_started"),
            models.Index(fields=["location_police_force"], condition=OPEN, name="episode_open_location_force"),
            # An area's episodes of a period (reporting.dashboards).
            models.Index(fields=["start_host_authority", "started_at"], name="episode_start_host_started"),
            models.Index(fields=["start_police_force", "started_at"], name="episode_start_force_started"),
            models.Index(fields=["location_police_force", "started_at"], name="episode_location_force_started"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.get_kind_display().lower()}) for child {self.child_id}"

    @property
    def status(self) -> str:
        if self.closed_at is not None:
            return Status.CLOSED
        if self.returned_at is not None:
            return Status.RETURNED
        return Status.OPEN

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class PoliceReference(models.Model):
    """A force's own reference for an episode (its natural key in police feeds)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="police_references")
    force = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=40)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["force", "reference"], name="police_reference_unique_per_force")]


class RiskGrading(models.Model):
    """Each grade given, with when, by whom, on what information and why (APP 2017)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="risk_gradings")
    grade = models.CharField(max_length=16, choices=RiskGrade.choices)
    graded_at = models.DateTimeField()
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    source = models.CharField("source of the information", max_length=300)
    rationale = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["graded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(grade__in=RiskGrade.values), name="risk_grading_grade_valid")]
        indexes = [models.Index(fields=["episode", "graded_at"], name="risk_grading_episode_at")]


class KindChange(models.Model):
    """A switch between missing and away during one episode.

    domain.md (Definitions): "An episode can change from away to missing (or back); for the SSDA903
    return that is recorded as two episodes". Homeward keeps one episode; the SSDA903 Missing export
    splits it at each change's `at`, the first part taking the earliest change's from_kind.
    """

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="kind_changes")
    at = models.DateTimeField()
    from_kind = models.CharField(max_length=8, choices=Kind.choices)
    to_kind = models.CharField(max_length=8, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(from_kind=F("to_kind")), name="kind_change_changes_kind")]


class UpdateKind(models.TextChoices):
    REPORTED = "reported", "Reported"
    KIND_CHANGE = "kind_change", "Changed missing / away"
    RISK_GRADE = "risk_grade", "Risk graded"
    POLICE_REFERENCE = "police_reference", "Police reference added"
    SIGHTING = "sighting", "Sighting"
    ENQUIRY = "enquiry", "Enquiry"
    NOTE = "note", "Note"
    RETURN = "return", "Returned"
    SAFE_AND_WELL = "safe_and_well", "Safe and well check"
    INTERVIEW = "interview", "Return interview"
    CLOSED = "closed", "Closed"


# The kinds anyone acting on an episode may add by hand; the rest are written by their own service.
FREE_UPDATE_KINDS = (UpdateKind.SIGHTING, UpdateKind.ENQUIRY, UpdateKind.NOTE)


class EpisodeUpdate(models.Model):
    """The episode's log: one entry for every step, with who took it. The child's timeline reads it."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=16, choices=UpdateKind.choices)
    at = models.DateTimeField()  # when it happened (a sighting's time), not when it was typed in
    recorded_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the user's agency then
    text = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    # Structured facts for display (a grade, an interview status); never the interview's findings.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["episode", "at"], name="episode_update_episode_at")]


class InterviewStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"


class DeclineReason(models.TextChoices):
    """Why a child declined the interview: the services' own grouping, so a council can see whether
    children refuse the interview or the offer failed to reach them."""

    DID_NOT_WANT = "did_not_want", "Did not want to talk about it"
    TRUSTED_ADULT = "trusted_adult", "Chose to talk to an adult they already trust instead"
    NOT_INDEPENDENT = "not_independent", "Would not talk to someone from the council or the placement"
    NOT_REACHED = "not_reached", "Could not be reached after the offer"
    OTHER = "other", "Another reason"


# Which status may follow which. An interview may be held when it is offered (offered -> completed);
# a child who declined may be offered it again. Completed is final.
INTERVIEW_TRANSITIONS: dict[str, set[str]] = {
    InterviewStatus.ASSIGNED: {InterviewStatus.OFFERED},
    InterviewStatus.OFFERED: {InterviewStatus.ACCEPTED, InterviewStatus.DECLINED, InterviewStatus.COMPLETED},
    InterviewStatus.ACCEPTED: {InterviewStatus.COMPLETED, InterviewStatus.DECLINED},
    InterviewStatus.DECLINED: {InterviewStatus.OFFERED},
    InterviewStatus.COMPLETED: set(),
}

# Exploitation indicators a child may disclose at a return interview. Drawn from the CSE screening
# indicators in domain.md (Barnardo's SERAF-style) and the signs of criminal exploitation.
EXPLOITATION_INDICATORS: dict[str, str] = {
    "older_controlling_adult": "Older 'boyfriend' or controlling adult",
    "unknown_adults_cars": "Cars driven by unknown adults",
    "money_or_gifts": "Unexplained money, gifts or phones",
    "exploitation_hotspot": "Seen at places known for exploitation",
    "unexplained_injury": "Unexplained injury",
    "sexual_exploitation": "Sexual exploitation disclosed",
    "criminal_exploitation": "Criminal exploitation disclosed (e.g. county lines)",
    "carrying_drugs_or_money": "Carrying or selling drugs, or holding money, for others",
    "weapons": "Carrying weapons or fear of violence",
    "debt_bondage": "Owes money or favours to others",
    "trafficking": "Moved between places by others",
    "peers_exploited": "Peers involved in exploitation",
    "online_grooming": "Worrying phone or internet contact",
    "substance_misuse": "Drugs or alcohol given by others",
}


class ReturnInterview(models.Model):
    """The independent return home interview offered after each return (DfE 2014)."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="return_interview")
    service = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="return_interviews")
    assigned_at = models.DateTimeField()
    due_at = models.DateTimeField()  # clocks.return_interview_due(returned_at)
    status = models.CharField(max_length=16, choices=InterviewStatus.choices, default=InterviewStatus.ASSIGNED)
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    # When it was completed or declined; the service's access lapses a while after (clocks).
    closed_at = models.DateTimeField(null=True, blank=True)

    # Findings: seen only by the service, the responsible authority and inspectors (selectors).
    why_went = models.TextField(blank=True)
    where_and_with_whom = models.TextField(blank=True)
    harm_suffered = models.TextField(blank=True)
    exploitation_indicators = models.JSONField(default=list, blank=True)  # codes in EXPLOITATION_INDICATORS
    what_would_help = models.TextField(blank=True)
    # The child's own words, as they said them: not the worker's account above.
    child_words = models.TextField("in the child's own words", blank=True)
    # Who held it and whether they are independent of the placement and of the responsible council
    # (DfE 2014: normally someone independent of both). None until the interview is held.
    held_by = models.CharField(max_length=200, blank=True)
    held_by_independent = models.BooleanField(null=True, blank=True)
    declined_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    declined_detail = models.TextField(blank=True)
    # The child went missing again before this interview was held: it stays open (the duty to offer
    # it is not discharged by a new episode) and is linked to that episode (services.episode_open).
    missing_again_episode = models.ForeignKey(
        Episode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interviews_still_open_at_start",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InterviewStatus.values), name="return_interview_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(declined_reason="") | Q(declined_reason__in=DeclineReason.values),
                name="return_interview_declined_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=InterviewStatus.COMPLETED) | Q(held_at__isnull=False),
                name="return_interview_completed_has_held_at",
            ),
        ]
        indexes = [
            # The access reason for the service and its caseload.
            models.Index(fields=["service", "closed_at"], name="return_interview_service"),
            # The overdue list: interviews still to be held, by due time.
            models.Index(fields=["due_at"], condition=Q(closed_at__isnull=True), name="return_interview_open_due"),
        ]

    @property
    def held_within_72_hours(self) -> bool | None:
        if self.held_at is None:
            return None
        return self.held_at <= self.due_at


class ReturnInterviewCommission(models.Model):
    """The return interview service a council commissions for the children it looks after.

    DfE 2014 guidance: the interview is normally held by someone independent of the placement and of
    the responsible authority, which commissions it. A council may instead say that, for a child
    placed in another council's area, that host council's service holds it (host_service_out_of_area).
    A council without a row has no service, and a return for its children is refused until its
    administrator records one (`homeward council-settings`).
    """

    council = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="return_interview_commission")
    service = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="commissioned_by")
    host_service_out_of_area = models.BooleanField(
        "use the host council's service for children placed in its area", default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.council} commissions {self.service}"

    def clean(self) -> None:
        if self.council.kind != AgencyKind.LOCAL_AUTHORITY:
            raise ValidationError({"council": f"{self.council.code} is not a council."})
        if self.service.kind != AgencyKind.RHI:
            raise ValidationError({"service": f"{self.service.code} is not a return interview service."})


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT, which no URL serves: they go out only through an access check.

    On disk they are the service's alone: files 0600 and the folders it makes 0700, whatever
    FILE_UPLOAD_PERMISSIONS says (Django's default, 0644, would let any account on the machine read
    a child's photo).
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def url(self, name):
        raise NotImplementedError("Private files have no URL; read them through episodes.selectors.philomena_photo.")


def private_storage() -> PrivateStorage:
    # No location given: the storage follows settings.MEDIA_ROOT, including when a test overrides it.
    return PrivateStorage()


def _photo_path(profile: "PhilomenaProfile", filename: str) -> str:
    # An unguessable name that says nothing about the child beyond its id.
    return f"philomena/{profile.child_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class PhilomenaProfile(models.Model):
    """Philomena Protocol Part A, kept by the provider. Versioned: each save adds a row."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="philomena_profiles")
    version = models.PositiveIntegerField()
    description = models.TextField(blank=True)  # height, build, hair, marks, how they present
    photo = models.FileField(storage=private_storage, upload_to=_photo_path, blank=True, max_length=200)
    associates = models.TextField("friends and associates", blank=True)
    addresses = models.TextField("addresses linked to the child", blank=True)
    places_frequented = models.TextField(blank=True)
    phone = models.CharField(max_length=100, blank=True)
    social_media = models.TextField(blank=True)
    medical_needs = models.TextField(blank=True)
    vulnerabilities = models.TextField(blank=True)
    previous_missing_history = models.TextField(blank=True)
    transport = models.TextField(blank=True)
    financial = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["child", "version"], name="philomena_profile_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="philomena_profile_version_positive"),
        ]
