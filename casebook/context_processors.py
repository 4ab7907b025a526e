"""Template context every page may need."""

from django.conf import settings


def environment(request):
    # Lets the admin show a "development" badge so nobody mistakes local data for production.
    return {"casebook_development": settings.DEBUG}
