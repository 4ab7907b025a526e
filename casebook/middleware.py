"""Response headers that differ between the admin and the public site."""

from django.urls import reverse


class AdminReferrerPolicyMiddleware:
    """The public site sends `Referrer-Policy: no-referrer`. Under that policy
    browsers post forms with `Origin: null`, which Django's CSRF check rightly
    refuses, so the admin's forms could never be submitted. The admin gets
    `same-origin` instead: still nothing is sent to any other host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            # SecurityMiddleware only sets the header when it is absent
            response.headers["Referrer-Policy"] = "same-origin"
        return response
