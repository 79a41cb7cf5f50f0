"""The review form: a person's decision on one pair. The rules are linkage.services'."""

from homeward.episodes.forms import EpisodeForm, _area, _choice
from homeward.linkage.models import PairStatus


class PairDecisionForm(EpisodeForm):
    decision = _choice(
        "Is this police report about this child?",
        [(PairStatus.CONFIRMED, "Yes, it is this child"), (PairStatus.REJECTED, "No, it is someone else")],
        required_message="Choose whether the report is about this child",
        hints={
            PairStatus.CONFIRMED: "The report is linked to the child's record and counted with the child's episodes.",
            PairStatus.REJECTED: "The report is never linked to this child, however the records change.",
        },
    )
    note = _area(
        "What did you check?",
        help_text="For example: the carer confirmed, the date of birth was keyed wrongly. "
        "Kept with the decision and in the audit log.",
    )
