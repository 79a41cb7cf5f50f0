"""The school's report and the carer's or council's answer."""

from homeward.episodes.forms import DateTimeField, EpisodeForm, _area, _choice
from homeward.language.forms import LanguageCheckedForm
from homeward.schools.models import Outcome


class SchoolReportForm(LanguageCheckedForm, EpisodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["last_seen_at"] = DateTimeField(
            label=f"When did the school last see {self.name}, or expect them?",
            what="when the school last saw or expected the child",
            help_text="For example, the start of registration they missed. If the child is confirmed missing, the episode starts from this time.",
        )
        self.fields["details"] = _area(
            "What does the school know?",
            required=True,
            required_message="Say what the school knows",
            help_text="When the child was expected, who has been called, what friends said.",
        )


class SchoolReportAnswerForm(LanguageCheckedForm, EpisodeForm):
    outcome = _choice(
        "Is the child missing?",
        [
            (Outcome.MISSING, "Missing: we do not know where they are"),
            (Outcome.AWAY, "Away: we know where they are, but they should not be there"),
            (Outcome.ACCOUNTED_FOR, "Accounted for: they are where they should be"),
        ],
        required_message="Choose missing, away or accounted for",
        hints={
            Outcome.MISSING: "An episode is opened from the time the school gave, and the police must be called.",
            Outcome.ACCOUNTED_FOR: "Say where in the note. The school is told.",
        },
    )
    note = _area("Note", help_text="Where the child is, or what is being done.")
