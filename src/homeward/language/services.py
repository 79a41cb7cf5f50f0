"""Writing an agency's own language-guide entries: each write a new version, audited; and counting
what writers did with the phrases they were shown (language.forms)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from homeward.agencies.models import AgencyKind, Role
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.language.guide import FAMILIES_BY_ID, PatternError, compile_pattern
from homeward.language.models import GuideEntry, PhraseTally, SpentCheck

# A council's managers answer for how its staff write about its children; they keep its guide.
GUIDE_EDITORS = {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.NOMINATED_OFFICER, Role.DIRECTOR}
# How long the token of a language check (language.forms) counts: a form left open longer is still
# saved, its check just not counted.
SHOWN_MAX_AGE = datetime.timedelta(days=7)


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


def phrase_outcome_record(
    *, nonce: str, agency_id: int, team: str, authority, shown: list[str], kept: set[str], at
) -> bool:
    """Count one language check once its text is saved: each family shown counts as shown, and as
    kept (in `kept`, its phrases still in the text) or reworded. The nonce is spent in the same
    transaction, so a check sent again counts nothing; returns whether this one counted.

    Families are counted in sorted order so that two saves at once take the rows' locks in the same order."""
    if authority is None or not shown:
        return False
    month = timezone.localtime(at).date().replace(day=1)
    with transaction.atomic():
        try:
            with transaction.atomic():
                SpentCheck.objects.create(nonce=nonce, spent_at=at)
        except IntegrityError:
            return False
        # A nonce older than its token cannot come back: the token is refused by then.
        SpentCheck.objects.filter(spent_at__lt=at - SHOWN_MAX_AGE).delete()
        for family in sorted(set(shown)):
            still = family in kept
            tally, created = PhraseTally.objects.get_or_create(
                month=month,
                agency_id=agency_id,
                team=team,
                authority=authority,
                family=family,
                defaults={"shown": 1, "reworded": 0 if still else 1, "kept": 1 if still else 0},
            )
            if not created:
                PhraseTally.objects.filter(pk=tally.pk).update(
                    shown=F("shown") + 1,
                    reworded=F("reworded") + (0 if still else 1),
                    kept=F("kept") + (1 if still else 0),
                )
    return True
