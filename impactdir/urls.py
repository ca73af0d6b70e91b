from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from impactdir import pages
from providers import findability
from providers import views as provider_views

# /healthz and /readyz are answered by impactdir.middleware.HealthCheckMiddleware.

# 503 (not 500) while the database cannot be reached; Django's 500 page otherwise.
handler500 = "impactdir.errors.server_error"

urlpatterns = [
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
    path("api/v1/", include("providers.api.urls")),
    path("sitemap.xml", findability.sitemap_index, name="sitemap_index"),
    path("sitemap-<slug:section>.xml", findability.sitemap_section, name="sitemap_section"),
    path("robots.txt", findability.robots_txt, name="robots_txt"),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("", include("buyers.urls")),
    path("dashboard/", include("providers.dashboard.urls")),
    path("evidence/", include("providers.evidence")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
