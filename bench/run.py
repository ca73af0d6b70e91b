#!/usr/bin/env python
"""Benchmark the search page at scale: `make bench` (DATABASE_URL must be PostgreSQL).

1. Migrates, and generates providers with `manage.py seed_demo --providers N` when the
   database holds fewer than N (existing ones are reused).
2. Counts SQL queries per search with Django's test client (CaptureQueriesContext).
3. Serves the site with gunicorn (2 sync workers, DEBUG off, a generated SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1) using bench/settings.py, which adds a Server-Timing header
   and a bare view at /__bench__/bare/ that the site itself never exposes.
4. For the bare view and each search in the mix: server time p50/p95/p99 from the
   Server-Timing header (time inside Django, all middleware included) over sequential
   requests, then requests/s under load (wrk when installed, else a threaded Python
   client), and the ratio of each search's throughput to the bare view's. The mix
   includes each search asked of the JSON API (`bench.mix.api_mix`: the same
   parameters under /api/v1/providers/); a table then sets the API list's p95 beside
   the search page's for every search.
5. Reports each gunicorn worker's resident memory (VmRSS, and its peak VmHWM) from /proc.
6. Builds the open data snapshot (`manage.py build_open_data`) into a temporary directory
   and reports its time, size and peak memory.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# A developer tool that runs fixed local commands (manage.py, gunicorn, wrk, apt-get).
# ruff: noqa: S603, S607

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * fraction
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


_counter = iter(range(10**9))
_counter_lock = threading.Lock()


def fetch(port, path):
    """GET path; returns (status, server ms from Server-Timing, client ms).

    `{n}` in the path becomes a fresh number on each request (a URL nobody asked for before).
    """
    if "{n}" in path:
        with _counter_lock:
            path = path.replace("{n}", str(next(_counter)))
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        timing = response.getheader("Server-Timing") or ""
    finally:
        connection.close()
    client_ms = (time.perf_counter() - started) * 1000
    match = re.search(r"dur=([0-9.]+)", timing)
    return response.status, float(match.group(1)) if match else float("nan"), client_ms


def fetch_body(port, path):
    """GET path on a new connection; (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def server_times(port, path, requests):
    times = []
    for _ in range(requests):
        status, server_ms, _client_ms = fetch(port, path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        times.append(server_ms)
    return times


def throughput_wrk(port, path, seconds, connections):
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses under load")
    return float(match.group(1)) if match else float("nan")


def throughput_python(port, path, seconds, connections):
    done = []
    stop = time.monotonic() + seconds

    def worker():
        count = 0
        while time.monotonic() < stop:
            fetch(port, path)
            count += 1
        done.append(count)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def worker_memory(master_pid):
    """(pid, VmRSS MB, VmHWM MB) of each gunicorn worker (children of the master)."""
    rows = []
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        rows.append((int(pid), rss, hwm))
    return rows


def start_gunicorn(env, port, workers):
    """gunicorn serving the site on 127.0.0.1:port, returned once it answers."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "impactdir.wsgi:application",
            "--config",
            "python:impactdir.gunicorn_conf",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            fetch(port, "/__bench__/bare/")
            break
        except OSError:
            time.sleep(0.2)
    return server


def manage(*args, env):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True)


def open_data_build(env):
    """Build the open data on the bench database; the command's own report (time, size, RSS)."""
    with tempfile.TemporaryDirectory(prefix="bench-open-data-") as root:
        completed = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "build_open_data", "--root", root],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return completed.stdout.strip()


def ensure_wrk():
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk with apt-get …", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, **quiet)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, **quiet)
    return bool(shutil.which("wrk"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=200, help="Sequential requests per URL.")
    parser.add_argument("--seconds", type=int, default=8, help="Load duration per URL.")
    parser.add_argument("--connections", type=int, default=4, help="Concurrent connections.")
    parser.add_argument("--write-seconds", type=int, default=60, help="Duration of the write mix.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/run.py needs PostgreSQL: set DATABASE_URL=postgres://…")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        # Sequential samples and wrk come from one address: beyond the API's rate limit.
        "API_RATE_LIMIT": "1000000000",
    }
    os.environ.update(env)

    manage("migrate", "--noinput", "-v", "0", env=env)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.mix import api_mix, case_study_mix, search_mix
    from providers.models import Provider

    existing = Provider.objects.count()
    if existing < args.providers:
        print(
            f"Generating providers: {existing:,} present, {args.providers:,} wanted …", flush=True
        )
        manage("seed_demo", "--providers", str(args.providers), env=env)
    else:
        print(f"Reusing {existing:,} providers already in the database.", flush=True)
    connection.close()

    published = Provider.objects.published().count()
    mix = [
        ("bare view", "/__bench__/bare/"),
        *search_mix(),
        *case_study_mix(),
        *api_mix(),
        ("stats", "/stats/"),
        ("stats, filtered", "/stats/?region=africa&service=data-services"),
    ]

    # SQL queries per page, in process (the index is built once before counting).
    client = Client()
    queries = {}
    for name, path in mix:
        client.get(path.replace("{n}", "warm"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path.replace("{n}", "count"))
        assert response.status_code == 200, (path, response.status_code)
        queries[name] = len(captured)
    # What one listing's change costs a worker (applied in place), and a full rebuild (a new
    # token: taxonomy changes, restores), in a background thread while searches are
    # answered from the previous index.
    from django.utils import timezone

    from buyers.search.current import search_data_changed, search_index, wait_for_rebuild

    changed = Provider.objects.published().order_by("id")[published // 3]
    in_place_ms = []
    for n in range(20):
        Provider.objects.filter(pk=changed.pk).update(
            tagline=f"Changed {n}", updated_at=timezone.now()
        )
        started = time.perf_counter()
        search_index()
        in_place_ms.append((time.perf_counter() - started) * 1000)
    search_data_changed()
    started = time.perf_counter()
    search_index()
    answered_ms = (time.perf_counter() - started) * 1000
    wait_for_rebuild()
    rebuild_seconds = time.perf_counter() - started
    from django.conf import settings

    builds = (
        "built by a process of its own and handed over"
        if settings.SEARCH_INDEX_BUILDS == "process"
        else "built in a background thread"
    )
    totals = {}
    for name, path in mix[1:]:
        page = client.get(path.replace("{n}", "total")).content
        if path.startswith("/api/"):
            totals[name] = f"{json.loads(page)['count']:,}"
            continue
        match = re.search(rb'id="result-count"[^>]*>\s*([^<]*)<', page)
        totals[name] = match.group(1).decode().strip() if match else ""
    connection.close()

    print(
        f"Published providers: {published:,}; serving with gunicorn, {args.workers} workers",
        flush=True,
    )
    server = start_gunicorn(env, args.port, args.workers)
    try:
        # Warm every worker (each builds its facet index once).
        for _name, path in mix:
            for _ in range(args.workers * 3):
                fetch(args.port, path)

        use_wrk = ensure_wrk()
        loader = throughput_wrk if use_wrk else throughput_python
        rows = []
        for name, path in mix:
            # Uncached text goes to the database every time: fewer samples keep the run short.
            samples = max(20, args.samples // 5) if "{n}" in path else args.samples
            times = server_times(args.port, path, samples)
            load = throughput_python if "{n}" in path else loader
            rps = load(args.port, path, args.seconds, args.connections)
            rows.append((name, times, rps))
        memory = worker_memory(server.pid)

        # Beyond the mix: a phrase and a hyphenated word nobody asked before, and a
        # search right after each of a series of writes (workers rebuilding meanwhile).
        extra = []
        phrase = '/providers/?q="data+entry"+zq{n}x+or+"data+entry"'
        extra.append(("broad phrase, uncached", server_times(args.port, phrase, 20)))
        # A hyphenated word is a phrase of its parts (the generated data's broadest one).
        hyphenated = "/providers/?q=medium-sized+or+zq{n}x"
        extra.append(("hyphenated, uncached", server_times(args.port, hyphenated, 20)))
        empty_before = server_times(args.port, "/providers/", args.samples)
        warm_paths = [(name, path) for name, path in search_mix() if "{n}" not in path]
        from bench import writes

        mix_result = writes.run(
            args.port,
            warm_paths,
            fetch,
            fetch_body,
            lambda: worker_memory(server.pid),
            args.write_seconds,
        )
        memory_after = worker_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    bare_rps = rows[0][2]
    print()
    print(
        f"{'request':<20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} "
        f"{'req/s':>8} {'÷ bare':>7} {'SQL':>4}  results"
    )
    for name, times, rps in rows:
        print(
            f"{name:<20} {percentile(times, 0.5):8.1f} {percentile(times, 0.95):8.1f} "
            f"{percentile(times, 0.99):8.1f} {statistics.fmean(times):8.1f} {rps:8.0f} "
            f"{rps / bare_rps:7.3f} {queries[name]:>4}  {totals.get(name, '')}"
        )
    print()
    print(
        "Server time: Server-Timing header (time inside Django incl. middleware), "
        f"{args.samples} sequential requests per URL ({max(20, args.samples // 5)} uncached). "
        "Throughput: "
        f"{'wrk' if use_wrk else 'threaded Python client'}, {args.connections} connections, "
        f"{args.seconds} s per URL, on the same machine."
    )
    for pid, rss, hwm in memory:
        print(f"gunicorn worker {pid}: RSS {rss:.0f} MB (peak {hwm:.0f} MB)")
    print(
        f"A listing's change applied in place by the search that noticed it: p50 "
        f"{percentile(in_place_ms, 0.5):.1f} ms, max {max(in_place_ms):.1f} ms; a full rebuild "
        f"(a new token): {rebuild_seconds:.1f} s until the new index answered ({builds}), the "
        f"search that noticed it waited {answered_ms:.1f} ms"
    )
    print()
    print("The JSON API list beside the search page, same parameters (server time p95):")
    p95 = {name: percentile(times, 0.95) for name, times, _rps in rows}
    print(f"{'search':<24} {'page p95':>9} {'API p95':>9} {'API ÷ page':>11}")
    for name, _path in search_mix():
        page_p95, api_p95 = p95[name], p95[f"api {name}"]
        print(f"{name:<24} {page_p95:9.1f} {api_p95:9.1f} {api_p95 / page_p95:11.2f}")
    print()
    print("Beyond the mix:")
    for name, times in extra:
        print(
            f"{name:<24} p50 {percentile(times, 0.5):7.1f} ms   "
            f"p95 {percentile(times, 0.95):7.1f} ms   ({len(times)} requests)"
        )
    print()
    search_p95 = percentile(mix_result["search_ms"], 0.95)
    empty_p95 = percentile(empty_before, 0.95)
    print(
        f"Write mix: {mix_result['writes']} writes to published listings in "
        f"{args.write_seconds} s ({writes.WRITES_PER_SECOND}/s) while searching the warm mix "
        f"({len(mix_result['search_ms'])} searches)"
    )
    control = mix_result["control"]
    control_p95 = percentile(control["search_ms"], 0.95)
    mix_empty_p95 = percentile(mix_result["empty_ms"], 0.95)
    control_empty_p95 = percentile(control["empty_ms"], 0.95)
    print(
        f"  the same load for {writes.CONTROL_SECONDS} s before, without writes "
        f"({len(control['search_ms'])} searches): search p95 {control_p95:.1f} ms, "
        f"empty search p95 {control_empty_p95:.1f} ms"
    )
    print(
        f"  during the writes: search p95 {search_p95:.1f} ms "
        f"({search_p95 / control_p95:.2f}× without writes), empty search p95 "
        f"{mix_empty_p95:.1f} ms ({mix_empty_p95 / control_empty_p95:.2f}× without writes)"
    )
    print(
        f"  beside the warm empty search asked alone before (p95 {empty_p95:.1f} ms): "
        f"{search_p95 / empty_p95:.2f}× (this counts the prober's concurrent load too)"
    )
    staleness = mix_result["staleness"]
    print(
        f"  staleness (write to visible in {writes.IN_A_ROW} answers in a row): p50 "
        f"{percentile(staleness, 0.5):.2f} s, max {max(staleness):.2f} s"
    )
    first, last = mix_result["rss"][0], mix_result["rss"][-1]
    for (pid, rss_start, _h), (_pid, rss_end, hwm) in zip(first, last, strict=False):
        print(
            f"  gunicorn worker {pid}: RSS {rss_start:.0f} MB at the start, {rss_end:.0f} MB "
            f"at the end (peak {hwm:.0f} MB)"
        )
    for pid, rss, hwm in memory_after:
        print(f"gunicorn worker {pid} after the write mix: RSS {rss:.0f} MB (peak {hwm:.0f} MB)")
    worst = max(percentile(times, 0.95) for _name, times, _rps in rows)
    print(
        f"Worst p95: {worst:.1f} ms; most SQL queries: {max(queries.values())}; "
        f"largest worker peak (write mix included): {max(h for _p, _r, h in memory_after):.0f} MB"
    )
    print()
    print("Building the open data …", flush=True)
    print(open_data_build(env))


if __name__ == "__main__":
    main()
