from django.urls import path

from . import views

urlpatterns = [
    path("case-studies/", views.library, name="case_studies"),
]
