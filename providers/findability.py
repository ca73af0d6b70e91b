"""How search engines find the directory: sitemap.xml, robots.txt and canonical addresses.

- `SITEMAPS`: the sections of /sitemap.xml (a sitemap index). `pages` lists the
  public pages that exist (a URL name that is not routed is left out, so a page
  appears once its URL exists); `providers` lists every published profile with its
  last change, 50,000 to a file, reading only slug and update time.
- `robots_txt`: lets crawlers read public pages, keeps them out of private areas
  and off combinations of search facets (they combine without end; every
  profile is in the sitemap instead), and names the sitemap. A text search
  alone or narrowed by one more parameter (`/providers/?q=…`,
  `/providers/?q=…&page=2`) is let in, as is a comparison of named providers
  (`/compare/?p=…`); the rules rely on the longest match winning (RFC 9309).
- `absolute_url(url)`: a path on the public address, for link previews.
- `canonical_url(request, query)`: the address a public page is known by: the
  site's public address (`SITE_URL`) and the path, then the query string the
  view names as part of the page's identity (`canonical_query` in the template
  context), none by default. A search names its text and page (filters and sort
  are presentations of that search whose results change with the listings); a
  comparison names its providers. Each language's page is its own canonical
  address (`/fr/providers/`).
- `page_alternates(request, query)`: the same page in every language (hreflang),
  plus x-default (English), for the public pages crawlers may index: none for
  the private areas robots.txt keeps them out of (unless the query is what
  makes the page public, as for a comparison), nor for pages outside the
  language prefixes (API, files).

Every section of the sitemap exists once per language (`pages`, `pages-fr`, …,
`providers-ar`): each <url> is one language's address and lists all five and
x-default as xhtml:link alternates, itself included, as search engines ask.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from impactdir import languages
from impactdir.ids import parse_id

from .models import Provider
from .opendata.snapshot import current_snapshot

#: Prefixes crawlers are kept out of: accounts, workspaces, admin, private files.
PRIVATE_PREFIXES = (
    "/shortlists/",
    "/searches/",
    "/exports/",
    "/inquiries/",
    "/dashboard/",
    "/accounts/",
    "/admin/",
    "/evidence/",
    "/workspace/",
    "/compare/",
)
#: The private prefixes that are not under a language prefix (impactdir/urls.py).
UNPREFIXED_PRIVATE = ("/admin/", "/evidence/")
#: Private prefixes whose page is public when its query string starts by naming
#: what it shows: `/compare/?p=<slug>…` compares the providers named, the same for
#: everyone; `/compare/` alone is the visitor's own selection.
PUBLIC_QUERIES = {"/compare/": "p"}
#: Faceted pages whose query strings combine without end. Crawlers may read a text
#: search (`?q=` first, as the search form and the search's own links write it)
#: alone or with one more parameter, not an empty text nor two parameters after it.
FACETED_PAGES = ("search",)
TEXT_PARAM = "q"

#: Public pages without a model behind them, by URL name. A name that is not
#: routed is skipped.
STATIC_PAGES = (
    ("home", "daily", 1.0),
    ("search", "daily", 0.9),
    ("case_studies", "daily", 0.8),
    ("stats:index", "weekly", 0.7),
    ("stats:methodology", "monthly", 0.4),
    ("opendata:index", "daily", 0.6),
    ("opendata:fields", "monthly", 0.4),
    ("ordering", "yearly", 0.3),
    ("disclosure", "yearly", 0.3),
    ("about", "yearly", 0.3),
    ("privacy", "yearly", 0.2),
    ("terms", "yearly", 0.2),
)


def site_parts() -> tuple[str, str]:
    """(protocol, domain) of the public address, `SITE_URL`."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc


def canonical_url(request, query: str = "") -> str:
    """The public address of the page `request` asks for, with `query` (encoded) if any."""
    address = settings.SITE_URL + escape_uri_path(request.path)
    return f"{address}?{query}" if query else address


def alternates_of(path: str, base: str, query: str = "") -> tuple[tuple[str, str], ...]:
    """(hreflang, address) of the unprefixed `path` in every language, then x-default."""
    suffix = f"?{query}" if query else ""
    links = tuple(
        (code, base + languages.localized_path(path, code) + suffix) for code in languages.codes()
    )
    return (*links, ("x-default", base + path + suffix))


def _public_query(path: str, query: str) -> bool:
    """Whether `query` makes the page at the private `path` a public one."""
    param = PUBLIC_QUERIES.get(path)
    return param is not None and query.startswith(f"{param}=")


def page_alternates(request, query: str = "") -> tuple[tuple[str, str], ...]:
    """The page `request` asks for in every language, if it is a page crawlers may index.

    `query` is the page's canonical query string, kept in every language.
    """
    if not languages.is_translated_route(request):
        return ()
    path = languages.unprefixed_path(request.path)
    if path.startswith(PRIVATE_PREFIXES) and not _public_query(path, query):
        return ()
    return alternates_of(escape_uri_path(path), settings.SITE_URL, query)


