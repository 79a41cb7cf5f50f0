"""The safeguarding pages' forms: the shape of the input only; the rules are the services'. They reuse
the episode pages' GOV.UK field helpers and error summary (episodes.forms)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from homeward.episodes.forms import DateTimeField, EpisodeForm, _area, _choice, _text
from homeward.language.forms import LanguageCheckedForm
from homeward.safeguarding import screening
from homeward.safeguarding.models import AreaKind, DetailVisibleTo, FlagKind, LocationRiskKind

NONE = "no"
SIGNIFICANT_CHOICES = [
    (NONE, "No, or not known"),
    (screening.LAST_6_MONTHS, "In the last 6 months"),
    (screening.SIX_TO_12_MONTHS, "6 to 12 months ago only"),
]


class DateWidget(forms.MultiWidget):
    """GOV.UK date input: <name>_day, <name>_month, <name>_year."""

    def __init__(self) -> None:
        super().__init__(widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput})

    def decompress(self, value) -> list[str]:
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class DateField(forms.Field):
    widget = DateWidget

    def __init__(self, *, what: str, **kwargs) -> None:
        self.what = what
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter {what}"

    def clean(self, value) -> datetime.date | None:
        day, month, year = [(part or "").strip() for part in (value or ["", "", ""])]
        if not any((day, month, year)):
            if self.required:
                raise ValidationError(self.error_messages["required"])
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{self.what[0].upper()}{self.what[1:]} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{self.what[0].upper()}{self.what[1:]} must be a real date, like 27 3 2026")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                f"{self.what[0].upper()}{self.what[1:]} must be a real date, like 27 3 2026"
            ) from None


def _checkboxes(label: str, choices: dict[str, str], help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=list(choices.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"invalid_choice": "Choose from the list."},
    )


class ScreeningForm(LanguageCheckedForm, EpisodeForm):
    service_fields = {"answers": "vulnerabilities", "screened_at": "screened_at"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["screened_at"] = DateTimeField(
            label="When was the screening done?", what="when the screening was done"
        )
        self.fields["vulnerabilities"] = _checkboxes(
            "Vulnerabilities", screening.VULNERABILITIES, "Select all that apply to the child now. 1 point each."
        )
        self.fields["moderate"] = _checkboxes(
            "Moderate indicators in the last 6 months",
            screening.MODERATE,
            "Select all seen in the last 6 months. 1 point each.",
        )
        for code, label in screening.SIGNIFICANT.items():
            self.fields[f"significant_{code}"] = _choice(
                label,
                SIGNIFICANT_CHOICES,
                required=False,
                required_message=f"Say whether “{label.lower()}” applies",
            )
            self.fields[f"significant_{code}"].initial = NONE
        self.fields["notes"] = _area(
            "Notes", help_text="What the screening was based on: who was spoken to, what was seen."
        )

    @property
    def significant_fields(self) -> list:
        return [self[f"significant_{code}"] for code in screening.SIGNIFICANT]

    def answers(self) -> dict[str, str]:
        data = self.cleaned_data
        answers = {code: screening.YES for code in data["vulnerabilities"]}
        answers |= {code: screening.YES for code in data["moderate"]}
        for code in screening.SIGNIFICANT:
            when = data.get(f"significant_{code}") or NONE
            if when != NONE:
                answers[code] = when
        return answers


class FlagRaiseForm(LanguageCheckedForm, EpisodeForm):
    kind = _choice("Which flag?", FlagKind.choices, required_message="Choose the kind of flag")
    reason = _area(
        "Why are you raising it?",
        required=True,
        required_message="Give the reason for raising the flag",
        help_text="This is kept with the flag and in the audit log.",
    )


class FlagChangeForm(LanguageCheckedForm, EpisodeForm):
    change = _choice(
        "What do you want to do?",
        [("lower", "Lower it"), ("clear", "Clear it")],
        required_message="Choose whether to lower or clear the flag",
        hints={
            "lower": "The risk is lower. The flag stays on the child's page as lowered.",
            "clear": "The flag no longer applies. It moves to the history.",
        },
    )
    reason = _area(
        "Why?",
        required=True,
        required_message="Give the reason",
        help_text="This is kept with the flag and in the audit log. The rule raises the flag again only on new facts.",
    )


class MeetingProposeForm(LanguageCheckedForm, EpisodeForm):
    reason = _area(
        "Why is a strategy meeting needed?", required=True, required_message="Give the reason for the meeting"
    )


class MeetingScheduleForm(EpisodeForm):
    service_fields = {"invited": "invited"}

    def __init__(self, *args, agencies=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"] = DateTimeField(
            label="When will it be held?", what="when the meeting will be held"
        )
        self.fields["invited"] = forms.MultipleChoiceField(
            label="Agencies invited",
            choices=[(str(a.pk), a.name) for a in agencies],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "Invite at least the council that looks after the child",
                "invalid_choice": "Choose from the list",
            },
        )


class MeetingRecordForm(LanguageCheckedForm, EpisodeForm):
    service_fields = {"attended": "attended"}

    def __init__(self, *args, agencies=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_at"] = DateTimeField(label="When was it held?", what="when the meeting was held")
        self.fields["decisions"] = _area(
            "What did the meeting decide?", required=True, required_message="Record what the meeting decided"
        )
        self.fields["attended"] = forms.MultipleChoiceField(
            label="Agencies that came",
            choices=[(str(a.pk), a.name) for a in agencies],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            error_messages={"invalid_choice": "Choose from the agencies invited"},
        )


class MeetingCancelForm(LanguageCheckedForm, EpisodeForm):
    cancel_reason = _area("Why is it cancelled?", required=True, required_message="Give the reason for cancelling")
    service_fields = {"reason": "cancel_reason"}


class ActionForm(LanguageCheckedForm, EpisodeForm):
    service_fields = {"owner": "owner", "due_date": "due_date", "description": "description"}

    def __init__(self, *args, owners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"] = _area("Action", required=True, required_message="Say what is to be done")
        self.fields["owner"] = forms.ChoiceField(
            label="Who will do it?",
            choices=[("", "Choose someone")]
            + [
                (str(u.pk), f"{u.get_full_name() or u.username}, {u.get_role_display()}, {u.agency.name}")
                for u in owners
            ],
            error_messages={"required": "Choose who will do it", "invalid_choice": "Choose who will do it"},
        )
        self.fields["due_date"] = DateField(label="Due by", what="the due date")


class LocationRiskForm(EpisodeForm):
    area_kind = _choice(
        "What kind of place?",
        AreaKind.choices,
        required_message="Choose what kind of place it is",
        hints={
            AreaKind.POSTCODE: "A full postcode, like B1 1AA.",
            AreaKind.SECTOR: "Like B1 1: every postcode starting so.",
            AreaKind.DISTRICT: "Like B1.",
            AreaKind.PLACE: "A name matched in last-seen, sighting and found-at places.",
            AreaKind.HOME: "Its Ofsted URN, like SC123456: a concern about the home, shown to those placing children there. It flags no child.",
        },
    )
    area = _text(
        "Ofsted URN, postcode, sector, district or place name",
        required=True,
        max_length=100,
        required_message="Enter the Ofsted URN, postcode, sector, district or place name",
    )
    kind = _choice("What is the risk?", LocationRiskKind.choices, required_message="Choose the kind of risk")
    description = _area("What is known", help_text="Do not name children.")
    source = _text(
        "Where it comes from (optional)",
        max_length=200,
        help_text="For example, police intelligence, a MASE meeting, the host council.",
    )
    detail_visible_to = _choice(
        "Who may read what is known?",
        DetailVisibleTo.choices,
        required=False,
        required_message="Choose who may read what is known",
        hints={
            DetailVisibleTo.ALL: "Every council and police force.",
            DetailVisibleTo.OWN_AGENCY: "Others see that there is a concern of this kind, where, who to ask and the dates: not what is known.",
        },
    )
    service_fields = {"review_on": "review_on", "expires_on": "expires_on"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["detail_visible_to"].initial = DetailVisibleTo.ALL
        self.fields["review_on"] = DateField(label="Review by (optional)", what="the review date", required=False)
        self.fields["expires_on"] = DateField(label="Expires on (optional)", what="the expiry date", required=False)

    def clean_detail_visible_to(self) -> str:
        return self.cleaned_data.get("detail_visible_to") or DetailVisibleTo.ALL  # unanswered: as the radios start


CONSULTED = {"police": "The police", "host_council": "The host council"}


class LocationAssessmentForm(EpisodeForm):
    """A children's home's location risk assessment (Children's Homes (England) Regulations 2015, reg 46)."""

    summary = _area(
        "Summary of the assessment",
        required=True,
        required_message="Summarise the assessment",
        help_text="The risks of the home's location and what the home does about them. Do not name children.",
    )
    consulted = forms.MultipleChoiceField(
        label="Who did you consult?",
        choices=list(CONSULTED.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Regulation 46: the police and the host council.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    service_fields = {"assessed_on": "assessed_on", "summary": "summary"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"] = DateField(label="Date of the assessment", what="the date of the assessment")


class WithdrawForm(EpisodeForm):
    reason = _area("Why is it withdrawn?", required=True, required_message="Give the reason for withdrawing it")
