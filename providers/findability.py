"""How search engines find the directory: sitemap.xml, robots.txt and canonical addresses.

- `SITEMAPS`: the sections of /sitemap.xml (a sitemap index). `pages` lists the
  public pages that exist (a URL name that is not routed is left out, so a page
  appears once its URL exists); `providers` lists every published profile with its
  last change, 50,000 to a file, reading only slug and update time.
- `robots_txt`: lets crawlers read public pages, keeps them out of private areas
  and off search URLs with a query string (endless facet permutations; every
  profile is in the sitemap instead), and names the sitemap.
- `canonical_url(request)`: the address a public page is known by: the site's
  public address (`SITE_URL`) and the path, without the query string. A search
  with filters therefore names the plain search page as its canonical address:
  filtered views are presentations of the same directory whose results change
  with the listings, and crawlers are kept off them anyway.

Language prefixes and hreflang alternates come later: `DirectorySitemap` is where
`i18n`/`alternates` go.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import Max
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import escape_uri_path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

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
FACETED_PAGES = ("providers:search",)

#: Public pages without a model behind them, by URL name. A name that is not
#: routed (yet) is skipped: /stats/ appears once its URL exists.
STATIC_PAGES = (
    ("home", "daily", 1.0),
    ("providers:search", "daily", 0.9),
    ("stats", "weekly", 0.7),
    ("opendata:index", "daily", 0.6),
    ("opendata:fields", "monthly", 0.4),
    ("ordering", "yearly", 0.3),
    ("disclosure", "yearly", 0.3),
)


def site_parts() -> tuple[str, str]:
    """(protocol, domain) of the public address, `SITE_URL`."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc


def canonical_url(request) -> str:
    """The public address of the page `request` asks for, without its query string."""
    return settings.SITE_URL + escape_uri_path(request.path)


class DirectorySitemap(Sitemap):
    """Every section's URLs on the public address, whichever host the request used."""

    @property
    def protocol(self):
        return site_parts()[0]

    def get_domain(self, site=None):
        return site_parts()[1]


class PageSitemap(DirectorySitemap):
    def __init__(self):
        self._lastmods = {}

    def items(self):
        pages = []
        for name, changefreq, priority in STATIC_PAGES:
            try:
                pages.append((reverse(name), name, changefreq, priority))
            except NoReverseMatch:
                continue
        return pages

    def location(self, item):
        return item[0]

    def changefreq(self, item):
        return item[2]

    def priority(self, item):
        return item[3]

    def lastmod(self, item):
        name = item[1]
        if name in ("home", "providers:search"):
            if "listings" not in self._lastmods:
                self._lastmods["listings"] = _latest_listing_change()
            return self._lastmods["listings"]
        if name == "opendata:index":
            snapshot = current_snapshot()
            return snapshot.created if snapshot is not None else None
        return None


class ProviderSitemap(DirectorySitemap):
    """Every published profile, by primary key so pages are stable; slug and time only."""

    changefreq = "weekly"
    priority = 0.8
    limit = 50_000

    def items(self):
        return Provider.objects.published().order_by("pk").values_list("slug", "updated_at")

    def location(self, item):
        # One reverse() for the prefix instead of one per profile: 50,000 per page.
        return self._prefix + escape_uri_path(item[0]) + "/"

    @property
    def _prefix(self):
        prefix = getattr(self, "_detail_prefix", None)
        if prefix is None:
            prefix = self._detail_prefix = reverse("providers:detail", args=["-"])[:-2]
        return prefix

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        # One aggregate, not a pass over every profile (Sitemap's default).
        return _latest_listing_change()


def _latest_listing_change():
    return Provider.objects.published().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PageSitemap, "providers": ProviderSitemap}


@require_GET
def sitemap_index(request):
    """/sitemap.xml: every section's files (a section past 50,000 URLs has several)."""
    protocol, domain = site_parts()
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = f"{protocol}://{domain}{reverse('sitemap_section', args=[section])}"
        lastmod = sitemap.get_latest_lastmod()
        entries.append(SitemapIndexItem(location, lastmod))
        for page in range(2, sitemap.paginator.num_pages + 1):
            entries.append(SitemapIndexItem(f"{location}?p={page}", lastmod))
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


def robots_lines() -> list[str]:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += [f"Disallow: {reverse(name)}?" for name in FACETED_PAGES]
    protocol, domain = site_parts()
    lines += ["", f"Sitemap: {protocol}://{domain}{reverse('sitemap_index')}"]
    return lines


@require_GET
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    return HttpResponse("\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8")
