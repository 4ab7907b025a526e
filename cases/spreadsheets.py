"""Spreadsheet cells that stay data: the formula escaping of every CSV and XLSX
file Casebook writes (API CSV, admin exports), and its undoing when a sheet is
read back (the case-sheet import)."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """The text prefixed with ' when a spreadsheet would run it, so it is shown instead."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def unescape_formula(text: str) -> str:
    """A cell as it was before an export escaped it, so an exported sheet imports unchanged."""
    if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:].strip()
    return text
