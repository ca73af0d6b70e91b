from django.urls import path, re_path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.data_index, name="index"),
    path("fields/", views.data_fields, name="fields"),
    # A file name, never a path; the view serves only the names the snapshot lists.
    re_path(r"^(?P<name>[\w.-]+\.(?:json|csv))$", views.data_file, name="file"),
]
