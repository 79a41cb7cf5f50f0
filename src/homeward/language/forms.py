"""The language check at the moment of writing (issue 16): a mixin for any form with free text
about a child. It never changes what was typed. When the text holds phrases from the guide, the
form is refused once, showing each phrase, why it harms and what to write instead, with the text
exactly as typed; the writer rewords it, or ticks "Keep my wording" and sends it again. Works
without JavaScript: the notes come back with the page."""

from django import forms

from homeward.language.guide import Family, Finding, find
from homeward.language.selectors import guide_families

# One checkbox per field with findings, posted (with the form's prefix) as "<field>:<family ids>". Keeping covers the
# families the writer was shown; a phrase of another family added since is shown again.
KEEP = "language_keep"


def keep_value(field_name: str, findings: list[Finding]) -> str:
    return f"{field_name}:{','.join(sorted({f.family.id for f in findings}))}"


def _kept(form: forms.Form, field_name: str, findings: list[Finding]) -> bool:
    if not hasattr(form.data, "getlist"):
        return False
    wanted = {f.family.id for f in findings}
    for value in form.data.getlist(form.add_prefix(KEEP)):
        name, _, ids = value.partition(":")
        if name == field_name and wanted <= set(ids.split(",")):
            return True
    return False


def grouped(findings: list[Finding]) -> list[tuple[Family, list[str]]]:
    """Each family found, once, with the phrases as written (each phrase once), in reading order."""
    groups: dict[str, tuple[Family, list[str]]] = {}
    for finding in findings:
        family, phrases = groups.setdefault(finding.family.id, (finding.family, []))
        if finding.phrase not in phrases:
            phrases.append(finding.phrase)
    return list(groups.values())


class LanguageCheckedForm(forms.Form):
    """Put first among a form's bases: class ReportMissingForm(LanguageCheckedForm, EpisodeForm).

    Checks `language_fields`, or when that is empty every field with a Textarea widget. The guide
    is Homeward's and the child's responsible council's (the form's `child`, when it has one)."""

    language_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language_findings: dict[str, list[Finding]] = {}
        self.language_kept: dict[str, list[Finding]] = {}

    def _language_checked(self) -> list[str]:
        if self.language_fields:
            return [name for name in self.language_fields if name in self.fields]
        return [name for name, field in self.fields.items() if isinstance(field.widget, forms.Textarea)]

    def clean(self) -> dict:
        cleaned = super().clean()
        child = getattr(self, "child", None)
        families = None
        for name in self._language_checked():
            text = cleaned.get(name)
            if not isinstance(text, str) or not text:
                continue
            families = (
                families
                if families is not None
                else guide_families(agency=child.responsible_authority if child is not None else None)
            )
            findings = find(text, families)
            if not findings:
                continue
            self.language_findings[name] = findings
            if _kept(self, name, findings):
                self.language_kept[name] = findings
                continue
            phrases = ", ".join(f"“{phrase}”" for _, found in grouped(findings) for phrase in found)
            who = getattr(self, "name", "the child")
            self.add_error(
                name,
                (
                    f"{phrases} may read as blaming {who} for harm done to them. "
                    "Reword it, or tick “Keep my wording” to save it exactly as typed"
                ),
            )
        return cleaned
