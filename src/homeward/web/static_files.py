"""Headers on static files, which WhiteNoise answers before the middleware that adds them to pages.

Settings import this module, so it imports nothing of Django's at load.
"""


def add_security_headers(headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: the pages' Content-Security-Policy and its companions.

    SecurityMiddleware, which runs outside WhiteNoise, still adds nosniff, the referrer policy,
    the opener policy and HSTS.
    """
    from homeward.web.middleware import CSP

    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("X-Frame-Options", "DENY")
