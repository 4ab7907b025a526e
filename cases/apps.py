from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from django.db.models.signals import post_migrate

        from casebook.history_sql import install_after_migrate

        # after every migrate, which re-creates the history functions' slow versions
        post_migrate.connect(
            install_after_migrate, sender=self, dispatch_uid="casebook_history_sql"
        )
