"""The public pages of the trials app (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from trials import views

urlpatterns = [
    path("trials/", views.trial_list_view, name="trial-list"),
    # before trials/<slug>/: "calendar.ics" is not a slug, but keep the order plain
    path("trials/calendar.ics", views.calendar, name="trial-calendar"),
    path("trials/<slug:slug>/", views.trial_detail, name="trial-detail"),
    path("trials/<slug:slug>/calendar.ics", views.trial_calendar, name="trial-detail-calendar"),
]
