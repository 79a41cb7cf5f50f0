"""The language check at the moment of writing (issue 16): a mixin for any form with free text
about a child. It never changes what was typed. When the text holds phrases from the guide, the
form is refused once, showing each phrase, why it harms and what to write instead, with the text
exactly as typed; the writer rewords it, or ticks "Keep my wording" and sends it again. Works
without JavaScript: the notes come back with the page.

What the writer did is counted (issue 16, patterns): with the notes comes a signed token per field
naming the families shown, the writer's agency and team and a random nonce. When the form is next
sent without errors, each family in the token counts as shown, and as reworded (its phrases are gone
from the field) or kept. The nonce is spent then, so sending the same form twice, or refreshing the
page, counts once. Neither the text nor the person is stored or signed. A form without errors is
counted as it goes to be saved: should the service then refuse it (an episode closed meanwhile),
the writer's choice about the words has still been made, and sending it again counts nothing more."""

import logging
import secrets

from django import forms
from django.core import signing
from django.utils import timezone

from homeward.language.guide import Family, Finding, find
from homeward.language.selectors import child_guide_families
from homeward.language.services import SHOWN_MAX_AGE, phrase_outcome_record

log = logging.getLogger(__name__)

# One checkbox per field with findings, posted (with the form's prefix) as "<field>:<family ids>". Keeping covers the
# families the writer was shown; a phrase of another family added since is shown again.
KEEP = "language_keep"
# One hidden input per field whose writer has been shown phrases, posted (with the form's prefix) as a signed token.
SHOWN = "language_shown"
SHOWN_SALT = "homeward.language.shown"


def shown_token(field_name: str, shown: dict, user) -> str:
    """The signed token for one field: the families shown so far, the nonce, the writer's agency and team."""
    return signing.dumps(
        {"f": field_name, "s": shown["families"], "n": shown["nonce"], "a": user.agency_id, "t": user.team},
        salt=SHOWN_SALT,
    )


def _shown_before(form: forms.Form) -> dict[str, dict]:
    """The tokens posted with the form, by field; a token altered or too old is ignored."""
    if not hasattr(form.data, "getlist"):
        return {}
    found = {}
    for value in form.data.getlist(form.add_prefix(SHOWN)):
        try:
            payload = signing.loads(value, salt=SHOWN_SALT, max_age=SHOWN_MAX_AGE)
        except signing.BadSignature:
            continue
        found[payload["f"]] = payload
    return found


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
        # Per field: the families shown to the writer so far and the check's nonce (language_notes signs them).
        self.language_shown: dict[str, dict] = {}
        self._language_tokens: dict[str, dict] = {}

    def _language_checked(self) -> list[str]:
        if self.language_fields:
            return [name for name in self.language_fields if name in self.fields]
        return [name for name, field in self.fields.items() if isinstance(field.widget, forms.Textarea)]

    def clean(self) -> dict:
        cleaned = super().clean()
        child = getattr(self, "child", None)
        families = None
        self._language_tokens = _shown_before(self)
        for name in self._language_checked():
            text = cleaned.get(name)
            before = self._language_tokens.get(name)
            if before is not None:
                self.language_shown[name] = {"families": before["s"], "nonce": before["n"]}
            if not isinstance(text, str) or not text:
                continue
            families = families if families is not None else child_guide_families(child)
            findings = find(text, families)
            if not findings:
                continue
            self.language_findings[name] = findings
            if _kept(self, name, findings):
                self.language_kept[name] = findings
                continue
            shown = self.language_shown.get(name) or {"families": [], "nonce": secrets.token_hex(16)}
            shown["families"] = sorted(set(shown["families"]) | {f.family.id for f in findings})
            self.language_shown[name] = shown
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

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self._errors:
            self._language_outcomes_record()

    def _language_outcomes_record(self) -> None:
        """The form is being saved: count each family the writer was shown, as reworded or kept.
        A fault here must never stop the text being saved: it is logged."""
        child = getattr(self, "child", None)
        if child is None:
            return
        for name, token in self._language_tokens.items():
            if name not in self.fields or token["a"] is None:
                continue
            still = {f.family.id for f in self.language_findings.get(name, [])}
            try:
                phrase_outcome_record(
                    nonce=token["n"],
                    agency_id=token["a"],
                    team=token["t"],
                    authority=child.responsible_authority,
                    shown=token["s"],
                    kept=still,
                    at=timezone.now(),
                )
            except Exception:
                log.exception("Language outcome not counted for field %s", name)
