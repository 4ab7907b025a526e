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
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, connection, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from cases.choices import Gender, NameVariantKind
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    Charge,
    Detention,
    IssuedSlug,
    LegalStage,
    NameVariant,
    Occupation,
    Organization,
    Person,
    ReleaseReason,
    SourceKind,
)
from cases.partial_dates import PartialDate, PartialDateError, Precision, period_ends_before
from cases.search import name_key, readable_ascii
from sources.models import Citation, Source

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

COLUMNS = (
    "person",
    "name_variants",
    "gender",
    "birth_year",
    "occupations",
    "affiliations",
    "arrested_on",
    "arrest_place",
    "charges",
    "legal_stage",
    "sentence",
    "facility",
    "released_on",
    "release_reason",
    "allegations",
    "sources",
    "notes",
)
# What each column holds, for the import page and the command's help.
COLUMN_HELP = {
    "person": gettext_lazy("Required. The name as usually written in English."),
    "name_variants": gettext_lazy("Other spellings, separated by |."),
    "gender": gettext_lazy("female, male, other, or blank."),
    "birth_year": gettext_lazy("Four digits, or blank."),
    "occupations": gettext_lazy("Occupation terms (code or English label), separated by |."),
    "affiliations": gettext_lazy("Organization names, separated by |."),
    "arrested_on": gettext_lazy(
        "A partial date: 2023, 2023-11, 2023-11-21, 21.11.2023, November 2023, Nov 2023."
    ),
    "arrest_place": gettext_lazy("Free text."),
    "charges": gettext_lazy(
        "Criminal-code articles separated by |, each optionally followed by its description "
        "in parentheses: 206.3.2 (smuggling) | 193-1."
    ),
    "legal_stage": gettext_lazy("A legal stage term (code or English label)."),
    "sentence": gettext_lazy("9 years, 7 years 6 months, 8y6m, 90 months, or blank."),
    "facility": gettext_lazy("Free text."),
    "released_on": gettext_lazy("A partial date, or blank."),
    "release_reason": gettext_lazy("A release reason term, or blank."),
    "allegations": gettext_lazy("Allegation terms, separated by |."),
    "sources": gettext_lazy("URLs, separated by |."),
    "notes": gettext_lazy("Staff-only notes, added to the person's internal notes."),
}
# A row with any of these filled describes a detention; without, only a person.
DETENTION_COLUMNS = (
    "arrested_on",
    "arrest_place",
    "charges",
    "legal_stage",
    "sentence",
    "facility",
    "released_on",
    "release_reason",
    "allegations",
    "sources",
)
SEPARATOR = "|"
CHUNK_ROWS = 2000
SOURCE_KIND = "other"  # a URL alone does not say what kind of source it is
IMPORT_LOCK = 0x43534854  # pg_advisory_xact_lock key: one case-sheet write at a time
WORK_MEM = "64MB"
# An XLSX is a ZIP of XML; one unpacking to more than this many times
# settings.CASE_SHEET_MAX_BYTES is a "ZIP bomb", not a sheet.
XLSX_MAX_UNPACKED_RATIO = 25

_COLUMN_INDEX = {name: index for index, name in enumerate(COLUMNS)}
_DETENTION_INDEXES = tuple(_COLUMN_INDEX[name] for name in DETENTION_COLUMNS)


