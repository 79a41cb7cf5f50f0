"""The service's own pages: health, signing in and out, and each role's home page."""

import datetime
import ipaddress
import logging
import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.agencies.access import visible_children
from homeward.agencies.models import AgencyKind, InspectorGrant, Role, User
from homeward.alerts.selectors import inbox
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.children.selectors import child_search
from homeward.episodes import presenters
from homeward.language.views import may_see_patterns
from homeward.episodes import selectors as episodes
from homeward.episodes.models import RiskGrade
from homeward.safeguarding.selectors import screenings_due
from homeward.web import demo
from homeward.web.decorators import no_child_data, public, verified_login_required
from homeward.web.forms import CodeForm, PasswordForm

logger = logging.getLogger(__name__)

# One message for an unknown username and a wrong password, so the form never reveals who has an
# account (issue 2: no user enumeration).
BAD_CREDENTIALS = "Enter a correct username and password"
TRY_AGAIN_SHORTLY = "Too many attempts to sign in to Homeward have failed in the last minute. Try again shortly."
DEMO_PASSWORD_REFUSED = "a published demo password outside demo mode"
BAD_CODE = "Enter a correct code from your authenticator app"
NO_DEVICE = (
    "Your account does not have a second factor (an authenticator app) set up, so you cannot sign in. "
    "Contact your administrator."
)
# The password step is remembered apart from the auth session, for this long, until the code is given.
PENDING_KEY = "homeward_pending_sign_in"
PENDING_SECONDS = 5 * 60
SIGNED_OUT_REASONS = {
    "idle": "You were signed out because you had not used Homeward for {minutes} minutes.",
    "absolute": "You were signed out because you had been signed in for {hours} hours.",
}


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # the point of the endpoint is to report any failure, not raise it
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database, "vendor": connection.vendor}, status=status
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for the sign-in throttles and the record of attempts (AXES_CLIENT_IP_CALLABLE).

    The connection's address, unless settings name a header that a trusted proxy sets: then the
    entry TRUSTED_PROXIES from the right, the one the outermost of our proxies wrote. Anything to its
    left came from the client and is ignored, so made-up addresses cannot dodge the limits.
    """
    remote = request.META.get("REMOTE_ADDR")
    header = settings.TRUSTED_PROXY_CLIENT_HEADER
    if not header:
        return remote
    hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
    if len(hops) < settings.TRUSTED_PROXIES:
        return remote  # not written by our proxies: the request did not come through them
    try:
        return str(ipaddress.ip_address(hops[-settings.TRUSTED_PROXIES]))
    except ValueError:
        return remote


def _failures_reach(limit: int, since: datetime.datetime, **where) -> bool:
    """Whether `limit` failed sign-ins (matching `where`) have been recorded since `since`.

    Reads only the `limit` latest failures (by id, in the order they were written): cheap however
    long the failure log grows during an attack.
    """
    if limit <= 0:
        return False
    latest = AccessFailureLog.objects.filter(**where).order_by("-id").values_list("attempt_time", flat=True)
    return any(at >= since for at in latest[limit - 1 : limit])


def _service_throttled() -> bool:
    return _failures_reach(settings.SIGN_IN_FAILURES_PER_MINUTE, timezone.now() - datetime.timedelta(minutes=1))


def _address_locked(request: HttpRequest) -> bool:
    """Too many failures from this address, whichever usernames they named, within the lockout's cool-off."""
    address = get_client_ip_address(request)
    since = timezone.now() - get_cool_off(request)
    if address is None or not _failures_reach(settings.LOCKOUT_FAILURES_PER_ADDRESS, since, ip_address=address):
        return False
    logger.warning(
        "Sign-in refused from %s: %s or more failures from there in %s",
        address,
        settings.LOCKOUT_FAILURES_PER_ADDRESS,
        get_cool_off(request),
    )
    return True


