from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.data_index, name="index"),
    path("fields/", views.data_fields, name="fields"),
    # File names never contain a slash; the view serves only the names a snapshot lists.
    path("<str:name>", views.data_file, name="file"),
]
