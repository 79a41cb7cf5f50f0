"""Walk every URL pattern: none is reachable without sign-in, and none that answers with child data
does so without going through the access-scoping function (homeward.agencies.access)."""

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from homeward.agencies import access
from tests.support import sign_in

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _marked(callback, marker: str) -> bool:
    return bool(getattr(callback, marker, False) or getattr(getattr(callback, "cls", None), marker, False))


def _concrete(route: str, child_id: int) -> str:
    # Every id in a route is filled with the world's child's id: a real record for child routes,
    # and for other records whatever the id happens to be — the view must still ask the scope.
    path = _CONVERTER.sub(lambda m: str(child_id) if m.group("conv") in (None, "int") else "x", route)
    return "/" + path.lstrip("^").rstrip("$")


def _all_routes(world) -> list[tuple[str, object]]:
    return [(_concrete(route, world.child.pk), callback) for route, callback in _patterns()]


def test_there_are_routes_to_walk(world):
    routes = [path for path, _ in _all_routes(world)]
    assert "/healthz" in routes and "/api/v1/children/" in routes and len(routes) > 5


def test_no_route_is_reachable_without_signing_in(world, client):
    for path, callback in _all_routes(world):
        if _marked(callback, "homeward_public"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if path.startswith("/api/"):
                assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code} without a token"
            else:
                assert response.status_code in (302, 405), f"{method.upper()} {path} answered {response.status_code} without sign-in"
                if response.status_code == 302:
                    assert response["Location"].startswith(settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else "/sign-in"), path


def test_every_route_that_answers_goes_through_the_scoping_function(world, client):
    sign_in(client, world.social_worker)
    unscoped = []
    for path, callback in _all_routes(world):
        if _marked(callback, "homeward_no_child_data"):
            continue
        for method in ("get", "post"):
            before = access.scope_consulted.get()
            response = getattr(client, method)(path)
            # Anything short of an error has shown or changed something: it must have asked the scope.
            if response.status_code < 400 and access.scope_consulted.get() == before:
                unscoped.append(f"{method.upper()} {path} ({response.status_code})")
    assert unscoped == [], "answered without consulting homeward.agencies.access"
