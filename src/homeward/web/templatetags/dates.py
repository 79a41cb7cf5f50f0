"""The one date filter, a builtin of every template (settings.TEMPLATES): {{ value|when }} gives
"6 December 2026, 2:30am"; {{ value|when:"date" }} gives "6 December 2026" (homeward.dates)."""

from django import template

from homeward import dates

register = template.Library()


@register.filter
def when(value, part: str = "") -> str:
    return dates.when(value, date_only=part == "date")
