from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Access")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from access import schema  # noqa: F401  (registers the OpenAPI description)
        from access.middleware import session_mark_sign_in

        user_logged_in.connect(session_mark_sign_in, dispatch_uid="casebook_sign_in_time")
