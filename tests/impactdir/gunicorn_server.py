"""Serve the site with gunicorn as the README's production line does, for tests."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, tmp_path: Path, **extra) -> dict:
    """The environment of a production start (DEBUG off), on loopback without TLS."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="impactdir.settings",
        SECRET_KEY="deployment-test-" + "z" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private-media"),
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        **extra,
    )
    return env


def collectstatic(env: dict) -> None:
    """What the production line runs before gunicorn (manifest static files)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for a PostgreSQL connection's settings (e.g. the test database)."""
    from urllib.parse import quote

    auth = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{auth}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 1):
    """Start gunicorn (impactdir.gunicorn_conf); yield `get(path) -> (status, headers, body)`."""
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "impactdir.wsgi",
            "--config",
            "python:impactdir.gunicorn_conf",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path, host="127.0.0.1"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request("GET", path, headers={"Host": host})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield get
    finally:
        server.terminate()
        server.wait(timeout=30)
