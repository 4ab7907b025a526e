"""The public pages of the officials app (mounted under the language prefix: /, /az/, /ru/)."""

urlpatterns: list = []
