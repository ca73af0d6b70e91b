#!/usr/bin/env python
"""Load and faults: `make soak` (DATABASE_URL must be a PostgreSQL cluster on this machine).

1. Migrates, generates providers with `seed_demo` when the database holds fewer than N,
   and starts the site as the README's production line does: `collectstatic`, `check
   --deploy`, then gunicorn with `--config python:impactdir.gunicorn_conf --workers 3`,
   DEBUG off, behind a (pretended) TLS proxy: every request carries
   `X-Forwarded-Proto: https` and BEHIND_TLS_PROXY=1, so no HTTPS redirect happens.
2. Steady load: wrk, 64 connections for 60 s over a mix of searches (bench/mix.py), 200
   profiles, the home page and any API requests in `bench.mix.API_MIX`. Reports client-side
   latency p50/p95/p99 (queueing behind the workers included), throughput and errors;
   every answer must be 2xx/3xx and no socket may fail.
3. Database outage: under the same load, marks the search data changed (so the workers
   start rebuilding their indexes), stops the PostgreSQL cluster that DATABASE_URL's port
   belongs to (`pg_ctlcluster`) for 10 s, and starts it again. Requests may fail only
   with 503, and only while the database is down; then a second run must have no errors
   at all, gunicorn's master and workers must be the same processes, /readyz must be 200
   and the search must give the same result count as before.
4. A worker killed during an index rebuild: under load, marks the search data changed,
   `kill -9`s one worker while its rebuild thread runs; the other workers must answer
   throughout, and gunicorn must replace the killed one.

Stopping a cluster breaks every other client of it: unless --stop-shared-cluster, the
fault phases refuse to run while clients of other databases are connected. All traffic
goes to 127.0.0.1; every wait is bounded.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

# A developer tool that runs fixed local commands (manage.py, gunicorn, wrk, pg_ctlcluster).
# ruff: noqa: S603, S607

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import ensure_wrk  # noqa: E402

HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
#: Seconds after PostgreSQL is back within which a request may still meet its absence.
GRACE = 2


# --------------------------------------------------------------------------
# The cluster behind DATABASE_URL
# --------------------------------------------------------------------------


@dataclass
class Cluster:
    version: str
    name: str
    port: int

    def ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def __str__(self):
        return f"{self.version}/{self.name} (port {self.port})"


def cluster_of(url: str) -> Cluster:
    """The local cluster (pg_lsclusters) listening on DATABASE_URL's port."""
    parsed = urlparse(url)
    if parsed.hostname not in {None, "", "127.0.0.1", "localhost", "::1"}:
        raise SystemExit(
            f"The fault phases stop and start PostgreSQL, so DATABASE_URL must point at this "
            f"machine, not {parsed.hostname}. Run with --no-faults for the load phase only."
        )
    port = parsed.port or 5432
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_rest = line.split()
        if int(cluster_port) == port:
            return Cluster(version, name, port)
    raise SystemExit(f"No PostgreSQL cluster of this machine listens on port {port}.")


def other_clients(database: str) -> int:
    """Client connections to databases other than ours (they would break in an outage)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND datname IS DISTINCT FROM %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


def wait_until_accepting(port: int, deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False
        ).returncode
        if ready == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"PostgreSQL on port {port} did not come back within {deadline_seconds} s")


# --------------------------------------------------------------------------
# gunicorn
# --------------------------------------------------------------------------


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def workers_of(master: int) -> list:
    path = Path(f"/proc/{master}/task/{master}/children")
    return sorted(int(pid) for pid in path.read_text().split()) if path.exists() else []


def threads_of(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return 0


def free_port(port: int) -> int:
    """`port` if nothing listens there (0: any free port); never someone else's server."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"Port {port} is in use; choose another with --port.") from None
        return sock.getsockname()[1]


def wait_ready(port: int, workers: int, seconds: float, server=None) -> float:
    """Wait until /readyz has answered 200 many times in a row (every worker, most likely)."""
    started = time.monotonic()
    streak = 0
    while streak < workers * 10:
        if server is not None and server.poll() is not None:
            raise SystemExit("gunicorn exited; see its log")
        if time.monotonic() - started > seconds:
            raise SystemExit(f"/readyz did not answer 200 steadily within {seconds:.0f} s")
        try:
            status, _body = get(port, "/readyz", timeout=5)
        except OSError:
            status = 0
        streak = streak + 1 if status == 200 else 0
        if status != 200:
            time.sleep(0.2)
    return time.monotonic() - started


def result_count(port: int) -> str:
    status, body = get(port, "/providers/")
    match = re.search(rb'id="result-count"[^>]*>\s*([^<]*)<', body)
    return f"{status} {match.group(1).decode().strip() if match else '?'}"


# --------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------

