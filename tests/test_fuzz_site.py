"""Walk every URL of the site with malformed input: never a 500, nobody reaches what is not theirs.

The table of URLs, the world of users and rows and the owned-rows snapshot are in
tests/fuzz_site.py; the malformed values in tests/fuzzing.py.

- The walk itself: every URL pattern of the project is in the table (or left out
  with a reason), and each view answers exactly the methods the table fuzzes.
- GET: for each page, hypothesis sends query strings built from the parameters
  the page reads (repeated, missing, next to unknown ones), bad values in the path
  (ids past 64 bits, Unicode digits, other users' ids), as anonymous, as the user
  the page is for and as the wrong users. Every answer is below 500; a private
  page refuses the wrong users (403, 404 or the log-in page) and shows them none
  of the private rows' `SECRETS`.
- POST: for each form, the fields are read from the page that renders it (so a
  new field is fuzzed without touching this file), then kept, dropped, repeated
  or replaced with malformed values and bad files, including a formset's
  management form and the version field of optimistic locking. Never a 500; a
  wrong user's POST leaves every owned row as it was.

Each example runs in a savepoint that is rolled back, so every example starts
from the same world (a successful delete does not hide the rows from the next
one). Bounded by GET_EXAMPLES and POST_EXAMPLES; each test prints its counts,
the run prints the totals.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.fuzz_site import (
    SECRETS,
    all_pages,
    foreign_ids,
    left_out,
    make_world,
    owned_rows,
    pending,
    url_patterns,
)
from tests.fuzzing import (
    FLOOD,
    FUZZ,
    RAW,
    Tally,
    bodies,
    body_for_client,
    page_forms,
    path_values,
    query_strings,
    quote_segment,
    seeded,
    urlencoded,
)

pytestmark = pytest.mark.django_db

FORM_URLENCODED = "application/x-www-form-urlencoded"

GET_EXAMPLES = 40
POST_EXAMPLES = 40

USERS = ("buyer", "other_buyer", "owner", "other_issp", "staff", "invitee")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def sessions(world):
    """A session key per user, made once; each example gets a fresh client holding it."""
    keys = {}
    for who in USERS:
        client = Client()
        client.force_login(world[who])
        keys[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def client_for(sessions, who) -> Client:
    client = Client()
    if who is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[who]
    return client


class _Undo(Exception):
    pass


def undone(call):
    """Run `call` in a savepoint that is then rolled back; return what it returned."""
    box = {}
    cache.clear()  # rate-limit counters: every example starts from none
    try:
        with transaction.atomic():
            box["result"] = call()
            raise _Undo
    except _Undo:
        pass
    return box["result"]


def answer(response):
    """(status, body, location) with the whole body read, streamed or not."""
    # A streamed body read to the end is closed by the test client itself (closing it
    # again here would close the database connection under PostgreSQL).
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body, response.get("Location", "")


def refused(status: int, location: str) -> bool:
    login = reverse("account_login")
    return status in (403, 404) or (status == 302 and location.startswith(login))


def users_of(page, examples: int) -> list[tuple[str | None, int]]:
    """Who sends how many examples: the page's user half of them, the others the rest.

    The others are anonymous visitors and the wrong users; on a public page,
    signed-in users; on a page for one side, a user of the other side.
    """
    others = [None, *page.wrong]
    if page.right is None:
        others = ["buyer", "owner"]
    elif not page.private:
        others.append("other_buyer" if page.right != "buyer" else "owner")
    others = [who for who in dict.fromkeys(others) if who != page.right]
    share = max(3, examples // 2 // len(others))
    return [(page.right, examples // 2)] + [(who, share) for who in others]


def page_path(name, page, w) -> str:
    return page.path(w) if page.path else reverse(name, kwargs=page.kwargs(w))


def bad_path(name, page, w, key, value) -> str:
    """The page's path with kwarg `key` replaced by `value` (percent-encoded)."""
    kwargs = page.kwargs(w)
    original = kwargs[key]
    sentinel = 987654321 if isinstance(original, int) else original
    path = reverse(name, kwargs={**kwargs, key: sentinel})
    return path.replace(str(sentinel), quote_segment(value), 1)


def path_strategy(name, page, w):
    kwargs = page.kwargs(w)
    if not kwargs:
        return st.none()
    ids = [str(i) for i in foreign_ids(w)]
    bad = st.tuples(st.sampled_from(sorted(kwargs)), st.one_of(path_values, st.sampled_from(ids)))
    return st.one_of(st.none(), st.none(), bad)


# ----------------------------------------------------------------- the walk


def test_every_url_pattern_is_in_the_fuzz_table(capsys):
    """A new URL pattern fails here until it is added to PAGES (or NOT_FUZZED, with a reason)."""
    routes = url_patterns()
    names = set()
    waiting = []
    missing = []
    for route in routes:
        if left_out(route):
            continue
        if pending(route) and route.name not in all_pages():
            waiting.append(route.route)
            continue
        names.add(route.name)
        if route.name not in all_pages():
            missing.append(f"{route.name} ({route.route})")
    assert not missing, "URL patterns the fuzz walk does not cover: " + ", ".join(missing)
    stale = sorted(set(all_pages()) - names)
    assert not stale, f"Fuzz table entries naming no URL pattern: {stale}"
    with capsys.disabled():
        print(f"\n  fuzz walk: {len(names)} URL patterns covered", end="")
        if waiting:
            print(f", pending: {', '.join(waiting)}", end="")


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_view_answers_only_the_methods_it_is_fuzzed_with(world, sessions, method):
    """A view that starts to take POST (or GET) fails here until the table fuzzes it."""
    wrong = []
    for name, page in all_pages().items():
        client = client_for(sessions, page.right)
        path = page_path(name, page, world)
        status, _, _ = undone(lambda c=client, p=path: answer(getattr(c, method)(p)))
        expected = page.get if method == "get" else page.post
        if (status != 405) != expected:
            wrong.append(f"{name} {method.upper()} {status}")
    assert not wrong, "methods the table gets wrong: " + ", ".join(wrong)


