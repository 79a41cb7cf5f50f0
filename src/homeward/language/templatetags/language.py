"""The language guide in templates: the notes beside a free-text field at the moment of writing,
and phrases marked for the reader in text that arrived from outside. Every piece of text reaches
the page through Django's autoescaping; nothing written by a person is marked safe."""

from django import template
from django.forms import BoundField

from homeward.language.forms import KEEP, SHOWN, grouped, keep_value, shown_token
from homeward.language.guide import Family, find

register = template.Library()


@register.inclusion_tag("language/_notes.html", takes_context=True)
def language_notes(context, field: BoundField) -> dict:
    """The phrases found in this field on submit, why, what instead, and "Keep my wording"; and,
    once the writer has been shown phrases, the token that counts what they did (language.forms)."""
    form = field.form
    findings = getattr(form, "language_findings", {}).get(field.name, [])
    value = keep_value(field.name, findings) if findings else ""
    name = form.add_prefix(KEEP)
    kept = bool(findings) and hasattr(form.data, "getlist") and value in form.data.getlist(name)
    shown = getattr(form, "language_shown", {}).get(field.name)
    request = context.get("request")
    user = getattr(request, "user", None)
    writer = user is not None and user.is_authenticated and user.agency_id is not None
    return {
        "groups": grouped(findings),
        "id": f"{field.auto_id}-language",
        "keep_name": name,
        "keep_value": value,
        "kept": kept,
        "shown_name": form.add_prefix(SHOWN),
        "shown_token": shown_token(field.name, shown, user) if shown and writer else "",
    }


@register.inclusion_tag("language/_marked.html")
def language_marked(text: str, families: list[Family], empty: str = "") -> dict:
    """The text exactly as stored, with each phrase of the guide marked and numbered, and the notes
    (why, and what to write instead) listed beside it. `families` are the page's, which its view read
    once (language.selectors.child_guide_families: a timeline marks hundreds of entries); the tag reads
    nothing itself."""
    if not isinstance(families, (list, tuple)):
        # A page whose view did not give them: the template variable resolves to "" and every phrase
        # would go unmarked without a word.
        raise TypeError(
            f"language_marked needs the page's guide families (language.selectors.child_guide_families), "
            f"not {families!r}"
        )
    text = text or ""
    findings = find(text, families) if text else []
    segments, notes, at = [], [], 0
    for finding in findings:
        if finding.start < at:  # overlaps one already marked (two families on the same words)
            continue
        segments.append({"text": text[at : finding.start]})
        notes.append(finding)
        segments.append({"text": finding.phrase, "note": len(notes)})
        at = finding.end
    segments.append({"text": text[at:]})
    return {"segments": segments, "notes": notes, "empty": empty, "blank": not text}
