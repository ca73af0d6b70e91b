"""/api/v1/ (mounted in impactdir/urls.py): the operations, the OpenAPI document, the docs."""

from django.urls import path, re_path

from .docs import api_docs
from .views import api, api_not_found, api_root

urlpatterns = [
    path("", api_root, name="api_root"),
    path("docs/", api_docs, name="api_docs"),
    path("", api.urls),
    re_path(r"^.+$", api_not_found),
]
