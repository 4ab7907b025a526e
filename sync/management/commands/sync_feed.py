"""Bring the partner change feed up to date (each feed request also does), or
rebuild it, or start a new generation after a restore."""

from django.core.management.base import BaseCommand

from sync.services import feed_compact, feed_new_epoch, feed_rebuild


class Command(BaseCommand):
    help = (
        "Bring the change feed (/api/v1/changes/) up to date. --rebuild compares every record "
        "with it; --new-epoch (after restoring a backup) makes partners start over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="compare every record")
        parser.add_argument(
            "--new-epoch", action="store_true", help="refuse every token handed out so far"
        )

    def handle(self, *args, rebuild: bool = False, new_epoch: bool = False, **options):
        if new_epoch:
            self.stdout.write(f"New feed epoch: {feed_new_epoch()}")
        written = feed_rebuild() if rebuild else feed_compact()
        self.stdout.write(f"{written} feed entries written.")
