"""The addresses of the interventions' endpoints, included under /api/v1/ by
cases.api.urls."""

from django.urls import path

from interventions.api import views

urlpatterns = [
    path("interventions/", views.InterventionList.as_view(), name="intervention-list"),
    path(
        "interventions/<str:identifier>/",
        views.InterventionDetail.as_view(),
        name="intervention-detail",
    ),
]
