"""Checking one row of a case sheet: one checker per column, and the row as staged for COPY."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.case_sheet.cells import (
    Vocabulary,
    is_url,
    key_and_language,
    parse_sentence,
    split,
    split_charge,
)
from cases.case_sheet.columns import COLUMN_INDEX, DETENTION_INDEXES
from cases.case_sheet.result import RowError
from cases.choices import Gender
from cases.models import AllegationKind, LegalStage, Occupation, ReleaseReason
from cases.partial_dates import PartialDate, PartialDateError, period_ends_before
from places.services import facility_key

# The staged row: the columns of the row table (SheetPlanner.create_tables) that
# RowChecker.check fills, in order, with their COPY types.
ROW_TYPES = [
    "int4", "text", "text", "text", "text[]", "text[]", "text[]", "text", "int4",
    "int8[]", "text[]", "bool", "bool", "date", "int2", "text", "text[]", "text[]", "int8",
    "int4", "text", "date", "int2", "int8", "int8[]", "text[]", "text", "text[]", "text",
    "text", "text", "date", "int2",
]  # fmt: skip
ROW_COLUMNS = (
    "row_no, person, person_key, person_language, variants, variant_keys, "
    "variant_languages, gender, birth_year, occupation_ids, affiliations, has_detention, "
    "identity_ok, arrested_on, arrested_precision, arrest_place, charge_articles, "
    "charge_descriptions, legal_stage_id, sentence_months, facility, released_on, "
    "released_precision, release_reason_id, allegation_kind_ids, source_urls, notes, case_groups, "
    "facility_key, transferred_to, transfer_key, transferred_on, transferred_precision"
)


def _too_long(limit: int) -> str:
    return ngettext(
        "too long: at most %(n)s character", "too long: at most %(n)s characters", limit
    ) % {"n": limit}


class _RowCells:
    """One row being checked: its cells in COLUMNS order, the errors found so far,
    and what later columns read of earlier ones (the person, the arrest and release
    dates, the facility)."""

    __slots__ = (
        "row", "cells", "errors", "person", "person_key", "arrested", "released", "facility",
        "facility_key",
    )  # fmt: skip

    def __init__(self, row: int, cells: list[str]):
        self.row = row
        self.cells = cells
        self.errors: list[RowError] = []
        self.person = ""
        self.person_key = ""
        self.arrested: PartialDate | None = None
        self.released: PartialDate | None = None
        self.facility = ""
        self.facility_key = ""

    def raw(self, column: str) -> str:
        return self.cells[COLUMN_INDEX[column]]

    def error(self, column: str, value: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, value, message))

    def text(self, column: str, limit: int) -> str:
        """The cell with its spaces tidied, cut to `limit` characters (an error if longer)."""
        value = " ".join(self.raw(column).split())
        if len(value) > limit:
            self.error(column, value, _too_long(limit))
            return value[:limit]
        return value

    def terms(self, vocabulary: Vocabulary) -> list[int]:
        """The terms of a `|`-separated cell, each once; an error for each unknown one."""
        found = []
        for part in split(self.raw(vocabulary.column)):
            term = vocabulary.find(part)
            if term is None:
                self.error(vocabulary.column, part, vocabulary.unknown(part))
            elif term not in found:
                found.append(term)
        return found

    def term(self, vocabulary: Vocabulary) -> int | None:
        """The one term of a cell, or None when it is blank or unknown (an error)."""
        value = " ".join(self.raw(vocabulary.column).split())
        if not value:
            return None
        found = vocabulary.find(value)
        if found is None:
            self.error(vocabulary.column, value, vocabulary.unknown(value))
        return found

    def date(self, column: str) -> tuple[PartialDate | None, bool]:
        """The partial date of a cell and whether it could be read (a blank cell can)."""
        value = self.raw(column).strip()
        if not value:
            return None, True
        try:
            return PartialDate.parse(value), True
        except PartialDateError as problem:
            self.error(column, value, str(problem))
            return None, False


class RowChecker:
    """Checks one row's cells, one checker per column (CHECKERS), and gives the row
    as staged (or None) and its errors."""

    def __init__(self):
        self.occupations = Vocabulary(Occupation, "occupations")
        self.legal_stages = Vocabulary(LegalStage, "legal_stage")
        self.release_reasons = Vocabulary(ReleaseReason, "release_reason")
        self.allegation_kinds = Vocabulary(AllegationKind, "allegations")
        self.this_year = datetime.date.today().year
        self.genders = {value: value for value in Gender.values} | {
            str(label).lower(): value for value, label in Gender.choices
        }

    def check(self, row: int, cells: list[str]) -> tuple[tuple | None, list[RowError]]:
        """Run every column's checker, in column order, so that every error of the row
        is listed at once; the row is staged only when it names a person."""
        checking = _RowCells(row, cells)
        values = {column: checker(self, checking) for column, checker in self.CHECKERS.items()}
        if not checking.person_key:
            return None, checking.errors
        return _staged(checking, values), checking.errors

    # -- one checker per column: each gives the column's value(s) as staged -------------

    def check_person(self, row: _RowCells) -> tuple[str, str, str]:
        """Required: a name with letters, at most 200 characters. Gives the name, its
        key and its language (the slug of a new person is worked out when it is
        written: PlanWriter.issue_slugs)."""
        person = row.person = row.text("person", 200)
        if not person:
            row.error(
                "person",
                row.raw("person"),
                _("the person is blank; expected the name as usually written in English"),
            )
            return person, "", ""
        key, language = key_and_language(person)
        if not key:
            row.error("person", person, _("expected a name with letters"))
        row.person_key = key
        return person, key, language

    def check_name_variants(self, row: _RowCells) -> tuple[list[str], list[str], list[str]]:
        """Other spellings, each at most 200 characters (the person's own spelling is
        skipped). Gives the spellings, their keys and their languages."""
        variants, keys, languages = [], [], []
        for name in split(row.raw("name_variants")):
            if len(name) > 200:
                row.error("name_variants", name, _too_long(200))
            elif name != row.person:
                key, language = key_and_language(name)
                variants.append(name)
                keys.append(key)
                languages.append(language)
        return variants, keys, languages

    def check_gender(self, row: _RowCells) -> str:
        """A gender's value or label, any case, or blank ("")."""
        text = row.text("gender", 20).lower()
        gender = self.genders.get(text, "")
        if text and not gender:
            row.error("gender", text, _("expected %(allowed)s, or blank")
                      % {"allowed": ", ".join(Gender.values)})  # fmt: skip
        return gender

    def check_birth_year(self, row: _RowCells) -> int | None:
        """Four digits between 1800 and this year, or blank (None)."""
        text = row.text("birth_year", 20)
        if not text:
            return None
        if re.fullmatch(r"\d{4}", text) and 1800 <= int(text) <= self.this_year:
            return int(text)
        row.error("birth_year", text, _("expected a year of four digits such as 1984, "
                  "between 1800 and %(year)s, or blank") % {"year": self.this_year})  # fmt: skip
        return None

    def check_occupations(self, row: _RowCells) -> list[int]:
        """Occupation terms (code or English label), separated by |."""
        return row.terms(self.occupations)

    def check_affiliations(self, row: _RowCells) -> list[str]:
        """Organization names separated by |, each at most 200 characters."""
        names = []
        for name in split(row.raw("affiliations")):
            if len(name) > 200:
                row.error("affiliations", name, _too_long(200))
            else:
                names.append(name)
        return names

    def check_arrested_on(self, row: _RowCells) -> tuple[PartialDate | None, bool]:
        """A partial date, or blank. Gives the date and whether it could be read: a row
        whose arrest date cannot be read stages no detention (identity_ok)."""
        arrested, readable = row.date("arrested_on")
        row.arrested = arrested
        return arrested, readable

    def check_arrest_place(self, row: _RowCells) -> str:
        """Free text, at most 200 characters."""
        return row.text("arrest_place", 200)

    def check_charges(self, row: _RowCells) -> tuple[list[str], list[str]]:
        """Articles separated by |, each optionally followed by its description in
        parentheses. An article given twice is one charge (the first description
        given is kept). Gives the articles and their descriptions ("" for none)."""
        articles: list[str] = []
        descriptions: list[str] = []
        for part in split(row.raw("charges")):
            article, description = split_charge(part)
            if not article or "(" in article or ")" in description:
                row.error("charges", part, _("expected an article, optionally followed by its "
                          "description in parentheses: 206.3.2 (smuggling)"))  # fmt: skip
            elif len(article) > 40 or len(description) > 300:
                row.error("charges", part, _("too long: an article has at most 40 characters and "
                          "its description at most 300"))  # fmt: skip
            elif article in articles:
                if description and not descriptions[articles.index(article)]:
                    descriptions[articles.index(article)] = description
            else:
                articles.append(article)
                descriptions.append(description)
        return articles, descriptions

    def check_legal_stage(self, row: _RowCells) -> int | None:
        """A legal stage term (code or English label), or blank."""
        return row.term(self.legal_stages)

    def check_sentence(self, row: _RowCells) -> int | None:
        """A sentence in years and months (parse_sentence), or blank. Gives months."""
        text = row.text("sentence", 100)
        if not text:
            return None
        try:
            return parse_sentence(text)
        except ValueError:
            row.error("sentence", text, _("expected a sentence such as 9 years, "
                      "7 years 6 months, 8y6m or 90 months (at most 100 years), or blank"))  # fmt: skip
            return None

    def check_facility(self, row: _RowCells) -> tuple[str, str]:
        """A facility's name in any spelling, at most 200 characters, with letters or
        a number, or blank. Gives the name and its facility key (places.services);
        the name is also the detention's free-text facility, as the sheet wrote it."""
        name, key = self.facility_name(row, "facility")
        row.facility, row.facility_key = name, key
        return name, key

    def check_released_on(self, row: _RowCells) -> PartialDate | None:
        """A partial date that does not end before the arrest (check_arrested_on), or blank."""
        released, _readable = row.date("released_on")
        row.released = released
        arrested = row.arrested
        if period_ends_before(arrested, released):
            row.error(
                "released_on",
                row.raw("released_on").strip(),
                _("the release (%(released)s) is before the arrest (%(arrested)s); expected a "
                  "date on or after the arrest") % {"released": released.isoformat(),
                                                    "arrested": arrested.isoformat()},
            )  # fmt: skip
        return released

    def check_release_reason(self, row: _RowCells) -> int | None:
        """A release reason term, or blank."""
        return row.term(self.release_reasons)

    def check_allegations(self, row: _RowCells) -> list[int]:
        """Allegation terms, separated by |."""
        return row.terms(self.allegation_kinds)

    def check_sources(self, row: _RowCells) -> list[str]:
        """Web addresses (http or https, at most 1000 characters), separated by |."""
        urls = []
        for url in split(row.raw("sources")):
            if is_url(url):
                urls.append(url)
            else:
                row.error("sources", url, _("expected a web address starting with http:// or "
                          "https://, at most 1000 characters"))  # fmt: skip
        return urls

    def check_notes(self, row: _RowCells) -> str:
        """Staff-only free text, taken as it is."""
        return row.raw("notes").strip()

    def check_case_group(self, row: _RowCells) -> list[str]:
        """Case group names separated by |, each at most 200 characters, each once
        (any case)."""
        names: list[str] = []
        for name in split(row.raw("case_group")):
            if len(name) > 200:
                row.error("case_group", name, _too_long(200))
            elif name.lower() not in (n.lower() for n in names):
                names.append(name)
        return names

    def check_transferred_to(self, row: _RowCells) -> tuple[str, str]:
        """A facility's name as in check_facility, another than the row's facility,
        given with transferred_on; or blank with it. Gives the name and its key."""
        name, key = self.facility_name(row, "transferred_to")
        if key and key == row.facility_key:
            row.error("transferred_to", name, _(
                "this is the facility the row names in facility (%(facility)s); expected the "
                "facility the person was moved to, or blank"
            ) % {"facility": row.facility})  # fmt: skip
        elif not name and row.raw("transferred_on").strip():
            row.error("transferred_to", "", _(
                "the row gives transferred_on but not where to; expected the facility the "
                "person was moved to, or a blank transferred_on"))  # fmt: skip
        return name, key

    def check_transferred_on(self, row: _RowCells) -> PartialDate | None:
        """A partial date, not before the arrest nor after the release, given with
        transferred_to; or blank with it."""
        moved, readable = row.date("transferred_on")
        moved_to = " ".join(row.raw("transferred_to").split())
        if readable and moved is None and moved_to:
            row.error("transferred_on", "", _(
                "the row gives transferred_to (%(facility)s) but not when; expected the date of "
                "the move, a partial date such as 2024, 2024-03 or 12.03.2024"
            ) % {"facility": moved_to})  # fmt: skip
        elif period_ends_before(row.arrested, moved):
            row.error("transferred_on", row.raw("transferred_on").strip(), _(
                "the move (%(moved)s) is before the arrest (%(arrested)s); expected a date on or "
                "after the arrest"
            ) % {"moved": moved.isoformat(), "arrested": row.arrested.isoformat()})  # fmt: skip
        elif period_ends_before(moved, row.released):
            row.error("transferred_on", row.raw("transferred_on").strip(), _(
                "the move (%(moved)s) is after the release (%(released)s); expected a date on or "
                "before the release"
            ) % {"moved": moved.isoformat(), "released": row.released.isoformat()})  # fmt: skip
        return moved

    @staticmethod
    def facility_name(row: _RowCells, column: str) -> tuple[str, str]:
        """The facility name of a cell and its key: ("", "") when blank, or when it
        has neither letters nor numbers (an error)."""
        name = row.text(column, 200)
        if not name:
            return "", ""
        key = facility_key(name)
        if not key:
            row.error(column, name, _("expected a facility's name, with letters or a number"))
        return name, key

    # column -> its checker, in COLUMNS order (tests/test_case_sheet_package.py holds them equal)
    CHECKERS: dict[str, Callable[[RowChecker, _RowCells], Any]] = {
        "person": check_person,
        "name_variants": check_name_variants,
        "gender": check_gender,
        "birth_year": check_birth_year,
        "occupations": check_occupations,
        "affiliations": check_affiliations,
        "arrested_on": check_arrested_on,
        "arrest_place": check_arrest_place,
        "charges": check_charges,
        "legal_stage": check_legal_stage,
        "sentence": check_sentence,
        "facility": check_facility,
        "released_on": check_released_on,
        "release_reason": check_release_reason,
        "allegations": check_allegations,
        "sources": check_sources,
        "notes": check_notes,
        "case_group": check_case_group,
        "transferred_to": check_transferred_to,
        "transferred_on": check_transferred_on,
    }


