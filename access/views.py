"""Two-factor enrolment and verification pages of the admin."""

import math

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from access import two_factor
from access.forms import CodeForm, PasswordConfirmationForm

TRY_LATER = gettext_lazy(
    "Too many wrong codes in a row: wait a few seconds, then enter the code your app shows now."
)


def _next_url(request) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _context(request, **extra):
    from django.contrib import admin

    # Not each_context(): it would list the admin's models to someone not yet verified.
    return {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "site_url": admin.site.site_url,
        "has_permission": request.user.is_verified(),
        "is_nav_sidebar_enabled": False,
        "available_apps": [],
        "next": _next_url(request),
        "redirect_field_name": REDIRECT_FIELD_NAME,
        **extra,
    }


@never_cache
@sensitive_post_parameters("code")
@staff_member_required(login_url="admin:login")
def two_factor_enrol(request):
    """Scan the QR code (or type the key), confirm with a code, receive backup codes."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if two_factor.user_has_second_factor(request.user):
        # an enrolled account proves the factor it has; it cannot enrol a new one unverified
        return redirect(f"{reverse('admin:two_factor_verify')}?{request.GET.urlencode()}")
    device = two_factor.totp_device_for_enrolment(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_confirm(device=device, code=form.cleaned_data["code"])
        except two_factor.TryLater:
            form.add_error("code", TRY_LATER)
        else:
            if codes is not None:
                otp_login(request, device)
                return render(
                    request,
                    "access/backup_codes.html",
                    _context(request, codes=codes, title=_("Backup codes")),
                )
            form.add_error(
                "code", _("That code is not right. Enter the six digits your app shows now.")
            )
    return render(
        request,
        "access/two_factor_enrol.html",
        _context(
            request,
            form=form,
            title=_("Set up two-factor sign-in"),
            qr_svg=two_factor.totp_qr_svg(device),
            secret=two_factor.totp_secret_text(device),
        ),
    )


@never_cache
@sensitive_post_parameters("code")
@staff_member_required(login_url="admin:login")
def two_factor_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.user_has_second_factor(request.user):
        return redirect(f"{reverse('admin:two_factor_enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.second_factor_verify(
                user=request.user, code=form.cleaned_data["code"]
            )
        except two_factor.TryLater:
            device = None
            form.add_error("code", TRY_LATER)
        if device is not None:
            otp_login(request, device)
            if device.name == two_factor.BACKUP_NAME:
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "You signed in with a backup code; %(left)d remain. Renew them if few are left."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        elif not form.errors:
            form.add_error(
                "code",
                _(
                    "That code is not right. Enter the six digits your app shows now, "
                    "or one of your backup codes. Repeated wrong codes slow down further tries."
                ),
            )
    return render(
        request,
        "access/two_factor_verify.html",
        _context(request, form=form, title=_("Two-factor sign-in")),
    )


@never_cache
@sensitive_post_parameters("current_password")
def backup_codes_renew(request):
    """New backup codes replace the old ones, after the password is entered again."""
    form = PasswordConfirmationForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.backup_codes_issue(user=request.user)
        return render(
            request,
            "access/backup_codes.html",
            _context(request, codes=codes, title=_("Backup codes")),
        )
    return render(
        request,
        "access/backup_codes_renew.html",
        _context(request, form=form, title=_("Renew backup codes")),
    )


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes answers a locked-out sign-in with this page (429), naming the wait,
    and says it in seconds in Retry-After for programs. The whole cool-off is the
    exact wait: a try during the lockout, this one included, starts it again
    (axes' AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, on by default)."""
    from axes.helpers import get_cool_off

    seconds = math.ceil(get_cool_off(request).total_seconds())
    response = render(
        request,
        "access/locked_out.html",
        _context(request, title=_("Sign-in paused"), cooloff_minutes=seconds // 60),
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
