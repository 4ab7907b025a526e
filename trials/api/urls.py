"""The addresses of the trials' endpoints, included under /api/v1/ by cases.api.urls."""

from django.urls import path

from trials.api import views

urlpatterns = [
    path("trials/", views.TrialList.as_view(), name="trial-list"),
    path("trials/<str:identifier>/", views.TrialDetail.as_view(), name="trial-detail"),
]
