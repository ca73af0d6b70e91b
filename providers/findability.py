"""How search engines find the directory: sitemap.xml, robots.txt and canonical addresses.

- `SITEMAPS`: the sections of /sitemap.xml (a sitemap index). `pages` lists the
  public pages that exist (a URL name that is not routed is left out, so a page
  appears once its URL exists); `providers` lists every published profile with its
  last change, 50,000 to a file, reading only slug and update time.
- `robots_txt`: lets crawlers read public pages, keeps them out of private areas
  and off search URLs with a query string (endless facet permutations; every
  profile is in the sitemap instead), and names the sitemap.
- `absolute_url(url)`: a path on the public address, for link previews.
- `canonical_url(request)`: the address a public page is known by: the site's
  public address (`SITE_URL`) and the path, without the query string. A search
  with filters therefore names the plain search page as its canonical address:
  filtered views are presentations of the same directory whose results change
  with the listings, and crawlers are kept off them anyway.

Language prefixes and hreflang alternates come later: a section's `entries()` can
fill `Entry.alternates`, which `render_urlset` already writes as xhtml:link.
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
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

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
#: Faceted pages whose query strings combine without end.
FACETED_PAGES = ("search",)

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


def canonical_url(request) -> str:
    """The public address of the page `request` asks for, without its query string."""
    return settings.SITE_URL + escape_uri_path(request.path)


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
    """One <url> of a sitemap; `alternates` will hold (language, URL) pairs."""

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

    def entries(self, page: int) -> list[Entry]:
        raise NotImplementedError


class PageSitemap(DirectorySitemap):
    def items(self):
        pages = []
        for name, changefreq, priority in STATIC_PAGES:
            try:
                pages.append((reverse(name), name, changefreq, priority))
            except NoReverseMatch:
                continue
        return pages

    def entries(self, page):
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
            entries.append(Entry(base + path, lastmod, changefreq, priority))
        return entries

    def get_latest_lastmod(self):
        return _latest_listing_change()


class ProviderSitemap(DirectorySitemap):
    """Every published profile, by primary key so pages are stable; slug and time only."""

    limit = 50_000

    def items(self):
        return Provider.objects.published().order_by("pk").values_list("slug", "updated_at")

    def entries(self, page):
        # One query for the page and no COUNT: past the last page it is simply empty.
        start = (page - 1) * self.limit
        rows = list(self.items()[start : start + self.limit])
        if not rows and page > 1:
            raise EmptyPage(page)
        # One reverse() for the prefix instead of one per profile.
        prefix = self.base_url() + reverse("providers:detail", args=["-"])[:-2]
        return [
            Entry(f"{prefix}{escape_uri_path(slug)}/", updated_at, "weekly", 0.8)
            for slug, updated_at in rows
        ]

    def get_latest_lastmod(self):
        # One aggregate, not a pass over every profile (Sitemap's default).
        return _latest_listing_change()


def _latest_listing_change():
    return Provider.objects.published().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PageSitemap, "providers": ProviderSitemap}


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
    """/sitemap.xml: every section's files (a section past 50,000 URLs has several)."""
    base = DirectorySitemap().base_url()
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    latest = None
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = base + reverse("sitemap_section", args=[section])
        lastmod = sitemap.get_latest_lastmod()
        latest = max(latest, lastmod) if latest and lastmod else (latest or lastmod)
        for page in range(1, sitemap.paginator.num_pages + 1):
            url = location if page == 1 else f"{location}?p={page}"
            parts.append(f"<sitemap><loc>{xml_escape(url)}</loc>")
            if lastmod is not None:
                parts.append(f"<lastmod>{_w3c(lastmod)}</lastmod>")
            parts.append("</sitemap>\n")
    parts.append("</sitemapindex>\n")
    return _sitemap_response("".join(parts), latest)


@require_safe
def sitemap_section(request, section):
    """One file of a section: ?p=2 and on for the profiles past the first 50,000."""
    sitemap_class = SITEMAPS.get(section)
    if sitemap_class is None:
        raise Http404(_("There is no sitemap with this name."))
    # "²".isdigit() is true and int("²") fails: read the page number as an id.
    page = parse_id(request.GET.get("p", "1"))
    if page is None:
        raise Http404(_("There is no such page of this sitemap."))
    try:
        entries = sitemap_class().entries(page)
    except EmptyPage:
        raise Http404(_("There is no such page of this sitemap.")) from None
    lastmods = [entry.lastmod for entry in entries if entry.lastmod is not None]
    latest = max(lastmods) if lastmods and len(lastmods) == len(entries) else None
    return _sitemap_response(render_urlset(entries), latest)


def robots_lines() -> list[str]:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += [f"Disallow: {reverse(name)}?" for name in FACETED_PAGES]
    protocol, domain = site_parts()
    lines += ["", f"Sitemap: {protocol}://{domain}{reverse('sitemap_index')}"]
    return lines


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    return HttpResponse("\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8")
