"""The public pages of the dossiers app (mounted under the language prefix: /, /az/, /ru/)."""

from django.urls import path

from dossiers import views

urlpatterns = [
    path("persons/<slug:slug>/dossier.pdf", views.person_dossier, name="person-dossier"),
    path("officials/<slug:slug>/dossier.pdf", views.official_dossier, name="official-dossier"),
]
