"""The change feed's address, included under /api/v1/ by cases.api.urls."""

from django.urls import path

from sync.api import views

urlpatterns = [path("changes/", views.Changes.as_view(), name="changes")]
