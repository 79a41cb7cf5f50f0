"""The placement scrutiny pages' forms: the shape of the input only; the rules are the services'."""

from django import forms

from homeward.episodes.forms import EpisodeForm, _area, _choice, _text
from homeward.language.forms import LanguageCheckedForm
from homeward.safeguarding.forms import DateField
from homeward.scrutiny.models import APPROVALS, Outcome, TrainingTopic

# The placement codes a check is usually run for (SSDA903 PLACE), most common first.
PLACEMENT_TYPES = [
    ("K2", "Children's home (K2)"),
    ("K3", "Supported accommodation, 16 and 17 only (K3)"),
    ("K1", "Secure children's home (K1)"),
    ("U4", "Foster placement with another carer (U4)"),
    ("U1", "Foster placement with relative or friend (U1)"),
    ("S1", "Residential school (S1)"),
]


class CheckForm(EpisodeForm):
    service_fields = {"placement_postcode": "placement_postcode", "home_postcode": "home_postcode", "provider": "urn"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"] = DateField(
            label="When would the placement start?", what="when the placement would start"
        )
        self.fields["placement_type"] = _choice(
            "Kind of placement", PLACEMENT_TYPES, required_message="Choose the kind of placement"
        )
        self.fields["urn"] = _text(
            "Ofsted URN of the home",
            max_length=8,
            help_text="Leave blank for a foster placement or a home not registered with Ofsted.",
        )
        self.fields["placement_postcode"] = _text(
            "Postcode of the placement",
            required=True,
            max_length=10,
            required_message="Enter the postcode of the placement",
        )
        self.fields["home_postcode"] = _text(
            f"Postcode of {self.name}'s home",
            max_length=10,
            help_text="Where the child lived before coming into care: the distance is measured from here.",
        )
        self.fields["emergency"] = forms.BooleanField(
            label="This is an emergency placement: notice can follow within 5 working days", required=False
        )


class RequirementForm(forms.Form):
    def __init__(self, *args, requirement, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"r{requirement.pk}-%s")
        kwargs.setdefault("prefix", f"r{requirement.pk}")
        super().__init__(*args, **kwargs)
        if requirement.kind in APPROVALS:
            self.fields["outcome"] = _choice(
                "Decision",
                [(Outcome.APPROVED, "Approve"), (Outcome.REFUSED, "Refuse")],
                required_message="Choose approve or refuse",
            )
            self.fields["reasons"] = _area(
                "Reasons for the decision", required=True, required_message="Enter the reasons for the decision"
            )
        else:
            self.fields["outcome"] = forms.CharField(widget=forms.HiddenInput, initial=Outcome.SENT)
            self.fields["reasons"] = _area(
                "What the notice says",
                required=True,
                help_text="The care plan is sent with it.",
                required_message="Enter what the notice says",
            )


class ResponseForm(forms.Form):
    def __init__(self, *args, requirement, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"q{requirement.pk}-%s")
        kwargs.setdefault("prefix", f"q{requirement.pk}")
        super().__init__(*args, **kwargs)
        self.fields["response"] = _area(
            "Your council's response",
            required=True,
            help_text="What you know of the home and the area: concerns, local services, anything the placing council should weigh.",
            required_message="Enter your council's response",
        )


class TrainingForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["staff_name"] = _text(
            "Staff member", required=True, max_length=200, required_message="Enter the staff member's name"
        )
        self.fields["topic"] = _choice("Training", TrainingTopic.choices, required_message="Choose the training")
        self.fields["completed_on"] = DateField(label="Completed on", what="when the training was completed")
        self.fields["renewal_due_on"] = DateField(label="Renewal due", what="when the training is due to be renewed")


class LeavingCareReviewForm(LanguageCheckedForm, EpisodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"] = DateField(label="When was the review held?", what="when the review was held")
        self.fields["move_on"] = DateField(label="When is the move planned?", what="when the move is planned")
        self.fields["young_persons_view"] = _area(
            f"{self.name}'s view", required=True, required_message=f"Enter {self.name}'s view"
        )
        self.fields["readiness"] = _area(
            "How ready they are",
            required=True,
            required_message="Enter how ready they are",
            help_text="Skills for living independently, support in place, where they will live.",
        )
        self.fields["iro_view"] = _area("The IRO's view", required=True, required_message="Enter the IRO's view")
