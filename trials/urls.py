"""The public pages of the trials app (mounted under the language prefix: /, /az/, /ru/)."""

urlpatterns: list = []
