"""Agencies, the people who work for them, API tokens and inspectors' grants."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class AgencyKind(models.TextChoices):
    LOCAL_AUTHORITY = "la", "Local authority"
    POLICE = "police", "Police force"
    PROVIDER = "provider", "Placement provider"
    RHI = "rhi", "Return interview service"
    INSPECTORATE = "inspectorate", "Inspectorate"
    NATIONAL = "national", "National"
    # Health is a statutory safeguarding partner (Children Act 2004 s16E: council, police, ICB).
    ICB = "icb", "Integrated care board"
    NHS_TRUST = "nhs_trust", "NHS trust"
    # Each council's virtual school (Children and Families Act 2014 s99: its head promotes the
    # education of every child the council looks after).
    VIRTUAL_SCHOOL = "virtual_school", "Virtual school"
    SCHOOL = "school", "School"


# The kinds that see a child for the council that looks after it, through councils_served.
SERVES_COUNCILS = (AgencyKind.ICB, AgencyKind.NHS_TRUST, AgencyKind.VIRTUAL_SCHOOL)


class Agency(models.Model):
    # ONS code for councils (E06/E08/E09/E10…), police force area code (E23…/W15…), Ofsted URN for
    # providers, ODS code for ICBs and NHS trusts, DfE URN for schools, and a Homeward code for the rest.
    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=AgencyKind.choices)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=8, blank=True)
    # Who to ring, day or night, about a missing child (a force's control room, a council's
    # out-of-hours team): shown to any force's officer who finds one of its children (episodes.lookup).
    contact_24h = models.CharField("24-hour contact", max_length=200, blank=True)
    active = models.BooleanField(default=True)
    # For an ICB or NHS trust, the councils in its area; for a virtual school, its own council: the
    # councils whose looked-after children it serves (access._health_body, access._virtual_school).
    councils_served = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="partners_serving")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    MISSING_COORDINATOR = "missing_coordinator", "Missing children coordinator"
    NOMINATED_OFFICER = "nominated_officer", "Nominated officer"
    DIRECTOR = "director", "Director of Children's Services"
    IRO = "iro", "Independent reviewing officer"
    ANALYST = "analyst", "Performance analyst"
    POLICE_OFFICER = "police_officer", "Police officer"
    POLICE_COORDINATOR = "police_coordinator", "Police missing persons coordinator"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    PROVIDER_MANAGER = "provider_manager", "Registered manager"
    RHI_WORKER = "rhi_worker", "Return interview worker"
    INSPECTOR = "inspector", "Inspector"
    NATIONAL_ANALYST = "national_analyst", "National analyst"
    # Statutory guidance on promoting the health of looked-after children (DfE/DHSC 2015): the ICB's
    # designated nurse oversees every looked-after child's health; each trust has a named nurse.
    DESIGNATED_NURSE = "designated_nurse", "Designated nurse for looked-after children"
    NAMED_NURSE = "named_nurse", "Named nurse for looked-after children"
    HEALTH_SAFEGUARDING_LEAD = "health_safeguarding_lead", "Health safeguarding lead"
    VIRTUAL_SCHOOL_HEAD = "virtual_school_head", "Virtual school head"
    # Keeping Children Safe in Education 2025: every school has a designated safeguarding lead.
    SCHOOL_SAFEGUARDING_LEAD = "school_dsl", "Designated safeguarding lead (school)"


# Which roles belong to which kind of agency (issue 2: roles by agency kind).
ROLES_BY_KIND: dict[str, set[str]] = {
    AgencyKind.LOCAL_AUTHORITY: {
        Role.SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.MISSING_COORDINATOR,
        Role.NOMINATED_OFFICER,
        Role.DIRECTOR,
        Role.IRO,
        Role.ANALYST,
    },
    AgencyKind.POLICE: {Role.POLICE_OFFICER, Role.POLICE_COORDINATOR},
    AgencyKind.PROVIDER: {Role.PROVIDER_STAFF, Role.PROVIDER_MANAGER},
    AgencyKind.RHI: {Role.RHI_WORKER},
    AgencyKind.INSPECTORATE: {Role.INSPECTOR},
    AgencyKind.NATIONAL: {Role.NATIONAL_ANALYST},
    AgencyKind.ICB: {Role.DESIGNATED_NURSE, Role.HEALTH_SAFEGUARDING_LEAD},
    AgencyKind.NHS_TRUST: {Role.NAMED_NURSE, Role.HEALTH_SAFEGUARDING_LEAD},
    AgencyKind.VIRTUAL_SCHOOL: {Role.VIRTUAL_SCHOOL_HEAD},
    AgencyKind.SCHOOL: {Role.SCHOOL_SAFEGUARDING_LEAD},
}


class User(AbstractUser):
    """A person (or an agency system's service account) acting for exactly one agency in one role."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    is_service_account = models.BooleanField(default=False)
    # The person's team within the agency, as the agency names it: the language patterns (issue 16) are
    # broken down by it, never by person.
    team = models.CharField(max_length=80, blank=True)

    def clean(self) -> None:
        super().clean()
        if self.agency_id is None:
            if not self.is_superuser:
                raise ValidationError({"agency": "Every account belongs to an agency."})
            return
        if self.role not in ROLES_BY_KIND[self.agency.kind]:
            raise ValidationError(
                {"role": f"Role '{self.role}' is not one a {self.agency.get_kind_display().lower()} can hold."}
            )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an agency system. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # shown in listings so a token can be identified
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["prefix"])]


class InspectorGrant(models.Model):
    """Time-limited, read-only access for an inspector to one authority's children."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="inspector_grants")
    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("starts_at")), name="grant_ends_after_start"),
        ]
