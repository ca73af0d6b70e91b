"""/api/v1/ (mounted in impactdir/urls.py): the operations and the OpenAPI document.

The docs page (`api_docs`, /api/v1/docs/) is a page for people, translated like the
others: impactdir/urls.py mounts it with the language prefixes.
"""

from django.urls import path, re_path

from .views import api, api_not_found, api_root

urlpatterns = [
    path("", api_root, name="api_root"),
    path("", api.urls),
    re_path(r"^.+$", api_not_found),
]
