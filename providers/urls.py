from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("", views.search, name="search"),
    path("<slug:slug>/", views.provider_detail, name="detail"),
]
