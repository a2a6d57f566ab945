from django.urls import include, path

from bench.floor import floor_view

urlpatterns = [
    path("__bench__/floor/", floor_view),
    path("", include("config.urls")),
]
