"""Language prefixes, the switcher, the first visit, hreflang and the sitemap's alternates."""

import re
from html import unescape
from xml.etree import ElementTree

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation

from accounts.models import User
from impactdir import languages
from tests.factories import BuyerFactory, ProviderFactory, StaffFactory

pytestmark = pytest.mark.django_db

SITE = "https://impactdir.example"
OTHERS = ["fr", "es", "pt", "ar"]
COOKIE = settings.LANGUAGE_COOKIE_NAME
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def html_lang(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]*)" dir="([^"]*)">', response.content.decode())
    assert match, response.content[:300]
    return match.group(1), match.group(2)


def alternates(response) -> dict[str, str]:
    html = response.content.decode()
    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    return {language: unescape(href) for language, href in links}


def canonical(response) -> list[str]:
    html = response.content.decode()
    return [unescape(href) for href in re.findall(r'<link rel="canonical" href="([^"]+)">', html)]


# ---------------------------------------------------------------- prefixes


@pytest.mark.parametrize("code", OTHERS)
def test_a_prefixed_page_is_served_in_its_language(client, code):
    response = client.get(f"/{code}/about/")

    assert response.status_code == 200
    assert html_lang(response) == (code, "rtl" if code == "ar" else "ltr")
    assert response["Content-Language"] == code


def test_english_is_unprefixed(client):
    response = client.get("/about/")

    assert response.status_code == 200
    assert html_lang(response) == ("en", "ltr")
    assert client.get("/en/about/").status_code == 404


@pytest.mark.parametrize("path", ["/de/about/", "/de/providers/", "/pt-br/about/", "/zz/"])
def test_a_language_the_site_does_not_have_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_links_on_a_prefixed_page_stay_in_its_language(client):
    html = client.get("/es/about/").content.decode()

    assert 'href="/es/providers/"' in html
    assert 'href="/providers/"' not in html
    # The API's documentation is a page for people, in the page's language.
    assert 'href="/es/api/v1/docs/"' in html


def test_routes_are_not_translated_so_an_address_in_another_language_is_the_prefixed_one():
    """`localized_path` and the sitemap build other languages' addresses by prefixing."""

    def routes():
        def walk(patterns, prefix=""):
            for pattern in patterns:
                route = prefix + str(pattern.pattern)
                if isinstance(pattern, URLResolver):
                    yield from walk(pattern.url_patterns, route)
                else:
                    yield route

        [i18n] = [
            p
            for p in get_resolver().url_patterns
            if isinstance(p, URLResolver) and isinstance(p.pattern, LocalePrefixPattern)
        ]
        return list(walk(i18n.url_patterns))

    with translation.override("en"):
        english = routes()
    assert len(english) > 100
    for code in OTHERS:
        with translation.override(code):
            assert routes() == english, code


def test_localized_url_keeps_the_query_and_swaps_the_prefix():
    assert languages.localized_url("/providers/?q=data&country=KE", "fr") == (
        "/fr/providers/?q=data&country=KE"
    )
    assert languages.localized_url("/fr/providers/x/?p=1", "en") == "/providers/x/?p=1"
    assert languages.localized_url("/fr/providers/x/", "ar") == "/ar/providers/x/"
    assert languages.localized_url("/es/", "pt") == "/pt/"
    # A page that does not exist keeps its address, in the other language.
    assert languages.localized_url("/fr/no-such-page/", "es") == "/es/no-such-page/"
    # One address for every language.
    assert languages.localized_url("/api/v1/providers/?q=x", "fr") == "/api/v1/providers/?q=x"
    assert languages.localized_url("/api/v1/docs/", "fr") == "/fr/api/v1/docs/"
    # A redirect's answer is a path on this site, whatever the address held.
    assert languages.localized_url("https://elsewhere.example/fr/", "es") == "/es/"


def test_an_absolute_localized_url_keeps_its_host_and_an_unknown_address():
    site = "https://impactdir.example"
    assert languages.localized_url(f"{site}/providers/x/?p=1#top", "ar", absolute=True) == (
        f"{site}/ar/providers/x/?p=1#top"
    )
    assert languages.localized_url(f"{site}/fr/", "en", absolute=True) == f"{site}/"
    # Links in e-mails: an address that names no page is not rewritten.
    unknown = f"{site}/fr/no-such-page/"
    assert languages.localized_url(unknown, "es", absolute=True) == unknown


# ---------------------------------------------------------------- the switcher


def switcher(html: str) -> str:
    match = re.search(r'<form class="language-switcher".*?</form>', html, flags=re.S)
    assert match, "no language switcher"
    return match.group(0)


def test_every_page_has_a_switcher_naming_each_language_in_its_own_language(client):
    form = switcher(client.get("/fr/providers/", {"q": "data", "country": "KE"}).content.decode())

    assert 'action="/language/"' in form
    assert 'name="next" value="/fr/providers/?q=data&amp;country=KE"' in form
    for code, name in [("en", "English"), ("es", "Español"), ("pt", "Português")]:
        assert f'name="language" value="{code}" lang="{code}">{name}</button>' in form
    assert 'value="ar" lang="ar">العربية</button>' in form
    # The current language is marked, not offered.
    assert '<span class="language-switcher__current" lang="fr" aria-current="true">Français' in form
    assert 'value="fr"' not in form
    # Anonymous: checked by origin, no token (the page stays cacheable and compressed).
    assert "csrfmiddlewaretoken" not in form


def test_the_switcher_lands_on_the_same_page_and_query_in_the_new_language(client):
    response = client.post(
        "/language/", {"language": "fr", "next": "/providers/?q=data&country=KE&page=2"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/fr/providers/?q=data&country=KE&page=2"
    assert response.cookies[COOKIE].value == "fr"
    assert response.cookies[COOKIE]["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert response.cookies[COOKIE]["httponly"]
    # The landing page is French, and the choice holds.
    landed = client.get(response["Location"])
    assert html_lang(landed)[0] == "fr"


def test_choosing_english_goes_back_to_the_unprefixed_page_and_stays_there(client):
    response = client.post("/language/", {"language": "en", "next": "/fr/providers/?q=data"})

    assert response["Location"] == "/providers/?q=data"
    assert response.cookies[COOKIE].value == "en"
    # A French browser that chose English is not sent back to French.
    again = client.get("/providers/?q=data", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert again.status_code == 200
    assert html_lang(again)[0] == "en"


def test_the_address_shown_when_switching_wins_over_the_rendered_one_for_the_same_page(client):
    """Search changes its query string in place (htmx): the Referer is the address shown."""
    response = client.post(
        "/language/",
        {"language": "es", "next": "/fr/providers/?q=data"},
        HTTP_REFERER="http://testserver/fr/providers/?q=data&country=KE",
    )
    assert response["Location"] == "/es/providers/?q=data&country=KE"

    other_page = client.post(
        "/language/",
        {"language": "es", "next": "/fr/about/"},
        HTTP_REFERER="http://testserver/fr/providers/?q=data",
    )
    assert other_page["Location"] == "/es/about/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/fr/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_the_switcher_only_goes_to_this_sites_pages(client, next_url):
    response = client.post("/language/", {"language": "pt", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/pt/"


@pytest.mark.parametrize("language", ["de", "", "en-us", "fr\x00"])
def test_a_language_the_site_does_not_have_is_refused(client, language):
    response = client.post("/language/", {"language": language, "next": "/"})

    assert response.status_code == 400
    assert COOKIE not in response.cookies


def test_the_switcher_refuses_other_sites_pages_and_gets(client):
    refused = client.post(
        "/language/", {"language": "fr", "next": "/"}, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert refused.status_code == 403
    assert COOKIE not in refused.cookies
    assert client.get("/language/?language=fr&next=/").status_code == 405


def test_a_signed_in_users_choice_is_saved_on_their_account_only(
    client, django_assert_max_num_queries
):
    user = BuyerFactory(email="ines@buyer.example")
    other = BuyerFactory(email="other@buyer.example", language="es")
    client.force_login(user)

    with django_assert_max_num_queries(3):
        response = client.post("/language/", {"language": "ar", "next": "/shortlists/"})

    assert response["Location"] == "/ar/shortlists/"
    user.refresh_from_db()
    other.refresh_from_db()
    assert user.language == "ar"
    assert other.language == "es"


def test_a_signed_in_users_switcher_carries_a_csrf_token_and_needs_it():
    user = BuyerFactory(email="ines@buyer.example")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    form = switcher(client.get("/about/").content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token

    forged = client.post("/language/", {"language": "fr", "next": "/about/"})
    assert forged.status_code == 403
    user.refresh_from_db()
    assert user.language == ""

    sent = client.post(
        "/language/", {"language": "fr", "next": "/about/", "csrfmiddlewaretoken": token[1]}
    )
    assert sent["Location"] == "/fr/about/"
    user.refresh_from_db()
    assert user.language == "fr"


def test_an_anonymous_switch_needs_no_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/language/", {"language": "fr", "next": "/about/"})
    assert response["Location"] == "/fr/about/"


# ---------------------------------------------------------------- the profile


def test_the_profile_offers_the_language_and_comes_back_in_it(client):
    user = BuyerFactory(email="ines@buyer.example")
    other = BuyerFactory(email="other@buyer.example")
    client.force_login(user)

    html = client.get("/accounts/profile/").content.decode()
    assert '<option value="" selected>' in html
    assert '<option value="pt" lang="pt">Português</option>' in html

    response = client.post(
        "/accounts/profile/", {"name": "Inês", "organisation": "", "language": "pt"}
    )
    assert response["Location"] == "/pt/accounts/profile/"
    assert response.cookies[COOKIE].value == "pt"
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.name, user.language) == ("Inês", "pt")
    assert other.language == ""

    page = client.get(response["Location"])
    assert html_lang(page)[0] == "pt"
    assert '<option value="pt" selected lang="pt">Português</option>' in page.content.decode()

    cleared = client.post("/pt/accounts/profile/", {"name": "Inês", "language": ""})
    assert cleared["Location"] == "/pt/accounts/profile/"
    user.refresh_from_db()
    assert user.language == ""


def test_the_profile_refuses_a_language_the_site_does_not_have(client):
    user = BuyerFactory(email="ines@buyer.example")
    client.force_login(user)

    response = client.post("/accounts/profile/", {"name": "Inês", "language": "de"})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == ""


# ---------------------------------------------------------------- the first visit


FRENCH_BROWSER = "fr-FR,fr;q=0.9,en;q=0.5"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (FRENCH_BROWSER, "/fr/providers/?q=data&country=KE"),
        ("de-DE,de;q=0.9,es;q=0.5", "/es/providers/?q=data&country=KE"),
        ("pt-BR", "/pt/providers/?q=data&country=KE"),
        ("ar-EG,ar;q=0.9", "/ar/providers/?q=data&country=KE"),
    ],
)
def test_a_first_visit_follows_the_browsers_language(client, accept, expected):
    for method in (client.get, client.head):
        response = method("/providers/?q=data&country=KE", HTTP_ACCEPT_LANGUAGE=accept)

        assert response.status_code == 302
        assert response["Location"] == expected
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary


@pytest.mark.parametrize("accept", [None, "en-GB,en;q=0.9,fr;q=0.8", "de-DE", "*"])
def test_crawlers_and_english_browsers_stay_on_english(client, accept):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = client.get("/providers/", **headers)

    assert response.status_code == 200
    assert html_lang(response)[0] == "en"
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary


def test_a_language_chosen_earlier_beats_the_browsers(client):
    client.cookies[COOKIE] = "es"
    response = client.get("/about/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
    assert response["Location"] == "/es/about/"


def test_a_prefixed_page_is_never_redirected(client):
    client.cookies[COOKIE] = "en"
    response = client.get("/fr/about/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert html_lang(response)[0] == "fr"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/providers/",
        "/sitemap.xml",
        "/robots.txt",
        "/stats/regions.csv",
        "/admin/login/",
    ],
)
def test_machines_files_the_api_and_the_admin_are_not_redirected(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
    assert response.status_code == 200, path


def test_a_post_is_not_redirected(client):
    response = client.post(
        "/accounts/login/",
        {"login": "x@example.com", "password": "x"},
        HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER,
    )
    assert response.status_code == 200
    assert html_lang(response)[0] == "en"


def test_a_signed_in_users_stored_language_beats_browser_and_cookie(client):
    user = BuyerFactory(email="ines@buyer.example", language="ar")
    client.force_login(user)
    client.cookies[COOKIE] = "en"

    response = client.get("/shortlists/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
    assert response["Location"] == "/ar/shortlists/"

    user.language = "en"
    user.save()
    assert client.get("/shortlists/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER).status_code == 200


def test_a_signed_in_user_who_never_chose_follows_the_browser(client):
    client.force_login(BuyerFactory(email="ines@buyer.example"))
    response = client.get("/about/", HTTP_ACCEPT_LANGUAGE=FRENCH_BROWSER)
    assert response["Location"] == "/fr/about/"


def test_logging_in_lands_in_the_stored_language(client):
    user = BuyerFactory(email="ines@buyer.example", language="pt")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(
        "/accounts/login/?next=/providers/%3Fq%3Ddata",
        {"login": user.email, "password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/pt/providers/?q=data"
    assert response.cookies[COOKIE].value == "pt"


def test_logging_in_without_a_stored_language_keeps_the_page_language(client):
    user = BuyerFactory(email="ines@buyer.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(
        "/fr/accounts/login/", {"login": user.email, "password": "correct horse battery staple"}
    )

    assert response["Location"] == "/fr/providers/"
    assert COOKIE not in response.cookies


def test_signing_up_stores_the_language_of_the_sign_up_page(client):
    response = client.post(
        "/es/accounts/signup/",
        {
            "account_type": "buyer",
            "email": "lucia@buyer.example",
            "password1": "lanterns drift over quiet harbours",
            "password2": "lanterns drift over quiet harbours",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="lucia@buyer.example").language == "es"


def test_the_admin_is_shown_in_the_operators_language(client):
    operator = StaffFactory(email="op@impactdir.example", language="fr")
    client.force_login(operator)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert '<html lang="fr"' in response.content.decode()
    assert client.get("/fr/admin/").status_code == 404


def test_private_pages_are_private_in_every_language(client):
    client.force_login(BuyerFactory(email="ines@buyer.example"))
    for path in ("/accounts/profile/", "/fr/accounts/profile/", "/ar/shortlists/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path


# ---------------------------------------------------------------- hreflang


@pytest.mark.parametrize(
    ("path", "english"),
    [
        ("/", "/"),
        ("/fr/", "/"),
        ("/providers/?country=KE", "/providers/"),
        ("/providers/?q=data&country=KE", "/providers/?q=data"),
        ("/es/providers/?q=data&page=1", "/providers/?q=data"),
        ("/fr/compare/?p=public-one&p=public-two&diff=1", "/compare/?p=public-one&p=public-two"),
        ("/ar/providers/public-one/", "/providers/public-one/"),
        ("/es/stats/", "/stats/"),
        ("/pt/about/", "/about/"),
        ("/fr/case-studies/", "/case-studies/"),
    ],
)
def test_public_pages_name_themselves_in_every_language(client, path, english):
    ProviderFactory(slug="public-one", name="Public one data")
    ProviderFactory(slug="public-two", name="Public two data")
    response = client.get(path)

    assert response.status_code == 200
    assert alternates(response) == {
        "en": f"{SITE}{english}",
        "fr": f"{SITE}/fr{english}",
        "es": f"{SITE}/es{english}",
        "pt": f"{SITE}/pt{english}",
        "ar": f"{SITE}/ar{english}",
        "x-default": f"{SITE}{english}",
    }
    # Each language's canonical address is its own, with the query that names the page.
    own_path = path.split("?")[0]
    query = english.partition("?")[2]
    assert canonical(response) == [f"{SITE}{own_path}{'?' + query if query else ''}"]


def test_private_pages_not_found_and_machines_pages_have_no_alternates(client):
    client.force_login(BuyerFactory(email="ines@buyer.example"))
    for path in (
        "/accounts/profile/",
        "/fr/shortlists/",
        "/fr/compare/",
        "/fr/no-such-page/",
    ):
        response = client.get(path)
        assert alternates(response) == {}, path
    not_found = client.get("/fr/no-such-page/")
    assert not_found.status_code == 404
    assert canonical(not_found) == []


# ---------------------------------------------------------------- sitemaps and robots


def test_each_sitemap_url_lists_every_language_as_alternates(client, django_assert_max_num_queries):
    ProviderFactory(slug="public-one")

    for section, prefix in [("providers", ""), ("providers-ar", "/ar")]:
        with django_assert_max_num_queries(1):
            response = client.get(f"/sitemap-{section}.xml")
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
        assert root.tag == f"{SITEMAP}urlset"
        [url] = root.findall(f"{SITEMAP}url")
        assert url.findtext(f"{SITEMAP}loc") == f"{SITE}{prefix}/providers/public-one/"
        links = {
            link.get("hreflang"): link.get("href")
            for link in url.findall(f"{XHTML}link")
            if link.get("rel") == "alternate"
        }
        assert links == {
            "en": f"{SITE}/providers/public-one/",
            "fr": f"{SITE}/fr/providers/public-one/",
            "es": f"{SITE}/es/providers/public-one/",
            "pt": f"{SITE}/pt/providers/public-one/",
            "ar": f"{SITE}/ar/providers/public-one/",
            "x-default": f"{SITE}/providers/public-one/",
        }


def test_the_pages_sitemap_exists_in_every_language(client):
    for code in OTHERS:
        root = ElementTree.fromstring(client.get(f"/sitemap-pages-{code}.xml").content)  # noqa: S314
        locations = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
        assert locations[0] == f"{SITE}/{code}/"
        assert f"{SITE}/{code}/providers/" in locations
        for url in root.findall(f"{SITEMAP}url"):
            assert len(url.findall(f"{XHTML}link")) == 6
    for missing in ("pages-de", "pages-en", "providers-", "pages-fr-fr"):
        assert client.get(f"/sitemap-{missing}.xml").status_code == 404, missing


def test_robots_keeps_crawlers_out_of_private_areas_in_every_language(client):
    lines = client.get("/robots.txt").content.decode().splitlines()

    for code in OTHERS:
        assert f"Disallow: /{code}/dashboard/" in lines
        assert f"Disallow: /{code}/accounts/" in lines
        assert f"Disallow: /{code}/compare/" in lines
        assert f"Allow: /{code}/compare/?p=" in lines
        assert f"Disallow: /{code}/providers/?" in lines
        assert f"Allow: /{code}/providers/?q=" in lines
        assert f"Disallow: /{code}/admin/" not in lines
        assert f"Disallow: /{code}/providers/" not in lines
