"""The one date input, the one set of radios and the one set of checkboxes every app's forms include
(web/fields/date.html, web/fields/radios.html, web/fields/checkboxes.html): govuk-frontend-django's
components, built from the bound field."""

import re

from django import forms
from django.template import Context, Template
from govuk_frontend_django.components.checkboxes import GovUKCheckboxes
from govuk_frontend_django.components.date_input import GovUKDateInput
from govuk_frontend_django.components.radios import GovUKRadios

from homeward.episodes.forms import DateTimeField
from homeward.safeguarding.forms import DateField
from homeward.web import components


class _Form(forms.Form):
    at = DateTimeField(label="When did it happen?", what="when it happened")
    on = DateField(label="Review date", what="the review date")
    how = forms.ChoiceField(
        label="How did they come back?",
        choices=[("walked", "Walked in"), ("police", "Brought by the police")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how they came back"},
    )
    how.hints = {"police": "Found by an officer"}
    who = forms.MultipleChoiceField(
        label="Who did you consult?",
        choices=[("police", "The police"), ("host_council", "The host council"), ("school", "The school")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Regulation 46: the police and the host council.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    who.hints = {"school": "Only if the child goes to one"}


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_date_with_an_error_is_the_packages_date_input_with_the_error_and_the_boxes_kept():
    form = _Form({"on_day": "31", "on_month": "", "on_year": "2026", "how": "police"})
    assert not form.is_valid() and form["on"].errors
    html = _render(
        '{% include "web/fields/date.html" with field=form.on legend_class="govuk-fieldset__legend--m" %}', form=form
    )

    # The package's markup: a fieldset with the role GOV.UK gives a date input, the legend, the hint
    # (a date alone says "For example"), the field's first error, then the boxes.
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'role="group" aria-describedby="id_on-hint id_on-error"' in html
    assert re.search(
        r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">\s*Review date\s*</legend>', html
    )
    assert re.search(r'<div id="id_on-hint" class="govuk-hint">\s*For example, 27 3 2026\s*</div>', html)
    error = form["on"].errors[0]
    assert f'<span class="govuk-visually-hidden">Error:</span> {error}' in html
    assert 'class="govuk-date-input" id="id_on"' in html
    # Posted as <name>_day, <name>_month, <name>_year, with ids <id>_<part>; what was typed comes back.
    day, month, year = (_input(html, f"on_{part}") for part in ("day", "month", "year"))
    assert 'id="id_on_day"' in day and 'value="31"' in day and 'inputmode="numeric"' in day
    assert 'id="id_on_month"' in month and 'value=""' in month
    assert 'value="2026"' in year and "govuk-input--width-4" in year
    assert all("govuk-input--error" in box for box in (day, month, year))
    assert "_time" not in html


def test_a_date_and_time_adds_a_time_box_and_no_example():
    form = _Form({"at_day": "3", "at_month": "4", "at_year": "2026", "at_time": "", "how": "walked"})
    form.is_valid()
    html = _render('{% include "web/fields/date.html" with field=form.at %}', form=form)
    assert 'class="govuk-fieldset__legend govuk-fieldset__legend--s"' in html
    assert "For example" not in html
    time = _input(html, "at_time")
    assert 'id="id_at_time"' in time and "govuk-input--width-5" in time
    # A time has a colon: the ordinary keyboard, not the numeric one; nothing offered or corrected.
    assert 'inputmode="text"' in time and 'autocomplete="off"' in time and 'spellcheck="false"' in time
    assert re.search(r'for="id_at_time">\s*Time\s*</label>', html)


def test_radios_show_the_chosen_option_its_hints_and_the_error():
    chosen = _Form({"how": "police"})
    chosen.is_valid()
    html = _render('{% include "web/fields/radios.html" with field=form.how inline=True small=True %}', form=chosen)
    assert 'class="govuk-radios govuk-radios--inline govuk-radios--small" data-module="govuk-radios"' in html
    walked, police = _input(html, "how"), re.findall(r'<input[^>]*name="how"[^>]*>', html)[1]
    assert 'id="id_how"' in walked and 'value="walked"' in walked and "checked" not in walked
    assert 'id="id_how-2"' in police and 'value="police"' in police and " checked" in police
    assert 'aria-describedby="id_how-2-item-hint"' in police
    assert re.search(r'<div id="id_how-2-item-hint" class="govuk-hint govuk-radios__hint">\s*Found by an officer', html)
    assert "govuk-error-message" not in html

    missing = _Form({})
    missing.is_valid()
    html = _render('{% include "web/fields/radios.html" with field=form.how %}', form=missing)
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_how-error">' in html
    assert '<span class="govuk-visually-hidden">Error:</span> Select how they came back' in html
    assert " checked" not in html
    # `chosen` stands in for the field's value (a filter's default).
    html = _render('{% include "web/fields/radios.html" with field=form.how chosen="walked" %}', form=missing)
    assert " checked" in _input(html, "how")


def test_checkboxes_post_every_option_under_the_fields_name_with_those_chosen_checked():
    chosen = _Form({"how": "walked", "who": ["police", "school"]})
    chosen.is_valid()
    assert not chosen["who"].errors
    html = _render(
        '{% include "web/fields/checkboxes.html" with field=form.who legend_class="govuk-fieldset__legend--m" small=True %}',
        form=chosen,
    )
    assert 'class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes"' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_who-hint">' in html
    assert re.search(
        r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">\s*Who did you consult\?\s*</legend>', html
    )
    assert re.search(
        r'<div id="id_who-hint" class="govuk-hint">\s*Regulation 46: the police and the host council', html
    )
    # The first box takes the field's own id (the error summary links to it), then <id>-2, <id>-3.
    police, council, school = re.findall(r'<input[^>]*name="who"[^>]*>', html)
    assert 'id="id_who"' in police and 'type="checkbox"' in police and 'value="police"' in police
    assert " checked" in police
    assert 'id="id_who-2"' in council and 'value="host_council"' in council and "checked" not in council
    assert 'id="id_who-3"' in school and " checked" in school
    assert re.search(r'<label class="govuk-label govuk-checkboxes__label" for="id_who-2">\s*The host council', html)
    # An option's hint, as for radios.
    assert 'aria-describedby="id_who-3-item-hint"' in school
    assert re.search(
        r'<div id="id_who-3-item-hint" class="govuk-hint govuk-checkboxes__hint">\s*Only if the child', html
    )
    assert "govuk-error-message" not in html

    wrong = _Form({"how": "walked", "who": ["police", "nobody"]})
    wrong.is_valid()
    assert wrong["who"].errors
    html = _render('{% include "web/fields/checkboxes.html" with field=form.who %}', form=wrong)
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'class="govuk-checkboxes" data-module="govuk-checkboxes"' in html
    assert 'class="govuk-fieldset__legend govuk-fieldset__legend--s"' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_who-hint id_who-error">' in html
    assert '<p id="id_who-error" class="govuk-error-message">' in html
    assert '<span class="govuk-visually-hidden">Error:</span> Choose from the list.' in html
    # What was posted comes back checked, so nothing chosen is lost to the error.
    assert " checked" in _input(html, "who")


def test_rendered_as_the_package_renders_them():
    """web.components renders in one Jinja environment; the markup is what the package's own
    render gives."""
    form = _Form({"on_day": "1", "at_time": "9", "how": "walked"})
    form.is_valid()
    for component in (
        components.date_input(form["on"]),
        components.date_input(form["at"], legend_class="govuk-fieldset__legend--l"),
        components.radios(form["how"], small=True),
        components.checkboxes(form["who"], small=True),
    ):
        package = next(p for p in (GovUKDateInput, GovUKRadios, GovUKCheckboxes) if isinstance(component, p))
        assert str(component) == package.render(component)
