"""The requests `make bench` and `make soak` send: one definition of the search mix.

Needs Django set up on the benchmark's database. `{n}` in a path stands for a fresh
number on each request (a text nobody asked for before).
"""

from urllib.parse import urlencode


def search_mix() -> list:
    """(name, path) of each search in the mix, chosen from the data in the database."""
    from django.db.models import Count

    from providers.models import DeliveryCentre, Provider

    published = Provider.objects.published().count()
    top_countries = [
        row["country"]
        for row in DeliveryCentre.objects.filter(provider__status="published")
        .values("country")
        .annotate(n=Count("id"))
        .order_by("-n")[:2]
    ]
    sample = Provider.objects.published().order_by("id")[published // 2]
    narrow = sample.name
    deep_page = max(1, int(published / 20 * 0.9))
    return [
        ("empty search", "/providers/"),
        ("one facet", "/providers/?" + urlencode({"country": top_countries[0]})),
        (
            "several facets",
            "/providers/?"
            + urlencode(
                [
                    ("service", "data-services"),
                    ("country", top_countries[0]),
                    ("country", top_countries[1]),
                    ("size", "50-249"),
                    ("size", "250-999"),
                    ("impact_min", "25"),
                ]
            ),
        ),
        ("broad text (data)", "/providers/?q=data"),
        # The same matches as "data", but a text never seen before: no cached text match.
        ("broad text, uncached", "/providers/?q=data+or+zq{n}x"),
        ("narrow text", "/providers/?" + urlencode({"q": narrow})),
        (
            "text + facets",
            "/providers/?"
            + urlencode([("q", "data"), ("region", "africa"), ("certification", "iso-27001")]),
        ),
        ("deep page", f"/providers/?page={deep_page}"),
    ]


def case_study_mix() -> list:
    """(name, path) of each case-study library page in the mix (/case-studies/, faceted
    like search and held to its budgets), chosen from the data in the database."""
    from django.db.models import Count

    from providers.models import CaseStudy, DeliveryCentre

    published = CaseStudy.objects.filter(provider__status="published")
    top_country = (
        DeliveryCentre.objects.filter(provider__status="published")
        .values("country")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("country", flat=True)
        .first()
    )
    newest = published.order_by("-year").values_list("year", flat=True).first()
    deep_page = max(1, int(published.count() / 10 * 0.9))
    return [
        ("case studies", "/case-studies/"),
        (
            "case studies, facets",
            "/case-studies/?"
            + urlencode(
                [
                    ("service", "data-services"),
                    ("country", top_country or "KE"),
                    ("year", str(newest or 2025)),
                    ("year", str((newest or 2025) - 1)),
                ]
            ),
        ),
        ("case studies, text", "/case-studies/?q=accuracy"),
        ("case studies, deep page", f"/case-studies/?page={deep_page}"),
    ]


def profile_paths(count: int) -> list:
    """Profiles of `count` published providers spread evenly over the directory."""
    from providers.models import Provider

    slugs = list(Provider.objects.published().order_by("id").values_list("slug", flat=True))
    step = max(1, len(slugs) // max(count, 1))
    return [f"/providers/{slug}/" for slug in slugs[::step][:count]]


def api_mix() -> list:
    """The search mix asked of the JSON API: the same parameters, so each pair compares."""
    return [
        (f"api {name}", path.replace("/providers/", "/api/v1/providers/", 1))
        for name, path in search_mix()
    ]


#: JSON API requests for the soak (paths that hold whatever the data).
API_MIX: list = [
    ("api search", "/api/v1/providers/"),
    ("api text search", "/api/v1/providers/?q=data"),
    ("api text + facets", "/api/v1/providers/?q=data&region=africa&page_size=50"),
    ("api facets", "/api/v1/providers/facets/?q=data&service=data-services"),
    ("api taxonomies", "/api/v1/taxonomies/"),
]
