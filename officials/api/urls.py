"""The addresses of the officials app's endpoints, included under /api/v1/ by cases.api.urls."""

from django.urls import path

from officials.api import views

urlpatterns = [
    path("officials/", views.OfficialList.as_view(), name="official-list"),
    path("officials/<str:identifier>/", views.OfficialDetail.as_view(), name="official-detail"),
]
