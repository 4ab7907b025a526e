"""The columns of a case sheet: their names, order and what each holds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

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
    # added last, so the earlier columns keep their places in an exported sheet
    "case_group",
    "transferred_to",
    "transferred_on",
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
    "facility": gettext_lazy(
        "Where the person was held from the arrest: a facility's name in any spelling "
        "(Prison No. 13, Тюрьма № 13). A stored facility is found by any of its names; an "
        "unknown one is created, internal. Opens a custody period from the arrest date."
    ),
    "released_on": gettext_lazy("A partial date, or blank."),
    "release_reason": gettext_lazy("A release reason term, or blank."),
    "allegations": gettext_lazy("Allegation terms, separated by |."),
    "sources": gettext_lazy("URLs, separated by |."),
    "notes": gettext_lazy("Staff-only notes, added to the person's internal notes."),
    "case_group": gettext_lazy(
        "The case group the person belongs to (Abzas Media case); several separated by |. "
        "An unknown one is created, internal."
    ),
    "transferred_to": gettext_lazy(
        "The facility the person was moved to, found or created as facility is; with "
        "transferred_on, or blank."
    ),
    "transferred_on": gettext_lazy(
        "The date of the move (a partial date, not before the arrest): the custody period "
        "at the earlier facility ends then and one at transferred_to begins. With "
        "transferred_to, or blank."
    ),
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
    "transferred_to",
    "transferred_on",
)
SEPARATOR = "|"

COLUMN_INDEX = {name: index for index, name in enumerate(COLUMNS)}
DETENTION_INDEXES = tuple(COLUMN_INDEX[name] for name in DETENTION_COLUMNS)
