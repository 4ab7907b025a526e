"""Writes of the lists app: importing an edition of a list from a CSV or XLSX
file, one row per person, all or nothing. Names are matched to the persons on
record by any spelling (cases.search.name_key); the file is the edition, so
importing it again changes nothing and entries it no longer names leave the
edition (to the trash)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pghistory
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.utils import get_column_letter

from cases.case_sheet import CaseSheetFormatError, RowError
from cases.case_sheet.files import CaseSheetReader, _cell_text, _header_name
from cases.case_sheet.services import IMPORT_LOCK
from cases.choices import NameVariantKind, Visibility
from cases.models import NameVariant, Organization, Person, SourceKind, issue_person_slugs
from cases.partial_dates import PartialDate, PartialDateError
from cases.search import name_key
from cases.web_addresses import is_web_address
from lists.models import Edition, ListEntry, PrisonerList
from sources.models import Citation, Source

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = [
    "COLUMNS",
    "COLUMN_HELP",
    "CaseSheetFormatError",
    "EditionImportResult",
    "EditionRemoval",
    "EditionRowPlan",
    "IMPORT_PERMISSIONS",
    "Problem",
    "VARIANT_SEPARATOR",
    "edition_import",
]

COLUMNS = ("name", "name_variants", "group", "status", "note")
COLUMN_HELP = {
    "name": gettext_lazy("Required. The person's name as the list spells it."),
    "name_variants": gettext_lazy("Other spellings of the name, separated by |."),
    "group": gettext_lazy("The list's group or section: Journalists, Abzas Media case..."),
    "status": gettext_lazy("The status the list gives the person, if any: under monitoring..."),
    "note": gettext_lazy("The list's note on the person."),
}
VARIANT_SEPARATOR = "|"
# what every import needs; creating a list, an edition, a publisher, a source or a
# citation, and taking entries out of an edition, need more (see _permission_problems)
IMPORT_PERMISSIONS = (
    "lists.add_listentry", "lists.change_listentry", "cases.add_person", "cases.add_namevariant",
)  # fmt: skip
RESTORE_PERMISSION = "cases.restore"
# the kind of a source created for --source: the list as its publisher put it out
NEW_SOURCE_KIND = "ngo-report"
_KEY_CHUNK = 5000  # name keys per query


# --- what an import reports ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A problem outside the rows: with the list, the date, the publisher, the
    source or the rights of the person importing. `field` names the form field
    or command option: list, published_on, title, publisher, source, file, rights."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class EditionRowPlan:
    """What the import does with one row."""

    row: int
    name: str
    person_action: str = ""  # matched | new | "" (an error)
    person_id: int | None = None  # the matched person
    person_name: str = ""  # the matched person's display name
    entry_action: str = ""  # added | changed | unchanged | "" (an error)
    changes: list[str] = field(default_factory=list)  # the entry's fields that change
    new_spellings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class EditionRemoval:
    """An entry of the edition the file no longer names."""

    person_id: int
    person_name: str
    listed_name: str


@dataclass
class EditionImportResult:
    """The counts, what is created, each row's plan, the problems and errors."""

    file_name: str
    list_slug: str
    published_on: PartialDate | None
    dry_run: bool
    rows: int = 0
    matched: int = 0  # rows matched to a person on record
    new_persons: int = 0
    new_variants: int = 0  # spellings added, to matched and to new persons
    added: int = 0  # entries
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    list_created: bool = False
    list_changed: bool = False  # a list without a publisher gets the one given
    edition_created: bool = False
    publisher_created: bool = False
    source_created: bool = False
    citation_created: bool = False
    problems: list[Problem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_plans: list[EditionRowPlan] = field(default_factory=list)
    removals: list[EditionRemoval] = field(default_factory=list)
    written: bool = False
    edition: Edition | None = None  # once written

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.new_persons or self.new_variants or self.added or self.changed or self.removed
            or self.list_created or self.list_changed or self.edition_created
            or self.publisher_created or self.source_created or self.citation_created
        )  # fmt: skip

    def summary(self) -> str:
        """One sentence: the rows, the persons, the spellings, the entries, what is new."""
        parts = [
            ngettext("%(n)s person matched", "%(n)s persons matched", self.matched),
            ngettext("%(n)s new person", "%(n)s new persons", self.new_persons),
            ngettext("%(n)s new spelling", "%(n)s new spellings", self.new_variants),
            ngettext("%(n)s entry added", "%(n)s entries added", self.added),
            ngettext("%(n)s entry changed", "%(n)s entries changed", self.changed),
            ngettext("%(n)s entry unchanged", "%(n)s entries unchanged", self.unchanged),
            ngettext("%(n)s entry removed", "%(n)s entries removed", self.removed),
        ]
        numbers = [self.matched, self.new_persons, self.new_variants, self.added,
                   self.changed, self.unchanged, self.removed]  # fmt: skip
        counted = [part % {"n": n} for part, n in zip(parts, numbers, strict=True)]
        for created, text in (
            (self.list_created, _("new list")),
            (self.list_changed, _("the list's publisher set")),
            (self.publisher_created, _("new publisher")),
            (self.edition_created, _("new edition")),
            (self.source_created, _("new source")),
            (self.citation_created, _("new citation")),
        ):
            if created:
                counted.append(text)
        text = ngettext("%(n)s row", "%(n)s rows", self.rows) % {"n": self.rows}
        text += ": " + ", ".join(counted)
        wrong = len(self.errors) + len(self.problems)
        if wrong:
            text += "; " + ngettext(
                "%(n)s error; nothing was written", "%(n)s errors; nothing was written", wrong
            ) % {"n": wrong}
        return text


