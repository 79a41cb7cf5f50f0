"""Found anywhere (issue 14): any police force's look-up of open missing episodes, and "found".

The look-up deliberately reaches beyond the scoping function (agencies.access): an officer of any
force who meets a child can ask whether that child is missing from care. So it is held tight:
  - police officers and coordinators only, each giving a reason;
  - it searches OPEN MISSING episodes only (kind missing, not returned): a child who is not missing,
    an away or ended episode and a person who does not exist all give the one same answer, so the
    look-up cannot tell anyone whether a person is looked after;
  - a match shows the least that lets the officer act (Match): nothing else;
  - the consistent child identifier (children.identifiers: the NHS number), when the officer has it,
    finds the child first and exactly, before names and dates; two children holding the one number
    are both shown, each saying so, never taken for one;
  - every search is audited (officer, reason, terms, what was shown), one entry per child shown so
    that the child's council sees it in the child's access log; searches are throttled per person.
A match grants, for MATCH_VALID_FOR, the two things the officer needs next: the child's photo and
recording the child found (`missing_found`). Once found, the finding force leads: it becomes the
episode's location force, the reason `access` names for the force of the last known location.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from homeward.agencies.access import access_reasons, visible_children
from homeward.agencies.models import Role
from homeward.audit.models import Action, AuditEvent
from homeward.audit.refusals import refuse
from homeward.audit.services import DISCLOSED_UNDER, audit_record, audit_record_many
from homeward.children.identifiers import consistent_identifier_field
from homeward.children.models import Child, Placement, Sex
from homeward.children.validators import clean_nhs_number
from homeward.episodes import signals
from homeward.episodes.models import Episode, Kind, PhilomenaProfile, RiskGrade
from homeward.places import postcodes

# Who may search: any force's officers and call handlers (call handlers hold the officer role here).
LOOKUP_ROLES = {Role.POLICE_OFFICER, Role.POLICE_COORDINATOR}
SEARCHES_PER_WINDOW = 30
SEARCH_WINDOW = datetime.timedelta(minutes=10)
# How long a match lets its officer see the photo and record the child found.
MATCH_VALID_FOR = datetime.timedelta(hours=1)
MAX_MATCHES = 5
THRESHOLD = 40.0

SEARCH_OBJECT = "missing_lookup"  # the search's audit entry (the throttle counts these)
MATCH_OBJECT = "missing_lookup_match"  # one per child shown, under the child
NO_OPEN_MISSING_REPORT = "No open missing report matches these details."
NO_CONTACT = "24-hour contact details are not recorded in Homeward"
MAY_NOT_SEARCH = "Only police officers and call handlers may search for missing children."
# The lawful basis each match is audited under (audit.services.DISCLOSED_UNDER): the force may have
# no reason of its own in the scoping function.
LOOKUP_BASIS = "Police force's look-up of a child missing from care"
SAME_IDENTIFIER_TWICE = (
    "Another child missing from care has the same NHS number: a record is wrong. Tell both councils."
)


class TooManySearches(Exception):
    """The person has searched SEARCHES_PER_WINDOW times within SEARCH_WINDOW (the API answers 429)."""


@dataclass
class Match:
    """All a match shows (issue 14, item 2). Built here so a page or API cannot show more."""

    episode_id: int
    child_id: int
    name: str
    age: int
    has_photo: bool
    risk_grade: str  # the label, or "Not yet graded"
    risk_graded_at: datetime.datetime | None
    leading_force: str
    leading_force_contact: str
    responsible_council: str
    responsible_council_contact: str
    medical_needs: str
    vulnerabilities: str  # Philomena: who the child must not be released to is written here
    score: float
    why: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Name comparison
# ---------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if "a" <= ch <= "z")


@lru_cache(maxsize=1)
def _canonical() -> dict[str, str]:
    # The linkage engine's nickname and spelling tables (pure data; no linkage code runs here).
    from homeward.linkage.names import canonical_name_map

    return canonical_name_map()


def jaro_winkler(a: str, b: str) -> float:
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    reach = max(max(len(a), len(b)) // 2 - 1, 0)
    a_flags, b_flags = [False] * len(a), [False] * len(b)
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not b_flags[j] and b[j] == ch:
                a_flags[i] = b_flags[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    a_chars = [ch for ch, flag in zip(a, a_flags) if flag]
    b_chars = [ch for ch, flag in zip(b, b_flags) if flag]
    transpositions = sum(x != y for x, y in zip(a_chars, b_chars)) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _first_name_score(typed: str, names: list[tuple[str, str]]) -> tuple[float, str]:
    """(0..1, why) for a typed first name against (name, what) pairs: the child's and its aliases'."""
    best, why = 0.0, ""
    canonical = _canonical()
    for name, what in names:
        known = _key(name)
        if not known:
            continue
        if typed == known:
            score, reason = (1.0 if what == "first name" else 0.95), f"{what} {name}"
        elif typed in canonical and canonical.get(typed) == canonical.get(known):
            score, reason = 0.9, f"{what} {name} (a nickname or other spelling)"
        else:
            similarity = jaro_winkler(typed, known)
            if similarity < 0.85:
                continue
            score, reason = similarity * 0.9, f"{what} {name} (spelled similarly)"
        if score > best:
            best, why = score, reason
    return best, why


def _surname_score(typed: str, names: list[tuple[str, str]]) -> tuple[float, str]:
    best, why = 0.0, ""
    for name, what in names:
        known = _key(name)
        if not known:
            continue
        if typed == known:
            score, reason = (1.0 if what == "surname" else 0.95), f"{what} {name}"
        else:
            similarity = jaro_winkler(typed, known)
            if similarity < 0.85:
                continue
            score, reason = similarity * 0.9, f"{what} {name} (spelled similarly)"
        if score > best:
            best, why = score, reason
    return best, why


# ---------------------------------------------------------------------------------------------
# Scoring one open missing episode against the terms
# ---------------------------------------------------------------------------------------------

FIRST_NAME_POINTS, SURNAME_POINTS = 30.0, 35.0
DOB_EXACT, DOB_NEAR = 35.0, 20.0
AGE_EXACT, AGE_NEAR = 20.0, 8.0
SEX_SAME, SEX_OTHER = 10.0, -15.0
NEAR_MILES, AREA_MILES = 5.0, 25.0
NEAR_POINTS, AREA_POINTS = 10.0, 5.0


@dataclass
class Terms:
    first: str
    last: str
    date_of_birth: datetime.date | None
    age: int | None
    sex: str
    where: postcodes.Postcode | None
    identifier: str = ""  # the consistent identifier, when given and the setting keys on one


def _identifier_matches(terms: Terms, child: Child) -> bool:
    field_name = consistent_identifier_field()
    return bool(terms.identifier and field_name and getattr(child, field_name) == terms.identifier)


def _score(
    terms: Terms, child: Child, aliases: list, episode: Episode, today: datetime.date
) -> tuple[float, list[str]]:
    score, why = 0.0, []
    firsts = [(child.first_name, "first name")] + [(a.first_name, f"{a.get_kind_display().lower()}") for a in aliases]
    lasts = [(child.last_name, "surname")] + [(a.last_name, f"{a.get_kind_display().lower()} surname") for a in aliases]
    if terms.first and terms.last:
        first, first_why = _first_name_score(terms.first, firsts)
        last, last_why = _surname_score(terms.last, lasts)
        if first:
            score += first * FIRST_NAME_POINTS
            why.append(f"First name matches the {first_why}")
        if last:
            score += last * SURNAME_POINTS
            why.append(f"Surname matches the {last_why}")
    elif terms.first:  # one word: it may be either name
        first, first_why = _first_name_score(terms.first, firsts)
        last, last_why = _surname_score(terms.first, lasts)
        if first >= last and first:
            score += first * FIRST_NAME_POINTS
            why.append(f"Name matches the {first_why}")
        elif last:
            score += last * FIRST_NAME_POINTS
            why.append(f"Name matches the {last_why}")
    dob = child.date_of_birth
    if terms.date_of_birth is not None:
        given = terms.date_of_birth
        if given == dob:
            score += DOB_EXACT
            why.append("Date of birth matches")
        elif given.day <= 12 and (given.month, given.day, given.year) == (dob.day, dob.month, dob.year):
            score += DOB_NEAR
            why.append("Date of birth matches with day and month swapped")
        elif (given.month, given.day) == (dob.month, dob.day) and abs(given.year - dob.year) == 1:
            score += DOB_NEAR
            why.append("Date of birth matches but for the year (one year out)")
    elif terms.age is not None:
        age = child.age_on(today)
        if terms.age == age:
            score += AGE_EXACT
            why.append(f"Age {age} matches")
        elif abs(terms.age - age) == 1:
            score += AGE_NEAR
            why.append(f"Age {age} is within a year")
    if terms.sex:
        if terms.sex == child.sex:
            score += SEX_SAME
            why.append(f"Sex matches ({Sex(child.sex).label.lower()})")
        else:
            score += SEX_OTHER
    if terms.where is not None:
        last_known = postcodes.lookup(episode.last_known_postcode or episode.last_seen_postcode or "")
        if last_known is not None:
            miles = postcodes.distance_miles(terms.where, last_known)
            if miles <= NEAR_MILES:
                score += NEAR_POINTS
                why.append(f"Last known to be {miles:.0f} miles from here")
            elif miles <= AREA_MILES:
                score += AREA_POINTS
                why.append(f"Last known to be {miles:.0f} miles from here")
    return score, why


def _terms(*, name: str, date_of_birth, age, sex: str, where: str, nhs_number: str, today: datetime.date) -> Terms:
    errors = {}
    identifier = ""
    try:
        identifier = clean_nhs_number(nhs_number or "")
    except ValidationError as error:
        errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    # With the setting "none", nothing keys on the number (children.identifiers).
    identifier = identifier if consistent_identifier_field() == "nhs_number" else ""
    words = [_key(word) for word in (name or "").replace("-", " ").split()]
    words = [word for word in words if word]
    if date_of_birth is not None and not isinstance(date_of_birth, datetime.date):
        errors["date_of_birth"] = "Enter a real date of birth."
    elif date_of_birth is not None and date_of_birth > today:
        errors["date_of_birth"] = "The date of birth must be in the past."
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 25):
        errors["age"] = "Enter an age between 0 and 25."
    sex = (sex or "").strip()
    if sex and sex not in Sex.values:
        errors["sex"] = f"Sex must be one of {', '.join(Sex.values)} (SSDA903 codes: 1 male, 2 female)."
    place = None
    if (where or "").strip():
        code = postcodes.normalise(where)
        place = postcodes.lookup(code) if code else None
        if place is None:
            errors["where"] = (
                f"“{where.strip()}” is not a live postcode. Enter a full postcode, like B2 4QA, or leave it blank."
            )
    if not errors and not words and not identifier and not ((date_of_birth is not None or age is not None) and sex):
        errors["name"] = "Enter a name, or a date of birth or age together with sex."
    if errors:
        raise ValidationError(errors)
    first, last = (words[0], words[-1]) if len(words) > 1 else (words[0] if words else "", "")
    return Terms(
        first=first, last=last, date_of_birth=date_of_birth, age=age, sex=sex, where=place, identifier=identifier
    )


def echo(*, name: str = "", date_of_birth=None, age=None, sex: str = "", where: str = "", nhs_number: str = "") -> dict:
    """The terms as audited and echoed back."""
    return {
        "name": (name or "").strip(),
        "date_of_birth": date_of_birth.isoformat() if isinstance(date_of_birth, datetime.date) else None,
        "age": age,
        "sex": (sex or "").strip(),
        "where": (where or "").strip(),
        "nhs_number": (nhs_number or "").strip(),
    }


# ---------------------------------------------------------------------------------------------
# The look-up
# ---------------------------------------------------------------------------------------------


def _require_police(user) -> None:
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.agency_id is None
        or user.role not in LOOKUP_ROLES
    ):
        raise PermissionDenied(MAY_NOT_SEARCH)


def lookup_allowed(*, user) -> int:
    """PermissionDenied unless the user may search; else how many open missing episodes the user's
    force can already see through the scoping function (the page points to its board for those)."""
    _require_police(user)
    return _open_missing().filter(child__in=visible_children(user)).count()


def searches_in_window(user, now: datetime.datetime | None = None) -> int:
    since = (now or timezone.now()) - SEARCH_WINDOW
    return AuditEvent.objects.filter(
        object_type=SEARCH_OBJECT, action=Action.SEARCH, user_id=user.pk, at__gte=since
    ).count()


def _open_missing():
    # THE condition of the look-up: open (not returned) episodes of kind missing. Nothing else.
    return Episode.objects.filter(kind=Kind.MISSING, returned_at__isnull=True, closed_at__isnull=True)


def _leading_force(episode: Episode, placement: Placement | None):
    return episode.location_police_force or (placement.police_force if placement else None)


def missing_lookup(
    *,
    user,
    why: str,
    reason: str,
    name: str = "",
    date_of_birth=None,
    age: int | None = None,
    sex: str = "",
    where: str = "",
    nhs_number: str = "",
) -> list[Match]:
    """Open missing episodes matching the terms, best first (at most MAX_MATCHES, each above THRESHOLD).
    A child whose consistent identifier is the one given comes before every other, whatever the score.

    ValidationError naming the field for bad terms or no reason; PermissionDenied for anyone not
    police; TooManySearches over the throttle. The search and each child shown are audited."""
    _require_police(user)
    today = timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why you are searching, for example “child at New Street station at 2am”."}
        )
    if len(reason) > 300:
        raise ValidationError({"reason": "The reason must be at most 300 characters."})
    terms = _terms(
        name=name, date_of_birth=date_of_birth, age=age, sex=sex, where=where, nhs_number=nhs_number, today=today
    )
    asked = echo(name=name, date_of_birth=date_of_birth, age=age, sex=sex, where=where, nhs_number=nhs_number)
    if searches_in_window(user) >= SEARCHES_PER_WINDOW:
        # Recorded as `denied` even if the caller's transaction rolls back (audit.refusals).
        refuse(user=user, object_type=SEARCH_OBJECT, object_id="throttled", child_id=None, why=f"{why}: {reason}"[:200])
        raise TooManySearches(
            f"You have searched {SEARCHES_PER_WINDOW} times in the last {SEARCH_WINDOW.seconds // 60} minutes. "
            "Wait a few minutes, or ask your force control room."
        )
    with transaction.atomic():
        scored = []
        episodes = _open_missing().select_related("child__responsible_authority", "location_police_force")
        episodes = episodes.prefetch_related("child__other_names")
        for episode in episodes:
            child = episode.child
            score, reasons = _score(terms, child, list(child.other_names.all()), episode, today)
            exact = _identifier_matches(terms, child)
            if exact:
                reasons.insert(0, "NHS number matches: the consistent child identifier")
            if exact or score >= THRESHOLD:
                scored.append((exact, score, episode, reasons))
        twice = sum(exact for exact, *_ in scored) > 1
        for exact, _, _, reasons in scored:
            if exact and twice:
                reasons.insert(1, SAME_IDENTIFIER_TWICE)
        scored.sort(key=lambda item: (not item[0], -item[1], item[2].started_at))
        matches = [_match(episode, score, reasons, today) for _, score, episode, reasons in scored[:MAX_MATCHES]]

        search = audit_record(
            user=user,
            action=Action.SEARCH,
            object_type=SEARCH_OBJECT,
            why=why,
            detail={
                "reason": reason,
                "terms": asked,
                "episodes": [m.episode_id for m in matches],
                "children": [m.child_id for m in matches],
            },
        )
        # Under each child shown, so its council sees who searched for it and why (the access log
        # shows `why`: the officer's reason is in it).
        audit_record_many(
            user=user,
            action=Action.SEARCH,
            object_type=MATCH_OBJECT,
            why=f"{why}: {reason}"[:200],
            items=[(m.episode_id, m.child_id) for m in matches],
            detail={
                "search": search.seq,
                "reason": reason,
                DISCLOSED_UNDER: [LOOKUP_BASIS],
                "shown": ["name", "photo", "age", "risk_grade", "contacts", "philomena_essentials"],
            },
        )
    return matches


def _match(episode: Episode, score: float, reasons: list[str], today: datetime.date) -> Match:
    child = episode.child
    placement = (
        Placement.objects.current().filter(child=child).select_related("police_force").order_by("-start_date").first()
    )
    profile = (
        PhilomenaProfile.objects.filter(child=child)
        .order_by("-version")
        .only("photo", "medical_needs", "vulnerabilities")
        .first()
    )
    force = _leading_force(episode, placement)
    return Match(
        episode_id=episode.pk,
        child_id=child.pk,
        name=child.full_name,
        age=child.age_on(today),
        has_photo=bool(profile and profile.photo),
        risk_grade=RiskGrade(episode.risk_grade).label if episode.risk_grade else "Not yet graded",
        risk_graded_at=episode.risk_graded_at,
        leading_force=force.name if force else "Not known",
        leading_force_contact=(force.contact_24h if force else "") or NO_CONTACT,
        responsible_council=child.responsible_authority.name,
        responsible_council_contact=child.responsible_authority.contact_24h or NO_CONTACT,
        medical_needs=profile.medical_needs if profile else "",
        vulnerabilities=profile.vulnerabilities if profile else "",
        score=round(score, 1),
        why=reasons,
    )


# ---------------------------------------------------------------------------------------------
# What a match grants, for MATCH_VALID_FOR
# ---------------------------------------------------------------------------------------------


def match_current(user, *, child_id: int, episode_id: int | None = None, now: datetime.datetime | None = None) -> bool:
    """This person was shown this child (this episode) in a search within MATCH_VALID_FOR."""
    since = (now or timezone.now()) - MATCH_VALID_FOR
    events = AuditEvent.objects.filter(child_id=child_id, at__gte=since, object_type=MATCH_OBJECT, user_id=user.pk)
    if episode_id is not None:
        events = events.filter(object_id=str(episode_id))
    return events.exists()


def matched_episode(*, user, episode_id, why: str, lock: bool = False) -> Episode:
    """The open missing episode, if this police user was shown it in a recent search; otherwise the
    refusal is audited as `denied` under the child and Http404. The scoping function is asked too:
    the finding force's own reasons are shown beside the match's."""
    try:
        pk = int(episode_id)
    except (TypeError, ValueError):
        pk = None
    queryset = _open_missing().select_related("child__responsible_authority", "location_police_force")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=pk).first() if pk is not None else None
    child_id = (
        found.child_id
        if found
        else (Episode.objects.filter(pk=pk).values_list("child_id", flat=True).first() if pk else None)
    )
    allowed = (
        found is not None
        and user.role in LOOKUP_ROLES
        and match_current(user, child_id=found.child_id, episode_id=found.pk)
    )
    # Asked of the scope too: the finding force may already have a reason of its own.
    found_reasons = access_reasons(user, found.child) if found is not None else []
    if not allowed:
        refuse(user=user, object_type="episode", object_id=episode_id, child_id=child_id, why=why)
        raise Http404("No such episode.")
    found.access_reasons = found_reasons
    return found


def lookup_photo(*, user, child_id, why: str):
    """The child's Philomena photo, for an officer shown the child (still missing) in a recent search."""
    import mimetypes
    from pathlib import Path

    from homeward.episodes.selectors import Photo

    try:
        pk = int(child_id)
    except (TypeError, ValueError):
        pk = None
    episode = _open_missing().filter(child_id=pk).first() if pk is not None else None
    if episode is not None:
        access_reasons(user, episode.child)
    profile = PhilomenaProfile.objects.filter(child_id=pk).order_by("-version").first() if episode else None
    if (
        episode is None
        or user.role not in LOOKUP_ROLES
        or not match_current(user, child_id=pk, episode_id=episode.pk)
        or profile is None
        or not profile.photo
    ):
        refuse(
            user=user,
            object_type="philomena_photo",
            object_id=child_id,
            child_id=pk if Child.objects.filter(pk=pk).exists() else None,
            why=why,
        )
        raise Http404("No photo.")
    audit_record(
        user=user,
        action=Action.READ,
        object_type="philomena_photo",
        object_id=profile.pk,
        child_id=pk,
        why=why,
        detail={"version": profile.version, "via": SEARCH_OBJECT, DISCLOSED_UNDER: [LOOKUP_BASIS]},
    )
    content_type = mimetypes.guess_type(profile.photo.name)[0] or "application/octet-stream"
    return Photo(
        file=profile.photo.open("rb"), content_type=content_type, name=f"child-{pk}{Path(profile.photo.name).suffix}"
    )


