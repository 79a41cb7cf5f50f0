"""The episode pages' forms. They check the shape of the input (a real date, a known choice); the
rules (not in the future, not before the start, who may do what) are the services'. A service's
ValidationError names its own field: `add_service_errors` puts it on the form's field that asked."""

import datetime
import re
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward import dates
from homeward.episodes.models import (
    EXPLOITATION_INDICATORS,
    FREE_UPDATE_KINDS,
    DeclineReason,
    InterviewStatus,
    Kind,
    ReturnHow,
    RiskGrade,
    UpdateKind,
)
from homeward.language.forms import LanguageCheckedForm

# DfE statutory guidance (January 2014), in the words a carer reads at the radio buttons.
KIND_HINTS = {
    # The College of Policing's APP: "anyone whose whereabouts cannot be established will be considered
    # as missing until located, and their well-being or otherwise confirmed" (no "absent" since 2017).
    Kind.MISSING: "Nobody knows where they are. The police treat them as missing until they are found and known to be safe.",
    Kind.AWAY: "You know where they are, but they are not where they should be and you are worried about them.",
}
RISK_HINTS = {
    # The APP's words for each grade.
    RiskGrade.HIGH: "The risk of serious harm to the child or the public is very likely.",
    RiskGrade.MEDIUM: "The risk of harm to the child or the public is likely but not serious.",
    RiskGrade.LOW: "The risk of harm to the child or the public is possible but minimal.",
    RiskGrade.NO_APPARENT_RISK: "There is no apparent risk of harm to the child or the public. Rarely right for a child in care.",
}
UPDATE_HINTS = {
    UpdateKind.SIGHTING: "Someone saw the child: say where and when.",
    UpdateKind.ENQUIRY: "A call, visit or check made to find the child.",
    UpdateKind.NOTE: "Anything else that others working on this episode should know.",
}
YES_NO = [("yes", "Yes"), ("no", "No")]
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.]?(\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Date and time (GOV.UK date input, and a time box beside it)
# ---------------------------------------------------------------------------------------------


class DateTimeWidget(forms.MultiWidget):
    """Day, month, year and time, posted as <name>_day, <name>_month, <name>_year and <name>_time."""

    def __init__(self) -> None:
        super().__init__(
            widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput, "time": forms.TextInput}
        )

    def decompress(self, value) -> list[str]:
        if not isinstance(value, datetime.datetime):
            return ["", "", "", ""]
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return [str(local.day), str(local.month), str(local.year), local.strftime("%H:%M")]


def parse_time(raw: str) -> datetime.time | None:
    """14:30, 14.30, 1430, 9 (09:00), 2:30pm, 2pm. None when it is not a time of day."""
    match = _TIME.match(raw or "")
    if not match:
        return None
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return datetime.time(hour, minute)


class DateTimeField(forms.Field):
    """A local (Europe/London) date and time; the service makes it aware (architecture rule 4).

    Error messages follow the GOV.UK date input pattern: say which part is missing or wrong.
    """

    widget = DateTimeWidget

    def __init__(self, *, what: str = "the date and time", **kwargs) -> None:
        self.what = what
        kwargs.setdefault("initial", timezone.now)
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter {what}"

    def clean(self, value) -> datetime.datetime | None:
        day, month, year, time = [(part or "").strip() for part in (value or ["", "", "", ""])]
        if not any((day, month, year, time)):
            if self.required:
                raise ValidationError(self.error_messages["required"])
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if len(missing) == 3:
            raise ValidationError(f"Enter the date of {self.what}")
        if missing:
            raise ValidationError(f"The date must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError("The date must be a real date, like 27 3 2025")
        if len(year) != 4:
            raise ValidationError("The year must include 4 numbers")
        try:
            date = datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError("The date must be a real date, like 27 3 2025") from None
        if not time:
            raise ValidationError("Enter the time, like 14:30")
        parsed = parse_time(time)
        if parsed is None:
            raise ValidationError("The time must be a real time, like 14:30 or 2:30pm")
        entered = datetime.datetime.combine(date, parsed)  # naive: Europe/London, made aware by the service
        # A time is entered to the minute. The current minute means now: pass the moment itself, so
        # that "offered" and "held" recorded a few seconds apart do not come out in the wrong order.
        now = timezone.now()
        if entered == timezone.localtime(now).replace(second=0, microsecond=0, tzinfo=None):
            return now
        return entered


# ---------------------------------------------------------------------------------------------
# Helpers shared by the forms
# ---------------------------------------------------------------------------------------------


def _text(
    label: str,
    *,
    required: bool = False,
    max_length: int | None = None,
    help_text: str = "",
    required_message: str = "",
) -> forms.CharField:
    messages = {"required": required_message or f"Enter {label.lower()}"}
    if max_length:
        messages["max_length"] = f"{label} must be {max_length} characters or fewer"
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text, error_messages=messages
    )


