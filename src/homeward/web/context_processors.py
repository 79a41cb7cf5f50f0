from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from homeward.agencies.access import scope_consulted
from homeward.agencies.models import AgencyKind, Role
from homeward.alerts.selectors import unread_count
from homeward.linkage.selectors import may_review
from homeward.oversight.pack import offers_oversight
from homeward.reporting.dashboards import has_dashboards


def _navigation(request: HttpRequest, user) -> list[dict]:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    section = match.namespaces[0] if match and match.namespaces else ""
    items = [{"text": "Home", "href": reverse("web:home"), "active": view_name == "web:home", "current": "page"}]
    # National analysts work on aggregates only, so they get no child search (architecture.md).
    if user.agency_id is not None and user.role != Role.NATIONAL_ANALYST:
        items.append(
            {
                "text": "Children",
                "href": reverse("children:list"),
                "active": section == "children",
                # aria-current: "page" on the list itself, "true" on the pages inside the section.
                "current": "page" if view_name == "children:list" else "true",
            }
        )
    if user.agency_id is not None:
        items.append(
            {
                "text": "One count",
                "href": reverse("reporting:one-count"),
                "active": view_name in ("reporting:one-count", "reporting:gaps"),
                "current": "page" if view_name == "reporting:one-count" else "true",
            }
        )
    if has_dashboards(user):
        items.append(
            {
                "text": "Dashboards",
                "href": reverse("reporting:dashboards"),
                "active": view_name in ("reporting:dashboards", "reporting:dashboard"),
                "current": "page" if view_name == "reporting:dashboards" else "true",
            }
        )
    # The compliance page, which links to the inspection pack and Annex A.
    if offers_oversight(user):
        items.append(
            {
                "text": "Oversight",
                "href": reverse("oversight:compliance"),
                "active": section == "oversight",
                "current": "page" if view_name == "oversight:compliance" else "true",
            }
        )
    if user.agency_id is not None and user.agency.kind == AgencyKind.LOCAL_AUTHORITY and user.role != Role.ANALYST:
        items.append(
            {
                "text": "Placed in your area",
                "href": reverse("scrutiny:in-your-area"),
                "active": view_name == "scrutiny:in-your-area",
                "current": "page",
            }
        )
    if user.agency_id is not None and user.agency.kind == AgencyKind.PROVIDER:
        items.append(
            {
                "text": "Your home",
                "href": reverse("scrutiny:home", args=[user.agency.code]),
                "active": view_name == "scrutiny:home",
                "current": "page",
            }
        )
    if may_review(user):
        items.append(
            {
                "text": "Reports to check",
                "href": reverse("linkage:review"),
                "active": section == "linkage",
                "current": "page" if view_name == "linkage:review" else "true",
            }
        )
    return items


def _unread(user) -> int:
    """The inbox badge's count. It goes through the scoping function (alerts.selectors), but it is the
    page's chrome, not the page: the counter the URL-walking test reads is put back, so that test still
    catches a page that shows child data without asking the scope itself."""
    before = scope_consulted.get()
    try:
        return unread_count(user)
    finally:
        scope_consulted.set(before)


def homeward(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    # "Signed in" for the page chrome means both factors passed, as verified_login_required does.
    signed_in = bool(user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: False)())
    return {
        "demo_mode": settings.DEMO_MODE,
        "signed_in": signed_in,
        "navigation": _navigation(request, user) if signed_in else [],
        "inbox_unread": _unread(user) if signed_in else 0,
    }