def _staged(row: _RowCells, values: dict[str, Any]) -> tuple:
    """The checked row in ROW_COLUMNS order. A row describes a detention when any
    of DETENTION_COLUMNS is filled."""
    person, key, language = values["person"]
    variants, variant_keys, variant_languages = values["name_variants"]
    arrested, arrest_ok = values["arrested_on"]
    articles, descriptions = values["charges"]
    released = values["released_on"]
    facility, facility_key_ = values["facility"]
    moved_to, moved_key = values["transferred_to"]
    moved = values["transferred_on"]
    has_detention = any(row.cells[index].strip() for index in DETENTION_INDEXES)
    return (
        row.row, person, key, language, variants, variant_keys, variant_languages,
        values["gender"], values["birth_year"], values["occupations"], values["affiliations"],
        has_detention, arrest_ok, arrested.date if arrested else None,
        int(arrested.precision) if arrested else None, values["arrest_place"],
        articles, descriptions, values["legal_stage"], values["sentence"], facility,
        released.date if released else None,
        int(released.precision) if released else None, values["release_reason"],
        values["allegations"], values["sources"], values["notes"], values["case_group"],
        facility_key_, moved_to, moved_key, moved.date if moved else None,
        int(moved.precision) if moved else None,
    )  # fmt: skip
