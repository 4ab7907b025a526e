from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases.api import views
from cases.api.errors import api_not_found

app_name = "api"

urlpatterns = [
    path("persons/", views.PersonList.as_view(), name="person-list"),
    path("persons/<str:identifier>/", views.PersonDetail.as_view(), name="person-detail"),
    path("persons/<str:identifier>/history/", views.PersonHistory.as_view(), name="person-history"),
    path("detentions/", views.DetentionList.as_view(), name="detention-list"),
    path("detentions/<str:identifier>/", views.DetentionDetail.as_view(), name="detention-detail"),
    path("allegations/", views.AllegationList.as_view(), name="allegation-list"),
    path(
        "allegations/<str:identifier>/", views.AllegationDetail.as_view(), name="allegation-detail"
    ),
    path("statements/", views.StatementList.as_view(), name="statement-list"),
    path("statements/<str:identifier>/", views.StatementDetail.as_view(), name="statement-detail"),
    path("", include("sources.api.urls")),  # each app serves its own records
    path("", include("lists.api.urls")),
    path("", include("places.api.urls")),
    path("", include("interventions.api.urls")),
    path("", include("trials.api.urls")),
    path("", include("officials.api.urls")),
    path("", include("dossiers.api.urls")),
    path("organizations/", views.OrganizationList.as_view(), name="organization-list"),
    path(
        "organizations/<str:identifier>/",
        views.OrganizationDetail.as_view(),
        name="organization-detail",
    ),
    path("stats/", views.Statistics.as_view(), name="stats"),
    path("withdrawals/", views.Withdrawals.as_view(), name="withdrawals"),
    path("", include("sync.api.urls")),  # the change feed
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="schema"),
    # The split view serves its start-up code as a script file: no inline script.
    # Swagger UI writes <style> elements, so this one page allows inline styles.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    re_path(r"^.*$", api_not_found),
]
