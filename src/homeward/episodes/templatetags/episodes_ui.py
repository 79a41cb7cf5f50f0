"""Template helpers for the episode pages: GOV.UK checkboxes from Django bound fields, risk badges,
durations, and the links from a child's page to the episode pages."""

from django import template
from django.forms import BoundField

from homeward.episodes import presenters, rules

register = template.Library()


@register.filter
def duration(value) -> str:
    return presenters.duration(value)


@register.inclusion_tag("episodes/_risk_badge.html")
def risk_badge(grade: str, large: bool = False) -> dict:
    return {"badge": presenters.risk_badge(grade), "large": large}


@register.simple_tag
def radio_items(field: BoundField) -> list[dict]:
    """Each option of a checkbox field (episodes/fields/checkboxes.html), with its id (the first takes
    the field's own id, so the error summary's link lands on it), its hint and whether it is chosen.
    Radios and dates are govuk-frontend-django's components, built in web.components."""
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, (list, tuple)) else {"" if value is None else str(value)}
    hints = getattr(field.field, "hints", {})
    items = []
    for index, (option, label) in enumerate(field.field.choices):
        items.append(
            {
                "id": field.auto_id if index == 0 else f"{field.auto_id}-{index + 1}",
                "value": option,
                "label": label,
                "hint": hints.get(option, ""),
                "checked": str(option) in chosen,
            }
        )
    return items


@register.inclusion_tag("episodes/_child_links.html", takes_context=True)
def child_episode_links(context, child, reasons, open_episode) -> dict:
    """On the child's page: report missing (or the episode now open, as the view found it through the
    scope: selectors.child_open_episode), the timeline, the Philomena profile. Only links the user can
    follow are shown."""
    user = context["request"].user
    return {
        "child": child,
        "open_episode": open_episode,
        "may_report": rules.may_act(user, reasons),
        "may_read_profile": rules.may_read_profile(user, reasons, has_open_episode=open_episode is not None),
        "may_keep_profile": rules.may_keep_profile(user, reasons),
    }
