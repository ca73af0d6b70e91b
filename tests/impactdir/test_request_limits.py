"""Request-size limits: nothing larger than the largest upload is read, on any URL."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(client):
    huge = str(300 * 1024 * 1024)

    response = client.post(
        reverse("account_login"), {"login": "a@b.example", "password": "x"}, CONTENT_LENGTH=huge
    )

    assert response.status_code == 413
    assert b"Too much data sent" in response.content
    assert response["Connection"] == "close"


@pytest.mark.django_db
def test_a_body_within_the_limit_reaches_the_view(client):
    response = client.post(reverse("account_login"), {"login": "a@b.example", "password": "x"})

    assert response.status_code == 200  # the form, with its error
    assert settings.MAX_REQUEST_BODY_BYTES >= 5 * 1024 * 1024 + 64 * 1024


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_binds_to_localhost_and_answers_a_huge_post_without_reading_it(tmp_path):
    """The production line of the README, with the configuration it names."""
    from impactdir import gunicorn_conf

    assert gunicorn_conf.bind.startswith("127.0.0.1:")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "impactdir.settings",
        "SECRET_KEY": "deployment-test-" + "y" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "impactdir.wsgi",
            "--config",
            "python:impactdir.gunicorn_conf",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        with conn:
            conn.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                b"Content-Length: 314572800\r\n\r\n--x\r\n"
            )
            conn.settimeout(10)
            started = time.monotonic()
            reply = conn.recv(4096)
        assert reply.startswith(b"HTTP/1.1 413"), reply[:100]
        # Answered at once, not after reading (or waiting for) 300 MB.
        assert time.monotonic() - started < 5
    finally:
        server.terminate()
        server.wait(timeout=20)
