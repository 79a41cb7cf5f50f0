"""Walk every URL pattern, with the records its ids name, as four kinds of caller:

- a stranger, and a person who gave only the password (no second factor): every page but the public
  ones sends them to sign-in, every API endpoint answers 401, and every view carries the marker of
  `homeward.web.decorators.verified_login_required` (DRF views: only the token and verified-session
  authentications) so a plain `login_required` view fails here;
- a person who can see the child: every route answers (200; a redirect for the alert link; a POST-only
  route takes its POST) and went through the access-scoping function (homeward.agencies.access);
- a person at an unrelated council: every route about a record answers 404, having asked the scope.

The ids come from records made through the services in this module's fixture. A route taking an
id the fixture does not make fails test_the_fixture_makes_a_record_for_every_route: a new route
brings its record here.
"""

import datetime
import re
import struct
import types
import zlib
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from homeward.agencies import access
from homeward.agencies.authentication import ApiTokenAuthentication, VerifiedSessionAuthentication
from homeward.agencies.models import Agency, AgencyKind, Role, User
from homeward.alerts.services import notify
from homeward.children.services import enrolment_create
from homeward.episodes import services as episodes
from homeward.episodes.lookup import missing_lookup
from homeward.linkage.models import CandidatePair, PairStatus
from homeward.returns.services import police_report_submit
from homeward.safeguarding import services as safeguarding
from homeward.safeguarding.models import StrategyMeeting
from homeward.schools.services import school_report_absence
from homeward.scrutiny import services as scrutiny
from tests.conftest import make_user
from tests.support import sign_in

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
ALLOWED_AUTHENTICATION = {ApiTokenAuthentication, VerifiedSessionAuthentication}
# Police duties (episodes.rules.may_police): walked in scope by the force covering the placement.
POLICE_ROUTES = {
    "episodes:police-reference",
    "episodes:risk",
    "episodes:safe-and-well",
    "api-episode-police-reference",
    "api-episode-risk",
    "api-episode-safe-and-well",
    "api-police-reports",
    # The missing look-up (any force's officers): the fixture's officer was shown the child in a search.
    "episodes:missing-lookup",
    "episodes:missing-lookup-found",
    "episodes:missing-lookup-photo",
    "api-missing-lookup",
}
# The return interview exists once the child is back: these take the returned episode.
INTERVIEW_ROUTES = {"episodes:interview-status", "episodes:interview-findings", "api-episode-return-interview"}
# Walked in scope by a council's missing-children coordinator: reviewing linkage is their job, and the
# host council's sees the world's child.
REVIEWER_ROUTES = {"linkage:pair"}
# Walked by a council's manager (the coordinator): how the agency writes about children, counts only.
MANAGER_ROUTES = {"language:patterns"}
# Walked in scope by the host council's coordinator: the notice or consultation sent to it to answer.
HOST_ROUTES = {"scrutiny:respond"}
# Walked in scope by the designated safeguarding lead of the school the child is on roll at.
SCHOOL_ROUTES = {"schools:report-absence"}
# Parameters that name a category, not a record: filled with one of their values.
CATEGORIES = {"known": "police_only"}
# Endpoints that check their input before looking the record up get input that passes, so that the
# walk reaches the look-up.
VALID_INPUT = {
    "api-episode-risk": {"risk_grade": "high", "source": "Call from Oak House"},
    "api-episode-return": {"returned_at": "2020-01-01T00:00:00Z"},  # before the start: refused, after the look-up
    "api-episode-police-reference": {"reference": "WMP/1/26"},
    "api-episode-updates": {"kind": "note", "text": "Called the home"},
    "api-episode-kind": {"to_kind": "away"},
    "api-missing-lookup": {"reason": "Child at New Street station", "name": "Amira Okafor"},
}


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str
    callback: object

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def parameters(self) -> list[str]:
        return [m.group("name") for m in _CONVERTER.finditer(self.pattern)]


def _routes(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry.callback)


