"""The catalogs agree with docs/glossary.md: each term listed there is
translated as the glossary says, and no translation uses a term it rejects."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
LANGUAGES = ("az", "ru")


def _table(title: str) -> list[list[str]]:
    """The rows of the Markdown table under the heading `## title`."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


TERMS = _table("Terms")
AVOIDED = _table("Terms to avoid")


def test_the_glossary_has_terms_and_terms_to_avoid():
    assert len(TERMS) >= 30
    assert {row[0] for row in AVOIDED} == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_glossary_term_is_translated_as_the_glossary_says(language):
    catalog = _catalog(language)
    column = 2 if language == "az" else 3
    wrong = []
    for row in TERMS:
        msgid = row[0].strip("`")
        context = None if row[1] == "—" else row[1]
        entry = (
            catalog.find(msgid, msgctxt=context) if context else _without_context(catalog, msgid)
        )
        if entry is None:
            wrong.append(f"{msgid!r} ({context}): not in the catalog")
        elif entry.msgstr != row[column]:
            wrong.append(f"{msgid!r} ({context}): {entry.msgstr!r}, glossary {row[column]!r}")
    assert wrong == []


def _without_context(catalog: polib.POFile, msgid: str):
    return next((e for e in catalog if e.msgid == msgid and not e.msgctxt), None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_uses_a_term_the_glossary_rejects(language):
    catalog = _catalog(language)
    avoided = [row[1] for row in AVOIDED if row[0] == language]
    found = [
        (term, entry.msgid[:60])
        for entry in catalog
        if not entry.obsolete
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        for term in avoided
        if term.lower() in text.lower()
    ]
    assert found == []