# --- reading the file ----------------------------------------------------------------------


class EditionFileReader(CaseSheetReader):
    """An edition's file read as a case sheet is read (the upload checks, CSV or
    XLSX, blank rows skipped, formula escapes undone), with the edition's
    columns. Problems of the header are kept in `header_errors`, as row errors,
    instead of refusing the file, so they are listed with the others."""

    def _map_columns(self, header: list[Any]) -> list[int | None]:
        texts = [_cell_text(cell) for cell in header]
        names = [_header_name(text) for text in texts]
        while names and not names[-1]:
            names.pop()
        expected = ", ".join(COLUMNS)
        self.header_errors: list[RowError] = []
        for place, name in enumerate(names):
            letter = _("column %(letter)s") % {"letter": get_column_letter(place + 1)}
            if name not in COLUMNS:
                message = (
                    _("Unknown column; expected the columns %(columns)s.")
                    if name
                    else _("A column without a name; expected the columns %(columns)s.")
                )
                self.header_errors.append(
                    RowError(self.header_row, letter, texts[place], message % {"columns": expected})
                )
            elif names.index(name) != place:
                self.header_errors.append(
                    RowError(
                        self.header_row, letter, texts[place],
                        _("The column %(name)s is already %(letter)s; give each column once.")
                        % {"name": name, "letter": get_column_letter(names.index(name) + 1)},
                    )
                )  # fmt: skip
        if "name" not in names:
            self.header_errors.append(
                RowError(
                    self.header_row, "name", "",
                    _("No name column: the header needs a column named name (the person's "
                      "name as the list spells it). Expected the columns %(columns)s.")
                    % {"columns": expected},
                )
            )  # fmt: skip
        return [names.index(column) if column in names else None for column in COLUMNS]


def _rows_dataset(rows: Iterable[Mapping[str, Any]]) -> tablib.Dataset:
    """Rows given as mappings (column -> value) as the dataset the reader reads."""
    rows = list(rows)
    headers: list[str] = []
    for row in rows:
        headers += [str(name) for name in row if str(name) not in headers]
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        values = {str(name): value for name, value in row.items()}
        dataset.append([values.get(name, "") for name in headers])
    return dataset


@dataclass
class _Row:
    number: int
    name: str
    variants: list[str]
    group: str
    status: str
    note: str
    keys: set[str]


