"""The addresses of sources' endpoints (sources, reported counts), included under
/api/v1/ by cases.api.urls."""

from django.urls import path

from sources.api import views

urlpatterns = [
    path("sources/", views.SourceList.as_view(), name="source-list"),
    path("sources/<str:identifier>/", views.SourceDetail.as_view(), name="source-detail"),
    path("reported-counts/", views.ReportedCountList.as_view(), name="reported-count-list"),
    path(
        "reported-counts/<str:identifier>/",
        views.ReportedCountDetail.as_view(),
        name="reported-count-detail",
    ),
]
