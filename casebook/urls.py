from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from cases.api.errors import api_not_found

admin.site.site_header = "Casebook"
admin.site.site_title = "Casebook admin"
admin.site.index_title = "Cases, sources and citations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    re_path(r"^api/", api_not_found),
]
# The public pages in English at /, in Azerbaijani at /az/ and Russian at /ru/:
# the language is in the address, so a shared link opens in the language it was
# shared in.
urlpatterns += i18n_patterns(
    path("", include("cases.urls")),
    path("", include("sources.urls")),
    prefix_default_language=False,
)
