import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from impactdir.settings import database_from_url

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_url_becomes_a_persistent_checked_connection():
    db = database_from_url("postgres://app:p%40ss@db.internal:6432/impactdir?sslmode=require")

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("impactdir", "app", "p@ss")
    assert (db["HOST"], db["PORT"]) == ("db.internal", "6432")
    assert db["OPTIONS"] == {"sslmode": "require"}
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


def test_unknown_database_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://root@localhost/impactdir")


def _manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="impactdir.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", ALLOWED_HOSTS="impactdir.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_defaults_to_off_and_hosts_are_never_a_wildcard():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False []"


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_with_a_fresh_nonce(client):
    first = client.get("/providers/")
    second = client.get("/providers/")

    policy = first.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    other = re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    assert nonce != other

    html = first.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page should load htmx"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert " style=" not in html
    assert "<style" not in html


@pytest.mark.django_db
def test_security_headers_are_set(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
