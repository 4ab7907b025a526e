"""The addresses of the dossiers app's endpoints, included under /api/v1/ by cases.api.urls."""

from django.urls import path

from dossiers.api import views

urlpatterns = [
    path("export/ftm/", views.FtMExport.as_view(), name="export-ftm"),
]
