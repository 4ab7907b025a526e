"""Reading a case sheet: the upload check, then its rows from a CSV, XLSX or tablib dataset."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases.case_sheet.columns import COLUMN_INDEX, COLUMNS
from cases.partial_dates import PartialDate, Precision
from cases.spreadsheets import unescape_formula

# An XLSX is a ZIP of XML; one unpacking to more than this many times
# settings.CASE_SHEET_MAX_BYTES is a "ZIP bomb", not a sheet.
XLSX_MAX_UNPACKED_RATIO = 25


class CaseSheetFormatError(Exception):
    """The file cannot be read as a case sheet (format, encoding, header)."""


def case_sheet_upload_check(
    file: Any, *, file_name: str = "", file_format: str | None = None
) -> str:
    """Refuse, before a row is read or an upload is stored, a file larger than
    settings.CASE_SHEET_MAX_BYTES and one that is neither CSV nor XLSX by its
    content: an XLSX must be a ZIP package holding the workbook openpyxl reads,
    and unpack to at most XLSX_MAX_UNPACKED_RATIO times the limit. (A CSV must be
    UTF-8 text without NUL bytes; CaseSheetReader checks that as it reads, row by
    row.) Raises CaseSheetFormatError; returns the format, "csv" or "xlsx"."""
    limit = settings.CASE_SHEET_MAX_BYTES
    size = _file_size(file)
    if size > limit:
        raise CaseSheetFormatError(
            _(
                "The file is %(size)s; a case sheet may be at most %(limit)s. Split it into "
                "smaller sheets and import them one after the other."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    file_format = (file_format or "").lower() or _guess_format(file, file_name)
    if file_format == "xlsx":
        _check_xlsx_package(file, max_unpacked=limit * XLSX_MAX_UNPACKED_RATIO)
    elif file_format != "csv":
        raise CaseSheetFormatError(
            _("%(format)s files are not read: save the sheet as CSV (UTF-8) or XLSX.")
            % {"format": file_format.upper() or _("These")}
        )
    return file_format


def _file_size(file: Any) -> int:
    size = getattr(file, "size", None)  # Django's File and UploadedFile
    if isinstance(size, int):
        return size
    position = file.tell()
    size = file.seek(0, io.SEEK_END)
    file.seek(position)
    return size


def _guess_format(file: Any, file_name: str) -> str:
    """From the name's extension, else from the first bytes."""
    name = str(file_name or getattr(file, "name", "") or "").lower()
    for extension in ("csv", "xlsx", "xls", "ods"):
        if name.endswith("." + extension):
            return extension
    start = file.read(8)
    file.seek(0)
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _check_xlsx_package(file: Any, *, max_unpacked: int) -> None:
    """A ZIP package with the parts openpyxl needs to find a workbook in it, and
    no more unpacked bytes than a sheet within the size limit could hold (a small
    ZIP can unpack to gigabytes)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.reader.excel import _find_workbook_part  # openpyxl's own test
    from openpyxl.xml.constants import ARC_CONTENT_TYPES
    from openpyxl.xml.functions import fromstring

    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            unpacked = sum(member.file_size for member in package.infolist())
            if unpacked > max_unpacked:
                raise CaseSheetFormatError(
                    _(
                        "The workbook unpacks to %(size)s, more than a case sheet within the "
                        "limit of %(limit)s can hold. Split it into smaller sheets."
                    )
                    % {
                        "size": filesizeformat(unpacked),
                        "limit": filesizeformat(settings.CASE_SHEET_MAX_BYTES),
                    }
                )
            _find_workbook_part(Manifest.from_tree(fromstring(package.read(ARC_CONTENT_TYPES))))
    except CaseSheetFormatError:
        raise
    except Exception as error:  # BadZipFile, a missing part (KeyError), broken XML
        raise _not_a_workbook(error) from error
    finally:
        file.seek(0)


def _not_a_workbook(error: Exception) -> CaseSheetFormatError:
    return CaseSheetFormatError(
        _(
            "The file is not a readable XLSX workbook (%(error)s). Save the sheet as XLSX "
            "or as CSV (UTF-8)."
        )
        % {"error": error}
    )


class _NulByte(ValueError):
    pass


def _without_nul(lines: Iterator[str]) -> Iterator[str]:
    """A text file never holds NUL; UTF-16 and binary files do, and the csv module
    would read them as cells."""
    for line in lines:
        if "\x00" in line:
            raise _NulByte
        yield line


def _header_name(text: Any) -> str:
    return "_".join(str(text or "").strip().lower().replace("-", " ").split())


class CaseSheetReader:
    """The rows of a case sheet, streamed: `columns` maps each of COLUMNS to its
    place in the file (or None); iterating gives (row number, cells as text in
    COLUMNS order). Row numbers are a spreadsheet's: the header is row 1."""

    def __init__(self, file: Any, *, file_name: str = "", file_format: str | None = None):
        self._opened = None
        if isinstance(file, (str, Path)):
            file_name = file_name or Path(file).name
            file = self._opened = open(file, "rb")  # noqa: SIM115 (closed in close())
        self.file_name = file_name or getattr(file, "name", "") or ""
        self.done = 0
        self.total: int | None = None
        self.unit = "rows"
        try:
            if hasattr(file, "headers") and hasattr(file, "dict"):  # a tablib Dataset
                self.file_format = (file_format or "").lower() or "dataset"
                self._rows = self._dataset_rows(file)
            else:
                self.file_format = case_sheet_upload_check(
                    file, file_name=self.file_name, file_format=file_format
                )
                reader = self._csv_rows if self.file_format == "csv" else self._xlsx_rows
                self._rows = reader(file)
        except CaseSheetFormatError:
            self.close()
            raise
        self.header_row, header = 0, None
        for number, cells in self._rows:  # the header is the first row that is not blank
            if any(_cell_text(cell) for cell in cells):
                self.header_row, header = number, cells
                break
        if header is None:
            raise CaseSheetFormatError(_("The file is empty: expected a header row of columns."))
        self.columns = self._map_columns(header)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()

    def _map_columns(self, header: list[Any]) -> list[int | None]:
        names = [_header_name(_cell_text(cell)) for cell in header]
        while names and not names[-1]:
            names.pop()
        unknown = [name or _("(blank)") for name in names if name not in COLUMN_INDEX]
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        problems = []
        if unknown:
            problems.append(
                _("unknown columns %(unknown)s") % {"unknown": ", ".join(repr(n) for n in unknown)}
            )
        if repeated:
            problems.append(_("repeated columns %(repeated)s") % {"repeated": ", ".join(repeated)})
        if "person" not in names:
            problems.append(_("no person column"))
        if problems:
            raise CaseSheetFormatError(
                _("Row %(row)s, the header: %(problems)s. Expected the columns %(columns)s.")
                % {
                    "row": self.header_row,
                    "problems": "; ".join(problems),
                    "columns": ", ".join(COLUMNS),
                }
            )
        return [names.index(name) if name in names else None for name in COLUMNS]

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        places = self.columns
        plain = self.file_format == "csv"  # every cell is already text
        try:
            for row_number, cells in self._rows:
                width = len(cells)
                if plain:
                    texts = [
                        cells[place].strip() if place is not None and place < width else ""
                        for place in places
                    ]
                else:
                    texts = [
                        _cell_text(cells[place]) if place is not None and place < width else ""
                        for place in places
                    ]
                if any(text[:1] == "'" for text in texts):
                    texts = [unescape_formula(text) for text in texts]
                if any(texts):  # a blank line is no row
                    yield row_number, texts
        finally:
            self._rows.close()
            self.close()

    # -- formats --------------------------------------------------------------------

    def _csv_rows(self, file) -> Iterator[tuple[int, list]]:
        binary = getattr(file, "file", file)  # a Django File wraps the real one
        try:
            self.total = binary.seek(0, io.SEEK_END)
            binary.seek(0)
            self.unit = "bytes"
        except (AttributeError, OSError):
            self.total = None
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        row_number = 0
        try:
            first = text.readline()
            # spreadsheets in many locales save CSV with semicolons or tabs
            delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
            lines = _without_nul(itertools.chain([first], text))
            for row_number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
                if self.unit == "bytes" and row_number % 500 == 0:
                    self.done = binary.tell()
                yield row_number, cells
            self.done = self.total or row_number
        except UnicodeDecodeError as error:
            raise CaseSheetFormatError(
                _(
                    "Row %(row)s: the file is not UTF-8 text (%(error)s). Save it as "
                    "“CSV UTF-8” or as XLSX."
                )
                % {"row": row_number + 1, "error": error.reason}
            ) from error
        except _NulByte as error:
            raise CaseSheetFormatError(
                _(
                    "Row %(row)s: the file holds NUL bytes, so it is not CSV text (it may be "
                    "UTF-16 or a binary file). Save it as “CSV UTF-8” or as XLSX."
                )
                % {"row": row_number + 1}
            ) from error
        except csv.Error as error:
            raise CaseSheetFormatError(
                _("Row %(row)s: the CSV cannot be read (%(error)s).")
                % {"row": row_number + 1, "error": error}
            ) from error
        finally:
            try:
                text.detach()  # leave the caller's file open
            except ValueError:
                pass  # already closed

    def _xlsx_rows(self, file) -> Iterator[tuple[int, list]]:
        import openpyxl  # only XLSX needs it

        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # InvalidFileException, BadZipFile, a missing part...
            raise _not_a_workbook(error) from error
        try:
            sheet = workbook.worksheets[0]
            self.total = sheet.max_row
            for row_number, cells in enumerate(sheet.iter_rows(), start=1):
                self.done = row_number
                yield row_number, [_XlsxValue(cell) for cell in cells]
        finally:
            workbook.close()

    def _dataset_rows(self, dataset) -> Iterator[tuple[int, list]]:
        self.total = dataset.height
        yield 1, list(dataset.headers or [])
        for row_number, cells in enumerate(dataset, start=2):
            self.done = row_number - 1
            yield row_number, list(cells)


class _XlsxValue:
    """A worksheet cell's value with its number format (a date cell formatted
    "mmm yyyy" is a month)."""

    __slots__ = ("value", "number_format")

    def __init__(self, cell):
        self.value = getattr(cell, "value", None)
        self.number_format = getattr(cell, "number_format", "") or ""


def _cell_text(cell: Any) -> str:
    number_format = ""
    if isinstance(cell, _XlsxValue):
        cell, number_format = cell.value, cell.number_format.lower()
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, (datetime.datetime, datetime.date)):
        day = cell.date() if isinstance(cell, datetime.datetime) else cell
        if "d" not in number_format and "m" in number_format:
            return PartialDate(day.replace(day=1), Precision.MONTH).isoformat()
        if number_format and "d" not in number_format and "m" not in number_format:
            return PartialDate(day.replace(month=1, day=1), Precision.YEAR).isoformat()
        return day.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
