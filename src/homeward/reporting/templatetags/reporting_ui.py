"""How a figure that disclosure control may have suppressed (None) is written in a table."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Fixed markup, no data in it: safe as written.
SUPPRESSED = mark_safe('[c]<span class="govuk-visually-hidden"> (fewer than 10, not shown)</span>')
SUPPRESSED_RATE = mark_safe('[c]<span class="govuk-visually-hidden"> (not shown)</span>')
# A rate with nothing to divide by (reporting.disproportionality.NOT_APPLICABLE): the GSS's [z].
NOT_APPLICABLE = mark_safe('[z]<span class="govuk-visually-hidden"> (none to count)</span>')


@register.filter
def figure(value) -> str:
    if value is None:
        return SUPPRESSED
    return f"{value:,}"


@register.filter
def percent(value) -> str:
    if value is None:
        return SUPPRESSED_RATE
    if value == "":
        return NOT_APPLICABLE
    return f"{value:.1f}%"
