from django.urls import path

from buyers.views.search import search

from . import views

app_name = "providers"

urlpatterns = [
    path("", search, name="search"),
    path("<slug:slug>/", views.provider_detail, name="detail"),
]
