from django import template

from homeward.schools import rules

register = template.Library()


@register.inclusion_tag("schools/_report_link.html", takes_context=True)
def school_report_link(context, child, reasons, missing_now) -> dict:
    """On the child's page, for the school's designated safeguarding lead: report the pupil not in
    school (not while the child is already recorded as missing or away)."""
    return {"child": child, "show": missing_now is None and rules.may_report(context["request"].user, reasons)}
