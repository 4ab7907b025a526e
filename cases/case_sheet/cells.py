"""Reading one cell of a case sheet: lists, sentences, charges, terms, web addresses, names."""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cases.case_sheet.columns import SEPARATOR
from cases.search import name_key, readable_ascii

_URL = URLValidator(schemes=["http", "https"])
_CHARGE = re.compile(r"^(?P<article>[^()]*?)\s*(?:\((?P<description>.*)\))?$", re.S)
_YEAR_UNITS = {"y", "yr", "yrs", "year", "years", "il", "г", "год", "года", "лет"}
_MONTH_UNITS = {"m", "mo", "mos", "month", "months", "ay", "мес", "месяц", "месяца", "месяцев"}
_SENTENCE_PART = re.compile(r"(\d+)\s*([^\W\d_]+)\.?", re.U)
_SENTENCE_FILLER = re.compile(r"^[\s,;+]*(?:and|və|и)?[\s,;+]*$", re.I)


def is_url(url: str) -> bool:
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


def split(text: str) -> list[str]:
    """The non-blank parts of a `|`-separated cell, spaces tidied, repeats dropped."""
    parts = []
    for part in text.split(SEPARATOR):
        part = " ".join(part.split())
        if part and part not in parts:
            parts.append(part)
    return parts


def split_charge(part: str) -> tuple[str, str]:
    """The article and the description of one charge written "206.3.2 (smuggling)";
    ("", "") when the text has no such shape."""
    match = _CHARGE.match(part)
    if not match:
        return "", ""
    return match.group("article").strip(), " ".join((match.group("description") or "").split())


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


@lru_cache(maxsize=4096)  # a person's rows are mostly adjacent; bounded memory
def key_and_language(name: str) -> tuple[str, str]:
    """The name key and language of a spelling; names repeat across rows."""
    return name_key(name), _language_of(name)


def slug_base(name: str) -> str:
    """The slug a new person of this name starts from (before -2, -3...)."""
    return slugify(readable_ascii(name))[:110] or "person"


class Vocabulary:
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
