"""Template helpers for the episode pages: risk badges, durations, and the links from a child's page
to the episode pages. Dates, radios and checkboxes are govuk-frontend-django's components, built in
web.components (web/fields/*.html)."""

from django import template

from homeward.episodes import presenters, rules

register = template.Library()


@register.filter
def duration(value) -> str:
    return presenters.duration(value)


@register.inclusion_tag("episodes/_risk_badge.html")
def risk_badge(grade: str, large: bool = False) -> dict:
    return {"badge": presenters.risk_badge(grade), "large": large}


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