def _marked(callback, marker: str) -> bool:
    return bool(getattr(callback, marker, False) or getattr(getattr(callback, "cls", None), marker, False))


def _public(route: Route) -> bool:
    return _marked(route.callback, "homeward_public")


@dataclass
class Records:
    """One of each kind of record a route names, about the world's child (Manchester's, in Birmingham)."""

    episode: object  # open, risk graded by the police
    returned: object  # the child at home's, returned: its return interview is due
    alert: object  # in the social worker's inbox
    flag: object
    screening: object
    meeting: object
    location: object
    pair: object  # a police report beside the child's record, waiting for review
    check: object  # a placement check for the child, with its host consultation sent
    lookup: object  # the police officer's missing look-up that was shown the open episode
    school_report: object  # the child at home's school reporting him not in school, awaiting an answer

    def ids(self, world, route: Route) -> dict[str, int | str]:
        episode = self.returned if route.name in INTERVIEW_ROUTES else self.episode
        return CATEGORIES | {
            "child_id": episode.child_id,
            "episode_id": episode.pk,
            "alert_id": self.alert.pk,
            "flag_id": self.flag.pk,
            "screening_id": self.screening.pk,
            "meeting_id": self.meeting.pk,
            "entry_id": self.location.pk,
            "pair_id": self.pair.pk,
            "check_id": self.check.pk,
            "urn": self.check.provider.code,
            "requirement_id": self.check.requirements.get(kind="host_consultation").pk,
            "report_id": self.school_report.pk,
        }


