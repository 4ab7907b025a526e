"""Staff issue partner tokens here; the key is shown once, then only its hash is kept."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import PartnerToken
from access.services import token_issue, token_revoke


@admin.register(PartnerToken)
class PartnerTokenAdmin(admin.ModelAdmin):
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
