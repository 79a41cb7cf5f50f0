"""The missing look-up's forms (issue 14): shapes only; the rules are episodes.lookup's."""

from typing import ClassVar

from django import forms

from homeward.children.models import Sex
from homeward.episodes.forms import DateTimeField, _choice, _text
from homeward.safeguarding.forms import DateField

SEX_CHOICES = [("", "Not known"), *Sex.choices]


class LookupForm(forms.Form):
    reason = _text(
        "Why are you searching?",
        required=True,
        max_length=300,
        help_text="This is recorded, and the child's council can see it. For example: child at New Street station at 2am",
        required_message="Say why you are searching",
    )
    name = _text(
        "Name (optional)",
        max_length=200,
        help_text="As the child gives it: misspellings, nicknames and other names are matched",
    )
    date_of_birth = DateField(
        what="the date of birth", label="Date of birth (optional)", required=False, help_text="For example, 27 3 2011"
    )
    age = forms.IntegerField(
        label="Or their age, if you do not know the date of birth (optional)",
        required=False,
        min_value=0,
        max_value=25,
        error_messages={
            "invalid": "Enter the age in years, like 14",
            "min_value": "Enter an age between 0 and 25",
            "max_value": "Enter an age between 0 and 25",
        },
    )
    nhs_number = _text(
        "NHS number (optional)",
        max_length=20,
        help_text="If the child or a health record gives it: a match on it comes first. For example, 943 476 5919",
    )
    sex = _choice("Sex", SEX_CHOICES, required=False, required_message="Choose male, female or not known")
    where = _text(
        "Where are you? Postcode (optional)", max_length=16, help_text="Children last known near here rank higher"
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


class FoundForm(forms.Form):
    service_fields: ClassVar[dict[str, str]] = {"returned_at": "found_at", "postcode": "postcode"}

    found_at = DateTimeField(
        what="when the child was found", label="When was the child found?", help_text="For example, 27 3 2026 and 02:15"
    )
    found_where = _text(
        "Where was the child found?", required=True, max_length=300, required_message="Say where the child was found"
    )
    postcode = _text("Postcode (optional)", max_length=16)
    in_care_of = _text(
        "In whose care is the child now?",
        required=True,
        max_length=300,
        help_text="For example: PC 1234 at Birmingham Central, or the home's night manager",
        required_message="Say in whose care the child now is",
    )
    # Shown once the return service has asked (found before the report: dates.Unconfirmed).
    confirm_before_report = forms.BooleanField(label="Yes, the time found is right", required=False)
    confirming = False

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