class CaseSheetFormatError(Exception):
    """The file cannot be read as a case sheet (format, encoding, header)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the row as a spreadsheet numbers it (the header
    is row 1), the column, the value found and what was expected."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s %(value)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "value": repr(self.value) if self.value else _("(blank)"),
            "message": self.message,
        }


@dataclass
class RowPlan:
    """What the import does with one row."""

    row: int
    person: str
    person_action: str = ""  # new | matched | "" (error)
    same_as_row: int | None = None  # an earlier row of the file names the same person
    matched_person: str = ""  # the stored display name
    matched_person_id: int | None = None
    matched_via: str = ""  # the stored spelling whose key matched
    person_changes: list[str] = field(default_factory=list)
    detention_action: str = ""  # new | updated | unchanged | "" (no detention)
    arrested_on: PartialDate | None = None
    detention_changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


COUNT_LABELS = {
    "new_persons": gettext_lazy("new persons"),
    "matched_persons": gettext_lazy("existing persons matched"),
    "updated_persons": gettext_lazy("existing persons updated"),
    "new_detentions": gettext_lazy("new detentions"),
    "updated_detentions": gettext_lazy("detentions updated"),
    "unchanged_detentions": gettext_lazy("detentions unchanged"),
    "new_name_variants": gettext_lazy("new name variants"),
    "new_organizations": gettext_lazy("new organizations"),
    "new_affiliations": gettext_lazy("new affiliations"),
    "new_charges": gettext_lazy("new charges"),
    "new_allegations": gettext_lazy("new allegations"),
    "new_sources": gettext_lazy("new sources"),
    "new_citations": gettext_lazy("new citations"),
}


@dataclass
class CaseSheetResult:
    file_name: str
    file_format: str
    rows: int = 0
    written: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_LABELS, 0))
    errors: list[RowError] = field(default_factory=list)  # the first `error_limit`
    error_count: int = 0
    row_plans: list[RowPlan] = field(default_factory=list)  # the first `row_limit` rows
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def changes_anything(self) -> bool:
        return any(
            n
            for key, n in self.counts.items()
            if key not in ("matched_persons", "unchanged_detentions")
        )

    def summary(self) -> str:
        counted = ", ".join(f"{n} {COUNT_LABELS[key]}" for key, n in self.counts.items() if n)
        text = ngettext("%(n)s row", "%(n)s rows", self.rows) % {"n": self.rows}
        if counted:
            text += f": {counted}"
        if self.error_count:
            text += ". " + ngettext(
                "%(n)s error; nothing was written.", "%(n)s errors; nothing was written.",
                self.error_count,
            ) % {"n": self.error_count}  # fmt: skip
        elif not self.changes_anything:
            text += ". " + _("Nothing to change: the database already holds every row.")
        return text


# progress(stage, done, total, unit): stage "read" (unit "bytes" or "rows"), "check", "write" (steps)
Progress = Callable[[str, int, int | None, str], None]


# --- services --------------------------------------------------------------------


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
        run = _Run(file, file_name, file_format, row_limit, error_limit, progress)
        try:
            return run.plan()
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

        run = _Run(file, file_name, file_format, row_limit, error_limit, progress)
        result = run.plan()
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
            run.write()
        run.drop_tables()
        result.written = True
        result.seconds["write"] = time.perf_counter() - started
    return result


# --- reading the file ---------------------------------------------------------------


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
        unknown = [name or _("(blank)") for name in names if name not in _COLUMN_INDEX]
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
                    texts = [_unescaped(text) for text in texts]
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


# Casebook's exports prefix a cell starting with one of these with ' so that a
# spreadsheet shows it instead of running it (cases.admin_workflow); read back,
# such a cell is the value it was, so an exported sheet imports unchanged.
_ESCAPED_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _unescaped(text: str) -> str:
    if text[:1] == "'" and text[1:2] and text[1] in _ESCAPED_STARTS:
        return text[1:].strip()
    return text


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


# --- checking one row -------------------------------------------------------------------


_URL = URLValidator(schemes=["http", "https"])
_CHARGE = re.compile(r"^(?P<article>[^()]*?)\s*(?:\((?P<description>.*)\))?$", re.S)
_YEAR_UNITS = {"y", "yr", "yrs", "year", "years", "il", "г", "год", "года", "лет"}
_MONTH_UNITS = {"m", "mo", "mos", "month", "months", "ay", "мес", "месяц", "месяца", "месяцев"}
_SENTENCE_PART = re.compile(r"(\d+)\s*([^\W\d_]+)\.?", re.U)
_SENTENCE_FILLER = re.compile(r"^[\s,;+]*(?:and|və|и)?[\s,;+]*$", re.I)


def _is_url(url: str) -> bool:
    """Django's URL check (as Source.url's form field), its regular expression first:
    the whole validator costs about 50 µs a URL."""
    if len(url) > 1000 or not url.lower().startswith(("http://", "https://")):
        return False
    if _URL.regex.search(url):
        return True
    try:
        _URL(url)  # internationalised domain names, after punycode
    except ValidationError:
        return False
    return True


def _split(text: str) -> list[str]:
    """The non-blank parts of a `|`-separated cell, spaces tidied, repeats dropped."""
    parts = []
    for part in text.split(SEPARATOR):
        part = " ".join(part.split())
        if part and part not in parts:
            parts.append(part)
    return parts


def parse_sentence(text: str) -> int:
    """Months of a sentence written "9 years", "7 years 6 months", "8y6m" or
    "90 months" (also Azerbaijani il/ay and Russian лет/мес). Raises ValueError."""
    cleaned = text.strip().lower()
    years = months = None
    position = 0
    for match in _SENTENCE_PART.finditer(cleaned):
        if not _SENTENCE_FILLER.match(cleaned[position : match.start()]):
            raise ValueError(text)
        number, unit = int(match.group(1)), match.group(2)
        if unit in _YEAR_UNITS and years is None:
            years = number
        elif unit in _MONTH_UNITS and months is None:
            months = number
        else:
            raise ValueError(text)
        position = match.end()
    if (years is None and months is None) or not _SENTENCE_FILLER.match(cleaned[position:]):
        raise ValueError(text)
    total = (years or 0) * 12 + (months or 0)
    if total > 12 * 100:
        raise ValueError(text)
    return total


_AZ_CYRILLIC = re.compile("[әғҹһөүҝјӘҒҸҺӨҮҜЈ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_AZ_LATIN = re.compile("[əışğçöüİƏŞĞÇÖÜ]")


def _language_of(name: str) -> str:
    """A guess at the language or script of a spelling, for the name variant."""
    if _CYRILLIC.search(name):
        return "az-Cyrl" if _AZ_CYRILLIC.search(name) else "ru"
    return "az" if _AZ_LATIN.search(name) else ""


class _Vocabulary:
    """One vocabulary's terms by lower-cased code and label, read once per import
    (the same rule as Vocabulary.lookup: code or English label, any case)."""

    def __init__(self, model, column: str):
        self.column = column
        self.by_text: dict[str, int] = {}
        codes = []
        for term_id, code, label in model.objects.values_list("id", "code", "label"):
            codes.append(code)
            self.by_text.setdefault(code.lower(), term_id)
            self.by_text.setdefault(label.lower(), term_id)
        self.allowed = ", ".join(codes)
        self.noun = model._meta.verbose_name

    def find(self, text: str) -> int | None:
        return self.by_text.get(" ".join(text.split()).lower())

    def unknown(self, text: str) -> str:
        return _(
            "unknown %(noun)s %(text)r; expected one of %(allowed)s (a code or its English label)"
        ) % {"noun": self.noun, "text": text, "allowed": self.allowed}


@lru_cache(maxsize=4096)  # a person's rows are mostly adjacent; bounded memory
def _key_and_language(name: str) -> tuple[str, str]:
    """The name key and language of a spelling; names repeat across rows."""
    return name_key(name), _language_of(name)


def _slug_base(name: str) -> str:
    return slugify(readable_ascii(name))[:110] or "person"


_ROW_TYPES = [
    "int4", "text", "text", "text", "text", "text[]", "text[]", "text[]", "text", "int4",
    "int8[]", "text[]", "bool", "bool", "date", "int2", "text", "text[]", "text[]", "int8",
    "int4", "text", "date", "int2", "int8", "int8[]", "text[]", "text",
]  # fmt: skip
_ROW_COLUMNS = (
    "row_no, person, person_key, person_language, slug_base, variants, variant_keys, "
    "variant_languages, gender, birth_year, occupation_ids, affiliations, has_detention, "
    "identity_ok, arrested_on, arrested_precision, arrest_place, charge_articles, "
    "charge_descriptions, legal_stage_id, sentence_months, facility, released_on, "
    "released_precision, release_reason_id, allegation_kind_ids, source_urls, notes"
)


class _RowChecker:
    """Checks one row's cells and gives the row as staged (or None) and its errors."""

    def __init__(self):
        self.occupations = _Vocabulary(Occupation, "occupations")
        self.legal_stages = _Vocabulary(LegalStage, "legal_stage")
        self.release_reasons = _Vocabulary(ReleaseReason, "release_reason")
        self.allegation_kinds = _Vocabulary(AllegationKind, "allegations")
        self.this_year = datetime.date.today().year
        self.genders = {value: value for value in Gender.values} | {
            str(label).lower(): value for value, label in Gender.choices
        }

    def check(self, row: int, cells: list[str]) -> tuple[tuple | None, list[RowError]]:
        errors: list[RowError] = []

        def error(column: str, value: str, message: str) -> None:
            errors.append(RowError(row, column, value, message))

        def text(column: str, limit: int) -> str:
            value = " ".join(cells[_COLUMN_INDEX[column]].split())
            if len(value) > limit:
                error(column, value, _("too long: at most %(n)s characters") % {"n": limit})
                return value[:limit]
            return value

        def terms(vocabulary: _Vocabulary) -> list[int]:
            found = []
            for part in _split(cells[_COLUMN_INDEX[vocabulary.column]]):
                term = vocabulary.find(part)
                if term is None:
                    error(vocabulary.column, part, vocabulary.unknown(part))
                elif term not in found:
                    found.append(term)
            return found

        def term(vocabulary: _Vocabulary) -> int | None:
            value = " ".join(cells[_COLUMN_INDEX[vocabulary.column]].split())
            if not value:
                return None
            found = vocabulary.find(value)
            if found is None:
                error(vocabulary.column, value, vocabulary.unknown(value))
            return found

        def date(column: str) -> tuple[PartialDate | None, bool]:
            value = cells[_COLUMN_INDEX[column]].strip()
            if not value:
                return None, True
            try:
                return PartialDate.parse(value), True
            except PartialDateError as problem:
                error(column, value, str(problem))
                return None, False

        person = text("person", 200)
        key = ""
        if not person:
            error(
                "person",
                cells[_COLUMN_INDEX["person"]],
                _("the person is blank; expected the name as usually written in English"),
            )
        else:
            key, person_language = _key_and_language(person)
            slug_base = _slug_base(person)
            if not key:
                error("person", person, _("expected a name with letters"))

        variants, variant_keys, variant_languages = [], [], []
        for name in _split(cells[_COLUMN_INDEX["name_variants"]]):
            if len(name) > 200:
                error("name_variants", name, _("too long: at most %(n)s characters") % {"n": 200})
            elif name != person:
                variant_key, language = _key_and_language(name)
                variants.append(name)
                variant_keys.append(variant_key)
                variant_languages.append(language)

        gender_text = text("gender", 20).lower()
        gender = self.genders.get(gender_text, "")
        if gender_text and not gender:
            error("gender", gender_text, _("expected %(allowed)s, or blank")
                  % {"allowed": ", ".join(Gender.values)})  # fmt: skip

        birth_year = None
        birth_text = text("birth_year", 20)
        if birth_text:
            if re.fullmatch(r"\d{4}", birth_text) and 1800 <= int(birth_text) <= self.this_year:
                birth_year = int(birth_text)
            else:
                error("birth_year", birth_text, _("expected a year of four digits such as 1984, "
                      "between 1800 and %(year)s, or blank") % {"year": self.this_year})  # fmt: skip

        occupations = terms(self.occupations)
        affiliations = []
        for name in _split(cells[_COLUMN_INDEX["affiliations"]]):
            if len(name) > 200:
                error("affiliations", name, _("too long: at most %(n)s characters") % {"n": 200})
            else:
                affiliations.append(name)

        has_detention = any(cells[index].strip() for index in _DETENTION_INDEXES)
        arrested, arrest_ok = date("arrested_on")
        released, _released_ok = date("released_on")
        if period_ends_before(arrested, released):
            error(
                "released_on",
                cells[_COLUMN_INDEX["released_on"]].strip(),
                _("the release (%(released)s) is before the arrest (%(arrested)s); expected a "
                  "date on or after the arrest") % {"released": released.isoformat(),
                                                    "arrested": arrested.isoformat()},
            )  # fmt: skip

        articles, descriptions = [], []
        for part in _split(cells[_COLUMN_INDEX["charges"]]):
            match = _CHARGE.match(part)
            article = match.group("article").strip() if match else ""
            description = " ".join((match.group("description") or "").split()) if match else ""
            if not article or "(" in article or ")" in description:
                error("charges", part, _("expected an article, optionally followed by its "
                      "description in parentheses: 206.3.2 (smuggling)"))  # fmt: skip
            elif len(article) > 40 or len(description) > 300:
                error("charges", part, _("too long: an article has at most 40 characters and its "
                      "description at most 300"))  # fmt: skip
            elif article in articles:
                if description and not descriptions[articles.index(article)]:
                    descriptions[articles.index(article)] = description
            else:
                articles.append(article)
                descriptions.append(description)

        sentence = None
        sentence_text = text("sentence", 100)
        if sentence_text:
            try:
                sentence = parse_sentence(sentence_text)
            except ValueError:
                error("sentence", sentence_text, _("expected a sentence such as 9 years, "
                      "7 years 6 months, 8y6m or 90 months (at most 100 years), or blank"))  # fmt: skip

        urls = []
        for url in _split(cells[_COLUMN_INDEX["sources"]]):
            if _is_url(url):
                urls.append(url)
            else:
                error("sources", url, _("expected a web address starting with http:// or "
                      "https://, at most 1000 characters"))  # fmt: skip

        staged = None
        if person and key:
            staged = (
                row, person, key, person_language, slug_base, variants, variant_keys,
                variant_languages, gender, birth_year, occupations, affiliations, has_detention,
                arrest_ok, arrested.date if arrested else None,
                int(arrested.precision) if arrested else None, text("arrest_place", 200),
                articles, descriptions, term(self.legal_stages), sentence, text("facility", 200),
                released.date if released else None,
                int(released.precision) if released else None, term(self.release_reasons),
                terms(self.allegation_kinds), urls, cells[_COLUMN_INDEX["notes"]].strip(),
            )  # fmt: skip
        else:  # still check the rest of the row, so every error is listed at once
            text("arrest_place", 200), text("facility", 200)
            term(self.legal_stages), term(self.release_reasons), terms(self.allegation_kinds)
        return staged, errors