def _demo_password_refused(request: HttpRequest, user: User, password: str) -> bool:
    """Outside demo mode, a password published in web.demo opens no account, demo or not."""
    if settings.DEMO_MODE or not demo.is_demo_password(password):
        return False
    address = get_client_ip_address(request)
    logger.warning("Sign-in as %s refused: %s (from %s)", user.get_username(), DEMO_PASSWORD_REFUSED, address)
    audit_record(
        user=user,
        action=Action.DENIED,
        object_type="sign_in",
        object_id=user.pk,
        why=request.resolver_match.view_name,
        detail={"reason": DEMO_PASSWORD_REFUSED, "ip_address": address},
    )
    # A failure like any other: it counts towards the lockouts and the throttles.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    return True


@no_child_data
def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
    *args,
    **kwargs,
) -> HttpResponse:
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) for any attempt by a locked-out username and address."""
    request.session.pop(PENDING_KEY, None)
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "web/locked_out.html", {"minutes": minutes}, status=429)


def _next_url(request: HttpRequest) -> str | None:
    """The page asked for before sign-in, if it is on this site (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _errors(form, error: str | None, error_field: str) -> dict:
    """What the error summary and the fields show: form errors, then the view's own message."""
    field_errors = {name: messages_[0] for name, messages_ in form.errors.items()}
    if error and error_field not in field_errors:
        field_errors[error_field] = error
    return {
        "errors": [{"href": f"#{name}", "text": text} for name, text in field_errors.items()],
        "field_errors": field_errors,
    }


def _confirmed_device(user: User) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id")
    if not settings.DEMO_MODE:
        # The demo's second-factor keys are published in the source (web.demo): left in a database
        # that is no longer in demo mode, they must not let anyone in.
        devices = devices.exclude(name=demo.DEVICE_NAME, key=demo.demo_totp_key(user.get_username()))
    return devices.first()


@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1 of 2: username and password."""
    next_url = _next_url(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(next_url or "web:home")
    form = PasswordForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        # Before any password is checked: the service-wide limit, then this address's.
        if _service_throttled():
            logger.warning(
                "Sign-in refused to everyone for now: %s or more failures in the last minute",
                settings.SIGN_IN_FAILURES_PER_MINUTE,
            )
            response = render(
                request,
                "web/sign_in.html",
                {"form": PasswordForm(), "notice": TRY_AGAIN_SHORTLY, "next": next_url},
                status=429,
            )
            response["Retry-After"] = "60"
            return response
        if _address_locked(request):
            return locked_out(request)
        # Through authenticate() so django-axes sees every attempt: it refuses locked-out pairs
        # (its middleware then answers with `locked_out`) and counts each failure.
        user = authenticate(request=request, username=username, password=password)
        if user is not None and _demo_password_refused(request, user, password):
            user = None
        if user is None:
            if _address_locked(request):
                return locked_out(request)  # this failure reached the address's limit
            error = BAD_CREDENTIALS
        elif _confirmed_device(user) is None:
            error = NO_DEVICE
        else:
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"user_id": user.pk, "username": user.get_username(), "at": int(time.time())}
            return redirect(_with_next(reverse("web:sign-in-code"), next_url))
    reason = request.session.pop("signed_out_reason", None)
    notice = None
    if reason in SIGNED_OUT_REASONS:
        notice = SIGNED_OUT_REASONS[reason].format(
            minutes=settings.SESSION_IDLE_SECONDS // 60, hours=round(settings.SESSION_ABSOLUTE_SECONDS / 3600)
        )
    return render(
        request,
        "web/sign_in.html",
        {"form": form, "notice": notice, "next": next_url, **_errors(form, error, "username")},
    )


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user_id"), is_active=True).select_related("agency").first()
    return (user, pending["username"]) if user else None


@public
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2 of 2: the code from the authenticator app. Only reached after a correct password."""
    next_url = _next_url(request)
    pending = _pending_user(request)
    if pending is None:
        request.session.pop(PENDING_KEY, None)
        return redirect(_with_next(reverse("web:sign-in"), next_url))
    user, username = pending
    credentials = {"username": username}
    # A lockout that began after the password step still applies to the code.
    if not AxesProxyHandler.is_allowed(request, credentials) or _address_locked(request):
        return locked_out(request, None, credentials)
    device = _confirmed_device(user)
    if device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("web:sign-in")
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        # django-otp makes each wrong code wait longer (1s, 2s, 4s...) before the next is checked.
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            now = int(time.time())
            request.session["signed_in_at"] = now
            request.session["last_seen_at"] = now
            return redirect(next_url or "web:home")
        # A wrong code counts towards the lockout like a wrong password (django-axes listens for
        # this signal); django-otp also slows down repeated guesses on the device itself.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        error = BAD_CODE if allowed else "You entered a wrong code a moment ago. Wait a few seconds, then try again."
    return render(request, "web/sign_in_code.html", {"form": form, "next": next_url, **_errors(form, error, "code")})


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    # POST only (with the CSRF token): a link or image elsewhere cannot sign someone out.
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("web:sign-in")


# The home page: what the person's role is there to do first, then the children they can see. Every
# figure and row comes from a scoped selector (each audits what it reads); the role only chooses which.
COUNCIL_ROLES = {
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.NOMINATED_OFFICER,
    Role.DIRECTOR,
    Role.IRO,
    Role.ANALYST,
}
HOME_HEADINGS = {
    AgencyKind.LOCAL_AUTHORITY: "Children your council looks after, or who are placed in your area",
    AgencyKind.POLICE: "Children placed in your force's area, or last known to be there while missing",
    AgencyKind.PROVIDER: "Children in your placements",
    AgencyKind.RHI: "Children referred to your service",
    AgencyKind.INSPECTORATE: "Children in the authority you are inspecting",
}
HOME_SECTIONS: dict[str, tuple[str, ...]] = {
    Role.SOCIAL_WORKER: ("missing_now", "children"),
    Role.TEAM_MANAGER: ("high_risk", "interviews_overdue", "children"),  # the council's own children
    Role.MISSING_COORDINATOR: ("missing_now", "interviews_overdue", "children"),
    Role.NOMINATED_OFFICER: ("escalations", "high_risk", "children"),
    Role.DIRECTOR: ("escalations", "high_risk", "children"),
    Role.IRO: ("screenings_due", "children"),
    Role.ANALYST: ("counts",),  # figures, not cases
    Role.POLICE_OFFICER: ("missing_now", "children"),
    Role.POLICE_COORDINATOR: ("needs_grading", "high_risk", "children"),
    Role.PROVIDER_STAFF: ("missing_now", "children"),
    Role.PROVIDER_MANAGER: ("interviews_due", "missing_now", "children"),
    Role.RHI_WORKER: ("interviews_due", "children"),
    Role.INSPECTOR: ("children",),
    Role.NATIONAL_ANALYST: (),  # pseudonymised aggregates only (architecture.md): never a child
}
# The council's own children only: a team manager answers for the cases the council holds.
OWN_CHILDREN_ONLY = {Role.TEAM_MANAGER}
HOME_PREVIEW = 5
HOME_BOARD_ROWS = 10  # the top of the board (high risk first, then ungraded): what the sections pick from


def _home_sections(user, why: str, names: tuple[str, ...]) -> dict:
    own = user.role in OWN_CHILDREN_ONLY

    def mine(child) -> bool:
        return not own or child.responsible_authority_id == user.agency_id

    sections: dict = {"missing_total": None}
    if {"missing_now", "high_risk", "needs_grading"} & set(names):
        board = episodes.board(user=user, why=why, limit=HOME_BOARD_ROWS)
        rows = [
            {
                "row": row,
                "badge": presenters.risk_badge(row.episode.risk_grade),
                "missing_for": presenters.duration(row.missing_for),
            }
            for row in board.rows
            if mine(row.episode.child)
        ]
        sections["missing_total"] = board.total
        sections["missing_now"] = rows[:HOME_PREVIEW]
        sections["high_risk"] = [r for r in rows if r["row"].episode.risk_grade == RiskGrade.HIGH][:HOME_PREVIEW]
        sections["needs_grading"] = [r for r in rows if not r["row"].episode.risk_grade or r["row"].review_overdue][
            :HOME_PREVIEW
        ]
    if "interviews_overdue" in names:
        due = episodes.interviews_due(user=user, why=why, overdue_only=True, limit=HOME_PREVIEW)
        sections["interviews"] = [row for row in due if mine(row.child)]
    elif "interviews_due" in names:
        # The next job first: the interviews due soonest; the overdue ones counted apart, not first.
        due = episodes.interviews_due(user=user, why=why, upcoming_only=True, limit=HOME_PREVIEW)
        sections["interviews"] = [row for row in due if mine(row.child)]
        sections["interviews_overdue_count"] = episodes.interviews_due_counts(user=user)["overdue"]
    if "escalations" in names:
        # Alerts name no child (alerts.models): the subject says what happened, the link leads to it.
        sections["escalations"] = list(
            inbox(user).filter(escalated_from__isnull=False, acknowledged_at__isnull=True)[:HOME_PREVIEW]
        )
    if "screenings_due" in names:
        sections["screenings_due"] = screenings_due(user=user, why=why)
    if "counts" in names:
        # Counts only (no child named or listed), through the same scope as every list.
        children = visible_children(user)
        open_episodes = episodes.episodes_visible(user).filter(returned_at__isnull=True)
        year_ago = timezone.now() - datetime.timedelta(days=365)
        sections["counts"] = [
            ("Children your council looks after", children.filter(responsible_authority=user.agency_id).count()),
            (
                "Children other councils have placed in your area",
                children.exclude(responsible_authority=user.agency_id).count(),
            ),
            ("Of these children, missing or away now", open_episodes.values("child").distinct().count()),
            (
                "Their missing or away episodes that started in the last 12 months",
                episodes.episodes_visible(user).filter(started_at__gte=year_ago).count(),
            ),
        ]
    return sections


@verified_login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    kind = user.agency.kind if user.agency_id else None
    why = request.resolver_match.view_name
    names = HOME_SECTIONS.get(user.role, ("children",)) if kind is not None else ()
    children = None
    if "children" in names:
        # The first few children and the total, through the one scoped and audited search.
        children = child_search(user=user, why=why, page=1, per_page=HOME_PREVIEW)
    grants = []
    now = timezone.now()
    if user.role == Role.INSPECTOR:
        grants = (
            InspectorGrant.objects.filter(user=user, expires_at__gt=now)
            .select_related("authority")
            .order_by("expires_at")
        )
    return render(
        request,
        "web/home.html",
        {
            "children": children,
            "heading": HOME_HEADINGS.get(kind, ""),
            "kind": kind,
            "sections": names,
            "own_children_only": user.role in OWN_CHILDREN_ONLY,
            **_home_sections(user, why, names),
            "is_council": user.role in COUNCIL_ROLES,
            "grants": grants,
            "now": now,
            "tour": demo.TOUR.get(user.role, ()) if settings.DEMO_MODE else (),
            "sees_patterns": may_see_patterns(user),
        },
    )


@verified_login_required
@no_child_data  # an alert's email names no child (alerts.models)
@require_GET
def demo_mail(request: HttpRequest) -> HttpResponse:
    """The alerts' emails the demo's SMTP sink kept (`homeward serve` in demo mode)."""
    # urls.py adds this page in demo mode only; this holds if the setting changes under a running process.
    if not settings.DEMO_MODE:
        raise Http404
    return render(request, "web/demo_mail.html", {"messages_kept": demo.kept_mail(), "shown": demo.MAIL_SHOWN})