# ---------------------------------------------------------------------------------------------
# Found
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def missing_found(
    *,
    user,
    why: str,
    episode_id: int,
    found_at,
    found_where: str,
    in_care_of: str,
    postcode: str = "",
    confirm_before_report: bool = True,
) -> Episode:
    """An officer shown this child in a recent search records the child found. The return is recorded
    by the one return service (its 72-hour interview clock starts), the finding force becomes the
    episode's location force, and every agency the issue names is told (alerts.found). A time found
    before the report was made is recorded once the officer confirms it (confirm_before_report, as
    services.episode_record_return asks)."""
    from homeward.episodes import services

    # Not police, or no current match: not found (never "forbidden", which would say it exists).
    episode = matched_episode(user=user, episode_id=episode_id, why=why, lock=True)
    errors = {}
    if not (found_where or "").strip():
        errors["found_where"] = "Say where the child was found."
    if not (in_care_of or "").strip():
        errors["in_care_of"] = "Say in whose care the child now is."
    if found_at is None:
        errors["found_at"] = "Enter when the child was found."
    if errors:
        raise ValidationError(errors)
    placement = (
        Placement.objects.current()
        .filter(child=episode.child)
        .select_related("police_force")
        .order_by("-start_date")
        .first()
    )
    leading = _leading_force(episode, placement)  # before the finding force takes the lead
    episode = services.episode_record_found(
        user=user,
        why=why,
        episode=episode,
        found_at=found_at,
        found_where=found_where.strip(),
        in_care_of=in_care_of.strip(),
        postcode=postcode,
        confirm_before_report=confirm_before_report,
    )
    # alerts.found tells every agency the issue names (connected in AlertsConfig.ready).
    signals.episode_found.send(
        Episode, user=user, episode=episode, leading_force=leading, in_care_of=in_care_of.strip()
    )
    return episode
