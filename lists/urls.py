"""The public pages of the lists app (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from lists import views

urlpatterns = [
    path("lists/", views.list_index, name="prisoner-list-index"),
    path("lists/<slug:slug>/", views.list_detail, name="prisoner-list-detail"),
    path("lists/<slug:slug>/changes/", views.list_changes, name="prisoner-list-changes"),
    path("groups/", views.group_index, name="case-group-index"),
    path("groups/<slug:slug>/", views.group_detail, name="case-group-detail"),
]
