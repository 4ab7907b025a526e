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
        post_migrate.connect(
            install_stored_status_after_migrate, sender=self, dispatch_uid="casebook_stored_status"
        )


def install_stored_status_after_migrate(using: str, plan=None, **kwargs) -> None:
    """post_migrate handler: the stored status as this code writes it
    (cases.reads.status.install_if_changed), once every migration is applied (a
    migrate back to an older schema leaves it be: the code is not that schema's).
    A flush (each transactional test's teardown) sends the signal without a plan:
    it empties the models' tables and leaves the installed rule as it was, so
    nothing is checked then (loading the migrations cost every such test)."""
    if plan is None:
        return
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from cases.reads.status import install_if_changed

    executor = MigrationExecutor(connections[using])
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        install_if_changed(using)
