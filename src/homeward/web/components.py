"""GOV.UK date inputs, radios and checkboxes built from Django bound fields: govuk-frontend-django's
components (GovUKDateInput, GovUKRadios, GovUKCheckboxes), made in this one place so every app's forms
post the same names, carry the same ids and show hints and errors the same way. The templates
web/fields/date.html, web/fields/radios.html and web/fields/checkboxes.html render them (tags in
web/templatetags/web_fields.py); the package's own gds_field_component tag, which would do this, is
"Not yet implemented" in 0.22.

What the package could not say as it stands, and how it is said here through its own parameters:
- The Time box of a date and time (the fourth part of episodes' DateTimeWidget) is one more item of
  the date input, as GOV.UK Frontend allows any items. It wants the ordinary keyboard (a time has a
  colon; the numeric keypad has none), which the date input macro supports (items[].inputmode) but the
  package's DateInputItems dataclass leaves out, so DateInputItem below adds it; spellcheck is off
  through the item's attributes (the macro passes no spellcheck of its own, so there is no clash).
- The date input macro reads items[].label as the label's text, although the dataclass annotates it as
  a GovUKLabel: a string is passed, as the macro wants.
- The error colour on the boxes (govuk-input--error) is each item's classes, as GOV.UK Frontend asks.
- The hidden "Error:" before an error message is given outright (see _error).
"""

from dataclasses import dataclass

from django.forms import BoundField, MultiWidget
from django.utils.safestring import SafeString, mark_safe
from govuk_frontend_django.components.base import FieldsetLegend, GovUKComponent
from govuk_frontend_django.components.checkboxes import CheckboxesItems, GovUKCheckboxes
from govuk_frontend_django.components.date_input import DateInputItems, GovUKDateInput
from govuk_frontend_django.components.error_message import GovUKErrorMessage
from govuk_frontend_django.components.fieldset import GovUKFieldset
from govuk_frontend_django.components.hint import GovUKHint
from govuk_frontend_django.components.radios import GovUKRadios, RadiosItems
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, Template, select_autoescape

LEGEND_CLASS = "govuk-fieldset__legend--s"
# A date with no time: GOV.UK's date input pattern gives an example unless the field says otherwise.
DATE_HINT = "For example, 27 3 2026"
_WIDTH = {"day": "govuk-input--width-2", "month": "govuk-input--width-2", "year": "govuk-input--width-4"}

# The package renders every component in a new Jinja environment, compiling GOV.UK Frontend's macros
# again each time: about 35 ms a field (a scrutiny check has a set of radios a requirement) and 25 ms
# for each of the header, footer and skip link on every page. One environment for the process, set
# up as the package sets up its own, compiles each macro once.
_JINJA = Environment(
    loader=ChoiceLoader([PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]),
    autoescape=select_autoescape(),
)
_TEMPLATES: dict[str, Template] = {}


