from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from cases.api.errors import api_not_found

admin.site.site_header = "Casebook"
admin.site.site_title = "Casebook admin"
admin.site.index_title = "Cases, sources and citations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    re_path(r"^api/", api_not_found),
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
]