def _spelling(text: str) -> str:
    return " ".join(text.split())


def _folded(text: str) -> str:
    return _spelling(text).casefold()


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _checked_row(number: int, texts: list[str]) -> tuple[_Row | None, list[RowError]]:
    name, variants_text, group, status, note = texts
    name = _spelling(name)
    errors: list[RowError] = []

    def too_long(column: str, value: str, limit: int) -> None:
        errors.append(
            RowError(
                number, column, value,
                _("At most %(limit)s characters; this has %(length)s.")
                % {"limit": limit, "length": len(value)},
            )
        )  # fmt: skip

    name_limit = min(_max_length(Person, "display_name"), _max_length(ListEntry, "listed_name"))
    if not name:
        errors.append(
            RowError(number, "name", "",
                     _("A name is required: the person's name as the list spells it."))
        )  # fmt: skip
    elif len(name) > name_limit:
        too_long("name", name, name_limit)
    elif not name_key(name):
        errors.append(
            RowError(number, "name", name,
                     _("The name has no letters to find a person by: write the name."))
        )  # fmt: skip
    variants: list[str] = []
    seen = {_folded(name)}
    for part in variants_text.split(VARIANT_SEPARATOR):
        variant = _spelling(part)
        if not variant or _folded(variant) in seen:
            continue
        seen.add(_folded(variant))
        if len(variant) > _max_length(NameVariant, "name"):
            too_long("name_variants", variant, _max_length(NameVariant, "name"))
        elif not name_key(variant):
            errors.append(
                RowError(
                    number, "name_variants", variant,
                    _("This spelling has no letters to find a person by; separate spellings "
                      "with %(separator)s.") % {"separator": VARIANT_SEPARATOR},
                )
            )  # fmt: skip
        else:
            variants.append(variant)
    for column, value, model_field in (("group", group, "group"), ("status", status, "status")):
        if len(value) > _max_length(ListEntry, model_field):
            too_long(column, value, _max_length(ListEntry, model_field))
    if errors:
        return None, errors
    keys = {name_key(name), *(name_key(variant) for variant in variants)}
    return _Row(number, name, variants, group, status, note, keys), []


# --- the import ------------------------------------------------------------------------------


def edition_import(
    *,
    prisoner_list_slug: str,
    published_on: PartialDate | str,
    file: Any = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    file_name: str = "",
    file_format: str | None = None,
    title: str = "",
    publisher_name: str = "",
    source_url: str = "",
    dry_run: bool = False,
    user: AbstractBaseUser | None = None,
    row_limit: int | None = 1000,
) -> EditionImportResult:
    """Import the edition of the list `prisoner_list_slug` published on
    `published_on` from `file` (a path or a binary file, CSV or XLSX) or from
    `rows` (mappings of column to value; the first is row 2).

    A new slug creates the list (titled `title`, else the slug made readable;
    published by the organization named or abbreviated `publisher_name`, else
    a new one). The edition of that date is created or reused; `source_url`
    cites the source with that address (else a new one) for the edition. Each
    row is matched to the one person on record any of its spellings' name keys
    names, or creates a person; it becomes the edition's entry for that person.
    Everything new is internal.

    The whole file is checked first; with any problem or row error, or with
    `dry_run`, nothing is written, and the result says what would be done.
    Writes run in one transaction with a history context. Raises
    CaseSheetFormatError when the file cannot be read (size, kind, encoding),
    PermissionDenied when `user` may not import at all."""
    for permission in IMPORT_PERMISSIONS:
        if user is not None and not user.has_perm(permission):
            raise PermissionDenied(_("You do not have the right to do this (%s).") % permission)
    if (file is None) == (rows is None):
        raise TypeError("edition_import needs a file or rows, not both")
    with transaction.atomic():
        if not dry_run:
            with connection.cursor() as cursor:
                # a case sheet or another edition being imported could create the same person
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        planner = _EditionPlanner(
            prisoner_list_slug=prisoner_list_slug.strip(), published_on=published_on,
            title=title.strip(), publisher_name=_spelling(publisher_name),
            source_url=source_url.strip(), dry_run=dry_run, user=user, row_limit=row_limit,
        )  # fmt: skip
        if file is not None:
            reader = EditionFileReader(file, file_name=file_name, file_format=file_format)
        else:
            reader = EditionFileReader(_rows_dataset(rows), file_name=file_name or "rows")
        result = planner.plan(reader)
        if not result.ok or dry_run:
            transaction.set_rollback(True)
            return result
        metadata = {
            "user": getattr(user, "pk", None),
            "action": "import list edition",
            "import": "list_edition",
            "file": result.file_name,
            "list": result.list_slug,
            "published_on": result.published_on.isoformat(),
            "rows": result.rows,
        }
        with pghistory.context(**metadata):
            planner.write()
        result.written = True
    return result


