"""Settings come from environment variables with safe defaults.

DATABASE_URL selects PostgreSQL (production, CI); without it Homeward runs on SQLite in var/.
"""

import os
from pathlib import Path

import dj_database_url

REPO_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("HOMEWARD_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("HOMEWARD_DEBUG")
# Demo mode only changes what is printed and offered to help someone try the service (never access).
DEMO_MODE = _env_bool("HOMEWARD_DEMO")


def _var_key(name: str) -> str:
    """A random key kept in var/ (generated on first use), so a fresh machine needs no configuration and
    no key is ever committed. Written whole, then linked into place only if still absent: processes
    starting together (test processes, the web server and the worker) all read the one key that won."""
    path = VAR_DIR / name
    if not path.exists():
        import secrets
        import tempfile

        with tempfile.NamedTemporaryFile("w", dir=VAR_DIR, prefix=f".{name}-", delete=False) as new_key:
            new_key.write(secrets.token_urlsafe(64))
        os.chmod(new_key.name, 0o600)
        try:
            os.link(new_key.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(new_key.name)
    return path.read_text().strip()


def _secret_key() -> str:
    return os.environ.get("HOMEWARD_SECRET_KEY") or _var_key("secret_key")


SECRET_KEY = _secret_key()


def _audit_key() -> str:
    """The key of the audit log's hash chain (HMAC-SHA256) and of its signed anchors. It lives outside
    the database so that whoever can rewrite the audit table cannot compute the hashes of a rewritten
    chain; keep it out of the database's host and backups in production. Without it the chain can no
    longer be verified: keep it as long as the log."""
    if key := os.environ.get("HOMEWARD_AUDIT_KEY"):
        if len(key) < 32:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("HOMEWARD_AUDIT_KEY must be at least 32 characters (a random string).")
        return key
    return _var_key("audit_key")


HOMEWARD_AUDIT_KEY = _audit_key()
ALLOWED_HOSTS = os.environ.get("HOMEWARD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "govuk_frontend_django",
    "homeward.agencies",
    "homeward.audit",
    "homeward.places",
    "homeward.children",
    "homeward.episodes",
    "homeward.returns",
    "homeward.tasks",
    "homeward.alerts",
    "homeward.safeguarding",
    "homeward.schools",
    "homeward.scrutiny",
    "homeward.language",
    "homeward.linkage",
    "homeward.reporting",
    "homeward.oversight",
    "homeward.synth",
    "homeward.web",
    "homeward.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (gunicorn serves none): answered here, before sessions and the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "homeward.web.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "homeward.audit.refusals.refusals_recorded",
    "homeward.web.middleware.session_timeouts",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homeward.urls"
WSGI_APPLICATION = "homeward.wsgi.application"

# A GOV.UK page that says the form was not saved and what to do (web.errors).
CSRF_FAILURE_VIEW = "homeward.web.errors.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "homeward.web.context_processors.homeward",
            ],
            # Dates and times one way on every page, without a {% load %} to forget.
            "builtins": ["homeward.web.templatetags.dates"],
        },
    },
]

_sqlite_default = f"sqlite:///{VAR_DIR / 'homeward.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _sqlite_default))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so the
        # audit chain's read-last-then-append never interleaves between processes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file (not :memory:) so threads and the live test server share it; one per process so
    # concurrent runs never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # PostgreSQL's JIT compiles any query it estimates as costly before running it: a dashboard's
    # query then spent 260 of its 525 ms compiling (bench dashboards, a force's page). Homeward's
    # queries are many and short, so it is off for its connections.
    # random_page_cost: PostgreSQL's default (4) prices a page read at random as a spinning disk's;
    # on SSD, or with the tables in memory, 1.1 is the usual setting. At 4 a force's dashboard read
    # every return interview and placement to join its 9,000 episodes (158 ms) rather than look each
    # up by key (61 ms); HOMEWARD_PG_OPTIONS replaces both for a server tuned otherwise.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "HOMEWARD_PG_OPTIONS", "-c jit=off -c random_page_cost=1.1"
    )
    # One test database per process, so two runs on one machine never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"

# Lockout: five failures for one username from one address locks that pair for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("HOMEWARD_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "homeward.web.views.locked_out"
# Every failure is kept with its time and address (axes' AccessFailureLog): the throttles below count
# them, and they are the record of who tried. `homeward axes_reset_failure_logs --age DAYS` prunes it.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# One address trying many usernames (one password sprayed across accounts) is locked for the same
# 30 minutes after this many failures, whichever usernames they named. Higher than the account's
# limit: a council's or force's staff often share one address. A good sign-in does not clear it.
LOCKOUT_FAILURES_PER_ADDRESS = int(os.environ.get("HOMEWARD_LOCKOUT_FAILURES_PER_ADDRESS", "20"))
# Beyond this many failed sign-ins across the whole service in the last minute, sign-in answers "try
# again shortly" to everyone (no password is checked) until the minute's count falls back. 0: off.
SIGN_IN_FAILURES_PER_MINUTE = int(os.environ.get("HOMEWARD_GLOBAL_SIGNIN_FAILURES_PER_MINUTE", "300"))


