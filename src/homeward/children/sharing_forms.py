"""The form for a decision not to share: shapes only; the rules are children.sharing's."""

from django import forms

from homeward.agencies.models import Agency, AgencyKind
from homeward.children.sharing import PARTS


def _agency_groups(child) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every other active agency, grouped by kind (a select that works without JavaScript)."""
    groups: dict[str, list] = {}
    for agency in Agency.objects.filter(active=True).exclude(pk=child.responsible_authority_id).order_by("name"):
        groups.setdefault(agency.kind, []).append((str(agency.pk), agency.name))
    return [(AgencyKind(kind).label, groups[kind]) for kind in AgencyKind if kind in groups]


class DecisionNotToShareForm(forms.Form):
    # Nothing is required here: children.sharing.decision_not_to_share_record says what is missing,
    # naming the field, whichever door the decision came in by.
    agency = forms.ChoiceField(
        label="Which agency was not given the information?",
        required=False,
        help_text="Leave this empty if you decided about a kind of request rather than one agency",
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    request_kind = forms.CharField(
        label="Or, what kind of request was it?",
        required=False,
        help_text="For example: requests from schools for the Philomena profile",
    )
    parts = forms.MultipleChoiceField(
        label="Which parts of the record were not shared?",
        required=False,
        choices=list(PARTS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose which parts of the record were not shared"},
    )
    reason = forms.CharField(
        label="Why would sharing be more detrimental to the child than not sharing?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="This is kept with the decision. The council and inspectors can read it; the agency cannot",
    )

    def __init__(self, *args, child, **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.agency_groups = _agency_groups(child)
        self.fields["agency"].choices = [("", "Choose an agency"), *self.agency_groups]
