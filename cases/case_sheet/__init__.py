"""The case-sheet import (DESIGN.md, "Import and export"): a flat CSV or XLSX
sheet, one row per detention, previewed and then written all or nothing.

Rows are streamed from the file in chunks, checked one by one in Python and
copied into temporary tables (COPY); what needs the whole file or the database
(which rows name the same person, which persons and detentions already exist,
what would change) is then worked out in set-based SQL, and the write is a fixed
number of INSERT ... SELECT and UPDATE statements in one transaction. So the
memory used does not grow with the file, and the preview is exactly the plan
the write carries out.

    case_sheet_preview(file=...)  -> CaseSheetResult, nothing written
    case_sheet_import(file=..., user=...)  -> CaseSheetResult, written only if
        the whole file is valid (result.written)

Rules (README, "Importing a case sheet"):
- A person is matched by name key (cases.search.name_key) against every
  person's display name and name variants; within the file, a row whose person
  is another row's person or one of its name_variants names the same person.
- A detention is identified by its person and its arrest date at its
  precision, so importing the same file twice changes nothing the second time.
- Blank cells never erase what is stored; the import adds and updates, never
  deletes. Records in the trash are treated as absent.

The modules, in the order an import runs through them:

    columns   the columns, their order and what each holds
    files     the upload check; the rows of a CSV, XLSX or tablib dataset
    cells     reading one cell: lists, sentences, charges, terms, web addresses
    rows      checking one row: one checker per column; the row as staged
    tables    the temporary tables the planner and the writer share
    plan      SheetPlanner: stage the rows, match persons, work out what changes
    write     PlanWriter: carry the plan out
    result    CaseSheetResult, RowPlan, RowError: what the admin and command show
    services  case_sheet_preview, case_sheet_import
"""

from cases.case_sheet.columns import COLUMN_HELP, COLUMNS, SEPARATOR
from cases.case_sheet.files import CaseSheetFormatError, case_sheet_upload_check
from cases.case_sheet.result import COUNT_LABELS, CaseSheetResult, RowError, RowPlan
from cases.case_sheet.services import case_sheet_import, case_sheet_preview

__all__ = [
    "COLUMNS",
    "COLUMN_HELP",
    "COUNT_LABELS",
    "SEPARATOR",
    "CaseSheetFormatError",
    "CaseSheetResult",
    "RowError",
    "RowPlan",
    "case_sheet_import",
    "case_sheet_preview",
    "case_sheet_upload_check",
]
