#!/usr/bin/env python
"""How the cost of search grows with the directory: `make bench-growth`.

For each size (10,000, 30,000, 100,000 and 300,000 providers unless --sizes says
otherwise) the benchmark uses a database of its own, named after DATABASE_URL's with
the size appended (`impactdir_bench_10k`, …). A missing one is made once — copied
from the largest smaller one already there, then topped up by `seed_demo` (its
providers are numbered, so a larger database holds the smaller one's providers) —
and reused by every later run.

Per size, in a process of its own (Django binds one database per process):
- a full index build (`build_index`) timed in process, and one listing's change
  applied in place, twenty times (p50);
- gunicorn with 2 workers serving the search mix of `bench.mix.search_mix`:
  Server-Timing p95 of each search over sequential requests;
- each worker's resident memory after the mix.

The two tables printed at the end are what the README's growth table comes from.
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# A developer tool that runs fixed local commands (manage.py, gunicorn, psql).
# ruff: noqa: S603, S607

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    manage,
    percentile,
    server_times,
    start_gunicorn,
    worker_memory,
)

SIZES = (10_000, 30_000, 100_000, 300_000)


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def database_url(base: str, size: int) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{label(size)}"))


def _psql(url: str, sql: str, database: str = "postgres") -> str:
    parts = urlsplit(url)
    other = urlunsplit(parts._replace(path=f"/{database}"))
    return subprocess.run(
        ["psql", other, "-tAc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def _name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"Database name {name!r}: use lower-case letters, digits and _")
    return name


def _providers_in(base: str, name: str) -> int | None:
    """How many providers database `name` holds; None when it does not exist or is empty."""
    if not _psql(base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):  # noqa: S608
        return None
    try:
        return int(_psql(base, "SELECT count(*) FROM providers_provider", database=name))
    except subprocess.CalledProcessError:
        return None


def ensure_database(base: str, size: int, sizes: list, env: dict) -> str:
    """The database for `size`, made once: copied from a smaller one, then topped up."""
    url = database_url(base, size)
    name = _name(url)
    if _providers_in(base, name) is None:
        # The largest database already seeded that is no larger than this one: the base
        # database (make bench's) or a smaller size's.
        candidates = [_name(base)] + [_name(database_url(base, s)) for s in sizes if s < size]
        held = {c: _providers_in(base, c) for c in candidates}
        usable = {c: n for c, n in held.items() if n is not None and n <= size}
        template = max(usable, key=usable.get) if usable else None
        copy = f" TEMPLATE {template}" if template else ""
        print(f"Creating {name}" + (f" from {template}" if template else "") + " …", flush=True)
        _psql(base, f"DROP DATABASE IF EXISTS {name}")
        _psql(base, f"CREATE DATABASE {name}{copy}")
    sized = {**env, "DATABASE_URL": url}
    manage("migrate", "--noinput", "-v", "0", env=sized)
    manage("seed_demo", "--providers", str(size), "-v", "0", env=sized)
    return url


def measure_in_process() -> dict:
    """Full build and in-place update times on the database this process is bound to."""
    import django

    django.setup()
    from django.utils import timezone

    from bench.mix import search_mix
    from buyers.search.build import build_index
    from buyers.search.current import search_index
    from providers.models import Provider

    published = Provider.objects.published().count()
    started = time.perf_counter()
    build_index(timezone.localdate())
    build_seconds = time.perf_counter() - started
    search_index()
    changed = Provider.objects.published().order_by("id")[published // 3]
    update_ms = []
    for n in range(20):
        Provider.objects.filter(pk=changed.pk).update(
            tagline=f"Growth {n}", updated_at=timezone.now()
        )
        started = time.perf_counter()
        search_index()
        update_ms.append((time.perf_counter() - started) * 1000)
    return {
        "mix": search_mix(),
        "published": published,
        "build_s": build_seconds,
        "update_ms": percentile(update_ms, 0.5),
    }


def measure(size: int, url: str, env: dict, port: int, samples: int) -> dict:
    sized = {**env, "DATABASE_URL": url}
    completed = subprocess.run(
        [sys.executable, __file__, "--in-process"],
        env=sized,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    mix = result.pop("mix")
    p95 = {}
    server = start_gunicorn(sized, port, workers=2)
    try:
        for _name, path in mix:
            for _ in range(6):
                server_times(port, path, 1)
        for name, path in mix:
            count = max(20, samples // 5) if "{n}" in path else samples
            p95[name] = percentile(server_times(port, path, count), 0.95)
        memory = worker_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["rss_mb"] = max(rss for _pid, rss, _hwm in memory)
    result["peak_mb"] = max(hwm for _pid, _rss, hwm in memory)
    result["p95"] = p95
    result["size"] = size
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--samples", type=int, default=100, help="Sequential requests per URL.")
    parser.add_argument(
        "--seed-only", action="store_true", help="Make the databases; measure nothing."
    )
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.in_process:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        print(json.dumps(measure_in_process()))
        return

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/growth.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    sizes = sorted(int(s) for s in args.sizes.split(","))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "API_RATE_LIMIT": "1000000000",
    }
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    results = []
    for size in sizes:
        url = ensure_database(base, size, sizes, env)
        if args.seed_only:
            continue
        print(f"Measuring {label(size)} …", flush=True)
        results.append(measure(size, url, env, args.port, args.samples))

    if args.seed_only:
        return
    print()
    header = f"{'providers':>10} {'published':>10} {'build s':>8} {'update ms':>10} {'RSS MB':>7}"
    print(header + f" {'peak MB':>8}")
    for r in results:
        print(
            f"{r['size']:>10,} {r['published']:>10,} {r['build_s']:8.1f} "
            f"{r['update_ms']:10.1f} {r['rss_mb']:7.0f} {r['peak_mb']:8.0f}"
        )
    print()
    print("Server-time p95 (ms) per search:")
    names = list(results[0]["p95"])
    print(f"{'search':<24}" + "".join(f"{label(r['size']):>9}" for r in results))
    for name in names:
        print(f"{name:<24}" + "".join(f"{r['p95'][name]:9.1f}" for r in results))
    print()
    print(
        "Build: one full index build in process; update: one listing's change applied in "
        "place (p50 of 20); RSS: the larger gunicorn worker after the mix; "
        f"p95 over {args.samples} sequential requests ({max(20, args.samples // 5)} uncached)."
    )


if __name__ == "__main__":
    main()
