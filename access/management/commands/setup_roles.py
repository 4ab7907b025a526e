"""`manage.py setup_roles`: create the researcher, editor, administrator and partner
groups with exactly their permissions (safe to run again)."""

from django.core.management.base import BaseCommand, CommandError

from access.roles import roles_apply


class Command(BaseCommand):
    help = "Create or update the role groups (researcher, editor, administrator, partner)."

    def handle(self, *args, **options):
        try:
            counts = roles_apply()
        except LookupError as error:
            raise CommandError(str(error)) from error
        for role, count in counts.items():
            self.stdout.write(f"{role}: {count} permissions")
