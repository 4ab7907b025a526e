"""The public pages of the officials app (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from officials import views

urlpatterns = [
    path("officials/", views.official_list, name="official-list"),
    path("officials/<slug:slug>/", views.official_detail, name="official-detail"),
]