def _without_none(value):
    """The package's clean-up of a component's data: keys whose value is None dropped, at any depth."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _render(self, template_name=None, context=None, renderer=None, component_data=None) -> SafeString:
    """GovUKComponent.render with the shared environment: the same data, the same macro."""
    source = self.build_jinja_template()
    template = _TEMPLATES.get(source) or _TEMPLATES.setdefault(source, _JINJA.from_string(source))
    return mark_safe(template.render(data=_without_none({**self.__dict__, **(component_data or {})})))


def share_one_jinja_environment() -> None:
    """Every GOV.UK component the package renders (its template tags' and ours) renders through
    `_render` (WebConfig.ready)."""
    GovUKComponent.render = GovUKComponent.__str__ = GovUKComponent.__html__ = _render


@dataclass(kw_only=True)
class DateInputItem(DateInputItems):
    # GOV.UK Frontend's items[].inputmode, which the date input macro reads (default "numeric").
    inputmode: str | None = None


def _fieldset(field: BoundField, legend_class: str) -> GovUKFieldset:
    legend = FieldsetLegend(text=str(field.label), isPageHeading=False, classes=legend_class or LEGEND_CLASS)
    return GovUKFieldset(legend=legend)


def _error(field: BoundField) -> GovUKErrorMessage | None:
    """The field's first error, as every field on the site shows it. The hidden "Error:" is said
    outright: the date input and radios macros pass the dataclass's visuallyHiddenText on, and its
    None would stand in place of the error message macro's default of "Error"."""
    return GovUKErrorMessage(text=str(field.errors[0]), visuallyHiddenText="Error") if field.errors else None


def _hint(field: BoundField) -> GovUKHint | None:
    return GovUKHint(text=str(field.help_text)) if field.help_text else None


def _options(field: BoundField, value) -> list[tuple[str, str, bool, GovUKHint | None]]:
    """Each option of a choice field: its value and label, whether it is chosen (`value` is one option
    or a list of them) and its hint, from the field's `hints` (a dict of option to text) if it has one."""
    picked = {str(v) for v in value} if isinstance(value, (list, tuple)) else {"" if value is None else str(value)}
    hints = getattr(field.field, "hints", {})
    return [
        (
            str(option),
            str(label),
            str(option) in picked,
            GovUKHint(text=str(hints[option])) if hints.get(option) else None,
        )
        for option, label in field.field.choices
    ]


def _classes(block: str, **modifiers: bool) -> str | None:
    return " ".join(f"{block}--{name}" for name, wanted in modifiers.items() if wanted) or None


def date_input(field: BoundField, *, legend_class: str = "") -> GovUKDateInput:
    """A date (or date and time) field whose widget is a MultiWidget of text boxes named "day",
    "month", "year" and, for a time, "time": posted as <name>_day, <name>_month, <name>_year and
    <name>_time, each box's id <id>_<part> (so the error summary can link to <id>_day)."""
    widget = field.field.widget
    if not isinstance(widget, MultiWidget):
        raise TypeError(f"{field.html_name}: a date input needs a MultiWidget, not {type(widget).__name__}")
    value = field.value()
    if not isinstance(value, (list, tuple)):
        value = widget.decompress(value)
    parts = [suffix.lstrip("_") for suffix in widget.widgets_names]
    values = list(value) + [""] * (len(parts) - len(value))
    wrong = " govuk-input--error" if field.errors else ""
    items = []
    for part, suffix, part_value in zip(parts, widget.widgets_names, values, strict=True):
        item = DateInputItem(
            id=f"{field.auto_id}{suffix}",
            name=f"{field.html_name}{suffix}",
            label=part.capitalize(),  # the macro's label text (see the module's docstring)
            value=str(part_value or ""),
            classes=_WIDTH.get(part, "govuk-input--width-5") + wrong,
        )
        if part == "time":
            item.inputmode, item.autocomplete, item.attributes = "text", "off", {"spellcheck": "false"}
        items.append(item)
    hint = str(field.help_text) or ("" if "time" in parts else DATE_HINT)
    return GovUKDateInput(
        id=field.auto_id,
        items=items,
        hint=GovUKHint(text=hint) if hint else None,
        errorMessage=_error(field),
        fieldset=_fieldset(field, legend_class),
    )


def radios(
    field: BoundField, *, legend_class: str = "", inline: bool = False, small: bool = False, chosen=None
) -> GovUKRadios:
    """One radio an option of the field: the first takes the field's own id (the error summary links
    to it), the others <id>-2, <id>-3 and so on; an option's hint from the field's `hints` (a dict of
    option to text), if it has one. `chosen`, when given, is the option shown as chosen instead of the
    field's own value (a filter's default, say)."""
    value = field.value() if chosen in (None, "") else chosen
    return GovUKRadios(
        name=field.html_name,
        idPrefix=field.auto_id,
        items=[
            RadiosItems(text=label, value=option, checked=checked, hint=hint)
            for option, label, checked, hint in _options(field, value)
        ],
        classes=_classes("govuk-radios", inline=inline, small=small),
        hint=_hint(field),
        errorMessage=_error(field),
        fieldset=_fieldset(field, legend_class),
    )


def checkboxes(field: BoundField, *, legend_class: str = "", small: bool = False) -> GovUKCheckboxes:
    """A multiple choice field, one checkbox an option, posted under the field's name: the first takes
    the field's own id (the error summary links to it), the others <id>-2, <id>-3 and so on; the
    options chosen are checked, and an option's hint comes from the field's `hints`, as for radios."""
    return GovUKCheckboxes(
        name=field.html_name,
        idPrefix=field.auto_id,
        items=[
            CheckboxesItems(text=label, value=option, checked=checked, hint=hint)
            for option, label, checked, hint in _options(field, field.value())
        ],
        classes=_classes("govuk-checkboxes", small=small),
        hint=_hint(field),
        errorMessage=_error(field),
        fieldset=_fieldset(field, legend_class),
    )
