"""Writing an agency's own language-guide entries: each write a new version, audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from homeward.agencies.models import AgencyKind, Role
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.language.guide import FAMILIES_BY_ID, PatternError, compile_pattern
from homeward.language.models import GuideEntry

# A council's managers answer for how its staff write about its children; they keep its guide.
GUIDE_EDITORS = {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR}


def may_edit_guide(user) -> bool:
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.agency.kind == AgencyKind.LOCAL_AUTHORITY
        and user.role in GUIDE_EDITORS
    )


def _clean_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@transaction.atomic
def guide_entry_save(*, user, key: str, label: str, patterns: str, why: str, instead: str) -> GuideEntry:
    """Add an entry to the user's agency's guide, or write a new version of it."""
    if not may_edit_guide(user):
        raise PermissionDenied("Only a council's managers can change its language guide.")
    errors: dict[str, str] = {}
    key = (key or "").strip().lower()
    if not key or not key.replace("_", "").replace("-", "").isalnum() or len(key) > 40:
        errors["key"] = "Enter a short name of up to 40 letters, numbers, hyphens or underscores"
    elif key in FAMILIES_BY_ID:
        errors["key"] = f"“{key}” is one of Homeward's own families: choose another name"
    lines = _clean_lines(patterns)
    if not lines:
        errors["patterns"] = "Enter at least one pattern"
    for line in lines:
        try:
            compile_pattern(line)
        except PatternError as problem:
            errors.setdefault("patterns", f"Line “{line}”: {problem}")
    if not (label or "").strip():
        errors["label"] = "Enter the words the entry is about"
    if not (why or "").strip():
        errors["why"] = "Say why these words harm"
    if not _clean_lines(instead):
        errors["instead"] = "Give at least one thing to write instead"
    if errors:
        raise ValidationError(errors)

    previous = GuideEntry.objects.select_for_update().filter(agency=user.agency, key=key)
    version = (previous.aggregate(last=Max("version"))["last"] or 0) + 1
    entry = GuideEntry.objects.create(
        agency=user.agency,
        key=key,
        version=version,
        label=label.strip(),
        patterns="\n".join(lines),
        why=why.strip(),
        instead="\n".join(_clean_lines(instead)),
        written_by=user,
    )
    audit_record(
        user=user,
        action=Action.CREATE if version == 1 else Action.UPDATE,
        object_type="language_guide_entry",
        object_id=entry.pk,
        why=f"Language guide entry {key} version {version}",
        detail={"key": key, "version": version, "patterns": lines},
    )
    return entry


@transaction.atomic
def guide_entry_retire(*, user, key: str) -> GuideEntry:
    """Stop using an entry: a new version that is not active, so the old wording stays on record."""
    if not may_edit_guide(user):
        raise PermissionDenied("Only a council's managers can change its language guide.")
    current = GuideEntry.objects.select_for_update().filter(agency=user.agency, key=key).order_by("-version").first()
    if current is None or not current.active:
        raise ValidationError({"key": f"There is no entry “{key}” in use"})
    entry = GuideEntry.objects.create(
        agency=user.agency,
        key=key,
        version=current.version + 1,
        label=current.label,
        patterns=current.patterns,
        why=current.why,
        instead=current.instead,
        active=False,
        written_by=user,
    )
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="language_guide_entry",
        object_id=entry.pk,
        why=f"Language guide entry {key} retired",
        detail={"key": key, "version": entry.version, "active": False},
    )
    return entry


def phrase_tally_record(*, agency, authority, text: str, at) -> int:
    """Count the guide's phrases in text just saved, for the writer's agency and the child's council.

    Families are counted in sorted order so that two writes at once take the rows' locks in the
    same order. Returns the number of phrases counted."""
    from collections import Counter

    from django.db.models import F
    from django.utils import timezone

    from homeward.language.guide import find
    from homeward.language.models import PhraseTally
    from homeward.language.selectors import guide_families

    if agency is None or authority is None or not text:
        return 0
    found = Counter(f.family.id for f in find(text, guide_families(agency=authority)))
    month = timezone.localtime(at).date().replace(day=1)
    with transaction.atomic():
        for family in sorted(found):
            tally, created = PhraseTally.objects.get_or_create(
                month=month, agency=agency, authority=authority, family=family, defaults={"kept": found[family]}
            )
            if not created:
                PhraseTally.objects.filter(pk=tally.pk).update(kept=F("kept") + found[family])
    return sum(found.values())
