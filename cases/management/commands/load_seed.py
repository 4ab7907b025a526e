"""Load the seed cases: `manage.py load_seed [--check] [--update] [--file PATH]`."""

from pathlib import Path

import pghistory
from django.core.management.base import BaseCommand, CommandError

from cases.seed import DEFAULT_SEED_FILE, SeedError, load_seed


class Command(BaseCommand):
    help = (
        "Create the seed cases of fixtures/seed.yaml (all public). Records already loaded are "
        "left as they are, so edits made in the admin are kept; --update overwrites them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_SEED_FILE)
        parser.add_argument(
            "--check",
            action="store_true",
            help="check the file against the database, write nothing",
        )
        parser.add_argument(
            "--update", action="store_true", help="overwrite loaded records with the file's values"
        )

    def handle(self, *args, file: Path, check: bool, update: bool, **options):
        if not file.is_file():
            raise CommandError(f"No seed file at {file}")
        try:
            # the history records which command wrote the seed rows, and from which file
            with pghistory.context(command="load_seed", file=str(file)):
                report = load_seed(file, update=update, dry_run=check)
        except SeedError as error:
            raise CommandError(f"{file} was not loaded; nothing was written:\n{error}") from error
        prefix = "Checked (nothing written)" if check else "Seed cases loaded"
        self.stdout.write(self.style.SUCCESS(f"{prefix}: {report.summary()}"))
