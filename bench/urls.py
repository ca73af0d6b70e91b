from django.http import HttpResponse
from django.urls import path

from impactdir.urls import urlpatterns as site_urlpatterns


def bare(request):
    """The ceiling: a Django view that does nothing, served the same way as the site."""
    return HttpResponse(b"ok", content_type="text/plain")


# The site's own patterns, not include(): i18n_patterns may only sit in a root URLconf.
urlpatterns = [
    path("__bench__/bare/", bare),
    *site_urlpatterns,
]
