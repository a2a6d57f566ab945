"""Settings come from the environment, refuse unsafe production setups, and default safely.

Each case starts a fresh Python process: settings are read once, at import.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k7Qe2-v9rXw4_Lp0sT8mZ3nB6yH1cJ5fD0gA2uR7iO4eW9qS3xV8tN6bM1zK5hY0",
    "DJANGO_ALLOWED_HOSTS": "column.example.com",
    "DJANGO_DEBUG": "false",
}

SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST", ""),
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "debug": settings.DEBUG,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
}))
"""


def clean_env(**variables: str) -> dict[str, str]:
    """The caller's environment without any of this project's settings, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(variables)
    return env


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], **variables)


def settings_under(**variables: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Refusing to start unsafely ---------------------------------------------------------


def test_production_without_a_secret_key_refuses_to_start_and_says_why():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=true" in result.stderr  # the way out for development


def test_debug_off_is_the_default_so_a_missing_secret_key_is_refused_too():
    result = manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_blank_secret_key_counts_as_missing():
    result = manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="   ")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "ture", "2", "debug"])
def test_an_unclear_debug_value_is_refused(value):
    result = manage("check", DJANGO_DEBUG=value, **{"DJANGO_SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert f"DJANGO_DEBUG must be true or false (1/0), not '{value}'" in result.stderr


def test_development_mode_starts_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_pass_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


# Reading the environment ------------------------------------------------------------


def test_production_defaults_are_safe():
    values = settings_under(**PRODUCTION)
    assert values["debug"] is False
    assert values["ssl_redirect"] is True
    assert values["session_cookie_secure"] and values["csrf_cookie_secure"]
    assert values["hsts"] >= 60 * 60 * 24 * 365
    assert values["allowed_hosts"] == ["column.example.com"]


def test_ssl_redirect_can_be_turned_off_behind_a_proxy_that_does_it():
    values = settings_under(DJANGO_SECURE_SSL_REDIRECT="0", **PRODUCTION)
    assert values["ssl_redirect"] is False


def test_ssl_redirect_is_off_in_development():
    values = settings_under(DJANGO_DEBUG="true")
    assert values["ssl_redirect"] is False
    assert values["allowed_hosts"] == ["localhost", "127.0.0.1", "[::1]"]


def test_sqlite_is_the_default_database():
    values = settings_under(**PRODUCTION)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("var/db.sqlite3")


def test_database_url_is_honoured():
    values = settings_under(
        DATABASE_URL="postgres://column:pw@db.example.com:5432/column_prod", **PRODUCTION
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "column_prod"
    assert values["host"] == "db.example.com"


def test_postgresql_runs_no_parallel_workers_and_binds_parameters_on_the_server():
    values = settings_under(
        DATABASE_URL="postgres://column:pw@db.example.com:5432/column_prod", **PRODUCTION
    )
    assert values["db_options"] == {
        "options": "-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


def test_both_postgresql_options_can_be_changed_and_keep_the_urls_own():
    values = settings_under(
        DATABASE_URL="postgres://column:pw@db.example.com:5432/column_prod?sslmode=require",
        DJANGO_DB_SERVER_SIDE_BINDING="false",
        DJANGO_DB_PARALLEL_WORKERS_PER_QUERY="2",
        **PRODUCTION,
    )
    assert values["db_options"] == {
        "sslmode": "require",
        "options": "-c max_parallel_workers_per_gather=2",
    }


@pytest.mark.django_db
def test_a_postgresql_connection_prepares_the_statements_it_runs_again():
    from django.db import connection

    from columns.models import Episode

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and parallel workers are PostgreSQL's")
    for _ in range(6):
        Episode.objects.filter(pk=0).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_custom_plan",)
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "columns_episode"' in statement for statement in prepared), prepared


def test_local_memory_cache_is_the_default():
    values = settings_under(**PRODUCTION)
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_switches_the_cache_to_redis():
    values = settings_under(REDIS_URL="redis://cache.example.com:6379/1", **PRODUCTION)
    assert values["cache"] == "common.cache.ResilientRedisCache"
    assert values["cache_location"] == "redis://cache.example.com:6379/1"


# What the running site uses -----------------------------------------------------------


def test_the_site_speaks_korean_on_seoul_time():
    assert settings.LANGUAGE_CODE == "ko"
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ is True
    assert settings.USE_I18N is True
