"""The public pages (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from cases import feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_list, name="person-list"),
    path("persons/suggest/", views.person_suggestions, name="person-suggestions"),
    path("persons/<slug:slug>/", views.person_detail, name="person-detail"),
    path("persons/<slug:slug>/photo/", views.person_photo, name="person-photo"),
    path("statements/", views.statement_list, name="statement-list"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("statistics/", views.statistics, name="statistics"),
    path("feeds/updates/", feeds.LatestUpdatesFeed(), name="feed-updates"),
    path("feeds/statements/", feeds.LatestStatementsFeed(), name="feed-statements"),
]
