"""The inbox page: the signed-in person's own alerts, opening one (which marks it read) and
acknowledging an urgent one. Every read goes through alerts.selectors.inbox, which starts from the
access function: an alert about a child the person can no longer see is not shown."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from homeward.alerts.models import Urgency
from homeward.alerts.selectors import inbox
from homeward.alerts.services import alert_acknowledge, alert_mark_read
from homeward.web.decorators import verified_login_required
from homeward.web.pagination import pagination

PER_PAGE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@verified_login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox(request.user), PER_PAGE).get_page(_page_number(request))
    return render(request, "alerts/inbox.html", {"page": page, "urgent": Urgency.URGENT, "pagination": pagination(page, request.GET)})


@verified_login_required
@require_GET
def alert_open(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Follow an alert's link, marking it read on the way (a GET: reading changes nothing that matters)."""
    alert = alert_mark_read(user=request.user, alert_id=alert_id)
    # Links are paths inside Homeward; anything else goes back to the inbox rather than off-site.
    if url_has_allowed_host_and_scheme(alert.link, allowed_hosts=None) and alert.link.startswith("/"):
        return redirect(alert.link)
    return redirect("alerts:inbox")


@verified_login_required
@require_POST
def alert_acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert_acknowledge(user=request.user, alert_id=alert_id, why=request.resolver_match.view_name)
    messages.success(request, "Alert acknowledged: its reminders and escalation have stopped.")
    return redirect("alerts:inbox")
