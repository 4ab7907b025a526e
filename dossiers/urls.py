"""The public pages of the dossiers app (mounted under the language prefix: /, /az/, /ru/)."""

urlpatterns: list = []