def absolute_url(url: str) -> str:
    """`url` on the public address (`SITE_URL`), unless it names its own host already.

    Link previews (Open Graph, Twitter cards) need absolute addresses; media may
    live on another domain (`MEDIA_URL`), which is then kept as it is.
    """
    if not url or urlsplit(url).netloc:
        return url
    return settings.SITE_URL + (url if url.startswith("/") else "/" + url)


@dataclass(frozen=True)
class Entry:
    """One <url> of a sitemap; `alternates` holds (hreflang, URL) pairs, itself included."""

    location: str
    lastmod: datetime.datetime | datetime.date | None = None
    changefreq: str = ""
    priority: float | None = None
    alternates: tuple[tuple[str, str], ...] = ()


class DirectorySitemap(Sitemap):
    """A section of the sitemap, on the public address whichever host the request used.

    Django's `Sitemap` gives the items and their paging; `entries(page)` turns one
    page into plain `Entry` rows that `render_urlset` writes directly, because
    Django's own view builds a dict and renders a template per URL, which took
    seconds for 50,000 profiles.
    """

    def base_url(self) -> str:
        protocol, domain = site_parts()
        return f"{protocol}://{domain}"

    def entries(self, page: int, language: str) -> list[Entry]:
        """Page `page` of the section, with `language`'s addresses as the <loc>s."""
        raise NotImplementedError


def _localized(base: str, path: str, language: str, **fields) -> Entry:
    """The entry of `language`'s address of the unprefixed `path`, with every alternate."""
    location = base + languages.localized_path(path, language)
    return Entry(location, alternates=alternates_of(path, base), **fields)


class PageSitemap(DirectorySitemap):
    def items(self):
        pages = []
        for name, changefreq, priority in STATIC_PAGES:
            try:
                with translation.override(settings.LANGUAGE_CODE):
                    pages.append((reverse(name), name, changefreq, priority))
            except NoReverseMatch:
                continue
        return pages

    def entries(self, page, language):
        base = self.base_url()
        listings = None
        entries = []
        for path, name, changefreq, priority in self.paginator.page(page).object_list:
            lastmod = None
            if name in ("home", "search", "case_studies"):
                listings = listings or _latest_listing_change()
                lastmod = listings
            elif name == "opendata:index":
                snapshot = current_snapshot()
                lastmod = snapshot.created if snapshot is not None else None
            entries.append(
                _localized(
                    base,
                    path,
                    language,
                    lastmod=lastmod,
                    changefreq=changefreq,
                    priority=priority,
                )
            )
        return entries

    def get_latest_lastmod(self):
        return _latest_listing_change()


class ProviderSitemap(DirectorySitemap):
    """Every published profile, by primary key so pages are stable; slug and time only.

    20,000 to a file: each <url> carries six alternates, and with the longest slugs
    (200 characters) a file of the protocol's 50,000 would pass its other limit,
    50 MB (a test renders the worst case).
    """

    limit = 20_000

    def items(self):
        return Provider.objects.published().order_by("pk").values_list("slug", "updated_at")

    def entries(self, page, language):
        # One query for the page and no COUNT: past the last page it is simply empty.
        start = (page - 1) * self.limit
        rows = list(self.items()[start : start + self.limit])
        if not rows and page > 1:
            raise EmptyPage(page)
        # One reverse() for the prefix instead of one per profile (in English: the
        # languages' addresses are its prefixed forms).
        with translation.override(settings.LANGUAGE_CODE):
            prefix = reverse("providers:detail", args=["-"])[:-2]
        base = self.base_url()
        return [
            _localized(
                base,
                f"{prefix}{escape_uri_path(slug)}/",
                language,
                lastmod=updated_at,
                changefreq="weekly",
                priority=0.8,
            )
            for slug, updated_at in rows
        ]

    def get_latest_lastmod(self):
        # One aggregate, not a pass over every profile (Sitemap's default).
        return _latest_listing_change()


def _latest_listing_change():
    return Provider.objects.published().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PageSitemap, "providers": ProviderSitemap}


def section_name(kind: str, language: str) -> str:
    """`pages` for English, `pages-fr` for French: the slug in /sitemap-<section>.xml."""
    return kind if language == settings.LANGUAGE_CODE else f"{kind}-{language}"


def _section(name: str):
    """(sitemap class, language) of a section's name, or None."""
    kind, dash, language = name.partition("-")
    if kind not in SITEMAPS:
        return None
    if not dash:
        return SITEMAPS[kind], settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE or language not in languages.codes():
        return None
    return SITEMAPS[kind], language


