"""Import a case sheet: `manage.py import_case_sheet FILE [--dry-run]`.

Shows a progress bar while the file is read, checked and written, then the
summary and every error. Exit status: 0 imported (or, with --dry-run, valid),
1 the sheet has errors and nothing was written, 2 the file cannot be read as a
case sheet (too large, not CSV or XLSX by its content, no header...)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases.case_sheet import (
    COLUMNS,
    CaseSheetFormatError,
    case_sheet_import,
    case_sheet_preview,
)

STAGES = {
    "read": "Reading and checking rows",
    "check": "Matching persons and detentions",
    "write": "Writing",
}


class Command(BaseCommand):
    help = (
        "Import a case sheet (CSV or XLSX, one row per detention; columns: "
        + ", ".join(COLUMNS)
        + "). The whole file is checked first; a file with any error writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            type=Path,
            help=f"the case sheet, .csv or .xlsx, at most {settings.CASE_SHEET_MAX_BYTES:,} bytes "
            "(CASE_SHEET_MAX_MB)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and preview, write nothing"
        )
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="the file's format (default: from the file)"
        )
        parser.add_argument(
            "--user", help="the username the import is recorded under in the history"
        )
        parser.add_argument("--rows", action="store_true", help="print what happens to each row")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, dry_run: bool, format: str | None, user: str | None,
               rows: bool, no_progress: bool, **options):  # fmt: skip
        if not file.is_file():
            raise CommandError(f"No file at {file}", returncode=2)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user {user!r}", returncode=2)
        progress = _ProgressBars(self.stderr, disabled=no_progress)
        service = case_sheet_preview if dry_run else case_sheet_import
        extra = {} if dry_run else {"user": account}
        try:
            result = service(
                file=file,
                file_format=format,
                row_limit=None if rows else 0,
                error_limit=None,
                progress=progress.update,
                **extra,
            )
        except CaseSheetFormatError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from error
        finally:
            progress.close()

        if rows:
            for plan in result.row_plans:
                self.stdout.write(_describe(plan))
        for error in result.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        if not result.ok:
            raise CommandError(f"{file}: {result.summary()}", returncode=1)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Checked, nothing written: {result.summary()}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {result.summary()}"))


class _ProgressBars:
    """One tqdm bar per stage of the import, on stderr."""

    def __init__(self, stream, *, disabled: bool):
        self.stream = stream
        self.disabled = disabled
        self.stage = None
        self.bar = None

    def update(self, stage: str, done: int, total: int | None, unit: str) -> None:
        if self.disabled:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                total=total,
                desc=STAGES.get(stage, stage),
                unit={"bytes": "B", "rows": " rows", "steps": " steps"}.get(unit, unit),
                unit_scale=unit == "bytes",
                file=self.stream,
                mininterval=0.5,
            )
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            if self.bar.total:
                self.bar.n = self.bar.total
                self.bar.refresh()
            self.bar.close()
            self.bar = None


def _describe(plan) -> str:
    """One line per row: what happens to its person and its detention."""
    if plan.person_action == "matched":
        person = f"matched {plan.person!r} -> {plan.matched_person}"
    elif plan.person_action == "new" and plan.same_as_row:
        person = f"{plan.person} (same new person as row {plan.same_as_row})"
    elif plan.person_action == "new":
        person = f"new person {plan.person}"
    else:
        person = plan.person or "-"
    detention = {"new": "new detention", "updated": "updated detention",
                 "unchanged": "detention unchanged"}.get(plan.detention_action, "no detention")  # fmt: skip
    changes = ", ".join(plan.person_changes + plan.detention_changes)
    line = f"row {plan.row}: {person}; {detention}" + (f" ({changes})" if changes else "")
    if plan.errors:
        line += "; " + "; ".join(f"{e.column}: {e.message}" for e in plan.errors)
    return line
