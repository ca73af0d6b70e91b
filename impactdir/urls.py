from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from impactdir import languages, pages
from providers import findability
from providers import views as provider_views
from providers.api.docs import api_docs

# /healthz and /readyz are answered by impactdir.middleware.HealthCheckMiddleware.

# 503 (not 500) while the database cannot be reached; Django's 500 page otherwise.
handler500 = "impactdir.errors.server_error"

# Pages: English at these addresses, the other languages under /fr/, /es/, /pt/, /ar/
# (settings.LANGUAGES). Private pages too, so that a signed-in user stays in their
# language from page to page; robots.txt keeps crawlers out of them in every language.
# First, so that /api/v1/docs/ is found before the API's own catch-all answer.
urlpatterns = i18n_patterns(
    path("", provider_views.home, name="home"),
    path("", include("buyers.search.urls")),
    path("", include("buyers.case_studies.urls")),
    path("providers/", include("providers.urls")),
    path("how-figures-are-protected/", provider_views.disclosure_rule, name="disclosure"),
    path("about/", pages.about, name="about"),
    path("privacy/", pages.privacy, name="privacy"),
    path("terms/", pages.terms, name="terms"),
    path("stats/", include("providers.stats.urls")),
    path("data/", include("providers.opendata.urls")),
    # The API's documentation is a page for people; the API itself has one address.
    path("api/v1/docs/", api_docs, name="api_docs"),
    path("", include("buyers.urls")),
    path("dashboard/", include("providers.dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=False,
)

# One address for every language: machines' files and endpoints, whose answers do not
# depend on the reader's language (the API's taxonomies take `lang=` instead), the
# switcher's endpoint, evidence downloads (files, private) and the admin (shown in the
# operator's stored language, impactdir.languages).
urlpatterns += [
    path("api/v1/", include("providers.api.urls")),
    path("sitemap.xml", findability.sitemap_index, name="sitemap_index"),
    path("sitemap-<slug:section>.xml", findability.sitemap_section, name="sitemap_section"),
    path("robots.txt", findability.robots_txt, name="robots_txt"),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("language/", languages.set_language, name="set_language"),
    path("evidence/", include("providers.evidence")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