def _png() -> bytes:
    """A real 1x1 PNG, made here so that no image file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def records(world, settings, tmp_path, django_capture_on_commit_callbacks) -> Records:
    settings.MEDIA_ROOT = tmp_path / "private"
    now = timezone.now()
    service, _ = Agency.objects.get_or_create(
        code=f"RHI-{world.manchester.code}", defaults={"kind": AgencyKind.RHI, "name": "Manchester RHI"}
    )
    episodes.return_interview_commission_set(council=world.manchester, service=service)

    episode, _ = episodes.episode_open(
        user=world.provider_staff,
        why="test",
        child=world.child.pk,
        kind="missing",
        last_seen_at=now - datetime.timedelta(hours=3),
        last_seen_location="Oak House",
    )
    episodes.episode_grade_risk(
        user=world.police_officer, why="test", episode=episode.pk, risk_grade="medium", source="Call from Oak House"
    )
    returned, _ = episodes.episode_open(
        user=world.social_worker,
        why="test",
        child=world.child_at_home.pk,
        kind="missing",
        last_seen_at=now - datetime.timedelta(days=2),
    )
    episodes.episode_record_return(
        user=world.social_worker, why="test", episode=returned.pk, returned_at=now - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):  # the photo is written when the profile commits
        episodes.philomena_profile_save(
            user=world.provider_staff,
            why="test",
            child=world.child.pk,
            description="Tall, dark hair",
            photo=SimpleUploadedFile("photo.png", _png(), content_type="image/png"),
        )

    flag = safeguarding.risk_flag_raise(
        user=world.social_worker,
        why="test",
        child=world.child.pk,
        kind="practitioner_concern",
        reason="Seen with older associates",
    )
    screening = safeguarding.screening_record(user=world.social_worker, why="test", child=world.child.pk, answers={})
    meeting = StrategyMeeting.objects.filter(child=world.child).first() or safeguarding.strategy_meeting_propose(
        user=world.social_worker, why="test", child=world.child.pk, reason="To share what each agency knows"
    )
    location = safeguarding.location_risk_add(
        user=world.social_worker, why="test", area_kind="postcode", area="B1 1AA", kind="cse_hotspot"
    )
    [alert] = notify(
        event="url_walk",
        recipients=[(world.social_worker, "normal")],
        subject="A child you are responsible for has been reported missing",
        link=f"/episodes/{episode.pk}/",
        child_id=world.child.pk,
    )
    # Pairs are made by a linkage run (Splink); one made directly keeps the walk quick.
    report, _ = police_report_submit(
        user=world.police_officer,
        why="test",
        data={
            "reference": "WMP/77/26",
            "first_name": "Amira",
            "last_name": "Okafor",
            "reported_at": (now - datetime.timedelta(hours=2)).isoformat(),
        },
    )
    pair = CandidatePair.objects.create(
        police_report=report, child=world.child, status=PairStatus.REVIEW, match_probability=0.9, match_weight=6.0
    )
    check = scrutiny.placement_check_run(
        user=world.social_worker,
        why="test",
        child=world.child,
        start_date=now.date(),
        placement_type="K2",
        placement_postcode="B1 1AA",
        provider=world.provider,
    )
    scrutiny.requirement_record(
        user=world.social_worker,
        why="test",
        requirement=check.requirements.get(kind="host_consultation"),
        outcome="sent",
        reasons="Care plan attached",
    )
    lookup = missing_lookup(
        user=world.police_officer, why="test", reason="Child at New Street station", name="Amira Okafor"
    )
    # Amira's school (she is missing, so the school reports nothing more) and Jayden's report from it.
    school = Agency.objects.create(code="103456", kind=AgencyKind.SCHOOL, name="Digbeth Academy")
    for pupil in (world.child, world.child_at_home):
        enrolment_create(
            user=world.social_worker,
            why="test",
            child=pupil,
            school=school,
            start_date=now.date() - datetime.timedelta(days=90),
        )
    school_report = school_report_absence(
        user=_school_lead(school),
        why="test",
        child=world.child_at_home.pk,
        last_seen_at=now - datetime.timedelta(hours=1),
        details="Not at registration",
    )
    episode.refresh_from_db()
    return Records(
        episode=episode,
        returned=returned,
        alert=alert,
        flag=flag,
        screening=screening,
        meeting=meeting,
        location=location,
        pair=pair,
        check=check,
        lookup=lookup,
        school_report=school_report,
    )


def _school_lead(school: Agency):
    return User.objects.filter(agency=school).first() or make_user(school, Role.SCHOOL_SAFEGUARDING_LEAD)


def _concrete(route: Route, ids: dict[str, int]) -> str | None:
    """The route's URL with the records' ids in it; None if it takes a parameter no record fills."""
    if any(name not in ids for name in route.parameters):
        return None
    return "/" + _CONVERTER.sub(lambda m: str(ids[m.group("name")]), route.pattern).lstrip("^").rstrip("$")


def _walk(world, records, *, any_id: bool = False) -> list[tuple[Route, str]]:
    """Every route with its URL. Routes that need a record the fixture does not make are left out
    (test_the_fixture_makes_a_record_for_every_route says which), unless any_id: to be refused
    before the view runs, any value will do."""
    walk = []
    for route in _routes():
        url = _concrete(route, records.ids(world, route))
        if url is None and any_id:
            url = _concrete(route, {name: 1 for name in route.parameters})
        if url is not None:
            walk.append((route, url))
    return walk


def _signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _password_only(user) -> Client:
    client = Client()
    client.force_login(user)  # the password step's result, without the second factor
    return client


def _goes_to_sign_in(response) -> bool:
    login = settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else "/sign-in/"
    return response.status_code == 302 and response["Location"].startswith(login)


# ---------------------------------------------------------------------------------------------
# What each check finds wrong (a list, so one failure names every offender)
# ---------------------------------------------------------------------------------------------


def _unguarded_views(routes) -> list[str]:
    """Views not behind the two-factor check: function views without the verified_login_required
    marker, DRF views accepting any other authentication or no IsAuthenticated permission."""
    offenders = []
    for route in routes:
        if _public(route):
            continue
        view_class = getattr(route.callback, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            authentication = set(view_class.authentication_classes)
            permissions = view_class.permission_classes
            if not authentication <= ALLOWED_AUTHENTICATION or not any(
                issubclass(p, IsAuthenticated) for p in permissions
            ):
                offenders.append(
                    f"{route.pattern} ({view_class.__name__}: {sorted(a.__name__ for a in authentication)})"
                )
        elif not _marked(route.callback, "homeward_verified_login_required"):
            offenders.append(f"{route.pattern} (not wrapped in verified_login_required)")
    return offenders


def _let_in(client, walk) -> list[str]:
    """Routes that did not refuse this client: a page must send it to sign-in, the API answer 401."""
    offenders = []
    for route, url in walk:
        if _public(route):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            refused = (
                response.status_code == 401
                if route.is_api
                else (_goes_to_sign_in(response) or response.status_code == 405)
            )
            if not refused:
                offenders.append(f"{method.upper()} {url} answered {response.status_code}")
    return offenders


# ---------------------------------------------------------------------------------------------
# Strangers and password-only sessions
# ---------------------------------------------------------------------------------------------


def test_there_are_routes_to_walk(world, records):
    urls = [url for _, url in _walk(world, records)]
    assert (
        "/healthz" in urls
        and "/api/v1/children/" in urls
        and f"/episodes/{records.episode.pk}/" in urls
        and len(urls) > 40
    )


def test_the_fixture_makes_a_record_for_every_route(world, records):
    missing = [
        f"{route.pattern} <{name}>"
        for route in _routes()
        for name in route.parameters
        if name not in records.ids(world, route)
    ]
    assert missing == [], "add a record of this kind to the `records` fixture, so the walk can reach the route"


def test_every_non_public_view_requires_the_second_factor():
    assert _unguarded_views(_routes()) == []


def test_no_route_is_reachable_without_signing_in(world, records):
    assert _let_in(Client(), _walk(world, records, any_id=True)) == []


def test_no_route_is_reachable_with_the_password_alone(world, records):
    assert _let_in(_password_only(world.social_worker), _walk(world, records, any_id=True)) == []


def test_the_walk_catches_a_plain_login_required_view(world):
    """The two checks above fail for a page that asks for a password only (as Django's own does)."""
    from homeward.children.selectors import child_search

    @login_required
    def careless(request):
        return HttpResponse(str(child_search(user=request.user, why="careless").paginator.count))

    urlconf = types.ModuleType("careless_urls")
    urlconf.urlpatterns = [path("careless/", careless, name="careless")]
    routes = list(_routes(get_resolver(urlconf)))
    assert _unguarded_views(routes) == ["careless/ (not wrapped in verified_login_required)"]
    with override_settings(ROOT_URLCONF=urlconf):
        assert _let_in(_password_only(world.social_worker), [(routes[0], "/careless/")]) == [
            "GET /careless/ answered 200",
            "POST /careless/ answered 200",
        ]


# ---------------------------------------------------------------------------------------------
# In scope: every route answers, and asked the scope
# ---------------------------------------------------------------------------------------------


def _in_scope_user(world, route: Route):
    if route.name in POLICE_ROUTES:
        return world.police_officer
    if route.name in SCHOOL_ROUTES:
        return _school_lead(Agency.objects.get(code="103456"))
    return (
        world.host_coordinator if route.name in REVIEWER_ROUTES | HOST_ROUTES | MANAGER_ROUTES else world.social_worker
    )


def test_every_route_answers_a_person_who_can_see_the_child(world, records):
    clients = {
        user.pk: _signed_in(user)
        for user in (
            world.social_worker,
            world.police_officer,
            world.host_coordinator,
            _school_lead(Agency.objects.get(code="103456")),
        )
    }
    wrong = []
    for route, url in _walk(world, records):
        if _public(route):
            continue
        client = clients[_in_scope_user(world, route).pk]
        response = client.get(url)
        if response.status_code == 405:  # a POST-only route: the record must be found (input may be refused)
            response = (
                client.post(url, VALID_INPUT.get(route.name, {}), content_type="application/json")
                if route.is_api
                else client.post(url)
            )
            answered = response.status_code in (200, 201, 302, 400) and not _goes_to_sign_in(response)
        elif route.name == "alerts:open":  # follows the alert's link
            answered = response.status_code == 302 and response["Location"] == records.alert.link
        else:
            answered = response.status_code == 200
        if not answered:
            wrong.append(f"{response.request['REQUEST_METHOD']} {url} answered {response.status_code}")
    assert wrong == []


def test_every_route_that_answers_goes_through_the_scoping_function(world, records):
    clients = {
        user.pk: _signed_in(user)
        for user in (
            world.social_worker,
            world.police_officer,
            world.host_coordinator,
            _school_lead(Agency.objects.get(code="103456")),
        )
    }
    unscoped = []
    for route, url in _walk(world, records):
        if _marked(route.callback, "homeward_no_child_data"):
            continue
        client = clients[_in_scope_user(world, route).pk]
        for method in ("get", "post"):
            before = access.scope_consulted.get()
            response = getattr(client, method)(url)
            # Anything short of an error has shown or changed something: it must have asked the scope.
            if response.status_code < 400 and access.scope_consulted.get() == before:
                unscoped.append(f"{method.upper()} {url} ({response.status_code})")
    assert unscoped == [], "answered without consulting homeward.agencies.access"


# ---------------------------------------------------------------------------------------------
# Out of scope: not found, after asking the scope
# ---------------------------------------------------------------------------------------------


def test_every_route_about_a_record_is_not_found_by_an_unrelated_council(world, records):
    client = _signed_in(world.unrelated_social_worker)
    wrong, object_routes = [], 0
    for route, url in _walk(world, records):
        if not set(route.parameters) - set(CATEGORIES) or _marked(route.callback, "homeward_no_child_data"):
            continue  # no record in the URL: a list, scoped like the others
        object_routes += 1
        statuses = []
        for method in ("get", "post"):
            before = access.scope_consulted.get()
            if method == "post" and route.is_api:
                response = client.post(url, VALID_INPUT.get(route.name, {}), content_type="application/json")
            else:
                response = getattr(client, method)(url)
            statuses.append(response.status_code)
            if response.status_code == 404 and access.scope_consulted.get() == before:
                wrong.append(f"{method.upper()} {url}: 404 without consulting the scope")
            elif response.status_code not in (404, 405):  # 405: the route takes the other method only
                wrong.append(f"{method.upper()} {url} answered {response.status_code}")
        if 404 not in statuses:
            wrong.append(f"{url} was never looked up ({statuses})")
    assert object_routes > 25
    assert wrong == []


def test_every_refused_look_up_of_a_child_or_an_episode_is_recorded(world, records):
    """The trust issue, item 3: a look-up of a child or an episode out of scope is audited as
    `denied`, under the child (so it shows in the child's access log), whichever door it came by."""
    from homeward.audit.models import Action, AuditEvent

    client = _signed_in(world.unrelated_social_worker)
    unrecorded, routes = [], 0
    for route, url in _walk(world, records):
        if not {"child_id", "episode_id"} & set(route.parameters) or _marked(route.callback, "homeward_no_child_data"):
            continue
        routes += 1
        child_id = records.ids(world, route)["child_id"]
        for method in ("get", "post"):
            before = AuditEvent.objects.filter(
                action=Action.DENIED, child_id=child_id, user_id=world.unrelated_social_worker.pk
            ).count()
            if method == "post" and route.is_api:
                response = client.post(url, VALID_INPUT.get(route.name, {}), content_type="application/json")
            else:
                response = getattr(client, method)(url)
            after = AuditEvent.objects.filter(
                action=Action.DENIED, child_id=child_id, user_id=world.unrelated_social_worker.pk
            ).count()
            if response.status_code == 404 and after == before:
                unrecorded.append(f"{method.upper()} {url}")
    assert routes >= 24
    assert unrecorded == [], "\n".join(unrecorded)