class _EditionPlanner:
    """Checks everything and works out what the import does (plan), without a
    write; then carries it out (write)."""

    def __init__(self, *, prisoner_list_slug, published_on, title, publisher_name, source_url,
                 dry_run, user, row_limit):  # fmt: skip
        self.slug = prisoner_list_slug
        self.published_on_given = published_on
        self.title = title
        self.publisher_name = publisher_name
        self.source_url = source_url
        self.user = user
        self.row_limit = row_limit
        self.dry_run = dry_run
        self.prisoner_list: PrisonerList | None = None
        self.publisher: Organization | None = None
        self.edition: Edition | None = None
        self.source: Source | None = None
        self.rows: list[_Row] = []
        self.person_of_row: dict[int, int] = {}  # row number -> matched person id
        self.spellings_of_row: dict[int, list[str]] = {}  # new spellings of matched persons
        self.existing: dict[int, ListEntry] = {}  # person id -> the edition's entry
        self.entry_action: dict[int, str] = {}  # row number -> added | changed | unchanged
        self.removed_ids: list[int] = []

    # -- the plan -------------------------------------------------------------------------

    def plan(self, reader: EditionFileReader) -> EditionImportResult:
        self.result = result = EditionImportResult(
            file_name=reader.file_name, list_slug=self.slug, published_on=None,
            dry_run=self.dry_run,
        )  # fmt: skip
        published_on = result.published_on = self._published_on()
        result.errors += reader.header_errors
        plans: list[EditionRowPlan] = []
        rows_read = 0
        for number, texts in reader:
            rows_read += 1
            row, errors = _checked_row(number, texts)
            if row is None:
                result.errors += errors
                plans.append(EditionRowPlan(row=number, name=_spelling(texts[0]), errors=errors))
            else:
                self.rows.append(row)
        result.rows = rows_read
        if not rows_read and not reader.header_errors:
            result.problems.append(
                Problem("file", _("The file names no one: give one row per person after the "
                                  "header."))
            )  # fmt: skip
        self._plan_list()
        if published_on is not None:
            self._plan_edition(published_on)
        self._plan_source()
        plans += self._plan_rows()
        plans.sort(key=lambda plan: plan.row)
        result.row_plans = plans if self.row_limit is None else plans[: self.row_limit]
        result.errors.sort(key=lambda error: error.row)
        self._permission_problems()
        return result

    def _published_on(self) -> PartialDate | None:
        if isinstance(self.published_on_given, PartialDate):
            return self.published_on_given
        try:
            return PartialDate.parse(self.published_on_given)
        except PartialDateError as error:
            self.result.problems.append(Problem("published_on", str(error)))
            return None

    def _plan_list(self) -> None:
        result = self.result
        stored = PrisonerList.objects.filter(slug=self.slug).select_related("publisher").first()
        if stored is not None and stored.deleted_at is not None:
            result.problems.append(
                Problem("list", _("The list %(slug)s is in the trash: an editor may restore "
                                  "it, or choose another slug.") % {"slug": self.slug})
            )  # fmt: skip
            return
        self.prisoner_list = stored
        if stored is None:
            self._plan_new_list()
        elif self.title and self.title != stored.title:
            result.problems.append(
                Problem(
                    "title",
                    _("The list %(slug)s is titled “%(title)s”. Leave the title out, or change "
                      "the list's title in the admin first.")
                    % {"slug": self.slug, "title": stored.title},
                )
            )  # fmt: skip
        self._plan_publisher()

    def _plan_new_list(self) -> None:
        result = self.result
        limit = _max_length(PrisonerList, "slug")
        try:
            validate_slug(self.slug)
            valid = len(self.slug) <= limit
        except ValidationError:
            valid = False
        if not valid:
            result.problems.append(
                Problem(
                    "list",
                    _("“%(slug)s” is not a list's slug: at most %(limit)s letters, digits, "
                      "hyphens or underscores, e.g. political-prisoners-azerbaijan.")
                    % {"slug": self.slug, "limit": limit},
                )
            )  # fmt: skip
            return
        self.title = self.title or capfirst(" ".join(self.slug.replace("_", "-").split("-")))
        if len(self.title) > _max_length(PrisonerList, "title"):
            result.problems.append(
                Problem("title", _("At most %(limit)s characters.")
                        % {"limit": _max_length(PrisonerList, "title")})
            )  # fmt: skip
        result.list_created = True

    def _plan_publisher(self) -> None:
        result, name = self.result, self.publisher_name
        if not name:
            return
        found = list(
            Organization.objects.filter(deleted_at=None)
            .filter(Q(name__iexact=name) | Q(abbreviation__iexact=name))
            .order_by("name")
        )
        if len(found) > 1:
            result.problems.append(
                Problem(
                    "publisher",
                    _("“%(name)s” names %(n)s organizations: %(organizations)s. Give the "
                      "full name of one.")
                    % {"name": name, "n": len(found),
                       "organizations": "; ".join(org.name for org in found)},
                )
            )  # fmt: skip
            return
        if found:
            self.publisher = found[0]
        elif Organization.objects.filter(name__iexact=name).exists():
            result.problems.append(
                Problem("publisher", _("The organization “%(name)s” is in the trash: an editor "
                                       "may restore it.") % {"name": name})
            )  # fmt: skip
            return
        elif len(name) > _max_length(Organization, "name"):
            result.problems.append(
                Problem("publisher", _("At most %(limit)s characters.")
                        % {"limit": _max_length(Organization, "name")})
            )  # fmt: skip
            return
        else:
            result.publisher_created = True
        stored = self.prisoner_list
        if stored is None:
            return
        if stored.publisher_id is None:
            result.list_changed = True
        elif self.publisher is None or stored.publisher_id != self.publisher.pk:
            result.problems.append(
                Problem(
                    "publisher",
                    _("The list %(slug)s is published by %(publisher)s. Leave the publisher "
                      "out, or change the list's publisher in the admin first.")
                    % {"slug": self.slug, "publisher": stored.publisher},
                )
            )  # fmt: skip

    def _plan_edition(self, published_on: PartialDate) -> None:
        if self.prisoner_list is None:  # a new list (or a problem with it)
            self.result.edition_created = self.result.list_created
            return
        stored = Edition.objects.filter(
            prisoner_list=self.prisoner_list, published_on=published_on.date
        ).first()
        if stored is None:
            self.result.edition_created = True
        elif stored.deleted_at is not None:
            self.result.problems.append(
                Problem("published_on", _("The edition of %(date)s is in the trash: an editor may "
                                          "restore it.") % {"date": published_on.isoformat()})
            )  # fmt: skip
        elif stored.published_on_precision != published_on.precision:
            self.result.problems.append(
                Problem(
                    "published_on",
                    _("The list has an edition dated %(stored)s; give that date as %(stored)s.")
                    % {"stored": stored.published_on_partial.isoformat()},
                )
            )  # fmt: skip
        else:
            self.edition = stored

    def _plan_source(self) -> None:
        url, result = self.source_url, self.result
        if not url:
            return
        if not is_web_address(url) or len(url) > _max_length(Source, "url"):
            result.problems.append(
                Problem("source", _("“%(url)s” is not a web address: give the address the "
                                    "edition was published at, starting with http:// or "
                                    "https://.") % {"url": url})
            )  # fmt: skip
            return
        self.source = Source.objects.filter(deleted_at=None, url=url).order_by("pk").first()
        if self.source is None:
            result.source_created = result.citation_created = True
        elif self.edition is None:
            result.citation_created = True
        else:
            result.citation_created = not Citation.objects.filter(
                deleted_at=None, source=self.source, edition=self.edition
            ).exists()

    def _plan_rows(self) -> list[EditionRowPlan]:
        result = self.result
        persons = _persons_by_key({key for row in self.rows for key in row.keys})
        matched_ids = set()
        row_persons: dict[int, set[int]] = {}
        for row in self.rows:
            row_persons[row.number] = ids = set().union(
                *(persons.get(key, set()) for key in row.keys)
            )
            if len(ids) == 1:
                matched_ids |= ids
        names = dict(
            Person.objects.filter(pk__in={i for ids in row_persons.values() for i in ids})
            .values_list("pk", "display_name")
        )  # fmt: skip
        spellings = _spellings(matched_ids)
        if self.edition is not None:
            self.existing = {
                entry.person_id: entry
                for entry in ListEntry.objects.filter(edition=self.edition).select_related("person")
            }
        row_of_person: dict[int, int] = {}
        row_of_key: dict[str, int] = {}
        plans: list[EditionRowPlan] = []
        for row in self.rows:
            plan = EditionRowPlan(row=row.number, name=row.name)
            ids = row_persons[row.number]
            person_id = next(iter(ids)) if len(ids) == 1 else None
            if len(ids) > 1:
                plan.errors.append(_ambiguous(row, sorted(ids), names))
            else:
                earlier = row_of_person.get(person_id) if person_id else None
                if earlier is None:
                    earlier = min(
                        (row_of_key[k] for k in row.keys if k in row_of_key), default=None
                    )
                if earlier is not None:
                    plan.errors.append(_listed_twice(row, earlier, names.get(person_id)))
            plans.append(plan)
            if plan.errors:
                result.errors += plan.errors
                continue
            if person_id is not None:
                row_of_person[person_id] = row.number
            for key in row.keys:
                row_of_key.setdefault(key, row.number)
            if person_id is None:
                plan.person_action = "new"
                plan.new_spellings = list(row.variants)
                result.new_persons += 1
            else:
                plan.person_action = "matched"
                plan.person_id, plan.person_name = person_id, names[person_id]
                known = spellings[person_id]
                plan.new_spellings = [
                    s for s in [row.name, *row.variants] if _folded(s) not in known
                ]
                self.person_of_row[row.number] = person_id
                self.spellings_of_row[row.number] = plan.new_spellings
                result.matched += 1
            result.new_variants += len(plan.new_spellings)
            self._plan_entry(row, plan, person_id)
        in_file = set(self.person_of_row.values())
        for person_id, entry in self.existing.items():
            if entry.deleted_at is None and person_id not in in_file:
                self.removed_ids.append(entry.pk)
                result.removals.append(
                    EditionRemoval(person_id, entry.person.display_name, entry.listed_name)
                )
        result.removals.sort(key=lambda removal: removal.person_name.casefold())
        result.removed = len(self.removed_ids)
        return plans

    def _plan_entry(self, row: _Row, plan: EditionRowPlan, person_id: int | None) -> None:
        result = self.result
        entry = self.existing.get(person_id) if person_id is not None else None
        if entry is None or entry.deleted_at is not None:
            plan.entry_action = "added"
            result.added += 1
        else:
            plan.changes = [
                str(ListEntry._meta.get_field(name).verbose_name)
                for name, value in _entry_values(row).items()
                if getattr(entry, name) != value
            ]
            plan.entry_action = "changed" if plan.changes else "unchanged"
            if plan.changes:
                result.changed += 1
            else:
                result.unchanged += 1
        self.entry_action[row.number] = plan.entry_action

    def _permission_problems(self) -> None:
        result, user = self.result, self.user
        if user is None:
            return
        restores = any(
            entry.deleted_at is not None
            for person_id in self.person_of_row.values()
            if (entry := self.existing.get(person_id)) is not None
        )
        needed = [
            (result.list_created, "lists.add_prisonerlist", _("create a list")),
            (result.list_changed, "lists.change_prisonerlist", _("set the list's publisher")),
            (result.publisher_created, "cases.add_organization", _("add its publisher")),
            (result.edition_created, "lists.add_edition", _("add an edition")),
            (result.source_created, "sources.add_source", _("add the source")),
            (result.citation_created, "sources.add_citation", _("cite the source")),
            (bool(result.removed), "lists.delete_listentry",
             _("take the entries the file no longer names out of the edition")),
            (restores, RESTORE_PERMISSION,
             _("bring back entries of the edition that are in the trash")),
        ]  # fmt: skip
        for wanted, permission, action in needed:
            if wanted and not user.has_perm(permission):
                result.problems.append(
                    Problem(
                        "rights",
                        _("This import would %(action)s, which you do not have the right to do "
                          "(%(permission)s); ask an editor.")
                        % {"action": action, "permission": permission},
                    )
                )  # fmt: skip

    # -- the write ------------------------------------------------------------------------

    def write(self) -> None:
        result, now = self.result, timezone.now()
        if result.publisher_created:
            self.publisher = Organization.objects.create(
                name=self.publisher_name, visibility=Visibility.INTERNAL
            )
        if self.prisoner_list is None:
            self.prisoner_list = PrisonerList.objects.create(
                title=self.title, slug=self.slug, publisher=self.publisher,
                visibility=Visibility.INTERNAL,
            )  # fmt: skip
        elif result.list_changed:
            self.prisoner_list.publisher = self.publisher
            self.prisoner_list.save(update_fields=["publisher", "updated_at"])
        if self.edition is None:
            edition = Edition(prisoner_list=self.prisoner_list, visibility=Visibility.INTERNAL)
            edition.published_on = result.published_on
            edition.save()
            self.edition = edition
        result.edition = self.edition
        if result.source_created:
            source = Source(
                url=self.source_url,
                publisher=self.prisoner_list.publisher,
                kind=_new_source_kind(),
                visibility=Visibility.INTERNAL,
            )
            source.published_on = result.published_on
            source.save()
            self.source = source
        if result.citation_created:
            Citation.objects.create(
                source=self.source, edition=self.edition, visibility=Visibility.INTERNAL
            )
        variants: list[NameVariant] = []
        persons: dict[int, int] = dict(self.person_of_row)
        new_rows = [row for row in self.rows if row.number not in persons]
        slugs = issue_person_slugs([row.name for row in new_rows])
        created = Person.objects.bulk_create(
            Person(display_name=row.name, slug=slug, name_key=name_key(row.name),
                   visibility=Visibility.INTERNAL)
            for row, slug in zip(new_rows, slugs, strict=True)
        )  # fmt: skip
        persons.update(
            (row.number, person.pk) for row, person in zip(new_rows, created, strict=True)
        )
        new_numbers = {row.number for row in new_rows}
        for row in self.rows:
            if row.number in new_numbers:
                spellings = row.variants
            else:
                spellings = self.spellings_of_row[row.number]
            variants += [
                NameVariant(
                    person_id=persons[row.number], name=spelling, name_key=name_key(spelling),
                    kind=NameVariantKind.TRANSLITERATION, visibility=Visibility.INTERNAL,
                )
                for spelling in spellings
            ]  # fmt: skip
        NameVariant.objects.bulk_create(variants)
        new_entries, updated = [], []
        for row in self.rows:
            person_id = persons[row.number]
            action, values = self.entry_action[row.number], _entry_values(row)
            entry = self.existing.get(person_id)
            if entry is None:
                new_entries.append(
                    ListEntry(edition=self.edition, person_id=person_id,
                              visibility=Visibility.INTERNAL, **values)
                )  # fmt: skip
            elif action != "unchanged":
                for name, value in values.items():
                    setattr(entry, name, value)
                if entry.deleted_at is not None:  # back from the trash, internal like a new one
                    entry.deleted_at, entry.visibility = None, Visibility.INTERNAL
                entry.updated_at = now
                updated.append(entry)
        ListEntry.objects.bulk_create(new_entries)
        ListEntry.objects.bulk_update(
            updated, [*_ENTRY_FIELDS, "deleted_at", "visibility", "updated_at"], batch_size=1000
        )
        if self.removed_ids:
            # the trash (cases.services.records_trash), here so the history names this import
            ListEntry.objects.filter(pk__in=self.removed_ids, deleted_at=None).update(
                deleted_at=now, updated_at=now
            )


