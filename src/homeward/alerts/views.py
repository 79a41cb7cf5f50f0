"""The inbox page: the signed-in person's own alerts, opening one (which marks it read) and
acknowledging one; and the reporter's confirmation of who was told of a report. Every read goes through alerts.selectors.inbox, which starts from the
access function: an alert about a child the person can no longer see is not shown."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from homeward.agencies.fields import Field, fields_visible
from homeward.agencies.models import AgencyKind
from homeward.alerts.models import Urgency
from homeward.alerts.selectors import alert_children, inbox, told_of_report
from homeward.alerts.services import alert_acknowledge, alert_mark_read
from homeward.audit.refusals import refuse
from homeward.episodes.selectors import episode_get
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
    named = alert_children(user=request.user, alerts=page.object_list, why=request.resolver_match.view_name)
    for alert in page.object_list:
        alert.child_name = named.get(alert.child_id, "")
    return render(
        request,
        "alerts/inbox.html",
        {
            "page": page,
            "urgent": Urgency.URGENT,
            "pagination": pagination(page, request.GET),
            # The list refreshes itself (episodes.js, as the board does) only while someone uses the page.
            "idle_seconds": settings.SESSION_IDLE_SECONDS,
        },
    )


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
    alert = alert_acknowledge(user=request.user, alert_id=alert_id, why=request.resolver_match.view_name)
    if alert.urgency == Urgency.URGENT:
        messages.success(request, "Alert acknowledged: its reminders and escalation have stopped.")
    else:
        messages.success(request, "Alert acknowledged.")
    return redirect("alerts:inbox")


@verified_login_required
@require_GET
def episode_reported(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The reporter's confirmation: who Homeward has told, what happens next, and whether the police
    still need a call. Telling a force's coordinators in Homeward is not a report to the police: the
    force records a missing person from a call (APP 2017), so anyone but the police is asked to make one."""
    user, why = request.user, request.resolver_match.view_name
    episode = episode_get(user=user, episode_id=episode_id, why=why)
    if Field.IDENTITY not in fields_visible(user=user, child=episode.child):
        refuse(user=user, object_type="episode", object_id=str(episode.pk), child_id=episode.child_id, why=why)
        raise Http404("Not found.")
    told = told_of_report(episode=episode)
    force = episode.location_police_force
    return render(
        request,
        "alerts/reported.html",
        {
            "episode": episode,
            "child": episode.child,
            "told": told,
            "force": force,
            "force_told": force is not None and any(alert.agency_id == force.pk for alert in told),
            "call_police": user.agency.kind != AgencyKind.POLICE and not episode.police_references.all(),
        },
    )
