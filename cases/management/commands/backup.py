"""Back up the whole database: `manage.py backup [--output PATH] [--allow-unencrypted]`.

Encrypted with gpg when CASEBOOK_BACKUP_PASSPHRASE is set; see docs/backups.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casebook.backup import PASSPHRASE_ENV, BackupError, backup_write, passphrase_from_env


class Command(BaseCommand):
    help = (
        "Write a pg_dump archive of the whole database (every table: cases, history, staff "
        f"accounts), encrypted with gpg when {PASSPHRASE_ENV} is set. See docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="the file to write, or an existing directory for the default name "
            "(default: backups/casebook-YYYYmmdd-HHMMSS.dump[.gpg] under the project)",
        )
        parser.add_argument(
            "--allow-unencrypted",
            action="store_true",
            help=f"in production (DEBUG off), write the backup even without {PASSPHRASE_ENV}",
        )

    def handle(self, *args, output: Path | None, allow_unencrypted: bool, **options):
        try:
            backup = backup_write(
                path=output,
                passphrase=passphrase_from_env(),
                allow_unencrypted=allow_unencrypted,
            )
        except BackupError as error:
            raise CommandError(f"No backup written: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Backup written: {backup.path}"))
        self.stdout.write(f"Size: {backup.size:,} bytes")
        self.stdout.write(f"SHA-256: {backup.sha256}")
        if backup.encrypted:
            self.stdout.write("Encrypted with gpg (AES256); keep the passphrase apart from it.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "NOT encrypted: the file holds every record in the clear; protect it."
                )
            )