_ENTRY_FIELDS = ("listed_name", "group", "status", "note")


def _entry_values(row: _Row) -> dict[str, str]:
    return {"listed_name": row.name, "group": row.group, "status": row.status, "note": row.note}


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _persons_by_key(keys: set[str]) -> dict[str, set[int]]:
    """The persons (not in the trash) each key names, through their display name
    or a spelling (not in the trash)."""
    persons: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(sorted(keys), _KEY_CHUNK):
        for person_id, key in Person.objects.filter(
            deleted_at=None, name_key__in=chunk
        ).values_list("pk", "name_key"):
            persons[key].add(person_id)
        for person_id, key in NameVariant.objects.filter(
            deleted_at=None, person__deleted_at=None, name_key__in=chunk
        ).values_list("person_id", "name_key"):
            persons[key].add(person_id)
    return persons


def _spellings(person_ids: set[int]) -> dict[int, set[str]]:
    """Each person's spellings, folded: the display name and every name variant,
    those in the trash too (one an editor removed is not brought back)."""
    spellings: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(person_ids), _KEY_CHUNK):
        for person_id, name in Person.objects.filter(pk__in=chunk).values_list(
            "pk", "display_name"
        ):
            spellings[person_id].add(_folded(name))
        for person_id, name in NameVariant.objects.filter(person_id__in=chunk).values_list(
            "person_id", "name"
        ):
            spellings[person_id].add(_folded(name))
    return spellings


