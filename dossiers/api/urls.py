"""The addresses of the dossiers app's endpoints, included under /api/v1/ by cases.api.urls."""

urlpatterns: list = []
