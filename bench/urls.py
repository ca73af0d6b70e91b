from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The ceiling: a Django view that does nothing, served the same way as the site."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/bare/", bare),
    path("", include("impactdir.urls")),
]
