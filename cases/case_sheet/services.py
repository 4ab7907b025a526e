"""The case-sheet services: preview a sheet (nothing written), or import it all or nothing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pghistory
from django.db import connection, transaction

from cases.case_sheet.plan import SheetPlanner
from cases.case_sheet.result import CaseSheetResult, Progress
from cases.case_sheet.write import PlanWriter

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

IMPORT_LOCK = 0x43534854  # pg_advisory_xact_lock key: one case-sheet write at a time


def case_sheet_preview(
    *,
    file: Any,
    file_name: str = "",
    file_format: str | None = None,
    row_limit: int | None = 1000,
    error_limit: int | None = 1000,
    progress: Progress | None = None,
) -> CaseSheetResult:
    """Check the whole sheet against the database and say, row by row, what an
    import would do. Writes nothing. Raises CaseSheetFormatError when the file
    cannot be read as a case sheet."""
    with transaction.atomic():
        planner = SheetPlanner(
            file, file_name=file_name, file_format=file_format, row_limit=row_limit,
            error_limit=error_limit, progress=progress,
        )  # fmt: skip
        try:
            return planner.plan()
        finally:
            transaction.set_rollback(True)


def case_sheet_import(
    *,
    file: Any,
    user: AbstractBaseUser | None = None,
    file_name: str = "",
    file_format: str | None = None,
    row_limit: int | None = 1000,
    error_limit: int | None = 1000,
    progress: Progress | None = None,
) -> CaseSheetResult:
    """Check the sheet as case_sheet_preview does and, only if no row has an
    error, write it in one transaction (result.written). History records every
    change with the import's file, user and row count (pghistory context)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # two imports at once could both create the same new person
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])

        planner = SheetPlanner(
            file, file_name=file_name, file_format=file_format, row_limit=row_limit,
            error_limit=error_limit, progress=progress,
        )  # fmt: skip
        result = planner.plan()
        if not result.ok:
            transaction.set_rollback(True)
            return result
        started = time.perf_counter()
        metadata = {
            "import": "case_sheet",
            "file": result.file_name,
            "rows": result.rows,
            "user": getattr(user, "pk", None),
            "username": getattr(user, "get_username", lambda: None)(),
        }
        with pghistory.context(**metadata):
            PlanWriter(
                planner.cursor,
                progress=planner.progress,
                case_groups=planner.names_case_groups,
                facilities=planner.names_facilities,
            ).write()
        planner.drop_tables()
        result.written = True
        result.seconds["write"] = time.perf_counter() - started
    return result