def test_the_private_rows_carry_the_secrets(world):
    """The secrets the GET walk looks for are really in the rows (else the check proves nothing)."""
    owner = client_for({}, None)
    owner.force_login(world["buyer"])
    body = owner.get(reverse("buyers:shortlist_detail", args=[world["shortlist"].pk])).content
    assert b"fuzz-secret-note" in body


def test_the_snapshot_sees_what_the_right_user_changes(world, sessions):
    """The wrong-user check compares snapshots: it must see a change when there is one."""
    client = client_for(sessions, "buyer")
    path = reverse("buyers:entry_note", args=[world["shortlist"].pk, world["entry"].pk])

    def call():
        before = owned_rows(world)
        client.post(path, {"note": "changed"})
        return before, owned_rows(world)

    before, after = undone(call)
    assert before != after
    assert owned_rows(world) == before  # and the savepoint undid it


# ----------------------------------------------------------------- GET


GET_NAMES = sorted(name for name, page in all_pages().items() if page.get)


@pytest.mark.parametrize("name", GET_NAMES)
def test_fuzz_get(name, world, sessions, capsys):
    page = all_pages()[name]
    tally = Tally(f"GET {name}")
    owners = {page.right, "buyer", "owner", "staff"}

    def fuzz(who, examples):
        @seeded(f"{tally.label} {who}")
        @hypothesis_settings(FUZZ, max_examples=examples)
        @given(
            query=query_strings(page.params),
            bad=path_strategy(name, page, world),
            htmx=st.booleans(),
        )
        def run(query, bad, htmx):
            if bad is None:
                path = page_path(name, page, world)
            else:
                path = bad_path(name, page, world, *bad)
            url = f"{path}?{query}" if query else path
            client = client_for(sessions, who)
            headers = {"HX-Request": "true"} if htmx else {}
            status, body, location = tally.send(
                lambda: undone(lambda: answer(client.get(url, headers=headers)))
            )
            tally.add(status)
            assert status < 500, (who, url)
            if page.private and bad is None and who != page.right:
                assert refused(status, location), (who, url, status, location)
            if who not in owners:
                leaked = [s for s in SECRETS if s.encode() in body]
                assert not leaked, (who, url, leaked)

        run()

    for who, examples in users_of(page, GET_EXAMPLES):
        fuzz(who, examples)
    tally.report(capsys)


# ----------------------------------------------------------------- POST


POST_NAMES = sorted(name for name, page in all_pages().items() if page.post)


def form_fields(name, page, w, sessions) -> dict | None:
    """The fields of the form posting to `name`, read from the page that renders it.

    None when no page renders it and the table lists no fields either.
    """
    path = page_path(name, page, w)
    source = page.form_on or name
    if callable(source):
        source_path = source(w)
    elif all_pages()[source].get:
        source_path = page_path(source, all_pages()[source], w)
    else:
        source_path = None
    found = None
    if source_path is not None:
        client = client_for(sessions, page.right)
        _, body, _ = undone(lambda: answer(client.get(source_path)))
        for form in page_forms(body.decode(), source_path):
            if form["action"] == path:
                found = {**form["fields"], **(found or {})}
    if page.fields is not None:
        found = {**(found or {}), **page.fields}
    return found


@pytest.mark.parametrize("name", POST_NAMES)
def test_fuzz_post(name, world, sessions, capsys):
    page = all_pages()[name]
    path = page_path(name, page, world)
    fields = form_fields(name, page, world, sessions)
    assert fields is not None, (
        f"no form posts to {path}: name its page in form_on, or list its fields"
    )
    tally = Tally(f"POST {name} ({len(fields)} fields)")
    ids = foreign_ids(world)

    def fuzz(who, examples):
        check = page.private and who != page.right

        @seeded(f"{tally.label} {who}")
        @hypothesis_settings(FUZZ, max_examples=examples)
        @given(
            body=bodies(fields, ids=ids),
            htmx=st.booleans(),
            raw=st.one_of(st.none(), st.sampled_from(RAW)),
        )
        def run(body, htmx, raw):
            client = client_for(sessions, who)
            headers = {"HX-Request": "true"} if htmx else {}
            if raw is None:  # multipart, as the test client sends a form
                send = {"data": body_for_client(body)}
            else:  # urlencoded, with percent-encoding gone wrong glued on
                send = {"data": urlencoded(body, raw), "content_type": FORM_URLENCODED}

            def call():
                before = owned_rows(world) if check else None
                status, _, _ = answer(client.post(path, headers=headers, **send))
                return status, before, owned_rows(world) if check else None

            status, before, after = tally.send(lambda: undone(call))
            tally.add(status)
            assert status < 500, (who, sorted(body))
            assert before == after, f"{who} changed another user's rows through {path}"

        run()

    for who, examples in users_of(page, POST_EXAMPLES):
        fuzz(who, examples)
    # Once per form: more fields than Django reads from one request.
    client = client_for(sessions, page.right)
    status, _, _ = tally.send(lambda: undone(lambda: answer(client.post(path, dict(FLOOD)))))
    tally.add(status)
    assert status < 500
    tally.report(capsys)
