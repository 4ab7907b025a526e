"""The admin's language: the one a staff member picked with the switch in its
header (Django's language cookie, set by `set_language`), else the browser's
Accept-Language, else English."""

from django.urls import reverse
from django.utils import translation


class AdminLanguageMiddleware:
    """Runs after LocaleMiddleware. The public pages take their language from the
    address (i18n_patterns), so LocaleMiddleware gives every address without a
    language prefix, /admin/ among them, English; the admin has no prefix and is
    chosen by the cookie and the browser instead. LocaleMiddleware's response
    (Content-Language, Vary: Accept-Language) then follows this choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
