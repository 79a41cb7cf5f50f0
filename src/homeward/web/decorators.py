"""View decorators: who may reach a page, and markers read by the URL-walking test (tests/test_url_walk.py).

Every view either touches child data (and then must go through homeward.agencies.access) or says it
does not, with one of the markers. `public` views need no sign-in at all; every other page is
wrapped in `verified_login_required`.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


def public(view):
    view.homeward_public = True
    view.homeward_no_child_data = True
    return view


def no_child_data(view):
    view.homeward_no_child_data = True
    return view


def verified_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in with a password AND the second factor (django-otp), or off to the sign-in page.

    A session that passed only the password step is not signed in at all (the sign-in view keeps
    that state apart from the auth session), but is_verified() is checked too so a session created
    any other way cannot skip the second factor.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_verified()):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.homeward_verified_login_required = True
    return wrapper
