from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from cases.api.errors import api_not_found
from cases.sitemaps import SITEMAPS, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # the admin's language switch posts here (set_language keeps the choice in a cookie)
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("cases.api.urls")),
    re_path(r"^api/", api_not_found),
    # for crawlers, outside the language prefix: one index lists every language
    path("robots.txt", robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
# The public pages in English at /, in Azerbaijani at /az/ and Russian at /ru/:
# the language is in the address, so a shared link opens in the language it was
# shared in.
urlpatterns += i18n_patterns(
    path("", include("cases.urls")),
    path("", include("sources.urls")),
    path("", include("lists.urls")),
    path("", include("places.urls")),
    path("", include("trials.urls")),
    path("", include("officials.urls")),
    path("", include("dossiers.urls")),
    prefix_default_language=False,
)