LUA = r"""
local paths = {%(paths)s}
local threads = {}
local next_id = 0
wrk.headers["X-Forwarded-Proto"] = "https"

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  position = (id * 7919) %% #paths
  sent = 0
end

function request()
  position = position %% #paths + 1
  sent = sent + 1
  local path = string.gsub(paths[position], "{n}", "zq" .. id .. "n" .. sent .. "x")
  return wrk.format("GET", path)
end

function response(status, headers, body)
  local key = os.time() .. ":" .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SOAK summary %%d %%d %%d %%d %%d %%d %%d\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("SOAK latency %%d %%d\n", p, latency:percentile(p)))
  end
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do
      io.write(string.format("SOAK count %%s %%d\n", key, n))
    end
  end
end
"""


@dataclass
class Run:
    name: str
    requests: int = 0
    seconds: float = 0.0
    socket_errors: dict = field(default_factory=dict)
    latency_ms: dict = field(default_factory=dict)
    #: (unix second, status) -> responses
    counts: dict = field(default_factory=dict)
    started: float = 0.0

    def by_status(self, test) -> int:
        return sum(n for (_s, status), n in self.counts.items() if test(status))

    @property
    def ok(self) -> int:
        return self.by_status(lambda s: 200 <= s < 400)

    @property
    def unavailable(self) -> int:
        return self.by_status(lambda s: s == 503)

    @property
    def other_errors(self) -> int:
        return self.by_status(lambda s: s >= 400 and s != 503)

    @property
    def sockets(self) -> int:
        return sum(self.socket_errors.values())

    def seconds_with(self, test) -> list:
        return sorted({second for (second, status) in self.counts if test(status)})


def write_script(work: Path, paths: list) -> Path:
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script = work / "soak.lua"
    script.write_text(LUA % {"paths": quoted})
    return script


def start_wrk(port, script, seconds, connections) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            # gunicorn's own limit: a wrk timeout means a request was stuck, not slow.
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish_wrk(process: subprocess.Popen, name: str, started: float, seconds: float) -> Run:
    try:
        output, _ = process.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit(f"wrk did not finish the {name} phase") from None
    run = Run(name=name, started=started)
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["SOAK", "summary"]:
            numbers = [int(x) for x in parts[2:]]
            run.requests, run.seconds = numbers[0], numbers[1] / 1e6
            run.socket_errors = dict(
                zip(
                    ("connect", "read", "write", "timeout"),
                    numbers[2:5] + numbers[6:7],
                    strict=True,
                )
            )
        elif parts[:2] == ["SOAK", "latency"]:
            run.latency_ms[int(parts[2])] = int(parts[3]) / 1000
        elif parts[:2] == ["SOAK", "count"]:
            second, status = parts[2].split(":")
            key = (int(second), int(status))
            run.counts[key] = run.counts.get(key, 0) + int(parts[3])
    if not run.requests:
        raise SystemExit(f"wrk gave no summary for the {name} phase:\n{output}")
    return run


def load(port, script, seconds, connections, name) -> Run:
    started = time.time()
    return finish_wrk(start_wrk(port, script, seconds, connections), name, started, seconds)


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


class Checks:
    def __init__(self):
        self.rows = []

    def __call__(self, passed: bool, what: str) -> bool:
        self.rows.append((bool(passed), what))
        print(f"  {'ok  ' if passed else 'FAIL'} {what}", flush=True)
        return passed

    @property
    def failed(self) -> int:
        return sum(1 for passed, _ in self.rows if not passed)


