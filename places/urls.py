"""The public pages of the places app (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from places import views

urlpatterns = [
    path("facilities/", views.facility_list, name="facility-list"),
    path("facilities/<slug:slug>/", views.facility_detail, name="facility-detail"),
]
