from django.urls import path

from . import views

urlpatterns = [
    path("providers/", views.search, name="search"),
    path("how-results-are-ordered/", views.ordering, name="ordering"),
]
