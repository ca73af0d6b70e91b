#!/usr/bin/env python
"""Worker memory under listing writes: `DATABASE_URL=postgres://… bench/memory.py`.

A focused probe of one number of `make bench`'s write mix: whether a gunicorn
worker grows while listings change. It serves the site as bench/run.py does
(gunicorn, bench/settings.py, `impactdir.gunicorn_conf`, 2 workers), waits until
every worker holds its index, then makes --writes writes to published listings
(bench/writes.py's `change_listing`, the same ORM write as the write mix) at
--rate per second while one client searches the warm mix, and samples each
worker's memory every --every writes: VmRSS, and from smaps_rollup the anonymous
memory (the heap and mmap'd blocks; what the index lives in).

It prints one row per sample and, per worker, the growth per 100 writes over the
second half of the run (after the caches filled), which is the number to watch:
a worker that keeps growing by a few hundred kilobytes per write is a leak, one
that levels off is not. Memory only, and counts: the machine may be shared, so
its timings mean little.

With --rebuilds N it then replaces the search token N times (every worker needs a
full build) and prints each worker's peak while it rebuilds, and that of the build
processes the workers start (SEARCH_INDEX_BUILDS = "process").
"""

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

# A developer tool that runs fixed local commands (manage.py, gunicorn).
# ruff: noqa: S603, S607

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import fetch, fetch_body  # noqa: E402


def worker_pids(master_pid: int) -> list:
    return sorted(children_of(master_pid))


def children_of(pid: int) -> list:
    """The processes `pid`'s threads started (a thread's children are listed under it)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:  # the thread ended
            continue
    return found


def memory_of(pid: int) -> dict:
    """VmRSS, VmHWM and smaps_rollup's Anonymous of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()

    def kb(pattern, text):
        match = re.search(pattern + r":\s+(\d+)", text)
        return int(match.group(1)) / 1024 if match else float("nan")

    return {
        "rss": kb("VmRSS", status),
        "hwm": kb("VmHWM", status),
        "anon": kb("Anonymous", rollup),
    }


def slope(points: list) -> float:
    """Least-squares growth per 100 writes of (writes, MB) points."""
    if len(points) < 2:
        return float("nan")
    xs, ys = zip(*points, strict=True)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return float("nan")
    return 100 * sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def wait_until_warm(port: int, master: int, workers: int, paths: list) -> None:
    """Every worker answers searches from its index (the first build has finished)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            status, _body = fetch_body(port, "/readyz")
        except OSError:
            status = 0
        if status == 200 and len(worker_pids(master)) == workers:
            break
        time.sleep(0.5)
    # Each worker answers /readyz once its own index is ready: ask often enough that
    # both did, then warm the caches of the mix.
    ready = 0
    while ready < 4 * workers and time.monotonic() < deadline:
        status, _body = fetch_body(port, "/readyz")
        ready = ready + 1 if status == 200 else 0
        time.sleep(0.1)
    for _ in range(3 * workers):
        for _name, path in paths:
            fetch(port, path)


def watch_rebuild(number: int, pids: list, seconds: float) -> None:
    """Replace the search token (every worker builds afresh) and watch for `seconds`: the
    workers' memory, and that of any process a worker starts meanwhile (the build process
    of SEARCH_INDEX_BUILDS = "process")."""
    from django.db import connection

    from buyers.search.current import search_data_changed

    search_data_changed()
    connection.close()
    builders: dict = {}
    peak = dict.fromkeys(pids, 0.0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in pids:
            peak[pid] = max(peak[pid], memory_of(pid)["rss"])
            for child in children_of(pid):
                try:
                    rss = memory_of(child)["rss"]
                except (FileNotFoundError, ProcessLookupError):
                    continue
                builders[child] = max(builders.get(child, 0.0), rss)
        time.sleep(0.1)
    row = "  ".join(
        f"{pid}: RSS {memory_of(pid)['rss']:6.1f} (peak while rebuilding {peak[pid]:6.1f})"
        for pid in pids
    )
    built = ", ".join(f"{rss:.1f}" for rss in builders.values()) or "none"
    print(f"rebuild {number}  {row}  build processes' peak RSS: {built} MB", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rate", type=float, default=2.0, help="Writes per second.")
    parser.add_argument("--every", type=int, default=20, help="Writes between two samples.")
    parser.add_argument("--no-search", action="store_true", help="Write without searching.")
    parser.add_argument("--config", default="python:impactdir.gunicorn_conf")
    parser.add_argument(
        "--rebuilds",
        type=int,
        default=0,
        help="Full rebuilds to make after the writes (a new search token each), still searching.",
    )
    parser.add_argument(
        "--rebuild-seconds", type=float, default=30.0, help="Seconds to watch each rebuild."
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/memory.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "API_RATE_LIMIT": "1000000000",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from bench import writes
    from bench.mix import search_mix
    from providers.models import Provider

    paths = [(name, path) for name, path in search_mix() if "{n}" not in path]
    ids = list(Provider.objects.published().order_by("?").values_list("id", flat=True)[:2000])
    connection.close()

    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "impactdir.wsgi:application",
            "--config",
            args.config,
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    samples = []  # (writes done, {pid: memory})
    searches = [0]
    try:
        wait_until_warm(args.port, server.pid, args.workers, paths)
        pids = worker_pids(server.pid)
        time.sleep(2)
        samples.append((0, {pid: memory_of(pid) for pid in pids}))
        stop = threading.Event()

        def searcher():
            while not stop.is_set():
                for _name, path in paths:
                    try:
                        fetch(args.port, path)
                    except OSError:
                        if stop.is_set():
                            return
                        raise
                    searches[0] += 1

        searching = threading.Thread(target=searcher, daemon=True)
        if not args.no_search:
            searching.start()
        import random

        rng = random.Random(11)
        started = time.monotonic()
        for n in range(1, args.writes + 1):
            time.sleep(max(0.0, started + n / args.rate - time.monotonic()))
            writes.change_listing(rng.choice(ids), f"zqm{n}x{rng.randint(1000, 9999)}")
            if n % args.every == 0 or n == args.writes:
                time.sleep(1.0)  # the pollers apply it (twice a second)
                samples.append((n, {pid: memory_of(pid) for pid in pids}))
                row = "  ".join(
                    f"{pid}: RSS {m['rss']:6.1f} anon {m['anon']:6.1f}"
                    for pid, m in samples[-1][1].items()
                )
                print(f"{n:5d} writes  {row}", flush=True)
        for rebuild in range(1, args.rebuilds + 1):
            watch_rebuild(rebuild, pids, args.rebuild_seconds)
        stop.set()
        if searching.is_alive():
            searching.join(timeout=30)
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    print()
    print(
        f"{args.writes} writes at {args.rate:g}/s, {searches[0]} searches meanwhile, "
        f"{args.workers} workers ({args.config})"
    )
    half = [sample for sample in samples if sample[0] >= args.writes // 2]
    for pid in pids:
        first, last = samples[0][1][pid], samples[-1][1][pid]
        grow = slope([(n, memory[pid]["rss"]) for n, memory in half])
        grow_anon = slope([(n, memory[pid]["anon"]) for n, memory in half])
        print(
            f"worker {pid}: RSS {first['rss']:.1f} -> {last['rss']:.1f} MB "
            f"(peak {last['hwm']:.1f}); anonymous {first['anon']:.1f} -> {last['anon']:.1f} MB; "
            f"second half: {grow:+.2f} MB RSS, {grow_anon:+.2f} MB anonymous per 100 writes"
        )


if __name__ == "__main__":
    main()
