"""Restore a backup into an empty database: `manage.py restore PATH [--database NAME]
[--verify]`. Decrypts with CASEBOOK_BACKUP_PASSPHRASE when the file is encrypted."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from casebook.backup import (
    PASSPHRASE_ENV,
    BackupError,
    backup_restore,
    connect,
    database_fingerprints,
    fingerprint_differences,
    passphrase_from_env,
)


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into an empty database on the "
        f"configured server, all or nothing. An encrypted file needs {PASSPHRASE_ENV}."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file (.dump or .dump.gpg)")
        parser.add_argument(
            "--database",
            dest="target",
            metavar="NAME",
            help="the database to restore into, on the configured server; it must exist "
            "and be empty (default: the configured database)",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="afterwards, compare every table's row count and checksum with the "
            "configured database (the one the backup was taken from, unchanged since)",
        )

    def handle(self, *args, path: Path, target: str | None, verify: bool, **options):
        configured = connections["default"].settings_dict["NAME"]
        if verify and (target is None or target == configured):
            raise CommandError(
                "--verify compares with the configured database: restore into another one "
                "with --database NAME"
            )
        try:
            result = backup_restore(path=path, passphrase=passphrase_from_env(), database=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 2:
            for table, (count, _) in sorted(result.fingerprints.items()):
                self.stdout.write(f"{table}: {count} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path} into {result.database}: {result.table_count} tables, "
                f"{result.row_count:,} rows"
            )
        )
        if verify:
            differences = fingerprint_differences(
                database_fingerprints(database=configured), result.fingerprints
            )
            if differences:
                raise CommandError(
                    f"{result.database} was restored but differs from {configured} (changed "
                    "since the backup?):\n" + "\n".join(differences)
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Verified: every table has the same rows as in {configured} "
                    "(row counts and checksums)"
                )
            )
        self.stdout.write(f"Partner change feed: new epoch {_new_feed_epoch(result.database)}.")


def _new_feed_epoch(database: str) -> str:
    """The restored feed may hand out positions partners were already given after
    the backup: a new epoch makes every older token a 410, and each partner's next
    sync a full pull (docs/api.md, *Change feed*)."""
    with connect(database=database) as conn:
        return conn.execute(
            "INSERT INTO sync_epoch (id, epoch) VALUES (1, substr(md5(random()::text), 1, 12))"
            " ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch RETURNING epoch"
        ).fetchone()[0]
