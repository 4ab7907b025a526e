"""Staff issue partner tokens here; the key is shown once, then only its hash is kept."""

import contextvars

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.forms import current_password_check, current_password_field
from access.models import PartnerToken
from access.services import token_issue, token_revoke


class PasswordConfirmedForm(forms.BaseForm):
    """A sensitive form: it saves only with the signed-in user's password typed
    again (a stolen session or an unlocked screen is not enough)."""

    confirming_request = None  # set per request by PasswordConfirmedAdminMixin.get_form

    def clean_current_password(self):
        password = self.cleaned_data.get("current_password")
        current_password_check(self.confirming_request, password)
        return password


class PasswordConfirmedAdminMixin:
    confirm_fieldset = (_("Confirm with your password"), {"fields": ["current_password"]})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"confirming_request": request})

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), self.confirm_fieldset]


class ConfirmedUserCreationForm(PasswordConfirmedForm, AdminUserCreationForm):
    current_password = current_password_field()


class ConfirmedUserChangeForm(PasswordConfirmedForm, UserChangeForm):
    current_password = current_password_field()


class ConfirmedPasswordChangeForm(PasswordConfirmedForm, AdminPasswordChangeForm):
    current_password = current_password_field()


class ConfirmedGroupForm(PasswordConfirmedForm, forms.ModelForm):
    current_password = current_password_field()

    class Meta:
        model = Group
        fields = "__all__"


_password_change_request = contextvars.ContextVar("password_change_request")

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class CasebookUserAdmin(PasswordConfirmedAdminMixin, UserAdmin):
    form = ConfirmedUserChangeForm
    add_form = ConfirmedUserCreationForm
    change_user_password_template = "admin/access/user_change_password.html"

    @property
    def change_password_form(self):
        # Django builds this form itself; the class carries the request for the check
        request = _password_change_request.get()
        return type(
            "PasswordChangeForm", (ConfirmedPasswordChangeForm,), {"confirming_request": request}
        )

    def user_change_password(self, request, id, form_url=""):
        token = _password_change_request.set(request)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_change_request.reset(token)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the history names who changed what


@admin.register(Group)
class CasebookGroupAdmin(PasswordConfirmedAdminMixin, GroupAdmin):
    form = ConfirmedGroupForm


class PartnerTokenForm(PasswordConfirmedForm, forms.ModelForm):
    current_password = current_password_field()

    class Meta:
        model = PartnerToken
        fields = ["name", "contact", "expires_at"]


@admin.register(PartnerToken)
class PartnerTokenAdmin(PasswordConfirmedAdminMixin, admin.ModelAdmin):
    form = PartnerTokenForm
    list_display = ("name", "prefix", "created_at", "expires_at", "last_used_at", "status")
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    fields = ("name", "contact", "expires_at", *readonly_fields)
    actions = ("revoke",)

    def get_changeform_initial_data(self, request):
        return {"expires_at": timezone.now() + timezone.timedelta(days=365)}

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.revoked_at:
            return _("revoked")
        return _("active") if obj.is_active else _("expired")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        token, raw = token_issue(
            name=obj.name, contact=obj.contact, expires_at=obj.expires_at, issued_by=request.user
        )
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        messages.warning(
            request,
            _("Copy this token now; it will not be shown again: %(raw)s") % {"raw": raw},
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so the record of who had access stays

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": queryset.count()})


# --- second-factor devices -------------------------------------------------------------
# django-otp's own admins show a device's secret key, QR code and backup codes to
# anyone who may view them. Here an administrator sees only whose device it is and
# when it was used, and removes it when a colleague lost their phone; the colleague
# then enrols again at the next sign-in.


class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # devices are enrolled by their owner, never made for them

    def has_change_permission(self, request, obj=None):
        return False


for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
    admin.site.register(device_model, DeviceAdmin)


# --- django-axes' sign-in attempts -------------------------------------------------------
# Its "Clean up expired attempts" action reads the time of the sign-in being checked,
# which only a sign-in request carries: run from the list it raised (a server error).

if admin.site.is_registered(AccessAttempt):
    _AxesAttemptAdmin = type(admin.site._registry[AccessAttempt])

    class AccessAttemptAdmin(_AxesAttemptAdmin):
        def cleanup_expired_attempts(self, request, queryset):
            request.axes_attempt_time = timezone.now()
            return super().cleanup_expired_attempts(request, queryset)

        cleanup_expired_attempts.short_description = (
            _AxesAttemptAdmin.cleanup_expired_attempts.short_description
        )

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)