def _w3c(moment) -> str:
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def render_urlset(entries: list[Entry]) -> str:
    """The sitemap protocol's <urlset> for `entries` (with xhtml:link alternates if any)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    for entry in entries:
        parts.append(f"<url><loc>{xml_escape(entry.location)}</loc>")
        if entry.lastmod is not None:
            parts.append(f"<lastmod>{_w3c(entry.lastmod)}</lastmod>")
        if entry.changefreq:
            parts.append(f"<changefreq>{entry.changefreq}</changefreq>")
        if entry.priority is not None:
            parts.append(f"<priority>{entry.priority:.1f}</priority>")
        for language, href in entry.alternates:
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="{xml_escape(language)}" '
                f'href="{xml_escape(href)}"/>'
            )
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts)


def _sitemap_response(content: str, lastmod=None) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["X-Robots-Tag"] = "noindex, noarchive"
    if lastmod is not None:
        if not isinstance(lastmod, datetime.datetime):
            lastmod = datetime.datetime.combine(lastmod, datetime.time.min, datetime.UTC)
        response["Last-Modified"] = http_date(lastmod.timestamp())
    return response


@require_safe
def sitemap_index(request):
    """/sitemap.xml: every section's files in every language (past `limit` URLs, several)."""
    base = DirectorySitemap().base_url()
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    latest = None
    for kind, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        # Once per kind, not per language: the same rows in every language.
        lastmod = sitemap.get_latest_lastmod()
        num_pages = sitemap.paginator.num_pages
        latest = max(latest, lastmod) if latest and lastmod else (latest or lastmod)
        for language in languages.codes():
            location = base + reverse("sitemap_section", args=[section_name(kind, language)])
            for page in range(1, num_pages + 1):
                url = location if page == 1 else f"{location}?p={page}"
                parts.append(f"<sitemap><loc>{xml_escape(url)}</loc>")
                if lastmod is not None:
                    parts.append(f"<lastmod>{_w3c(lastmod)}</lastmod>")
                parts.append("</sitemap>\n")
    parts.append("</sitemapindex>\n")
    return _sitemap_response("".join(parts), latest)


@require_safe
def sitemap_section(request, section):
    """One file of a section in one language: ?p=2 and on for the profiles past `limit`."""
    found = _section(section)
    if found is None:
        raise Http404(_("There is no sitemap with this name."))
    sitemap_class, language = found
    # "²".isdigit() is true and int("²") fails: read the page number as an id.
    page = parse_id(request.GET.get("p", "1"))
    if page is None:
        raise Http404(_("There is no such page of this sitemap."))
    try:
        entries = sitemap_class().entries(page, language)
    except EmptyPage:
        raise Http404(_("There is no such page of this sitemap.")) from None
    lastmods = [entry.lastmod for entry in entries if entry.lastmod is not None]
    latest = max(lastmods) if lastmods and len(lastmods) == len(entries) else None
    return _sitemap_response(render_urlset(entries), latest)


def _private_rules(prefix: str, localized: str) -> list[str]:
    rules = [f"Disallow: {localized}"]
    if prefix in PUBLIC_QUERIES:
        rules.append(f"Allow: {localized}?{PUBLIC_QUERIES[prefix]}=")
    return rules


def _faceted_rules(page: str) -> list[str]:
    """Off the page's query strings but a text search alone or with one more parameter.

    Crawlers follow the longest matching rule (RFC 9309; an Allow wins a tie), so
    `?q=x` and `?q=x&page=2` are allowed by the Allow, while the longer Disallows
    catch an empty text (`?q=`, `?q=&sort=name`) and a second `&` after it.
    """
    text = f"{page}?{TEXT_PARAM}="
    return [
        f"Disallow: {page}?",
        f"Allow: {text}",
        f"Disallow: {text}$",
        f"Disallow: {text}&",
        f"Disallow: {text}*&*&",
    ]


def robots_lines() -> list[str]:
    lines = ["User-agent: *", "Allow: /"]
    for prefix in PRIVATE_PREFIXES:
        lines += _private_rules(prefix, prefix)
    for name in FACETED_PAGES:
        lines += _faceted_rules(reverse(name))
    # The same areas and faceted pages under each other language's prefix.
    for code in languages.codes():
        if code == settings.LANGUAGE_CODE:
            continue
        for prefix in PRIVATE_PREFIXES:
            if prefix not in UNPREFIXED_PRIVATE:
                lines += _private_rules(prefix, languages.localized_path(prefix, code))
        with translation.override(code):
            for name in FACETED_PAGES:
                lines += _faceted_rules(reverse(name))
    protocol, domain = site_parts()
    lines += ["", f"Sitemap: {protocol}://{domain}{reverse('sitemap_index')}"]
    return lines


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    return HttpResponse("\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8")