# --- the run: stage, plan, write ---------------------------------------------------------


T = "case_sheet_"  # prefix of the temporary tables


class _Run:
    """One import or preview. The staged rows (T + "row") stay as copied; what the
    plan works out per row lives in a narrow table (T + "plan"), per person in
    T + "person", so the many small updates never rewrite the wide rows."""

    def __init__(self, file, file_name, file_format, row_limit, error_limit, progress):
        self.reader = CaseSheetReader(file, file_name=file_name, file_format=file_format)
        self.result = CaseSheetResult(
            file_name=self.reader.file_name, file_format=self.reader.file_format
        )
        self.row_limit = row_limit
        self.error_limit = error_limit
        self.progress = progress or (lambda stage, done, total, unit: None)
        self.errors: list[RowError] = []
        self.unstaged: dict[int, str] = {}  # rows shown in the plan that had no person
        self.cursor = connection.cursor()

    # -- helpers ---------------------------------------------------------------------

    def sql(self, statement: str, params: list | tuple = ()) -> int:
        self.cursor.execute(statement, list(params))
        return self.cursor.rowcount

    def rows(self, statement: str, params: list | tuple = ()) -> list[tuple]:
        self.cursor.execute(statement, list(params))
        return self.cursor.fetchall()

    def value(self, statement: str, params: list | tuple = ()):
        self.cursor.execute(statement, list(params))
        return self.cursor.fetchone()[0]

    def error(self, row: int, column: str, value: str, message: str) -> None:
        self.errors.append(RowError(row, column, value or "", message))

    def table(self, name: str, select: str, key: str | None = None, params=()) -> None:
        """CREATE TEMP TABLE T+name AS select, with its key and statistics."""
        self.sql(f"CREATE TEMP TABLE {T}{name} AS {select}", params)
        if key:
            self.sql(f"ALTER TABLE {T}{name} ADD PRIMARY KEY ({key})")
        self.sql(f"ANALYZE {T}{name}")

    def drop_tables(self) -> None:
        self.sql("DROP TABLE IF EXISTS " + ", ".join(T + name for name in _TABLES))

    # -- plan ------------------------------------------------------------------------

    def plan(self) -> CaseSheetResult:
        started = time.perf_counter()
        # the plan sorts and hashes whole temporary tables: in memory, for this transaction only
        self.sql("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        self.drop_tables()
        self.create_tables()
        self.stage()
        self.result.seconds["read"] = time.perf_counter() - started
        steps = [
            self.cluster_rows,
            self.match_persons,
            self.consolidate_persons,
            self.plan_person_changes,
            self.plan_detentions,
            self.plan_children,
        ]
        checked = time.perf_counter()
        for number, step in enumerate(steps, start=1):
            step()
            self.progress("check", number, len(steps), "steps")
        self.collect()
        self.result.seconds["check"] = time.perf_counter() - checked
        return self.result

    def create_tables(self) -> None:
        self.sql(f"""
            CREATE TEMP TABLE {T}row (
                row_no integer PRIMARY KEY, person text NOT NULL, person_key text NOT NULL,
                person_language text NOT NULL, slug_base text NOT NULL, variants text[] NOT NULL,
                variant_keys text[] NOT NULL, variant_languages text[] NOT NULL,
                gender text NOT NULL, birth_year integer, occupation_ids bigint[] NOT NULL,
                affiliations text[] NOT NULL, has_detention boolean NOT NULL,
                identity_ok boolean NOT NULL, arrested_on date, arrested_precision smallint,
                arrest_place text NOT NULL, charge_articles text[] NOT NULL,
                charge_descriptions text[] NOT NULL, legal_stage_id bigint,
                sentence_months integer, facility text NOT NULL, released_on date,
                released_precision smallint, release_reason_id bigint,
                allegation_kind_ids bigint[] NOT NULL, source_urls text[] NOT NULL,
                notes text NOT NULL
            )""")  # fmt: skip

    def stage(self) -> None:
        """Check every row and COPY the checked rows into the row table, a chunk at a time."""
        checker = _RowChecker()
        reader = self.reader
        raw = self.cursor.cursor  # psycopg's cursor, for COPY, in the same transaction
        chunk: list[tuple] = []

        def flush():
            if chunk:
                with raw.copy(f"COPY {T}row ({_ROW_COLUMNS}) FROM STDIN") as copy:
                    copy.set_types(_ROW_TYPES)
                    for staged in chunk:
                        copy.write_row(staged)
                chunk.clear()
            self.progress("read", reader.done, reader.total, reader.unit)

        for row, cells in reader:
            self.result.rows += 1
            staged, errors = checker.check(row, cells)
            self.errors.extend(errors)
            if staged is None:
                if self.row_limit is None or len(self.unstaged) < self.row_limit:
                    self.unstaged[row] = cells[0]
            else:
                chunk.append(staged)
                if len(chunk) >= CHUNK_ROWS:
                    flush()
        flush()
        if self.result.rows == 0:
            raise CaseSheetFormatError(
                _("The file has a header but no rows: expected one row per detention.")
            )
        self.sql(f"ANALYZE {T}row")
        self.table("plan", f"""
            SELECT row_no, row_no AS cluster, NULL::bigint AS person_id, false AS ambiguous,
                   NULL::text AS via, has_detention AND identity_ok AS detention_ok,
                   NULL::bigint AS detention_id,
                   false AS d_place, false AS d_stage, false AS d_sentence, false AS d_facility,
                   false AS d_released, false AS d_reason, 0 AS n_charges,
                   0 AS n_charge_descriptions, 0 AS n_allegations, 0 AS n_citations
            FROM {T}row""", key="row_no")  # fmt: skip

    def cluster_rows(self) -> None:
        """Rows name the same person when one row's person (by name key) is another
        row's person or one of its name variants: label propagation over a star of
        edges per key, until every row carries the smallest row number of its group."""
        self.table(
            "name",
            f"""
            SELECT row_no, person_key AS key, true AS is_person FROM {T}row
            UNION ALL
            SELECT r.row_no, k.key, false FROM {T}row r
            CROSS JOIN LATERAL unnest(r.variant_keys) AS k(key) WHERE k.key <> ''""",
        )
        self.sql(f"""
            CREATE TEMP TABLE {T}edge AS
            WITH head AS (SELECT key, min(row_no) AS head FROM {T}name WHERE is_person GROUP BY key)
            SELECT DISTINCT n.row_no AS a, h.head AS b FROM {T}name n JOIN head h USING (key)
            WHERE n.row_no <> h.head""")  # fmt: skip
        self.sql(f"INSERT INTO {T}edge SELECT b, a FROM {T}edge")
        self.sql(f"ANALYZE {T}edge")
        while self.sql(f"""
            UPDATE {T}plan q SET cluster = m.cluster
            FROM (SELECT e.a AS row_no, min(o.cluster) AS cluster
                  FROM {T}edge e JOIN {T}plan o ON o.row_no = e.b GROUP BY e.a) m
            WHERE q.row_no = m.row_no AND m.cluster < q.cluster"""):
            pass

    def match_persons(self) -> None:
        """Each group of rows against the stored persons, by name key: first the
        rows' person names against display names, then against name variants,
        then the rows' name variants against both. One person at the first level
        that finds any is a match; several are ambiguous (an error)."""
        self.table("candidate", f"""
            WITH names AS (
                SELECT DISTINCT q.cluster, n.key, n.is_person
                FROM {T}name n JOIN {T}plan q USING (row_no))
            SELECT n.cluster, p.id AS person_id, CASE WHEN n.is_person THEN 1 ELSE 3 END AS level,
                   p.display_name AS via
            FROM names n JOIN cases_person p ON p.name_key = n.key
            WHERE p.deleted_at IS NULL
            UNION ALL
            SELECT n.cluster, v.person_id, CASE WHEN n.is_person THEN 2 ELSE 3 END, v.name
            FROM names n JOIN cases_namevariant v ON v.name_key = n.key
            JOIN cases_person p ON p.id = v.person_id
            WHERE v.deleted_at IS NULL AND p.deleted_at IS NULL""")  # fmt: skip
        self.table("match", f"""
            WITH best AS (SELECT cluster, min(level) AS level FROM {T}candidate GROUP BY cluster)
            SELECT c.cluster, count(DISTINCT c.person_id) AS persons,
                   min(c.person_id) AS person_id, min(c.via) AS via
            FROM {T}candidate c JOIN best b ON b.cluster = c.cluster AND b.level = c.level
            GROUP BY c.cluster""", key="cluster")  # fmt: skip
        self.sql(f"""
            UPDATE {T}plan q SET person_id = CASE WHEN m.persons = 1 THEN m.person_id END,
                   ambiguous = m.persons > 1, via = m.via
            FROM {T}match m WHERE m.cluster = q.cluster""")
        ambiguous = self.rows(f"""
            WITH c AS (SELECT DISTINCT m.cluster, p.id, p.display_name, p.slug
                       FROM {T}match m
                       JOIN {T}candidate c ON c.cluster = m.cluster
                       JOIN (SELECT cluster, min(level) AS level FROM {T}candidate GROUP BY cluster) b
                            ON b.cluster = c.cluster AND b.level = c.level
                       JOIN cases_person p ON p.id = c.person_id
                       WHERE m.persons > 1)
            SELECT r.row_no, r.person,
                   (SELECT array_agg(c.display_name || ' (' || c.slug || ')' ORDER BY c.id)
                    FROM c WHERE c.cluster = q.cluster)
            FROM {T}plan q JOIN {T}row r USING (row_no) WHERE q.ambiguous ORDER BY r.row_no""")  # fmt: skip
        for row, person, candidates in ambiguous:
            shown = ", ".join(candidates[:5]) + (" …" if len(candidates) > 5 else "")
            self.error(row, "person", person, _(
                "the name matches %(n)s persons in Casebook (%(persons)s) and the import cannot "
                "tell which one is meant; expected a name that matches one person: add this "
                "detention in the admin, or tell the namesakes apart there first"
            ) % {"n": len(candidates), "persons": shown})  # fmt: skip
        # groups of rows that matched the same stored person are one person
        self.sql(f"""
            UPDATE {T}plan q SET cluster = f.first
            FROM (SELECT person_id, min(cluster) AS first FROM {T}plan
                  WHERE person_id IS NOT NULL GROUP BY person_id) f
            WHERE q.person_id = f.person_id AND q.cluster <> f.first""")

    def consolidate_persons(self) -> None:
        """One line per person of the file: the first row's spelling is the display
        name of a new person; gender and birth year must agree across its rows."""
        self.table("person", f"""
            SELECT q.cluster, min(r.row_no) AS first_row, max(q.person_id) AS person_id,
                   bool_or(q.ambiguous) AS ambiguous,
                   max(q.person_id) IS NULL AND NOT bool_or(q.ambiguous) AS new,
                   (array_agg(r.person ORDER BY r.row_no))[1] AS display_name,
                   (array_agg(r.person_key ORDER BY r.row_no))[1] AS person_key,
                   (array_agg(r.slug_base ORDER BY r.row_no))[1] AS slug_base,
                   coalesce((array_agg(r.gender ORDER BY r.row_no)
                             FILTER (WHERE r.gender <> ''))[1], '') AS gender,
                   (array_agg(r.birth_year ORDER BY r.row_no)
                    FILTER (WHERE r.birth_year IS NOT NULL))[1] AS birth_year,
                   false AS gender_changed, false AS birth_changed, ''::text AS notes,
                   0 AS n_variants, 0 AS n_occupations, 0 AS n_affiliations
            FROM {T}row r JOIN {T}plan q USING (row_no) GROUP BY q.cluster""", key="cluster")  # fmt: skip
        for column, label in (("gender", _("gender")), ("birth_year", _("birth year"))):
            blank = "''" if column == "gender" else "NULL"
            conflicts = self.rows(f"""
                SELECT r.row_no, r.{column}::text, p.{column}::text, p.display_name,
                       (SELECT min(o.row_no) FROM {T}row o JOIN {T}plan oq USING (row_no)
                        WHERE oq.cluster = q.cluster AND o.{column} = p.{column})
                FROM {T}row r JOIN {T}plan q USING (row_no) JOIN {T}person p USING (cluster)
                WHERE r.{column} IS DISTINCT FROM {blank} AND r.{column} <> p.{column}
                ORDER BY r.row_no""")  # fmt: skip
            for row, value, first_value, person, first_row in conflicts:
                self.error(row, column, value, _(
                    "row %(first_row)s gives %(first_value)s as the %(label)s of the same person "
                    "(%(person)s); expected the same %(label)s in every row of a person"
                ) % {"first_row": first_row, "first_value": first_value, "label": label,
                     "person": person})  # fmt: skip

    def plan_person_changes(self) -> None:
        """What each person gains: spellings, occupations, affiliations, gender,
        birth year, notes. Existing persons change only where the sheet says more."""
        p = f"{T}person"
        rows = f"{T}row r JOIN {T}plan q USING (row_no)"
        self.sql(f"""
            UPDATE {p} sp SET
                gender_changed = sp.gender <> '' AND sp.gender <> x.gender,
                birth_changed = sp.birth_year IS NOT NULL AND (x.birth_date IS NULL
                                OR extract(year FROM x.birth_date) <> sp.birth_year)
            FROM cases_person x WHERE x.id = sp.person_id""")  # fmt: skip
        # notes: each distinct note once, in row order, unless the person's notes hold it
        self.sql(f"""
            UPDATE {p} sp SET notes = n.notes
            FROM (SELECT d.cluster, string_agg(d.notes, %s ORDER BY d.first_row) AS notes
                  FROM (SELECT q.cluster, r.notes, min(r.row_no) AS first_row FROM {rows}
                        WHERE r.notes <> '' GROUP BY q.cluster, r.notes) d
                  JOIN {p} s ON s.cluster = d.cluster
                  LEFT JOIN cases_person x ON x.id = s.person_id
                  WHERE x.id IS NULL OR strpos(x.internal_notes, d.notes) = 0
                  GROUP BY d.cluster) n
            WHERE n.cluster = sp.cluster""", ["\n\n"])  # fmt: skip
        self.table("variant", f"""
            SELECT DISTINCT ON (n.cluster, lower(n.name)) n.cluster, n.name, n.key, n.language
            FROM (SELECT q.cluster, r.row_no, 0 AS place, r.person AS name, r.person_key AS key,
                         r.person_language AS language FROM {rows}
                  UNION ALL
                  SELECT q.cluster, r.row_no, v.place, v.name, v.key, v.language FROM {rows}
                  CROSS JOIN LATERAL unnest(r.variants, r.variant_keys, r.variant_languages)
                      WITH ORDINALITY AS v(name, key, language, place)) n
            JOIN {p} sp ON sp.cluster = n.cluster
            LEFT JOIN cases_person x ON x.id = sp.person_id
            WHERE lower(n.name) <> lower(coalesce(x.display_name, sp.display_name))
              AND NOT EXISTS (SELECT 1 FROM cases_namevariant v
                              WHERE v.person_id = sp.person_id AND lower(v.name) = lower(n.name))
            ORDER BY n.cluster, lower(n.name), n.row_no, n.place""")  # fmt: skip
        self.table(
            "occupation",
            f"""
            SELECT DISTINCT q.cluster, o.id AS occupation_id
            FROM {rows} CROSS JOIN LATERAL unnest(r.occupation_ids) AS o(id)
            JOIN {p} sp ON sp.cluster = q.cluster
            WHERE NOT EXISTS (SELECT 1 FROM cases_person_occupations x
                              WHERE x.person_id = sp.person_id AND x.occupation_id = o.id)""",
        )
        # organizations by name, any case; one in the trash is an error, not a duplicate
        self.table("organization", f"""
            SELECT a.key, (array_agg(a.name ORDER BY a.row_no))[1] AS name,
                   min(a.row_no) AS first_row, NULL::bigint AS organization_id,
                   false AS trashed, NULL::text AS slug
            FROM (SELECT r.row_no, n.name, lower(n.name) AS key FROM {T}row r
                  CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)) a
            GROUP BY a.key""", key="key")  # fmt: skip
        self.sql(f"""
            UPDATE {T}organization o SET organization_id = x.id, trashed = x.deleted_at IS NOT NULL
            FROM (SELECT DISTINCT ON (lower(name)) lower(name) AS key, id, deleted_at
                  FROM cases_organization WHERE lower(name) IN (SELECT key FROM {T}organization)
                  ORDER BY lower(name), deleted_at NULLS FIRST, id) x
            WHERE x.key = o.key""")  # fmt: skip
        for row, name in self.rows(f"""
                SELECT r.row_no, n.name FROM {T}row r
                CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)
                JOIN {T}organization o ON o.key = lower(n.name) WHERE o.trashed
                ORDER BY r.row_no"""):
            self.error(row, "affiliations", name, _(
                "this organization is in the trash in Casebook; expected an organization in use: "
                "restore it in the admin, or remove it from the row"))  # fmt: skip
        self.table(
            "affiliation",
            f"""
            SELECT DISTINCT q.cluster, lower(n.name) AS key
            FROM {rows} CROSS JOIN LATERAL unnest(r.affiliations) AS n(name)
            JOIN {p} sp ON sp.cluster = q.cluster
            JOIN {T}organization o ON o.key = lower(n.name)
            WHERE NOT EXISTS (SELECT 1 FROM cases_affiliation x
                              WHERE x.person_id = sp.person_id
                                AND x.organization_id = o.organization_id
                                AND x.deleted_at IS NULL)""",
        )
        for table, column in (
            ("variant", "n_variants"),
            ("occupation", "n_occupations"),
            ("affiliation", "n_affiliations"),
        ):
            self.sql(f"""
                UPDATE {p} sp SET {column} = c.n
                FROM (SELECT cluster, count(*) AS n FROM {T}{table} GROUP BY cluster) c
                WHERE c.cluster = sp.cluster""")  # fmt: skip

    def plan_detentions(self) -> None:
        """A detention is its person and its arrest date at its precision: one row
        per detention in the file, at most one stored detention it can be."""
        self.sql(f"UPDATE {T}plan q SET detention_ok = false FROM {T}person sp "
                 "WHERE sp.cluster = q.cluster AND sp.ambiguous AND q.detention_ok")  # fmt: skip
        repeats = self.rows(f"""
            WITH d AS (SELECT q.row_no, q.cluster, r.arrested_on, r.arrested_precision
                       FROM {T}plan q JOIN {T}row r USING (row_no) WHERE q.detention_ok),
            f AS (SELECT cluster, arrested_on, arrested_precision, min(row_no) AS first_row
                  FROM d GROUP BY cluster, arrested_on, arrested_precision HAVING count(*) > 1)
            SELECT d.row_no, f.first_row, d.arrested_on, d.arrested_precision
            FROM d JOIN f ON f.cluster = d.cluster
             AND f.arrested_on IS NOT DISTINCT FROM d.arrested_on
             AND f.arrested_precision IS NOT DISTINCT FROM d.arrested_precision
            WHERE d.row_no <> f.first_row ORDER BY d.row_no""")  # fmt: skip
        for row, first_row, arrested_on, precision in repeats:
            arrested = PartialDate(arrested_on, precision).isoformat() if arrested_on else ""
            self.error(row, "arrested_on", arrested, _(
                "row %(first_row)s already describes the detention of the same person arrested "
                "%(when)s; expected one row per detention: merge the two rows"
            ) % {"first_row": first_row, "when": arrested or _("on an unknown date")})  # fmt: skip
        found = self.rows(f"""
            WITH found AS (
                SELECT q.row_no, count(d.id) AS n, min(d.id) AS id
                FROM {T}plan q JOIN {T}row r USING (row_no)
                JOIN cases_detention d ON d.person_id = q.person_id AND d.deleted_at IS NULL
                 AND d.arrested_on IS NOT DISTINCT FROM r.arrested_on
                 AND d.arrested_on_precision IS NOT DISTINCT FROM r.arrested_precision
                WHERE q.detention_ok AND q.person_id IS NOT NULL GROUP BY q.row_no),
            matched AS (
                UPDATE {T}plan q SET detention_id = found.id FROM found
                WHERE found.row_no = q.row_no AND found.n = 1 RETURNING q.row_no)
            SELECT f.row_no, f.n, r.arrested_on, r.arrested_precision, r.person
            FROM found f JOIN {T}row r USING (row_no) WHERE f.n > 1 ORDER BY f.row_no""")  # fmt: skip
        for row, count, arrested_on, precision, person in found:
            arrested = PartialDate(arrested_on, precision).isoformat() if arrested_on else ""
            self.error(row, "arrested_on", arrested, _(
                "%(person)s has %(n)s detentions in Casebook arrested %(when)s and the import "
                "cannot tell which one this row is; expected one: edit this detention in the admin"
            ) % {"person": person, "n": count, "when": arrested or _("on an unknown date")})  # fmt: skip
        unclear = [row for row, *_rest in repeats] + [row for row, *_rest in found]
        if unclear:
            self.sql(f"UPDATE {T}plan SET detention_ok = false WHERE row_no = ANY(%s)", [unclear])
        self.sql(f"""
            UPDATE {T}plan q SET
                d_place = r.arrest_place <> '' AND r.arrest_place <> d.arrest_place,
                d_stage = r.legal_stage_id IS NOT NULL
                          AND r.legal_stage_id IS DISTINCT FROM d.legal_stage_id,
                d_sentence = r.sentence_months IS NOT NULL
                             AND r.sentence_months IS DISTINCT FROM d.sentence_months,
                d_facility = r.facility <> '' AND r.facility <> d.facility,
                d_released = r.released_on IS NOT NULL
                             AND (r.released_on IS DISTINCT FROM d.released_on
                                  OR r.released_precision IS DISTINCT FROM d.released_on_precision),
                d_reason = r.release_reason_id IS NOT NULL
                           AND r.release_reason_id IS DISTINCT FROM d.release_reason_id
            FROM {T}row r, cases_detention d
            WHERE r.row_no = q.row_no AND d.id = q.detention_id AND q.detention_ok""")  # fmt: skip

    def plan_children(self) -> None:
        """Charges, allegations and cited sources of each detention: new ones, and
        charges whose description the sheet changes."""
        rows = f"{T}row r JOIN {T}plan q USING (row_no)"
        self.table("charge", f"""
            SELECT q.row_no, c.article, c.description, x.id AS charge_id,
                   coalesce(x.deleted_at IS NULL AND c.description <> ''
                            AND c.description <> x.description, false) AS changed
            FROM {rows} CROSS JOIN LATERAL unnest(r.charge_articles, r.charge_descriptions)
                 AS c(article, description)
            LEFT JOIN cases_charge x ON x.detention_id = q.detention_id AND x.article = c.article
            WHERE q.detention_ok""")  # fmt: skip
        # (a charge in the trash is not added again: one article per detention)
        self.table(
            "allegation",
            f"""
            SELECT DISTINCT q.row_no, k.id AS kind_id
            FROM {rows} CROSS JOIN LATERAL unnest(r.allegation_kind_ids) AS k(id)
            WHERE q.detention_ok AND NOT EXISTS (
                SELECT 1 FROM cases_allegation a
                WHERE a.person_id = q.person_id AND a.detention_id = q.detention_id
                  AND a.kind_id = k.id AND a.deleted_at IS NULL)""",
        )
        self.table("source", f"""
            SELECT s.url, s.first_row, x.id AS source_id
            FROM (SELECT u.url, min(q.row_no) AS first_row
                  FROM {rows} CROSS JOIN LATERAL unnest(r.source_urls) AS u(url)
                  WHERE q.detention_ok GROUP BY u.url) s
            LEFT JOIN LATERAL (SELECT min(x.id) AS id FROM sources_source x
                               WHERE x.url = s.url AND x.deleted_at IS NULL) x ON true
            """, key="url")  # fmt: skip
        self.table(
            "citation",
            f"""
            SELECT DISTINCT q.row_no, u.url
            FROM {rows} CROSS JOIN LATERAL unnest(r.source_urls) AS u(url)
            JOIN {T}source s ON s.url = u.url
            WHERE q.detention_ok AND NOT EXISTS (
                SELECT 1 FROM sources_citation c
                WHERE c.source_id = s.source_id AND c.detention_id = q.detention_id
                  AND c.deleted_at IS NULL)""",
        )
        self.sql(f"""
            UPDATE {T}plan q SET n_charges = c.new, n_charge_descriptions = c.changed,
                   n_allegations = coalesce(a.n, 0), n_citations = coalesce(s.n, 0)
            FROM {T}plan q2
            LEFT JOIN (SELECT row_no, count(*) FILTER (WHERE charge_id IS NULL) AS new,
                              count(*) FILTER (WHERE changed) AS changed
                       FROM {T}charge GROUP BY row_no) c ON c.row_no = q2.row_no
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}allegation GROUP BY row_no) a
                   ON a.row_no = q2.row_no
            LEFT JOIN (SELECT row_no, count(*) AS n FROM {T}citation GROUP BY row_no) s
                   ON s.row_no = q2.row_no
            WHERE q.row_no = q2.row_no
              AND (c.row_no IS NOT NULL OR a.row_no IS NOT NULL OR s.row_no IS NOT NULL)""")  # fmt: skip

    # -- results ---------------------------------------------------------------------

    def collect(self) -> None:
        """Counts, the first rows' plans and the errors, into the result."""
        result = self.result
        counts = result.counts
        (
            counts["new_persons"], counts["matched_persons"], counts["updated_persons"],
        ) = self.rows(f"""
            SELECT count(*) FILTER (WHERE new),
                   count(*) FILTER (WHERE person_id IS NOT NULL),
                   count(*) FILTER (WHERE person_id IS NOT NULL AND (gender_changed
                       OR birth_changed OR notes <> '' OR n_variants + n_occupations
                       + n_affiliations > 0))
            FROM {T}person""")[0]  # fmt: skip
        (
            counts["new_detentions"], counts["updated_detentions"], counts["unchanged_detentions"],
        ) = self.rows(f"""
            WITH d AS (
                SELECT detention_id, d_place OR d_stage OR d_sentence OR d_facility OR d_released
                    OR d_reason OR n_charges + n_charge_descriptions + n_allegations
                    + n_citations > 0 AS changed
                FROM {T}plan WHERE detention_ok)
            SELECT count(*) FILTER (WHERE detention_id IS NULL),
                   count(*) FILTER (WHERE detention_id IS NOT NULL AND changed),
                   count(*) FILTER (WHERE detention_id IS NOT NULL AND NOT changed)
            FROM d""")[0]  # fmt: skip
        counts["new_name_variants"] = self.value(f"SELECT count(*) FROM {T}variant")
        counts["new_organizations"] = self.value(
            f"SELECT count(*) FROM {T}organization WHERE organization_id IS NULL"
        )
        counts["new_affiliations"] = self.value(f"SELECT count(*) FROM {T}affiliation")
        counts["new_charges"] = self.value(
            f"SELECT count(*) FROM {T}charge WHERE charge_id IS NULL"
        )
        counts["new_allegations"] = self.value(f"SELECT count(*) FROM {T}allegation")
        counts["new_sources"] = self.value(
            f"SELECT count(*) FROM {T}source WHERE source_id IS NULL"
        )
        counts["new_citations"] = self.value(f"SELECT count(*) FROM {T}citation")

        self.errors.sort(key=lambda e: (e.row, _COLUMN_INDEX.get(e.column, 99)))
        result.error_count = len(self.errors)
        result.errors = self.errors if self.error_limit is None else self.errors[: self.error_limit]
        result.row_plans = self.row_plans()

    def row_plans(self) -> list[RowPlan]:
        limit = self.row_limit
        if limit == 0:
            return []
        errors_by_row: dict[int, list[RowError]] = {}
        for error in self.errors:
            errors_by_row.setdefault(error.row, []).append(error)
        rows = self.rows(f"""
            SELECT r.row_no, r.person, sp.first_row, sp.person_id, x.display_name, q.via,
                   sp.ambiguous, r.has_detention, q.detention_ok, q.detention_id,
                   r.arrested_on, r.arrested_precision,
                   ARRAY[q.d_place, q.d_stage, q.d_sentence, q.d_facility, q.d_released,
                         q.d_reason],
                   q.n_charges, q.n_charge_descriptions, q.n_allegations, q.n_citations,
                   sp.gender_changed, sp.birth_changed, sp.notes <> '', sp.n_variants,
                   sp.n_occupations, sp.n_affiliations
            FROM {T}row r JOIN {T}plan q USING (row_no) JOIN {T}person sp USING (cluster)
            LEFT JOIN cases_person x ON x.id = sp.person_id
            ORDER BY r.row_no LIMIT %s""", [limit])  # fmt: skip
        plans = []
        for (
            row, person, first_row, person_id, stored_name, via, ambiguous, has_detention,
            detention_ok, detention_id, arrested_on, precision, flags, new_charges,
            changed_charges, allegations, citations, gender_changed, birth_changed, notes,
            variants, occupations, affiliations,
        ) in rows:  # fmt: skip
            plan = RowPlan(row=row, person=person, errors=errors_by_row.get(row, []))
            if not ambiguous:
                plan.person_action = "matched" if person_id else "new"
                if person_id:
                    plan.matched_person, plan.matched_person_id = stored_name, person_id
                    plan.matched_via = via or ""
                elif first_row != row:
                    plan.same_as_row = first_row
                if first_row == row:
                    plan.person_changes = _person_changes(
                        variants, occupations, affiliations, gender_changed, birth_changed, notes
                    )
            if arrested_on is not None:
                plan.arrested_on = PartialDate(arrested_on, precision)
            if has_detention and detention_ok:
                children = _child_changes(new_charges, changed_charges, allegations, citations)
                if detention_id is None:
                    plan.detention_action = "new"
                    plan.detention_changes = children
                else:
                    fields = [
                        _(label)
                        for flag, label in zip(flags, _DETENTION_FIELD_LABELS, strict=True)
                        if flag
                    ]
                    plan.detention_changes = fields + children
                    plan.detention_action = "updated" if plan.detention_changes else "unchanged"
            plans.append(plan)
        for row, person in self.unstaged.items():
            plans.append(RowPlan(row=row, person=person, errors=errors_by_row.get(row, [])))
        plans.sort(key=lambda plan: plan.row)
        return plans if limit is None else plans[:limit]

    # -- write -----------------------------------------------------------------------

    def write(self) -> None:
        """Carry out the plan: a fixed number of statements whatever the size."""
        # Every history trigger asks pgtrigger whether it is ignored; when the setting
        # is undefined, PostgreSQL raises and catches an error in each call (about
        # 0.25 ms a row). Defining it as "ignore nothing" skips that; an ignore set by
        # a caller is kept.
        self.sql(
            "SELECT set_config('pgtrigger.ignore', '{}', true) "
            "WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''"
        )
        steps = [
            self.write_organizations,
            self.write_persons,
            self.write_person_details,
            self.write_detentions,
            self.write_detention_details,
        ]
        for number, step in enumerate(steps, start=1):
            step()
            self.progress("write", number, len(steps), "steps")

    def sequence(self, model) -> str:
        return self.value("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])

    def write_organizations(self) -> None:
        new = self.rows(
            f"SELECT key, name FROM {T}organization WHERE organization_id IS NULL ORDER BY first_row"
        )
        if not new:
            return
        taken: set[str] = set()
        for key, name in new:
            base = slugify(readable_ascii(name))[:110] or "organization"
            slug, number = base, 1
            while slug in taken or Organization.objects.filter(slug=slug).exists():
                number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            self.sql(f"UPDATE {T}organization SET slug = %s WHERE key = %s", [slug, key])
        self.sql(f"UPDATE {T}organization SET organization_id = nextval(%s::regclass) "
                 "WHERE organization_id IS NULL", [self.sequence(Organization)])  # fmt: skip
        self.insert(
            Organization,
            {"id": "o.organization_id", "name": "o.name", "slug": "o.slug"},
            f"{T}organization o WHERE o.slug IS NOT NULL",
        )

    def write_persons(self) -> None:
        """New persons with slugs never issued before, and the updates of matched ones."""
        sp = f"{T}person"
        # a slug is the name, then -2, -3...: after the highest number issued for that name
        self.table("slug", f"SELECT DISTINCT slug_base AS base, 0 AS n FROM {sp} WHERE new",
                   key="base")  # fmt: skip
        self.sql(f"""
            UPDATE {T}slug s SET n = x.n
            FROM (SELECT base, max(n) AS n FROM (
                      SELECT substring(slug FROM '^(.*)-[0-9]{{1,9}}$') AS base,
                             substring(slug FROM '-([0-9]{{1,9}})$')::integer AS n
                      FROM cases_issuedslug WHERE slug ~ '-[0-9]{{1,9}}$'
                      UNION ALL
                      SELECT slug, 1 FROM cases_issuedslug
                      WHERE slug IN (SELECT base FROM {T}slug)) numbered
                  GROUP BY base) x
            WHERE x.base = s.base""")  # fmt: skip
        self.table("new_person", f"""
            SELECT r.cluster, nextval(%s::regclass) AS id,
                   CASE WHEN top.n = 0 AND r.k = 1 THEN r.slug_base
                        WHEN top.n = 0 THEN r.slug_base || '-' || r.k
                        ELSE r.slug_base || '-' || (top.n + r.k) END AS slug
            FROM (SELECT cluster, slug_base,
                         row_number() OVER (PARTITION BY slug_base ORDER BY cluster) AS k
                  FROM {sp} WHERE new) r
            JOIN {T}slug top ON top.base = r.slug_base""", key="cluster",
                   params=[self.sequence(Person)])  # fmt: skip
        # rare clashes (a name that itself ends in -N): issue those one by one
        clashes = self.rows(f"""
            SELECT n.cluster, s.slug_base FROM {T}new_person n JOIN {sp} s USING (cluster)
            WHERE EXISTS (SELECT 1 FROM cases_issuedslug i WHERE i.slug = n.slug)
               OR n.slug IN (SELECT slug FROM {T}new_person GROUP BY slug HAVING count(*) > 1)
            ORDER BY n.cluster""")  # fmt: skip
        for cluster, base in clashes:
            number = 1
            while True:
                number += 1
                slug = f"{base}-{number}"
                if not IssuedSlug.objects.filter(slug=slug).exists() and not self.value(
                    f"SELECT count(*) FROM {T}new_person WHERE slug = %s", [slug]
                ):
                    break
            self.sql(f"UPDATE {T}new_person SET slug = %s WHERE cluster = %s", [slug, cluster])
        self.sql(f"INSERT INTO cases_issuedslug (slug, issued_at) "
                 f"SELECT slug, now() FROM {T}new_person")  # fmt: skip
        self.insert(
            Person,
            {
                "id": "n.id",
                "display_name": "s.display_name",
                "slug": "n.slug",
                "name_key": "s.person_key",
                "gender": "s.gender",
                "birth_date": "make_date(s.birth_year, 1, 1)",
                "birth_date_precision": f"CASE WHEN s.birth_year IS NOT NULL THEN {int(Precision.YEAR)} END",
                "internal_notes": "s.notes",
            },
            f"{T}new_person n JOIN {sp} s USING (cluster)",
        )
        self.sql(f"""
            UPDATE cases_person x SET
                gender = CASE WHEN s.gender_changed THEN s.gender ELSE x.gender END,
                birth_date = CASE WHEN s.birth_changed THEN make_date(s.birth_year, 1, 1)
                             ELSE x.birth_date END,
                birth_date_precision = CASE WHEN s.birth_changed THEN {int(Precision.YEAR)}
                                       ELSE x.birth_date_precision END,
                internal_notes = CASE WHEN s.notes = '' THEN x.internal_notes
                                      WHEN x.internal_notes = '' THEN s.notes
                                      ELSE x.internal_notes || %s || s.notes END,
                updated_at = now()
            FROM {sp} s
            WHERE x.id = s.person_id AND (s.gender_changed OR s.birth_changed OR s.notes <> '')
            """, ["\n\n"])  # fmt: skip
        # every person of the file, stored or new, by its group of rows
        self.table("person_id", f"""
            SELECT cluster, person_id AS id FROM {sp} WHERE person_id IS NOT NULL
            UNION ALL SELECT cluster, id FROM {T}new_person""", key="cluster")  # fmt: skip

    def write_person_details(self) -> None:
        self.insert(
            NameVariant,
            {
                "person_id": "p.id",
                "name": "v.name",
                "name_key": "v.key",
                "language": "v.language",
                "kind": (
                    f"CASE WHEN v.language = 'az' THEN '{NameVariantKind.NATIVE}' "
                    f"ELSE '{NameVariantKind.TRANSLITERATION}' END"
                ),
            },
            f"{T}variant v JOIN {T}person_id p USING (cluster)",
            conflict="ON CONFLICT (person_id, name) DO NOTHING",
        )
        occupations = Person.occupations.through._meta.db_table
        self.sql(f"""
            INSERT INTO {occupations} (person_id, occupation_id)
            SELECT p.id, o.occupation_id FROM {T}occupation o JOIN {T}person_id p USING (cluster)
            ON CONFLICT DO NOTHING""")  # fmt: skip
        self.insert(
            Affiliation,
            {"person_id": "p.id", "organization_id": "o.organization_id"},
            f"{T}affiliation a JOIN {T}person_id p USING (cluster) "
            f"JOIN {T}organization o USING (key)",
        )

    def write_detentions(self) -> None:
        self.table("detention_id", f"""
            SELECT row_no, detention_id AS id, false AS new FROM {T}plan
            WHERE detention_ok AND detention_id IS NOT NULL
            UNION ALL
            SELECT row_no, nextval(%s::regclass), true FROM {T}plan
            WHERE detention_ok AND detention_id IS NULL""", key="row_no",
                   params=[self.sequence(Detention)])  # fmt: skip
        self.insert(
            Detention,
            {
                "id": "d.id",
                "person_id": "p.id",
                "arrested_on": "r.arrested_on",
                "arrested_on_precision": "r.arrested_precision",
                "arrest_place": "r.arrest_place",
                "legal_stage_id": "r.legal_stage_id",
                "facility": "r.facility",
                "sentence_months": "r.sentence_months",
                "released_on": "r.released_on",
                "released_on_precision": "r.released_precision",
                "release_reason_id": "r.release_reason_id",
            },
            f"{T}detention_id d JOIN {T}row r USING (row_no) JOIN {T}plan q USING (row_no) "
            f"JOIN {T}person_id p ON p.cluster = q.cluster WHERE d.new",
        )
        self.sql(f"""
            UPDATE cases_detention d SET
                arrest_place = CASE WHEN q.d_place THEN r.arrest_place ELSE d.arrest_place END,
                legal_stage_id = CASE WHEN q.d_stage THEN r.legal_stage_id ELSE d.legal_stage_id END,
                sentence_months = CASE WHEN q.d_sentence THEN r.sentence_months
                                  ELSE d.sentence_months END,
                facility = CASE WHEN q.d_facility THEN r.facility ELSE d.facility END,
                released_on = CASE WHEN q.d_released THEN r.released_on ELSE d.released_on END,
                released_on_precision = CASE WHEN q.d_released THEN r.released_precision
                                        ELSE d.released_on_precision END,
                release_reason_id = CASE WHEN q.d_reason THEN r.release_reason_id
                                    ELSE d.release_reason_id END,
                updated_at = now()
            FROM {T}plan q JOIN {T}row r USING (row_no)
            WHERE d.id = q.detention_id AND q.detention_ok
              AND (q.d_place OR q.d_stage OR q.d_sentence OR q.d_facility OR q.d_released
                   OR q.d_reason)""")  # fmt: skip

    def write_detention_details(self) -> None:
        self.insert(
            Charge,
            {"detention_id": "d.id", "article": "c.article", "description": "c.description"},
            f"{T}charge c JOIN {T}detention_id d USING (row_no) WHERE c.charge_id IS NULL",
            conflict="ON CONFLICT (detention_id, article) DO NOTHING",
        )
        self.sql(f"""
            UPDATE cases_charge x SET description = c.description, updated_at = now()
            FROM {T}charge c WHERE x.id = c.charge_id AND c.changed""")
        self.insert(
            Allegation,
            {"person_id": "p.id", "detention_id": "d.id", "kind_id": "a.kind_id"},
            f"{T}allegation a JOIN {T}detention_id d USING (row_no) JOIN {T}plan q USING (row_no) "
            f"JOIN {T}person_id p ON p.cluster = q.cluster",
        )
        kind = SourceKind.objects.filter(code=SOURCE_KIND).values_list("id", flat=True).first()
        if kind is None:
            kind = SourceKind.objects.create(code=SOURCE_KIND, label=SOURCE_KIND).pk
        self.table("source_id", f"""
            SELECT url, source_id AS id, false AS new FROM {T}source WHERE source_id IS NOT NULL
            UNION ALL
            SELECT url, nextval(%s::regclass), true FROM {T}source WHERE source_id IS NULL""",
                   key="url", params=[self.sequence(Source)])  # fmt: skip
        self.insert(
            Source,
            {"id": "s.id", "title": "left(s.url, 400)", "url": "s.url", "kind_id": str(int(kind))},
            f"{T}source_id s WHERE s.new",
        )
        self.insert(
            Citation,
            {"source_id": "s.id", "detention_id": "d.id"},
            f"{T}citation c JOIN {T}detention_id d USING (row_no) JOIN {T}source_id s USING (url)",
        )

    def insert(self, model, values: dict[str, str], source: str, conflict: str = "") -> int:
        """INSERT INTO the model's table SELECT `values` (column -> SQL expression)
        FROM `source`. Every other column gets the field's default, so a column
        added to the model later is filled as Django would fill it."""
        columns, expressions, params = [], [], []
        for model_field in model._meta.concrete_fields:
            column = model_field.column
            if column in values:
                expression = values[column]
            elif model_field.primary_key:
                continue
            elif column == "uuid":
                expression = "gen_random_uuid()"
            elif getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                expression = "now()"
            elif model_field.has_default() and not callable(model_field.default):
                expression = "%s"
                params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
            elif model_field.null:
                expression = "NULL"
            elif isinstance(model_field, (models.CharField, models.TextField, models.FileField)):
                expression = "''"
            else:
                raise DatabaseError(
                    f"case sheet import: no value for {model.__name__}.{model_field.name}"
                )
            columns.append(connection.ops.quote_name(column))
            expressions.append(expression)
        return self.sql(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM {source} {conflict}",
            params,
        )


_TABLES = (
    "row", "plan", "name", "edge", "candidate", "match", "person", "variant", "occupation",
    "organization", "affiliation", "charge", "allegation", "source", "citation", "slug",
    "new_person", "person_id", "detention_id", "source_id",
)  # fmt: skip
_DETENTION_FIELD_LABELS = (
    gettext_noop("arrest place"), gettext_noop("legal stage"), gettext_noop("sentence"),
    gettext_noop("facility"), gettext_noop("released on"), gettext_noop("release reason"),
)  # fmt: skip


def _person_changes(variants, occupations, affiliations, gender, birth, notes) -> list[str]:
    changes = []
    if variants:
        changes.append(ngettext("+%(n)s name variant", "+%(n)s name variants", variants)
                       % {"n": variants})  # fmt: skip
    if occupations:
        changes.append(ngettext("+%(n)s occupation", "+%(n)s occupations", occupations)
                       % {"n": occupations})  # fmt: skip
    if affiliations:
        changes.append(ngettext("+%(n)s affiliation", "+%(n)s affiliations", affiliations)
                       % {"n": affiliations})  # fmt: skip
    if gender:
        changes.append(_("gender"))
    if birth:
        changes.append(_("birth year"))
    if notes:
        changes.append(_("internal notes"))
    return changes


def _child_changes(new_charges, changed_charges, allegations, citations) -> list[str]:
    changes = []
    if new_charges:
        changes.append(ngettext("+%(n)s charge", "+%(n)s charges", new_charges)
                       % {"n": new_charges})  # fmt: skip
    if changed_charges:
        changes.append(ngettext("%(n)s charge description", "%(n)s charge descriptions",
                                changed_charges) % {"n": changed_charges})  # fmt: skip
    if allegations:
        changes.append(ngettext("+%(n)s allegation", "+%(n)s allegations", allegations)
                       % {"n": allegations})  # fmt: skip
    if citations:
        changes.append(ngettext("+%(n)s source", "+%(n)s sources", citations)
                       % {"n": citations})  # fmt: skip
    return changes
