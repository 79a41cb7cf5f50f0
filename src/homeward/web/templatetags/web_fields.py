"""The shared GOV.UK date input and radios (web.components), for web/fields/date.html and
web/fields/radios.html: every app's forms include those two templates."""

from django import template
from django.forms import BoundField

from homeward.web import components

register = template.Library()


@register.simple_tag
def date_input(field: BoundField, legend_class: str = "") -> components.DateInput:
    return components.date_input(field, legend_class=legend_class)


@register.simple_tag
def radios(
    field: BoundField, legend_class: str = "", inline: bool = False, small: bool = False, chosen=None
) -> components.Radios:
    return components.radios(field, legend_class=legend_class, inline=inline, small=small, chosen=chosen)