def _meta_key(header: str) -> str:
    """A header's name as a proxy writes it (X-Forwarded-For) to its key in request.META."""
    header = header.strip().upper().replace("-", "_")
    return header if not header or header.startswith("HTTP_") else f"HTTP_{header}"


# The client's address, for the throttles and the record of sign-ins, is the connection's
# (REMOTE_ADDR) unless a proxy in front is trusted to give it: then it is read from that header,
# counting HOMEWARD_TRUSTED_PROXIES entries from the right (each proxy appends the address it saw; a
# client can put anything on the left). Never trust it without such a proxy: a client could send
# a new address with every guess.
TRUSTED_PROXY_CLIENT_HEADER = _meta_key(os.environ.get("HOMEWARD_TRUSTED_PROXY_CLIENT_HEADER", ""))
TRUSTED_PROXIES = max(1, int(os.environ.get("HOMEWARD_TRUSTED_PROXIES", "1")))
AXES_CLIENT_IP_CALLABLE = "homeward.web.views.client_ip"

# Sessions: an absolute limit from sign-in and an idle limit between requests.
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("HOMEWARD_SESSION_ABSOLUTE_SECONDS", str(10 * 3600)))
SESSION_IDLE_SECONDS = int(os.environ.get("HOMEWARD_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# HOMEWARD_HTTPS=1 says the site is reached only over HTTPS (directly, or through a proxy that ends
# TLS): then plain HTTP is redirected, browsers are told to use HTTPS for a year (HSTS, with
# subdomains and preload, as GOV.UK domains are), and cookies go over HTTPS only. `manage.py check
# --deploy` is clean with it (tests/test_deploy_check.py). Each part can still be set on its own.
HTTPS = _env_bool("HOMEWARD_HTTPS")
_secure = _env_bool("HOMEWARD_SECURE_COOKIES", default=HTTPS or (not DEBUG and not DEMO_MODE))
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _env_bool("HOMEWARD_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("HOMEWARD_HSTS_SECONDS", str(365 * 24 * 3600) if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HOMEWARD_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = _env_bool("HOMEWARD_HSTS_PRELOAD", default=HTTPS)
# Behind a proxy that ends TLS, Django sees plain HTTP; trust the proxy's X-Forwarded-Proto only
# when told to (a client could send the header itself if nothing in front strips it).
if _env_bool("HOMEWARD_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

OTP_TOTP_ISSUER = "Homeward"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # shown in Europe/London, stored in UTC (USE_TZ)
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# GOV.UK Frontend and MoJ Frontend assets are built here by scripts/build-assets (from npm).
STATICFILES_DIRS = [REPO_DIR / "build" / "static"]
(REPO_DIR / "build" / "static").mkdir(parents=True, exist_ok=True)
# WhiteNoise serves STATIC_ROOT, as `collectstatic` fills it. `homeward serve` collects the files
# under names carrying a hash of their content, compressed (gzip, Brotli), so that browsers may keep
# them for a year, and sets HOMEWARD_STATIC_HASHED=1 for the processes it starts; everywhere else
# (tests, other commands) pages name the files as they are, with no collecting needed.
if _env_bool("HOMEWARD_STATIC_HASHED"):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    from whitenoise.compress import Compressor  # noqa: E402

    # Source maps are for developer tools only: compressing them was half the collecting time.
    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
else:
    # Look each /static/ request up on disk rather than index STATIC_ROOT whenever the middleware
    # starts, which every test client does (35 ms for a tree that serve has collected).
    WHITENOISE_AUTOREFRESH = True
# Static responses carry the pages' security headers too (WhiteNoise answers before the middleware
# that adds them).
from homeward.web import static_files  # noqa: E402

WHITENOISE_ADD_HEADERS_FUNCTION = static_files.add_security_headers
WHITENOISE_ALLOW_ALL_ORIGINS = False  # the pages are on the same origin; nobody else needs them
MEDIA_ROOT = VAR_DIR / "private"  # never served directly: files go out only through access checks

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "homeward.agencies.authentication.ApiTokenAuthentication",
        "homeward.agencies.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeward API",
    "DESCRIPTION": "Shared record of children missing from care. Every call is scoped to the caller's agency and audited.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names no child, but the service is closed: agency systems fetch it with their token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("HOMEWARD_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("HOMEWARD_SMTP_PORT", "1025"))
DEFAULT_FROM_EMAIL = os.environ.get("HOMEWARD_FROM_EMAIL", "homeward@localhost")
# Where alert emails link to: the address people sign in at (emails carry a link, never the details).
HOMEWARD_BASE_URL = os.environ.get("HOMEWARD_BASE_URL", "http://127.0.0.1:8000")
# The consistent child identifier (Children's Wellbeing and Schools Act 2026, s16LC Children Act
# 2004): the Government intends the NHS number; "none" until regulations name it otherwise. Read
# only by children.identifiers.consistent_identifier, which names the allowed values.
HOMEWARD_CONSISTENT_IDENTIFIER = os.environ.get("HOMEWARD_CONSISTENT_IDENTIFIER", "nhs_number")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOMEWARD_LOG_LEVEL", "WARNING")},
}
