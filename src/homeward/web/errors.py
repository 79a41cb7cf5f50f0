"""The page shown when a form fails Django's CSRF check (settings.CSRF_FAILURE_VIEW).

Django's own says "CSRF verification failed" in its own layout: a person cannot tell that their
form was not saved or what to do next. The reason Django gives is for the log, not the page.

The commonest cause is a form left open while its person signed in again (the token changes at
sign-in): what they typed is shown back, so a long note is copied, not lost. Only when the form came
from Homeward's own pages: a failed origin or referer check (a form posted from another site) shows
nothing of what was sent, so no other site can put words on a Homeward page."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

# Never shown back, whatever the form: secrets and the machinery of the form itself.
NOT_SHOWN = ("password", "token", "csrf", "otp", "code", "secret", "key")
LONGEST_SHOWN = 10_000


def typed(request: HttpRequest, reason: str) -> list[str]:
    """The text the person typed into the refused form, in the form's order; nothing when the form
    did not come from Homeward's own pages."""
    if not reason.startswith("CSRF ") or request.method != "POST":
        return []
    return [
        value.strip()[:LONGEST_SHOWN]
        for name, values in request.POST.lists()
        if not any(part in name.lower() for part in NOT_SHOWN)
        for value in values
        # Words, not the choices, dates and times the form will show again: text has a space in it.
        if len(value.strip().split()) > 1
    ]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.warning("CSRF check failed on %s: %s", request.path, reason)
    return render(request, "web/csrf_failure.html", {"typed": typed(request, reason)}, status=403)
