from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from homeward.agencies.access import scope_consulted
from homeward.agencies.models import AgencyKind, Role
from homeward.alerts.selectors import unread_count
from homeward.linkage.selectors import may_review
from homeward.oversight.pack import offers_oversight
from homeward.reporting.dashboards import has_dashboards


def _navigation(request: HttpRequest, user, unread: int) -> list[dict]:
    """The service navigation, every item in one list: the base template only draws it."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    section = match.namespaces[0] if match and match.namespaces else ""
    items = []

    def item(text: str, url: str, *, active: bool, page: str | None = None, **extra) -> None:
        # aria-current: "page" on the section's own page, "true" on the pages inside the section.
        current = "page" if page is None or view_name == page else "true"
        items.append(
            {
                "text": text,
                "href": reverse(url, args=extra.pop("args", ())),
                "active": active,
                "current": current,
                **extra,
            }
        )

    item("Home", "web:home", active=view_name == "web:home")
    has_agency = user.agency_id is not None
    # National analysts work on aggregates only, so they get no child search (architecture.md).
    if has_agency and user.role != Role.NATIONAL_ANALYST:
        item("Children", "children:list", active=section == "children", page="children:list")
    if has_agency:
        item(
            "One count",
            "reporting:one-count",
            active=view_name in ("reporting:one-count", "reporting:gaps"),
            page="reporting:one-count",
        )
    if has_dashboards(user):
        item(
            "Dashboards",
            "reporting:dashboards",
            active=view_name in ("reporting:dashboards", "reporting:dashboard"),
            page="reporting:dashboards",
        )
    # The compliance page, which links to the inspection pack and Annex A.
    if offers_oversight(user):
        item("Oversight", "oversight:compliance", active=section == "oversight", page="oversight:compliance")
    if has_agency and user.agency.kind == AgencyKind.LOCAL_AUTHORITY and user.role != Role.ANALYST:
        item("Placed in your area", "scrutiny:in-your-area", active=view_name == "scrutiny:in-your-area")
    if has_agency and user.agency.kind == AgencyKind.PROVIDER:
        item("Your home", "scrutiny:home", args=[user.agency.code], active=view_name == "scrutiny:home")
    if may_review(user):
        item("Reports to check", "linkage:review", active=section == "linkage", page="linkage:review")
    if has_agency and user.role != Role.NATIONAL_ANALYST:
        item("Missing now", "episodes:board", active=view_name == "episodes:board")
        # Councils commission the interviews, services hold them, inspectors read them.
        if user.agency.kind in (AgencyKind.RHI, AgencyKind.LOCAL_AUTHORITY) or user.role == Role.INSPECTOR:
            item("Return interviews", "episodes:interviews", active=view_name == "episodes:interviews")
    item("Inbox", "alerts:inbox", active=view_name == "alerts:inbox", unread=unread, testid="inbox-link")
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
    unread = _unread(user) if signed_in else 0
    return {
        "demo_mode": settings.DEMO_MODE,
        "signed_in": signed_in,
        "navigation": _navigation(request, user, unread) if signed_in else [],
        "inbox_unread": unread,
    }
