"""The admin runs on Casebook's own site class (two-factor sign-in, no partner
accounts); every `admin.register` and `admin.site` uses it."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "access.admin_site.CasebookAdminSite"
