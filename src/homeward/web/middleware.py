"""Security headers and session time limits, applied to every response."""

import time

from django.conf import settings
from django.contrib.auth import logout

# No inline scripts or styles and nothing from other origins: the service runs on closed networks.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages about children must not linger in shared browsers' caches.
            response.setdefault("Cache-Control", "no-store")
        return response

    return middleware


def session_timeouts(get_response):
    """Sign out after SESSION_IDLE_SECONDS without a request, or SESSION_ABSOLUTE_SECONDS after sign-in."""

    def middleware(request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault("signed_in_at", now)
            last_seen = request.session.get("last_seen_at", now)
            idle = now - last_seen > settings.SESSION_IDLE_SECONDS
            if idle or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                # Kept in the fresh session so the sign-in page can say why (see web.views.sign_in).
                request.session["signed_out_reason"] = "idle" if idle else "absolute"
            else:
                request.session["last_seen_at"] = now
        return get_response(request)

    return middleware
