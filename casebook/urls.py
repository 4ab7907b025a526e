from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Casebook"
admin.site.site_title = "Casebook admin"
admin.site.index_title = "Cases, sources and citations"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
]
