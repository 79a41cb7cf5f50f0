"""Each agency's own records, kept verbatim as they came in, and the runs that brought them.

Council side: the SSDA903 Missing table, one CouncilMissingRecord per row (natural key: council +
CHILD + MIS_START). Police side: one PoliceReport per force reference (natural key: force +
reference). Either may be linked to the Episode (and child) it describes; the SSDA903 import links
its own rows, record linkage (homeward.linkage) links police reports later. Header and Episodes
rows become children and placements (homeward.children) directly.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from homeward.agencies.models import Agency
from homeward.children.models import Child
from homeward.episodes.models import Episode, RiskGrade


class ImportRun(models.Model):
    """One file imported once. A run left RUNNING with no finished_at was interrupted (a re-run of
    the same file completes it: every write is keyed on a natural key)."""

    class Kind(models.TextChoices):
        SSDA903 = "903", "SSDA903 return"
        POLICE = "police", "Police missing-person reports"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="import_runs")
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    # Rows, not objects: a row that creates a record and its episode counts once.
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["agency", "kind", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.status})"


class MissingType(models.TextChoices):
    # SSDA903 MISSING codes.
    MISSING = "M", "Missing"
    AWAY = "A", "Away from placement without authorisation"


class CouncilMissingRecord(models.Model):
    """One row of a council's SSDA903 Missing table, verbatim in `raw`."""

    la = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child_code = models.CharField("SSDA903 CHILD", max_length=10)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="council_missing_records")
    missing = models.CharField("SSDA903 MISSING", max_length=1, choices=MissingType.choices)
    mis_start = models.DateField("SSDA903 MIS_START")
    mis_end = models.DateField("SSDA903 MIS_END", null=True, blank=True)  # blank: still missing at 31 March
    raw = models.JSONField()  # the row as read: column -> text
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="council_missing_records")
    line_number = models.PositiveIntegerField()  # in that run's file; the column header is line 1
    # The episode this row describes: made by the import, or an episode already in Homeward whose
    # period it overlaps (SSDA903 rule 574: periods never overlap, so it is the same absence).
    # Null when it overlaps several, for reconciliation to decide.
    episode = models.ForeignKey(
        Episode, on_delete=models.SET_NULL, null=True, blank=True, related_name="council_missing_records"
    )
    # Set when the council re-sent its return for the row's collection year without the row: kept,
    # as the council once said it, but no longer in its return. Cleared if the row comes back.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["la", "child_code", "mis_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "child_code", "mis_start"], name="council_missing_record_natural_key"
            ),
            models.CheckConstraint(
                condition=Q(missing__in=MissingType.values), name="council_missing_record_type_valid"
            ),
            # SSDA903 rule 567.
            models.CheckConstraint(
                condition=Q(mis_end__isnull=True) | Q(mis_end__gte=F("mis_start")),
                name="council_missing_record_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["child", "mis_start"], name="council_missing_child_start")]

    def __str__(self) -> str:
        return f"SSDA903 Missing {self.la_id}/{self.child_code} from {self.mis_start}"


class CouncilEpisodeRecord(models.Model):
    """One row of a council's SSDA903 Episodes table, verbatim in `raw`: the placement itself is
    children.Placement; this keeps the council's own coding of the episode that Homeward does not
    otherwise hold (RNE, LS, CIN, REC, REASON_PLACE_CHANGE), for its return to carry them back."""

    la = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child_code = models.CharField("SSDA903 CHILD", max_length=10)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="council_episode_records")
    decom = models.DateField("SSDA903 DECOM")
    raw = models.JSONField()  # the row as read: column -> text
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="council_episode_records")
    line_number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["la", "child_code", "decom"]
        constraints = [
            models.UniqueConstraint(fields=["la", "child_code", "decom"], name="council_episode_record_natural_key"),
        ]

    def __str__(self) -> str:
        return f"SSDA903 Episode {self.la_id}/{self.child_code} from {self.decom}"


class PoliceReport(models.Model):
    """A force's missing-person report, as the force recorded it (format: returns/POLICE_FORMAT.md).

    Names, date of birth and postcodes are kept as given, never corrected: record linkage compares
    them with the council's. `raw` holds the report exactly as received.
    """

    force = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=40)

    # The child as the police recorded them.
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    other_names = models.CharField("known as", max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)  # M, F or blank
    # The responsible council's id for the child (SSDA903 CHILD), when the carer's Philomena
    # profile gave it to the police; record linkage weighs it, nothing trusts it alone.
    council_child_id = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=300, blank=True)
    address_postcode = models.CharField(max_length=16, blank=True)

    reported_at = models.DateTimeField()
    reporting_person = models.CharField(max_length=200, blank=True)
    reporting_person_relationship = models.CharField(max_length=100, blank=True)

    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_location = models.CharField(max_length=300, blank=True)
    last_seen_postcode = models.CharField(max_length=16, blank=True)
    last_seen_by = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    clothing = models.TextField(blank=True)
    enquiries = models.TextField(blank=True)
    out_of_character = models.BooleanField(null=True, blank=True)
    previous_missing_history = models.TextField(blank=True)
    phone = models.CharField(max_length=100, blank=True)
    associates = models.TextField(blank=True)
    medical_needs = models.TextField(blank=True)
    online_accounts = models.TextField(blank=True)

    # APP on missing persons (2017): the current grade and every grade given, with time and source.
    risk_grade = models.CharField(max_length=16, choices=RiskGrade.choices, blank=True)
    risk_history = models.JSONField(default=list, blank=True)  # [{grade, graded_at, source, rationale}]

    found_at = models.DateTimeField(null=True, blank=True)
    found_location = models.CharField(max_length=300, blank=True)
    found_postcode = models.CharField(max_length=16, blank=True)
    found_by = models.CharField(max_length=200, blank=True)
    safe_and_well_at = models.DateTimeField(null=True, blank=True)
    safe_and_well_by = models.CharField(max_length=200, blank=True)

    raw = models.JSONField()
    import_run = models.ForeignKey(
        ImportRun, on_delete=models.PROTECT, null=True, blank=True, related_name="police_reports"
    )
    line_number = models.PositiveIntegerField(null=True, blank=True)  # null when it came by the API
    # Filled by record linkage (homeward.linkage), never by the import.
    child = models.ForeignKey(Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="police_reports")
    episode = models.ForeignKey(
        Episode, on_delete=models.SET_NULL, null=True, blank=True, related_name="police_reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["force", "reported_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="police_report_natural_key"),
            models.CheckConstraint(
                condition=Q(risk_grade__in=["", *RiskGrade.values]), name="police_report_risk_grade_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=["", "M", "F"]), name="police_report_sex_valid"),
        ]
        indexes = [
            models.Index(fields=["force", "reported_at"], name="police_report_force_reported"),
            # Linkage's queue: reports not yet linked to a child.
            models.Index(fields=["force"], condition=Q(child__isnull=True), name="police_report_unlinked"),
        ]

    def __str__(self) -> str:
        return f"Police report {self.reference}"
