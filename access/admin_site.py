"""Casebook's admin site: a staff member reaches it only after a password and a
second factor; partner accounts never do."""

from django.contrib import admin
from django.urls import path

from access import views

PARTNER_GROUP = "partner"


class CasebookAdminSite(admin.AdminSite):
    site_header = "Casebook"
    site_title = "Casebook admin"
    index_title = "Cases, sources and citations"

    def has_permission(self, request):
        user = request.user
        return (
            super().has_permission(request)
            and user.is_verified()
            and not user.groups.filter(name=PARTNER_GROUP).exists()
        )

    def get_urls(self):
        # Reached between the password and the second factor, so outside admin_view.
        own = [
            # Signing out needs no permission: someone stopped at the second factor may
            # leave. (The admin's own logout, behind admin_view, sends them back instead.)
            path("logout/", self.logout, name="logout"),
            path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
            path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
            path(
                "two-factor/backup-codes/",
                self.admin_view(views.backup_codes_renew),
                name="backup_codes_renew",
            ),
        ]
        return own + super().get_urls()
