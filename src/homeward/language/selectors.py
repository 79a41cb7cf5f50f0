"""Which families of the language guide apply: Homeward's own, and the council's entries in force."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum

from homeward.agencies.models import AgencyKind, Role
from homeward.language.guide import FAMILIES, Family
from homeward.language.models import GuideEntry, PhraseTally


def guide_entries_current(*, agency) -> list[GuideEntry]:
    """The latest version of each of the agency's entries, retired ones included."""
    if agency is None:
        return []
    latest: dict[str, GuideEntry] = {}
    for entry in GuideEntry.objects.filter(agency=agency).order_by("key", "-version"):
        latest.setdefault(entry.key, entry)
    return list(latest.values())


def guide_families(*, agency) -> list[Family]:
    """Homeward's families and the agency's entries in force. Text about a child is checked with
    its responsible council's guide, whoever writes or reads it: the council answers for its record."""
    own = [
        Family(
            id=f"{agency.code}:{entry.key}",
            label=entry.label,
            patterns=tuple(entry.pattern_lines()),
            why=entry.why,
            instead=tuple(entry.instead_lines()),
            source=agency.name,
            version=entry.version,
        )
        for entry in guide_entries_current(agency=agency)
        if entry.active
    ]
    return [*FAMILIES, *own]


# Who sees the patterns: an agency's managers see their own people's writing; a council's managers
# also see what every agency wrote about the council's children (the safeguarding partnership's view).
PATTERN_READERS = {
    AgencyKind.LOCAL_AUTHORITY: {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR},
    AgencyKind.POLICE: {Role.POLICE_COORDINATOR},
    AgencyKind.PROVIDER: {Role.PROVIDER_MANAGER},
}


def phrase_patterns(*, user) -> list[dict]:
    """Phrases kept per month, writing agency and family: counts only, never a person. Refused
    (PermissionDenied) to anyone but the managers above."""
    if (
        not user.is_authenticated
        or user.agency_id is None
        or user.role not in PATTERN_READERS.get(user.agency.kind, set())
    ):
        raise PermissionDenied("Only an agency's managers see how its people write.")
    condition = Q(agency=user.agency)
    if user.agency.kind == AgencyKind.LOCAL_AUTHORITY:
        condition |= Q(authority=user.agency)
    rows = (
        PhraseTally.objects.filter(condition)
        .values("month", "agency__name", "family")
        .annotate(kept=Sum("kept"))
        .order_by("-month", "agency__name", "family")
    )
    return [{"month": r["month"], "agency": r["agency__name"], "family": r["family"], "kept": r["kept"]} for r in rows]
