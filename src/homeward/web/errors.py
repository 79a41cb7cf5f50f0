"""The page shown when a form fails Django's CSRF check (settings.CSRF_FAILURE_VIEW).

Django's own says "CSRF verification failed" in its own layout: a person cannot tell that their
form was not saved or what to do next. The reason Django gives is for the log, not the page."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.warning("CSRF check failed on %s: %s", request.path, reason)
    return render(request, "web/csrf_failure.html", status=403)
