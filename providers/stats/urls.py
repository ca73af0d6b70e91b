from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.stats, name="index"),
    path("methodology/", views.methodology, name="methodology"),
    path("compare.csv", views.compare_csv, name="compare_csv"),
    path("providers/<slug:slug>.csv", views.provider_trend_csv, name="provider_csv"),
    path("<slug:name>.csv", views.chart_csv, name="csv"),
]
