"""Issue a partner API token from the shell: `manage.py issue_partner_token "Partner NGO"`."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from access.services import token_issue


class Command(BaseCommand):
    help = "Issue a partner API token and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who holds the token, e.g. the partner organization.")
        parser.add_argument(
            "--days", type=int, default=365, help="Days until it expires (default 365)."
        )

    def handle(self, *args, name: str, days: int, **options):
        if not name.strip():
            raise CommandError("Give the partner's name.")
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        token, raw = token_issue(
            name=name, expires_at=timezone.now() + datetime.timedelta(days=days)
        )
        self.stdout.write(
            f"Token for {token.name}, expires {token.expires_at:%Y-%m-%d}. Copy it now:"
        )
        self.stdout.write(raw)
