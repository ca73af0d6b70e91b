"""The write mix of `make bench`: listings change while buyers search.

For SECONDS, a writer changes a random published listing twice a second (its
tagline gets a word nobody used before, as an ISSP's edit would, through the
ORM so the database's triggers see it); one client searches the warm mix
sequentially, and a prober asks for each new word until the listing shows in
several answers in a row (each on a new connection, so gunicorn's workers take
turns). Reported: search p95 during the writes, staleness (write to visible,
the largest over all writes), and the workers' memory over the run.

Before the writes, a control phase of CONTROL_SECONDS puts the same load on the
server without writing: the same searcher, and the prober asking words nobody
has at the same pace. What the writes cost searching is the ratio of the two
phases' p95s (a search with a second client asking meanwhile is slower than
one alone, writes or not: comparing with searches made alone would count that
too).
"""

import random
import re
import threading
import time

SECONDS = 60
#: Seconds of the same load without writes, before them.
CONTROL_SECONDS = 30
WRITES_PER_SECOND = 2
#: Seconds the prober waits between two questions (both phases).
PROBE_PAUSE = 0.02
#: Answers in a row that must show a write before it counts as visible everywhere.
IN_A_ROW = 6

_COUNT = re.compile(rb'id="result-count"[^>]*>\s*([0-9,]+)')


def _shown(fetch_body, port, word) -> bool:
    status, body = fetch_body(port, f"/providers/?q={word}")
    match = _COUNT.search(body)
    return status == 200 and match is not None and match.group(1) != b"0"


def change_listing(provider_id, word) -> None:
    """One write of the mix: a listing's tagline gets `word`, through the ORM (the
    database's triggers log it), as an ISSP's edit would."""
    from django.utils import timezone

    from providers.models import Provider

    Provider.objects.filter(pk=provider_id).update(
        tagline=f"Now also {word}", updated_at=timezone.now()
    )


def run(
    port, paths, fetch, fetch_body, memory, seconds=SECONDS, control_seconds=CONTROL_SECONDS
) -> dict:
    """The control phase, then the write mix: {"control": its searches, and the mix's}."""
    control = _phase(port, paths, fetch, fetch_body, memory, control_seconds, writing=False)
    mixed = _phase(port, paths, fetch, fetch_body, memory, seconds, writing=True)
    return {**mixed, "control": control}


def _phase(port, paths, fetch, fetch_body, memory, seconds, *, writing) -> dict:
    from django.db import connection

    from providers.models import Provider

    ids = list(Provider.objects.published().order_by("?").values_list("id", flat=True)[:2000])
    connection.close()
    stop = time.monotonic() + seconds
    writes = []  # (monotonic time written, word)
    staleness = []
    search_ms = []
    empty_ms = []
    rss = []
    rng = random.Random(7)
    done = threading.Event()

    def writer():
        for n in range(seconds * WRITES_PER_SECOND):
            due = stop - seconds + n / WRITES_PER_SECOND
            time.sleep(max(0.0, due - time.monotonic()))
            word = f"zqw{n}x{rng.randint(1000, 9999)}"
            change_listing(rng.choice(ids), word)
            writes.append((time.monotonic(), word))
        connection.close()

    def prober():
        seen = 0
        while not done.is_set() or seen < len(writes):
            if seen >= len(writes):
                time.sleep(0.01)
                continue
            written, word = writes[seen]
            streak_started = None
            streak = 0
            while streak < IN_A_ROW:
                asked = time.monotonic()
                if _shown(fetch_body, port, word):
                    streak_started = streak_started or asked
                    streak += 1
                else:
                    streak_started, streak = None, 0
                if time.monotonic() - written > 30:
                    break
                time.sleep(PROBE_PAUSE)
            staleness.append(max(0.0, (streak_started or time.monotonic()) - written))
            seen += 1

    def idle_prober():
        # The prober's load without writes: words nobody has, at the same pace.
        n = 0
        while time.monotonic() < stop:
            _shown(fetch_body, port, f"zqc{n}x{rng.randint(1000, 9999)}")
            n += 1
            time.sleep(PROBE_PAUSE)

    def searcher():
        while time.monotonic() < stop:
            for name, path in paths:
                _status, server_ms, _client = fetch(port, path)
                search_ms.append(server_ms)
                if name == "empty search":
                    empty_ms.append(server_ms)

    def sampler():
        while time.monotonic() < stop:
            rss.append(memory())
            time.sleep(5)
        rss.append(memory())

    threads = [threading.Thread(target=f) for f in (searcher, sampler)]
    probing = threading.Thread(target=prober if writing else idle_prober)
    if writing:
        threads.append(threading.Thread(target=writer))
    for thread in (*threads, probing):
        thread.start()
    for thread in threads:
        thread.join()
    done.set()  # the prober finishes the writes it has not seen yet
    probing.join(timeout=60)
    return {
        "writes": len(writes),
        "search_ms": search_ms,
        "empty_ms": empty_ms,
        "staleness": staleness,
        "rss": rss,
    }
