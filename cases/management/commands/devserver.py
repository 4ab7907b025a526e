"""`make run` in one process: migrate, load the seed cases, make sure a local
admin account exists (printing its credentials), then serve. Development only."""

import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand

DEV_USERNAME = "admin"
DEV_PASSWORD = "casebook-dev"  # noqa: S105 - printed on purpose, development only


class Command(RunserverCommand):
    help = "Migrate, load the seed cases, ensure a local admin account and serve (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("devserver is for local development only: set DEBUG=1.")
        if not options.get("use_reloader") or _is_reloader_parent():
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("Database migrated.")
            call_command("load_seed", stdout=self.stdout)
            call_command("setup_roles", stdout=io.StringIO())
            self._ensure_admin(options.get("addrport") or "127.0.0.1:8000")
        super().handle(*args, **options)

    def _ensure_admin(self, addrport: str):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEV_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEV_PASSWORD)
            user.save()
            self.stdout.write("Created the local admin account.")
        self.stdout.write(
            self.style.WARNING(
                f"Admin (development only): http://{addrport}/admin/  "
                f"user {DEV_USERNAME!r}, password {DEV_PASSWORD!r}"
                + ("" if created else " (unless you changed it)")
            )
        )
        self.stdout.write(
            "Staff sign in with two factors: the first sign-in shows a QR code for an "
            "authenticator app (or type its key into `oathtool --totp -b KEY`)."
        )


def _is_reloader_parent() -> bool:
    import os

    return os.environ.get("RUN_MAIN") != "true"