def _area(label: str, *, required: bool = False, help_text: str = "", required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required_message or f"Enter {label.lower()}"},
    )


def _choice(
    label: str, choices, *, required: bool = True, required_message: str, hints: Mapping | None = None
) -> forms.ChoiceField:
    field = forms.ChoiceField(
        label=label,
        choices=list(choices),
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )
    field.hints = dict(hints or {})
    return field


class EpisodeForm(forms.Form):
    """A form about one child: the name goes into the labels and messages."""

    # The service's field name -> this form's field; anything not here and not a field is shown
    # at the top of the page only.
    service_fields: dict[str, str] = {}

    def __init__(self, *args, child=None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.child = child
        self.name = child.first_name if child is not None else "the child"


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError({"field": "reason"}) onto the form field that field came from."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    if isinstance(error, dates.Unconfirmed) and error.flag in form.fields:
        form.confirming = True
    mapping = getattr(form, "service_fields", {})
    for name, messages in error.message_dict.items():
        target = mapping.get(name, name)
        form.add_error(target if target in form.fields else None, messages[0])


def error_anchor(form: forms.Form, name: str) -> str:
    """The id the error summary links to: the field's first input (GOV.UK error summary)."""
    field = form[name]
    if isinstance(field.field, DateTimeField):
        return f"{field.auto_id}_day"
    return field.auto_id


def error_summary(*forms_: forms.Form) -> list[dict]:
    """Every error on the page, in field order, each linking to its field (none for page-level ones)."""
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            items.append({"text": message, "href": ""})
        for name, field in form.fields.items():
            if name in form.errors:
                # A hidden field has nothing to focus: its error is the page's.
                href = "" if field.widget.is_hidden else f"#{error_anchor(form, name)}"
                items.append({"text": form.errors[name][0], "href": href})
    return items


# ---------------------------------------------------------------------------------------------
# Report a child missing (Philomena Part B)
# ---------------------------------------------------------------------------------------------


# What a first search needs of Part A (Philomena Protocol), asked with the report when a child has no
# profile: how to recognise them, where and with whom they may be, what they need, how to reach them.
PART_A_ESSENTIALS = ("description", "places_frequented", "associates", "medical_needs", "phone")


class ReportMissingForm(LanguageCheckedForm, EpisodeForm):
    service_fields = {
        "started_at": "last_seen",
        "last_seen_at": "last_seen",
        "left_at": "last_seen",
        "reported_at": "last_seen",
        "last_seen_postcode": "last_seen_postcode",
    }

    kind = _choice("Is the child missing or away?", Kind.choices, required_message="", hints=KIND_HINTS)
    last_seen = DateTimeField(what="when the child was last seen")
    last_seen_location = _text("Where were they last seen?", required=True, max_length=300)
    last_seen_postcode = _text(
        "Postcode of that place (optional)", max_length=16, help_text="If you know it. For example, B1 1AA"
    )
    clothing = _area(
        "What were they wearing? (optional)", help_text="Coat, top, trousers, shoes, bag, anything distinctive"
    )
    circumstances = _area(
        "What do you know? (optional)",
        help_text="What happened before they went, who they might be with, where they might go, any worries",
    )
    out_of_character = _choice("Is this out of character?", YES_NO, required=False, required_message="Select yes or no")
    # The essentials of Part A (PART_A_ESSENTIALS), asked only when the child has no profile yet.
    description = _area(
        "What do they look like? (optional)", help_text="Height, build, hair, eyes, marks, scars or tattoos"
    )
    places_frequented = _area(
        "Where might they go? (optional)", help_text="Addresses of family and friends, parks, shops, stations, towns"
    )
    associates = _area("Who might they be with? (optional)", help_text="Names, nicknames, where they live")
    medical_needs = _area(
        "Health needs and medication (optional)", help_text="Conditions and medication, and what happens without it"
    )
    phone = _text("Their phone number (optional)", max_length=100)

    def __init__(self, *args, part_a: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.part_a = part_a
        if not part_a:
            for field in PART_A_ESSENTIALS:
                del self.fields[field]
        name = self.name
        self.fields["kind"].label = f"Is {name} missing or away?"
        self.fields["kind"].error_messages["required"] = self.fields["kind"].error_messages["invalid_choice"] = (
            f"Select whether {name} is missing or away"
        )
        self.fields["last_seen"].label = f"When was {name} last seen?"
        self.fields[
            "last_seen"
        ].help_text = f"When {name} left, or was last seen by a responsible adult, whichever is later. For example, 27 3 2025 and 21:30"
        self.fields["last_seen"].what = f"when {name} was last seen"
        self.fields["last_seen"].error_messages["required"] = f"Enter when {name} was last seen"
        self.fields["last_seen_location"].label = f"Where was {name} last seen?"
        self.fields["last_seen_location"].help_text = "A place or an address, for example the home's front door"
        self.fields["last_seen_location"].error_messages["required"] = f"Enter where {name} was last seen"
        self.fields["clothing"].label = f"What was {name} wearing? (optional)"
        if part_a:
            self.fields["description"].label = f"What does {name} look like? (optional)"
            self.fields["places_frequented"].label = f"Where might {name} go? (optional)"
            self.fields["associates"].label = f"Who might {name} be with? (optional)"
            self.fields["phone"].label = f"{name}'s phone number (optional)"
            self.fields["phone"].error_messages["max_length"] = f"{name}'s phone number must be 100 characters or fewer"

    def profile_data(self) -> dict[str, str]:
        """The Part A answers, for services.episode_open_with_profile (empty when not asked)."""
        return {field: self.cleaned_data[field] for field in PART_A_ESSENTIALS if field in self.fields}

    def clean_out_of_character(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("out_of_character"))


# ---------------------------------------------------------------------------------------------
# The small forms on the episode page, one service each
# ---------------------------------------------------------------------------------------------


class PoliceReferenceForm(EpisodeForm):
    reference = _text(
        "Your force's reference", required=True, max_length=40, required_message="Enter your force's reference"
    )


class RiskForm(LanguageCheckedForm, EpisodeForm):
    risk_grade = _choice("Risk grade", RiskGrade.choices, required_message="Select a risk grade", hints=RISK_HINTS)
    source = _text(
        "Source of the information",
        required=True,
        max_length=300,
        help_text="Who or what the information for this grade came from, for example a call from the home",
        required_message="Enter where the information for this grade came from",
    )
    rationale = _area("Rationale (optional)", help_text="Why this grade, on that information")


class UpdateForm(LanguageCheckedForm, EpisodeForm):
    service_fields = {"at": "at"}

    kind = _choice(
        "What are you adding?",
        [(k.value, k.label) for k in FREE_UPDATE_KINDS],
        required_message="Select sighting, enquiry or note",
        hints=UPDATE_HINTS,
    )
    at = DateTimeField(
        what="when it happened", label="When did it happen?", help_text="For example, 27 3 2025 and 21:30"
    )
    text = _area("What happened?", help_text="Who, what, and what was done")
    location = _text("Where (optional)", max_length=300)
    postcode = _text(
        "Postcode (optional)",
        max_length=16,
        help_text="For a sighting, the police force of this place leads the search",
    )


class KindForm(LanguageCheckedForm, EpisodeForm):
    to_kind = forms.ChoiceField(
        choices=Kind.choices, widget=forms.HiddenInput, error_messages={"required": "Choose missing or away"}
    )
    at = DateTimeField(
        what="when it changed", label="When did this change?", help_text="For example, 27 3 2025 and 21:30"
    )
    text = _area("What changed? (optional)", help_text="For example, a call from the child saying where they are")

    def __init__(self, *args, episode=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if episode is not None and not self.is_bound:
            self.initial.setdefault("to_kind", Kind.AWAY if episode.kind == Kind.MISSING else Kind.MISSING)


class ReturnForm(LanguageCheckedForm, EpisodeForm):
    returned_at = DateTimeField(
        what="when the child returned",
        label="When did they return or were found?",
        help_text="For example, 27 3 2025 and 06:15",
    )
    how = _choice(
        "How did they return?", ReturnHow.choices, required=False, required_message="Select how they returned"
    )
    found_by = _text("Found or brought back by (optional)", max_length=200)
    place = _text(
        "Where were they found? (optional)", max_length=300, help_text="If they did not come back by themselves"
    )
    postcode = _text("Postcode (optional)", max_length=16)
    text = _area("Anything else (optional)")
    # Shown once the service has asked (a return before the report: dates.Unconfirmed).
    confirm_before_report = forms.BooleanField(label="Yes, the return time is right", required=False)
    confirming = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name = self.name
        self.fields["returned_at"].label = f"When did {name} return or was found?"
        self.fields["returned_at"].what = f"when {name} returned"
        self.fields["returned_at"].error_messages["required"] = f"Enter when {name} returned or was found"
        self.fields["how"].label = f"How did {name} return?"


class SafeAndWellForm(LanguageCheckedForm, EpisodeForm):
    at = DateTimeField(
        what="when the check was done",
        label="When was the safe and well check done?",
        help_text="For example, 27 3 2025 and 09:00",
    )
    text = _area("Notes (optional)")


class CloseForm(LanguageCheckedForm, EpisodeForm):
    text = _area("Why are you closing it? (optional)", help_text="For example, police enquiries complete")


class InterviewStatusForm(EpisodeForm):
    # Completed is recorded with the findings (InterviewFindingsForm).
    status = forms.ChoiceField(
        choices=[("offered", "Offered"), ("accepted", "Accepted"), ("declined", "Declined")],
        error_messages={"required": "Choose what to record", "invalid_choice": "Choose what to record"},
    )
    # Asked only of a decline; the service refuses a decline without a reason, naming this field.
    declined_reason = _choice(
        "If they declined, why?",
        DeclineReason.choices,
        required=False,
        required_message="Select why they declined the interview",
    )
    declined_detail = _area("More about why they declined (needed for another reason)")

    def clean(self):
        data = super().clean()
        if data.get("status") != InterviewStatus.DECLINED:
            data["declined_reason"] = data["declined_detail"] = None  # not asked: left as it was
        return data


class InterviewFindingsForm(LanguageCheckedForm, EpisodeForm):
    held_at = DateTimeField(
        what="when the interview was held",
        label="When was the interview held?",
        help_text="For example, 27 3 2025 and 16:00",
    )
    why_went = _area("Why did they go?")
    where_and_with_whom = _area("Where were they, and with whom?")
    harm_suffered = _area("Harm suffered")
    exploitation_indicators = forms.MultipleChoiceField(
        label="Exploitation indicators disclosed",
        required=False,
        choices=list(EXPLOITATION_INDICATORS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        error_messages={"invalid_choice": "Select indicators from the list"},
    )
    what_would_help = _area("What would help?")
    child_words = _area(
        "In their own words (optional)",
        help_text="What the child said, as they said it. Your own account goes in the answers above.",
    )
    held_by = _text("Who held the interview?", required=True, max_length=200, help_text="Their name and organisation")
    held_by_independent = _choice(
        "Is the person who held it independent of the placement and of the council?",
        YES_NO,
        required_message="Select yes if the person who held it is independent of the placement and the council",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name = self.name
        self.fields["why_went"].label = f"Why did {name} go?"
        self.fields["where_and_with_whom"].label = f"Where was {name}, and with whom?"
        self.fields["exploitation_indicators"].label = f"Exploitation indicators {name} disclosed"


# ---------------------------------------------------------------------------------------------
# Philomena profile (Part A)
# ---------------------------------------------------------------------------------------------

PROFILE_TEXT_FIELDS = (
    "description",
    "associates",
    "addresses",
    "places_frequented",
    "phone",
    "social_media",
    "medical_needs",
    "vulnerabilities",
    "previous_missing_history",
    "transport",
    "financial",
)


class ProfileForm(LanguageCheckedForm, EpisodeForm):
    description = _area(
        "Description",
        required=True,
        help_text="Height, build, hair, eyes, marks, scars or tattoos, how they dress and speak",
        required_message="Describe the child so that they can be recognised",
    )
    photo = forms.FileField(
        label="Photo (optional)",
        required=False,
        help_text="A recent photo: JPEG, PNG or WebP, smaller than 5 MB. Leave empty to keep the current one",
        error_messages={
            "invalid": "The photo must be a JPEG, PNG or WebP image",
            "empty": "The selected photo is empty",
        },
    )
    remove_photo = forms.BooleanField(label="Remove the current photo", required=False)
    associates = _area("Friends and associates", help_text="Names, nicknames, where they live, how they know the child")
    addresses = _area("Addresses linked to the child", help_text="Family, friends, previous placements")
    places_frequented = _area("Places they go", help_text="Parks, shops, stations, towns")
    phone = _text("Phone numbers", max_length=100)
    social_media = _area("Social media and online accounts")
    medical_needs = _area("Medical needs", help_text="Conditions and medication, and what happens without it")
    vulnerabilities = _area(
        "Vulnerabilities", help_text="For example, exploitation concerns, self-harm, learning needs"
    )
    previous_missing_history = _area(
        "Previous missing history", help_text="Where they were found before, and with whom"
    )
    transport = _area("Transport", help_text="Bus and train routes they use, bikes, cars of people they know")
    financial = _area("Money", help_text="Bank cards, cash, how they get money")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "description"
        ].help_text = f"How to recognise {self.name}: height, build, hair, eyes, marks, scars or tattoos, how they dress and speak"
        self.fields["description"].error_messages["required"] = f"Describe {self.name} so that they can be recognised"
