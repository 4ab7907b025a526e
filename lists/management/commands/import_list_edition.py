"""Import an edition of a political-prisoner list:
`manage.py import_list_edition FILE --list SLUG --published-on DATE [--title TEXT]
[--publisher NAME] [--source URL] [--dry-run]` (lists.services.edition_import).

Prints the summary. Exit status: 0 imported (or, with --dry-run, valid), 1 the
file or the options have errors and nothing was written (each on stderr), 2 the
file cannot be read (missing, too large, not CSV or XLSX by its content)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from lists.services import COLUMNS, CaseSheetFormatError, edition_import

# the option each of a problem's fields stands for
OPTIONS = {
    "list": "--list",
    "published_on": "--published-on",
    "title": "--title",
    "publisher": "--publisher",
    "source": "--source",
    "file": "FILE",
    "rights": "--user",
}


class Command(BaseCommand):
    help = (
        "Import an edition of a political-prisoner list from a CSV or XLSX file, one row per "
        "person (columns: " + ", ".join(COLUMNS) + "; only name is required). The whole file "
        "is checked first; a file with any error writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the edition, .csv or .xlsx")
        parser.add_argument(
            "--list", dest="slug", required=True,
            help="the list's slug; a new slug creates the list",
        )  # fmt: skip
        parser.add_argument(
            "--published-on", required=True,
            help="the edition's date: 2024-03-01, 2024-03 or 2024",
        )  # fmt: skip
        parser.add_argument(
            "--title", default="", help="a new list's title (default: the slug made readable)"
        )
        parser.add_argument(
            "--publisher", default="",
            help="a new list's publisher: an organization's name or abbreviation (else a new "
            "organization)",
        )  # fmt: skip
        parser.add_argument(
            "--source", default="",
            help="the address the edition was published at: the source with that URL (else "
            "a new one), cited for the edition",
        )  # fmt: skip
        parser.add_argument(
            "--dry-run", action="store_true", help="check and say what would change; write nothing"
        )
        parser.add_argument(
            "--user", help="the username the import is recorded under (and whose rights it needs)"
        )
        parser.add_argument("--rows", action="store_true", help="print what happens to each row")

    def handle(self, *args, file: Path, slug: str, published_on: str, title: str,
               publisher: str, source: str, dry_run: bool, user: str | None, rows: bool,
               **options):  # fmt: skip
        if not file.is_file():
            raise CommandError(f"No file at {file}", returncode=2)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user {user!r}", returncode=2)
        try:
            result = edition_import(
                file=file, prisoner_list_slug=slug, published_on=published_on, title=title,
                publisher_name=publisher, source_url=source, dry_run=dry_run, user=account,
                row_limit=None if rows else 0,
            )  # fmt: skip
        except CaseSheetFormatError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from error
        except PermissionDenied as error:
            raise CommandError(f"{user}: {error}", returncode=1) from error

        if rows:
            for plan in result.row_plans:
                self.stdout.write(_describe(plan))
        for problem in result.problems:
            self.stderr.write(f"{OPTIONS.get(problem.field, problem.field)}: {problem}")
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.ok:
            raise CommandError(f"{file}: {result.summary()}", returncode=1)
        where = f"{slug}, {result.published_on.isoformat()}"
        if dry_run:
            self.stdout.write(
                f"Checked {file.name} for {where}, nothing written: {result.summary()}"
            )
        else:
            self.stdout.write(f"Imported {file.name} as {where}: {result.summary()}")
        for removal in result.removals:
            self.stdout.write(f"  removed from the edition: {removal.person_name}")


def _describe(plan) -> str:
    if plan.errors:
        return f"row {plan.row}: {plan.name}: " + "; ".join(e.message for e in plan.errors)
    if plan.person_action == "matched":
        person = f"{plan.name} -> {plan.person_name} (#{plan.person_id})"
    else:
        person = f"{plan.name} (new person)"
    text = f"row {plan.row}: {person}, entry {plan.entry_action}"
    if plan.changes:
        text += f" ({', '.join(plan.changes)})"
    if plan.new_spellings:
        text += f"; new spellings: {', '.join(plan.new_spellings)}"
    return text
