"""Settings for the column site, read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Absolute site address for feeds, canonical links and share previews when the
# request cannot tell (e.g. management commands); empty means "from the request".
SITE_URL = env_str("DJANGO_SITE_URL").rstrip("/")
SITE_NAME = env_str("DJANGO_SITE_NAME", "뉴스가 있는 저녁")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "axes",
    "huey.contrib.djhuey",
    "reversion",
    "columns",
    "articles",
    "newsletter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so cached pages get the same headers as fresh ones.
    "columns.middleware.PublicHeadersMiddleware",
    # Before anything reads request.POST: refuses file parts and big bodies unread.
    "columns.middleware.PublicPostLimitMiddleware",
    # Before sessions, auth and CSRF: a cached page costs two cache reads.
    "columns.pagecache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the site and its admin speak LANGUAGE_CODE (Korean)
    # whatever the browser asks for, and cached pages cannot mix languages.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Admin writes refresh derived data once per request (columns.projections).
    "columns.middleware.AdminBatchMiddleware",
    # Last: django-axes turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "columns.context_processors.site",
            ],
        },
    },
]

# --- Database: embedded SQLite by default, PostgreSQL in production -------------
# var/ is part of the checkout (var/.gitkeep): importing settings creates nothing.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once, and use WAL so
    # readers never block on one.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # PostgreSQL, in production. Both set per connection, whatever the
    # server's postgresql.conf says.
    POSTGRES_OPTIONS = DATABASES["default"].setdefault("OPTIONS", {})
    # No parallel workers for one query: pages run small queries, many at a
    # time, and a search's ranking query gained no time from two workers but
    # tripled the CPU it took from the other requests (docs/search.md).
    server_settings = [
        f"max_parallel_workers_per_gather={env_int('DJANGO_DB_PARALLEL_WORKERS_PER_QUERY', 0)}"
    ]
    # Parameters bound by the server, and a statement the connection has run
    # 5 times prepared (Django asks psycopg for none unless told), so that
    # PostgreSQL no longer parses a page's queries on every request: the
    # episode page's database time fell by 40 %. Still planned for each
    # request's values: a generic plan counted a keyword's episodes by hashing
    # all 20,000 public ones (4 ms, not 0.3). Turn it off behind a pooler in
    # transaction mode, which cannot keep prepared statements.
    if env_bool("DJANGO_DB_SERVER_SIDE_BINDING", True):
        POSTGRES_OPTIONS.update(server_side_binding=True, prepare_threshold=5)
        server_settings.append("plan_cache_mode=force_custom_plan")
    POSTGRES_OPTIONS["options"] = " ".join(
        filter(None, [POSTGRES_OPTIONS.get("options"), *(f"-c {s}" for s in server_settings)])
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory by default, Redis (shared by app servers) when set -----
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache that degrades instead of failing while Redis is
            # down: reads miss, writes are dropped, one log line per outage.
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("DJANGO_CACHE_PREFIX", "column"),
            "OPTIONS": {
                # A stopped Redis answers "connection refused" at once; a lost
                # network would hang a request without these.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Whole public pages, versioned so any change is visible at once (columns.pagecache).
PAGE_CACHE_ENABLED = env_bool("DJANGO_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 60 * 60)
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/static/", "/media/")
# The only query parameters public pages read; others share the page's entry.
PAGE_CACHE_QUERY_PARAMETERS = ("page", "q", "series")
# Cached variants (page numbers, search queries) stored per path per PAGE_CACHE_SECONDS.
PAGE_CACHE_MAX_VARIANTS = 200
# For a CDN or Varnish in front: how long it may keep a public page without a form
# (s-maxage) and serve it while revalidating; it is purged by tag on every write
# through this dotted path, called after commit with the list of tags (none: no CDN).
PAGE_CACHE_SHARED_SECONDS = env_int("DJANGO_PAGE_CACHE_SHARED_SECONDS", 60)
PAGE_CACHE_SHARED_STALE_SECONDS = env_int("DJANGO_PAGE_CACHE_SHARED_STALE_SECONDS", 30)
PAGE_CACHE_PURGE_HOOK = env_str("DJANGO_PAGE_CACHE_PURGE_HOOK")

# --- Passwords, sessions ---------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Admin login throttling (django-axes) ----------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Either one: ten failures for one account, or ten from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# The same address rule as the comment rate limit (X-Forwarded-For only behind
# DJANGO_TRUSTED_PROXY_COUNT trusted proxies).
AXES_CLIENT_IP_CALLABLE = "common.http.client_ip"
# Failures are counted in the database, so a cache outage cannot reset them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False

# --- Language and time: Korean first --------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static files: WhiteNoise with compressed, hashed, far-future files --------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"  # made by collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
# --- Uploaded media (covers, share cards) ------------------------------------------
# The filesystem under var/media/ by default, served by the app itself
# (columns.media; fine for one server). With DJANGO_MEDIA_S3_BUCKET set, an
# S3-compatible store through django-storages (`pip install '.[s3]'`), which
# serves the files itself; credentials come from boto3's usual AWS_* variables.
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_S3_BUCKET = env_str("DJANGO_MEDIA_S3_BUCKET")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env_str("DJANGO_MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": env_str("DJANGO_MEDIA_S3_REGION") or None,
            # A public-read bucket or CDN domain: plain, cacheable addresses.
            "custom_domain": env_str("DJANGO_MEDIA_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    MEDIA_URL = env_str("DJANGO_MEDIA_URL", "/media/")
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    MEDIA_URL = "/media/"
# The app serves MEDIA_ROOT at MEDIA_URL itself (runserver and gunicorn alike);
# turn off when a reverse proxy serves var/media/ (see README, Production).
MEDIA_SERVE = env_bool("DJANGO_MEDIA_SERVE", not MEDIA_S3_BUCKET)
COVER_MAX_BYTES = 10_000_000
COVER_MAX_PIXELS = 40_000_000  # 40 megapixels: any camera, no decompression bomb

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security: safe unless told otherwise ---------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Cookies only over HTTPS in production; DJANGO_SECURE_COOKIES=0 for a plain-HTTP
# production-mode run on loopback (make serve).
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Public pages get this policy (columns.middleware); JSON-LD data blocks are not
# scripts and need no exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# --- Mail (comment notifications, newsletters) ------------------------------------------------
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "column@localhost")

# --- Background jobs (Huey; see README "Background jobs") -----------------------
# Redis when REDIS_URL (or HUEY_REDIS_URL) is set, shared by every worker on every
# machine; otherwise a SQLite file beside the database, so `make run` runs jobs
# with nothing else installed. HUEY_IMMEDIATE=true runs each job inside the call
# that enqueues it (the tests do; never in production).
HUEY_REDIS_URL = env_str("HUEY_REDIS_URL") or REDIS_URL
HUEY = {
    "name": env_str("HUEY_NAME", "column"),
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    "utc": True,
    "consumer": {
        "workers": env_int("HUEY_WORKERS", 2),
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
    },
}
if HUEY_REDIS_URL:
    HUEY.update(huey_class="huey.RedisHuey", connection={"url": HUEY_REDIS_URL})
else:
    HUEY.update(
        huey_class="huey.SqliteHuey",
        connection={
            "filename": env_str("HUEY_SQLITE_PATH") or str(BASE_DIR / "var" / "tasks.sqlite3")
        },
    )

# --- Newsletter (newsletter app) ---------------------------------------------------
# At most this many newsletter mails per minute, across all workers.
NEWSLETTER_RATE_PER_MINUTE = env_int("NEWSLETTER_RATE_PER_MINUTE", 60)
# A confirmation link works for this many days; unconfirmed addresses are
# forgotten after as long.
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 7)
# Permanent refusals (5xx) in a row after which an address is marked bounced.
NEWSLETTER_BOUNCE_AFTER = 3
# Temporary failures (4xx, connection) retried this many times, with backoff.
NEWSLETTER_MAX_ATTEMPTS = env_int("NEWSLETTER_MAX_ATTEMPTS", 8)
# A delivery claimed by a worker that died before recording the outcome is
# tried again after this long (see newsletter.services).
NEWSLETTER_CLAIM_TIMEOUT_SECONDS = env_int("NEWSLETTER_CLAIM_TIMEOUT_SECONDS", 15 * 60)

# --- The column ------------------------------------------------------------------
EPISODES_PER_PAGE = 20
# Markdown fields longer than this are refused: Python-Markdown is quadratic on
# some inputs, so a cap keeps every save fast.
MARKDOWN_MAX_LENGTH = 20_000

TAGGIT_CASE_INSENSITIVE = True
# Keywords keep the order the editor typed (taggit's defaults sort them).
TAGGIT_TAGS_FROM_STRING = "common.text.tags_from_string"
TAGGIT_STRING_FROM_TAGS = "common.text.string_from_tags"

# --- Link checker (articles.linkcheck, `manage.py check_links`) -------------------
LINKCHECK_TIMEOUT = 10.0  # seconds, per request (connect, each read, whole body)
LINKCHECK_MAX_REDIRECTS = 5
LINKCHECK_CONCURRENCY = 4  # hosts checked at once; one request at a time per host
# ASCII only (HTTP headers); says who asks and where to find them.
LINKCHECK_USER_AGENT = "NewsColumnLinkCheck/1.0" + (f" (+{SITE_URL})" if SITE_URL else "")
# Readers get an archived copy next to a link that failed this many checks in a row.
LINKCHECK_ARCHIVE_AFTER_FAILURES = 2
LINKCHECK_HISTORY_LENGTH = 10  # checks kept per article
LINKCHECK_MAX_BODY_BYTES = 2_000_000  # read at most this much of a page
LINKCHECK_MAX_TEXT_CHARS = 200_000  # readable text kept for quote checks
LINKCHECK_TEXT_REFRESH_DAYS = 7  # fetch a page's body again (GET) after this long
# Loopback addresses are refused like every other non-public one. Tests that run
# a local server turn this on; private and metadata addresses stay refused even
# then. Deliberately not read from the environment.
LINKCHECK_ALLOW_LOOPBACK = False
# Filling in a citation from a pasted URL (articles.services.citation_lookup):
# through the same guard, but the editor is waiting, so less time and fewer bytes.
CITATION_TIMEOUT = 4.0  # seconds
CITATION_MAX_BODY_BYTES = 1_000_000
# Lookups per editor per minute (the admin's JSON endpoint).
CITATION_RATE_LIMIT = (30, 60)

# --- Reader comments ---------------------------------------------------------
# At most this many comments from one address in this many seconds.
COMMENT_RATE_LIMIT = (
    env_int("COMMENT_RATE_LIMIT_COUNT", 5),
    env_int("COMMENT_RATE_LIMIT_SECONDS", 600),
)
# A comment containing one of these words (particles attached or not) goes to spam.
COMMENT_BLOCKED_WORDS = env_list(
    "COMMENT_BLOCKED_WORDS", "바보,멍청이,시발,씨발,개새끼,카지노,바카라,토토사이트"
)
# Readers whose email already has an approved comment skip the queue
# (unless a link, character or word rule holds the comment).
COMMENT_AUTO_APPROVE_KNOWN = env_bool("COMMENT_AUTO_APPROVE_KNOWN", True)
# Besides staff in the moderators/editors groups.
COMMENT_NOTIFY_EMAILS = env_list("COMMENT_NOTIFY_EMAILS")
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none,
# use the connecting address; common.http.client_ip).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# Public forms (comments) send a few fields as url-encoded text; anything
# bigger, or with file parts, is refused before its body is read
# (columns.middleware.PublicPostLimitMiddleware).
PUBLIC_POST_MAX_BYTES = 64 * 1024
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

# The episode change page posts its unsaved form this often (columns.autosave).
AUTOSAVE_INTERVAL_SECONDS = env_int("AUTOSAVE_INTERVAL_SECONDS", 30)
# Deleted episodes, articles and paragraphs stay recoverable this long
# (`manage.py prune_deleted_revisions`, run daily from cron).
REVISIONS_KEEP_DELETED_DAYS = 30
