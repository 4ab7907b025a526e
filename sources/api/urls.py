"""The addresses of the source endpoints, included under /api/v1/ by cases.api.urls."""

from django.urls import path

from sources.api import views

urlpatterns = [
    path("sources/", views.SourceList.as_view(), name="source-list"),
    path("sources/<str:identifier>/", views.SourceDetail.as_view(), name="source-detail"),
]
