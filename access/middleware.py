"""Staff sessions: a second factor before any admin page, and an absolute
lifetime on top of the idle expiry the session cookie gives."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SIGNED_IN_AT = "signed_in_at"


class StaffSignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is None or time.time() - signed_in_at > settings.SESSION_MAX_SECONDS:
                logout(request)
                if _is_admin(request):
                    return redirect(_with_next(reverse("admin:login"), request))
            elif user.is_staff and not user.is_verified() and _needs_second_factor(request):
                from access.two_factor import user_has_second_factor

                step = "verify" if user_has_second_factor(user) else "enrol"
                return redirect(_with_next(reverse(f"admin:two_factor_{step}"), request))
        return self.get_response(request)


def _is_admin(request) -> bool:
    return request.path.startswith(reverse("admin:index"))


def _needs_second_factor(request) -> bool:
    open_paths = (
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("admin:two_factor_enrol"),
        reverse("admin:two_factor_verify"),
    )
    return _is_admin(request) and request.path not in open_paths


def _with_next(url: str, request) -> str:
    if request.method != "GET":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


def session_mark_sign_in(sender, request, user, **kwargs):
    """Start the absolute lifetime of a session at the password step."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
