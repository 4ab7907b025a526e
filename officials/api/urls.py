"""The addresses of the officials app's endpoints, included under /api/v1/ by cases.api.urls."""

urlpatterns: list = []