def manage(*args, env):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def build_mix(profiles: int) -> tuple[list, str]:
    """The weighted list of paths wrk cycles through, and a description of it."""
    from bench.mix import API_MIX, profile_paths, search_mix

    searches = [path for _name, path in search_mix()]
    profile_list = profile_paths(profiles)
    api = [path for _name, path in API_MIX]
    # Per round: every search twice, the home page, as many profiles and API requests.
    rounds = max(1, len(profile_list) // (len(searches) * 2))
    paths, p = [], 0
    for _ in range(rounds):
        paths.extend(searches * 2)
        paths.append("/")
        take = len(searches) * 2
        paths.extend(profile_list[p : p + take])
        p += take
        paths.extend(api)
    description = (
        f"{len(searches)} searches ({len(searches) * 2 * rounds} slots), "
        f"{len(profile_list)} profiles ({min(p, len(profile_list))} slots), "
        f"the home page ({rounds}), {len(api)} API requests; {len(paths)} slots in turn"
    )
    return paths, description


def outage_phase(args, port, script, master, cluster, checks) -> list:
    """Stop PostgreSQL under load for args.outage seconds; return the runs."""
    from buyers.search.current import search_data_changed

    before_count = result_count(port)
    workers_before = workers_of(master)
    lead, tail = 5, 15
    seconds = lead + args.outage + tail
    print(
        f"\nDatabase outage: stopping PostgreSQL {cluster} for {args.outage} s under load",
        flush=True,
    )
    started = time.time()
    wrk = start_wrk(port, script, seconds, args.connections)
    stopped_at = restarted_at = None
    try:
        time.sleep(lead)
        # Workers start rebuilding their indexes, so the outage also cuts rebuilds short.
        search_data_changed()
        from django.db import connection

        connection.close()
        baseline = {pid: threads_of(pid) for pid in workers_before}
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if any(threads_of(pid) > n for pid, n in baseline.items()):
                break
            time.sleep(0.01)
        stop_called = time.time()
        cluster.ctl("stop")
        stopped_at = time.time()
        time.sleep(args.outage)
        start_called = time.time()
        cluster.ctl("start")
        wait_until_accepting(cluster.port)
        restarted_at = time.time()
    finally:
        if restarted_at is None:  # never leave the cluster down
            cluster.ctl("start")
        run = finish_wrk(wrk, f"database down {args.outage} s", started, seconds)
    print(
        f"  stopped at +{stopped_at - started:.1f} s (stopping took {stopped_at - stop_called:.1f}"
        f" s), down {start_called - stopped_at:.1f} s, accepting again at "
        f"+{restarted_at - started:.1f} s (starting took {restarted_at - start_called:.1f} s)",
        flush=True,
    )
    unavailable = run.seconds_with(lambda s: s == 503)
    window = (int(stop_called) - 1, int(restarted_at) + GRACE)
    checks(run.unavailable > 0, f"requests met the outage: {run.unavailable} answered 503")
    checks(
        all(window[0] <= s <= window[1] for s in unavailable),
        "503s only while PostgreSQL was down "
        f"(+{unavailable[0] - started:.0f} s to +{unavailable[-1] - started:.0f} s)"
        if unavailable
        else "no 503 outside the outage",
    )
    checks(run.other_errors == 0, f"no other error status ({run.other_errors})")
    checks(run.sockets == 0, f"no socket errors or timeouts ({run.socket_errors})")
    after_ok = [s for s in run.seconds_with(lambda s: 200 <= s < 400) if s > restarted_at]
    if after_ok:
        print(f"  first 2xx after PostgreSQL was back: +{after_ok[0] - restarted_at:.0f} s")

    after = load(port, script, 20, args.connections, "after the outage")
    checks(
        after.unavailable + after.other_errors + after.sockets == 0,
        f"after the outage: no errors at all ({after.unavailable} 503, {after.other_errors} "
        f"other, sockets {after.socket_errors})",
    )
    checks(workers_of(master) == workers_before, "gunicorn kept its master and workers")
    checks(get(port, "/readyz")[0] == 200, "/readyz is 200 again")
    checks(
        result_count(port) == before_count,
        f"search gives the same results as before the outage ({before_count})",
    )
    return [run, after]


def kill_phase(args, port, script, master, checks) -> Run:
    """Kill one worker while it rebuilds its index, under load."""
    from django.db import connection

    from buyers.search.current import search_data_changed

    workers = workers_of(master)
    seconds = 25
    print("\nA worker killed while it rebuilds its search index, under load", flush=True)
    started = time.time()
    wrk = start_wrk(port, script, seconds, args.connections)
    victim = None
    try:
        time.sleep(5)
        baseline = {pid: threads_of(pid) for pid in workers}
        search_data_changed()
        connection.close()
        deadline = time.monotonic() + 5
        while victim is None and time.monotonic() < deadline:
            victim = next((pid for pid, n in baseline.items() if threads_of(pid) > n), None)
            time.sleep(0.005)
        if victim is not None:
            os.kill(victim, signal.SIGKILL)
            killed_at = time.time()
    finally:
        run = finish_wrk(wrk, "worker killed", started, seconds)
    if not checks(victim is not None, "a worker was caught rebuilding its index"):
        return run
    print(f"  killed worker {victim} at +{killed_at - started:.1f} s", flush=True)
    answered = set(run.seconds_with(lambda s: 200 <= s < 400))
    span = range(int(started) + 1, int(started + seconds) - 1)
    gaps = [s - int(started) for s in span if s not in answered]
    checks(
        not gaps,
        f"answers every second of the run (gaps at +{gaps} s)"
        if gaps
        else "the other workers answered every second of the run",
    )
    checks(run.unavailable + run.other_errors == 0, "no error status")
    # The killed worker's own request (a sync worker serves one at a time) is lost.
    lost = run.sockets - run.socket_errors["timeout"]
    checks(lost <= 1, f"at most the killed worker's request lost ({run.socket_errors})")
    checks(run.socket_errors["timeout"] == 0, "no request timed out")
    now = workers_of(master)
    checks(
        victim not in now and len(now) == len(workers) and set(workers) - {victim} <= set(now),
        f"gunicorn replaced the killed worker, kept the others ({workers} -> {now})",
    )
    try:
        wait_ready(port, args.workers, 120)
        checks(True, "/readyz is 200 again on every worker")
    except SystemExit as error:
        checks(False, str(error))
    return run


def report(runs: list, mix: str, args, checks: Checks) -> None:
    print()
    header = (
        f"{'phase':<22} {'s':>4} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'2xx/3xx':>8} {'503':>6} {'other':>6} {'socket':>6}"
    )
    print(header)
    for run in runs:
        print(
            f"{run.name:<22} {run.seconds:4.0f} {run.requests:9d} "
            f"{run.requests / run.seconds:7.0f} {run.latency_ms.get(50, 0):7.1f} "
            f"{run.latency_ms.get(95, 0):7.1f} {run.latency_ms.get(99, 0):7.1f} {run.ok:8d} "
            f"{run.unavailable:6d} {run.other_errors:6d} {run.sockets:6d}"
        )
    print()
    print(
        f"wrk, 2 threads, {args.connections} connections, on the same machine as gunicorn "
        f"({args.workers} sync workers). Latency is wrk's (client side: queueing behind the "
        f"workers included). Mix: {mix}."
    )
    print(f"Checks: {len(checks.rows) - checks.failed} passed, {checks.failed} failed.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument("--workers", type=int, default=3, help="As the README's production line.")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60, help="Steady load duration.")
    parser.add_argument("--outage", type=int, default=10, help="Seconds PostgreSQL is down.")
    parser.add_argument("--profiles", type=int, default=200, help="Profiles in the mix.")
    parser.add_argument("--no-faults", action="store_true", help="Steady load only.")
    parser.add_argument(
        "--stop-shared-cluster",
        action="store_true",
        help="Stop the cluster even while clients of other databases are connected to it.",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/soak.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    cluster = None if args.no_faults else cluster_of(url)
    if not ensure_wrk():
        raise SystemExit("make soak needs wrk (apt-get install wrk).")

    args.port = free_port(args.port)
    work = Path(tempfile.mkdtemp(prefix="impactdir-soak-"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "impactdir.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_TLS_PROXY": "1",
        "STATIC_ROOT": str(work / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "PYTHONPATH": str(ROOT),
        # One address sends the whole load: the API's per-client limit would refuse it.
        "API_RATE_LIMIT": "1000000000",
    }
    os.environ.update(env)
    manage("migrate", "--noinput", "-v", "0", env=env)

    import django

    django.setup()
    from django.db import connection

    from providers.models import Provider

    existing = Provider.objects.count()
    if existing < args.providers:
        print(f"Generating providers: {existing:,} present, {args.providers:,} wanted …")
        manage("seed_demo", "--providers", str(args.providers), env=env)
    published = Provider.objects.published().count()
    paths, mix = build_mix(args.profiles)
    script = write_script(work, paths)
    database = unquote(urlparse(url).path.lstrip("/"))
    if cluster is not None and not args.stop_shared_cluster and (n := other_clients(database)):
        raise SystemExit(
            f"{n} clients of other databases are connected to PostgreSQL {cluster}: stopping "
            "it would break them. Use a cluster of its own (pg_createcluster), wait, pass "
            "--stop-shared-cluster, or --no-faults."
        )
    connection.close()
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    log = work / "gunicorn.log"
    print(f"Published providers: {published:,}; gunicorn log: {log}", flush=True)
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "impactdir.wsgi",
                "--config",
                "python:impactdir.gunicorn_conf",
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    checks = Checks()
    runs = []
    try:
        ready = wait_ready(args.port, args.workers, 600, server)
        print(f"Ready after {ready:.1f} s; warming every URL of the mix …", flush=True)
        for path in dict.fromkeys(paths):
            for _ in range(args.workers):
                get(args.port, path.replace("{n}", "warm"))
        print(f"\nSteady load: {args.connections} connections for {args.seconds} s", flush=True)
        steady = load(args.port, script, args.seconds, args.connections, "steady load")
        runs.append(steady)
        checks(
            steady.unavailable + steady.other_errors == 0,
            f"every answer 2xx/3xx ({steady.unavailable + steady.other_errors} errors)",
        )
        checks(steady.sockets == 0, f"no socket errors or timeouts ({steady.socket_errors})")
        if cluster is not None:
            runs.extend(outage_phase(args, args.port, script, server.pid, cluster, checks))
            runs.append(kill_phase(args, args.port, script, server.pid, checks))
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work / "static", ignore_errors=True)  # the log stays for reading
    report(runs, mix, args, checks)
    if checks.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
