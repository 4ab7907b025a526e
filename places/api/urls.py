"""The addresses of the facilities' endpoints, included under /api/v1/ by
cases.api.urls."""

from django.urls import path

from places.api import views

urlpatterns = [
    path("facilities/", views.FacilityList.as_view(), name="facility-list"),
    path("facilities/<str:identifier>/", views.FacilityDetail.as_view(), name="facility-detail"),
]
