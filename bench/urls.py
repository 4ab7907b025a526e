"""The app's URLs plus the naive baseline views (for the benchmark run only)."""

from django.urls import path

from bench.naive import NaivePersonViewSet, PrefetchingPersonViewSet
from casebook.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/naive/persons/", NaivePersonViewSet.as_view({"get": "list"})),
    path("bench/naive-prefetch/persons/", PrefetchingPersonViewSet.as_view({"get": "list"})),
    *app_urlpatterns,
]
