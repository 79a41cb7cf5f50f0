"""Template helpers for the safeguarding pages, and the risk flag summary on the child's page."""

from django import template

from homeward.safeguarding import rules
from homeward.safeguarding.permissions import may_see_flags, may_see_screenings

register = template.Library()


@register.filter
def day(value) -> str:
    """ "4 Nov 2025", in Europe/London."""
    return rules.day(value) if value else ""


@register.inclusion_tag("safeguarding/_child_summary.html", takes_context=True)
def child_risk_flags(context, child, reasons, summary) -> dict:
    """On the child's page: the flags raised (and lowered), any open strategy meeting, and the links.
    `summary` is read by the view through the scoped selector (selectors.risk_flag_summary)."""
    user = context["request"].user
    return {
        "child": child,
        "summary": summary,
        "show_screening": may_see_screenings(user, reasons),
        "show_flags": may_see_flags(user, reasons),
    }
