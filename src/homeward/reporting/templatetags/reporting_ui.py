"""How a figure that disclosure control may have suppressed (None) is written in a table."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def figure(value) -> str:
    if value is None:
        return format_html('[c]<span class="govuk-visually-hidden"> (fewer than 10, not shown)</span>')
    return f"{value:,}"


@register.filter
def percent(value) -> str:
    if value is None:
        return format_html('[c]<span class="govuk-visually-hidden"> (not shown)</span>')
    return f"{value:.1f}%"
