"""HEAD is answered wherever GET is: link checkers and uptime monitors send HEAD.

The test walks the URL resolver, so a view added later is covered without
anyone listing it: every route is reversed with values of a small world that
has one of everything, requested with GET and with HEAD by the user the route
is for, unprefixed and under one language's prefix (the languages in turn), and
both must give the same status and headers, HEAD without a body.
A route whose arguments cannot be filled fails the test until it is taught here.
"""

import urllib.request
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from impactdir.languages import codes, path_language
from tests.impactdir.site_world import one_of_everything

pytestmark = pytest.mark.django_db

#: Routes only served with DEBUG on (uploads in development).
DEBUG_ONLY = ("media/",)


def walk(patterns, prefix="", namespace=""):
    """(route, URL name, argument names, None if positional) of every named pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            regex = pattern.pattern.regex
            if pattern.name and not route.lstrip("^").startswith(DEBUG_ONLY):
                positional = regex.groups > len(regex.groupindex)
                yield (
                    route,
                    namespace + pattern.name,
                    None if positional else list(regex.groupindex),
                )


@pytest.fixture
def world():
    return one_of_everything()


#: The admin's per-object pages are Django's own, the same for every model: one
#: model's are walked.
ADMIN_OBJECT_PAGES_OF = "admin/providers/provider/"
SKIP = object()


def arguments(route: str, names: list[str], w) -> dict | None:
    """Values for a route's arguments from `world`, SKIP, or None when not known here."""
    p = w["provider"]
    if names is None:
        # simple_history's admin page of one historical version.
        return SKIP if route.startswith("admin/") else None
    admin_object_page = route.startswith("admin/") and names and names != ["app_label"]
    if admin_object_page and (
        not route.startswith(ADMIN_OBJECT_PAGES_OF) or names != ["object_id"]
    ):
        return SKIP
    item_by_part = {
        "centres/": p.centres.get().pk,
        "certifications/": w["holding"].pk,
        "reports/": p.reports.get().pk,
        "case-studies/": p.case_studies.get().pk,
        "changes/": w["change"].pk,
        "team/invitations/": w["invitation"].pk,
        "team/": p.memberships.get(user=w["owner"]).pk,
    }
    pk_by_prefix = {
        "shortlists/": w["shortlist"].pk,
        "searches/": w["saved"].pk,
        "inquiries/": w["inquiry"].pk,
        "dashboard/inquiries/": w["inquiry"].pk,
        "dashboard/listings/": p.pk,
        "evidence/certifications/": w["holding"].pk,
        "evidence/reports/": p.reports.get().pk,
        "evidence/changes/": w["change"].pk,
    }
    values = {}
    for name in names:
        if name == "pk":
            prefix = max((k for k in pk_by_prefix if route.startswith(k)), key=len, default=None)
            if prefix is None:
                return None
            values[name] = pk_by_prefix[prefix]
        elif name == "item":
            part = next((k for k in item_by_part if f"/{k}<int:item>" in route), None)
            if part is None:
                return None
            values[name] = item_by_part[part]
        elif name == "entry_pk":
            values[name] = w["entry"].pk
        elif name in ("member_pk", "invite_pk"):
            # A shortlist's sharing actions (POST only): any number answers GET and HEAD alike.
            values[name] = 1
        elif name == "slug":
            values[name] = p.slug
        elif name == "provider_id":
            values[name] = w["unclaimed"].pk
        elif name == "token":
            values[name] = w["invitation"].token
        elif name == "name" and route.startswith("stats/"):
            values[name] = "regions"
        elif name == "name" and route.startswith("data/"):
            values[name] = "organizations.json"
        elif name == "section":
            values[name] = "pages"
        elif name == "key":
            values[name] = "not-a-key"
        elif name == "app_label":
            values[name] = "providers"
        elif name == "object_id":
            values[name] = p.pk
        elif name == "uidb36":
            values[name] = "zz"
        else:
            return None
    return values


def user_for(route: str, w):
    if route.startswith(("dashboard/", "evidence/")):
        return w["owner"]
    if route.startswith(("shortlists/", "searches/", "inquiries/", "workspace/", "exports/")):
        return w["buyer"]
    # Django's admin login redirects a signed-in operator on GET only (its own
    # `request.method == "GET"` test), so it is asked by a visitor.
    if route.startswith("admin/") and route != "admin/login/":
        return w["staff"]
    return None


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


#: Headers that must not differ between GET and HEAD of the same page.
COMPARED_HEADERS = ("Content-Type", "Cache-Control", "Location", "Allow")


#: The prefixed languages, one per route in turn: each route is asked for unprefixed
#: (English) and under one prefix. The pages under a prefix are the same views; the
#: prefix goes through the language middleware's own checks, which are the same for
#: every language, so one sample per route covers them, and each language is asked.
PREFIXED = [code for code in codes() if code != settings.LANGUAGE_CODE]


def test_every_get_route_answers_head_like_get(world):
    checked, unknown, not_allowed = [], [], []
    # Routes as English names them (a request leaves its language active in the thread).
    with translation.override("en"):
        routes = list(walk(get_resolver().url_patterns))
    prefixed = 0
    for route, name, names in routes:
        values = arguments(route, names, world)
        if values is SKIP:
            continue
        if values is None:
            unknown.append(route)
            continue
        with translation.override("en"):
            urls = [reverse(name, kwargs=values)]
        language = PREFIXED[prefixed % len(PREFIXED)]
        with translation.override(language):
            in_language = reverse(name, kwargs=values)
        if in_language != urls[0]:  # else one address for every language (API, files, admin)
            urls.append(in_language)
            prefixed += 1
        user = user_for(route, world)
        for url in urls:
            client = Client()
            if user is not None:
                client.force_login(user)
            got = client.get(url)
            head = client.head(url)
            if got.status_code == 405:
                # A POST-only action: HEAD is refused the same way.
                not_allowed.append(url)
            assert head.status_code == got.status_code, (url, got.status_code, head.status_code)
            assert body(head) == b"", url
            for header in COMPARED_HEADERS:
                assert head.get(header) == got.get(header), (url, header)
            checked.append((url, got.status_code))
    assert unknown == [], f"teach the test these routes' arguments: {unknown}"
    ok = {url for url, status in checked if status == 200}
    print(f"HEAD on {len(checked)} addresses: {len(ok)} 200, {len(not_allowed)} POST-only")
    # The world reaches the pages that matter, not just error answers (in every language).
    for name, kwargs in (
        ("home", {}),
        ("providers:detail", {"slug": world["provider"].slug}),
        ("dashboard:listing", {"pk": world["provider"].pk}),
        ("buyers:shortlists", {}),
    ):
        with translation.override("en"):
            assert reverse(name, kwargs=kwargs) in ok, name
    assert len([url for url in ok if path_language(url) is None]) > 60
    in_languages = Counter(path_language(url) for url in ok if path_language(url))
    assert in_languages.total() > 45
    assert all(in_languages[language] >= 10 for language in PREFIXED), in_languages


def test_head_through_a_real_server_sends_headers_only(live_server, world):
    """The test client drops HEAD bodies itself; a real WSGI server must do so too."""
    provider_url = live_server.url + reverse("providers:detail", args=[world["provider"].slug])
    request = urllib.request.Request(provider_url, method="HEAD")  # noqa: S310 (local server)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")
        assert response.read() == b""