def _person_reference(person_id: int, names: dict[int, str]) -> str:
    try:
        where = reverse("admin:cases_person_change", args=[person_id])
    except NoReverseMatch:
        where = f"#{person_id}"
    return f"{names.get(person_id, person_id)} ({where})"


def _ambiguous(row: _Row, person_ids: list[int], names: dict[int, str]) -> RowError:
    return RowError(
        row.number, "name", row.name,
        ngettext(
            "The spellings of this row match %(n)s person on record: %(persons)s. If they "
            "are one person, merge them; if not, add this entry to the edition by hand.",
            "The spellings of this row match %(n)s persons on record: %(persons)s. If they "
            "are one person, merge them; if not, add this entry to the edition by hand.",
            len(person_ids),
        ) % {
            "n": len(person_ids),
            "persons": "; ".join(_person_reference(pk, names) for pk in person_ids),
        },
    )  # fmt: skip


def _listed_twice(row: _Row, earlier: int, person_name: str | None) -> RowError:
    if person_name:
        message = _(
            "Row %(row)s already names this person (%(person)s): an edition lists a person once."
        ) % {"row": earlier, "person": person_name}
    else:
        message = _(
            "Row %(row)s already names a person spelled this way: an edition lists a "
            "person once. Join the two rows, or tell the names apart."
        ) % {"row": earlier}
    return RowError(row.number, "name", row.name, message)


def _new_source_kind() -> SourceKind:
    return SourceKind.objects.filter(code=NEW_SOURCE_KIND).first() or SourceKind.objects.get(
        code="other"
    )
