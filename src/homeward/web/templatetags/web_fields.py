"""The shared GOV.UK date input, radios and checkboxes (web.components), for web/fields/date.html,
web/fields/radios.html and web/fields/checkboxes.html: every app's forms include those templates."""

from django import template
from django.forms import BoundField
from govuk_frontend_django.components.checkboxes import GovUKCheckboxes
from govuk_frontend_django.components.date_input import GovUKDateInput
from govuk_frontend_django.components.radios import GovUKRadios

from homeward.web import components

register = template.Library()


@register.simple_tag
def date_input(field: BoundField, legend_class: str = "") -> GovUKDateInput:
    return components.date_input(field, legend_class=legend_class)


@register.simple_tag
def radios(
    field: BoundField, legend_class: str = "", inline: bool = False, small: bool = False, chosen=None
) -> GovUKRadios:
    return components.radios(field, legend_class=legend_class, inline=inline, small=small, chosen=chosen)


@register.simple_tag
def checkboxes(field: BoundField, legend_class: str = "", small: bool = False) -> GovUKCheckboxes:
    return components.checkboxes(field, legend_class=legend_class, small=small)
