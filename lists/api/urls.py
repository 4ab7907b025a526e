"""The addresses of the lists' endpoints, included under /api/v1/ by
cases.api.urls."""

from django.urls import path

from lists.api import views

urlpatterns = [
    path("lists/", views.PrisonerListList.as_view(), name="list-list"),
    path("lists/<str:slug>/diff/", views.ListDiff.as_view(), name="list-diff"),
]
