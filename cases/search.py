"""Name keys: every spelling of a name (Azerbaijani Latin, English
transliteration, Russian or Azerbaijani Cyrillic) folds to one ASCII key, so
"Bəxtiyar Hacıyev", "Bakhtiyar Hajiyev", "Bakhtiyar Hajiev" and
"Бахтияр Гаджиев" all become "bagtiar gajiav". Keys are indexed with pg_trgm
and compared by trigram similarity, so close keys rank high even where the
folding leaves a letter apart.

The folding is deliberately coarse; a key is for finding, never for display:

- Cyrillic is romanised first (х→kh, ж→zh, ч→ch, ш→sh, ы→i, Azerbaijani ә→ə...).
- ə, e and a fold to "a"; ı, ы and i to "i"; ö to "o"; ü to "u".
- g, q, ğ, gh, h, x and kh fold to "g" (Russian writes Azerbaijani h as г or х:
  Гасанов, Мехрализаде; Azerbaijani x is English kh).
- c, j, dzh, dj and zh fold to "j"; ş/sh and ç/ch stay sh and ch.
- "iy" becomes "i", a "y" between a vowel and "e" or "i" goes and "ye" after a
  consonant is "ie" (-iyev/-iev/-yev, Ismayilova/Исмаилова); a "y" closing a
  vowel is an "i" (Leyla/Leila); a final q or g is a k (Tofiq/Tofig/Тофик).
- a "y" after a consonant and before no vowel is an "i": it is Russian ы written
  the English way, which Azerbaijani writes ı (Gasymov/Qasımov/Gasimov), and so
  the Russian-style "-ly" ending meets Azerbaijani "-lı" and English "-li"
  (Hasanly/Həsənli/Hassanli, Gasymly/Qasımlı/Gasimli). A "y" before a vowel
  stays a consonant (Ilyas, Yunus).
- doubled letters are single (Hassanli/Hasanli), and other marks go; letters of
  other scripts (Georgian, Arabic...) stay as they are.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.utils.translation import gettext as _

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ў": "u",
    # Azerbaijani Cyrillic (1939-1991 alphabet)
    "ә": "ə", "ғ": "ğ", "ҹ": "c", "һ": "h", "ө": "ö", "ү": "ü", "ҝ": "g", "ј": "y",
    "ҳ": "h", "ӯ": "u", "қ": "q", "ң": "n",
}  # fmt: skip

# Applied left to right, longest first: each sound's spellings become one token.
_TOKENS = {
    "shch": "sh", "dzh": "j", "dj": "j", "zh": "j", "kh": "g", "gh": "g", "sh": "sh",
    "ch": "ch", "ts": "ts",
    "ş": "sh", "ç": "ch", "c": "j", "j": "j", "x": "g", "q": "g", "ğ": "g", "g": "g",
    "h": "g", "ə": "a", "ä": "a", "e": "a", "é": "a", "ı": "i", "ö": "o", "ü": "u", "w": "v",
}  # fmt: skip
_TOKEN_RE = re.compile("|".join(sorted((re.escape(k) for k in _TOKENS), key=len, reverse=True)))
_VOWELS = "aeiouəıöüy"
_TRUE_VOWELS = "aeiouəıöü"  # without y, which is a consonant before a vowel


_READABLE = {"ə": "a", "ı": "i", "ş": "sh", "ç": "ch", "ğ": "gh", "ß": "ss", "æ": "ae", "ø": "o"}


def _romanised(text: str) -> str:
    """Case-folded, with Cyrillic written in Latin letters."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("i̇", "i")  # Azerbaijani/Turkish dotted capital İ casefolds to i + dot
    return "".join(_CYRILLIC.get(char, char) for char in text)


def readable_ascii(text: str) -> str:
    """A readable ASCII spelling for URLs ("Bəxtiyar Hacıyev" -> "baxtiyar haciyev",
    "Бахтияр Гаджиев" -> "bakhtiyar gadzhiev"); unlike name_key, not folded."""
    text = "".join(_READABLE.get(char, char) for char in _romanised(text))
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if char.isascii())


@functools.lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The folded search key of a name or a query; "" for a name with no letters.
    Letters of other scripts (Georgian, Arabic...) are kept as they are.
    (Cached: an import computes the keys of the same names and words many times.)"""
    text = _romanised(name)
    words = []
    for word in _WORD_SPLIT.split(text):
        if word:
            words.append(_fold_word(word))
    return " ".join(word for word in words if word)


_WORD_SPLIT = re.compile(r"[^\w]+|_")
_FOLD_STEPS = [
    # -iyev/-iev/-yev and Yelena/Elena, before vowels fold
    (re.compile(r"iy"), "i"),
    (re.compile(rf"(?<=[{_VOWELS}])y(?=[ei])"), ""),  # Rzayev/Рзаев, Ismayilova/Исмаилова
    (re.compile(rf"(?<=[^{_VOWELS}])ye"), "ie"),  # Alyev/Aliyev
    (re.compile(r"^ye"), "e"),
    # Leyla/Leila, Heydar/Heidar: a y closing a vowel is an i
    (re.compile(rf"(?<=[{_VOWELS}])y(?![{_VOWELS}])"), "i"),
    # Gasymov/Qasımov, Hasanly/Həsənli: a y after a consonant, before no vowel, is ы/ı
    (re.compile(rf"(?<=[^\W\d_{_VOWELS}])y(?![{_TRUE_VOWELS}])"), "i"),
]
_FINAL_G = re.compile(r"g$")  # a final q/g sounds k: Tofiq/Tofig/Тофик
_REPEATED = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=65_536)
def _fold_word(word: str) -> str:
    word = word.replace("ı", "i")
    for pattern, replacement in _FOLD_STEPS:
        word = pattern.sub(replacement, word)
    word = _TOKEN_RE.sub(lambda match: _TOKENS[match.group(0)], word)
    # strip remaining diacritics, keep letters and digits (of any script) only
    word = unicodedata.normalize("NFKD", word)
    word = "".join(char for char in word if char.isalnum())
    word = _FINAL_G.sub("k", word)
    return _REPEATED.sub(r"\1", word)


# --- what a search may ask ------------------------------------------------------------
#
# A name search compares the query's key with every candidate's by trigrams, so
# its work grows with the query: 3,000 words took 1.5 s on the API and 2-4 s on
# /persons/ with 26 persons. Every output that searches (the API, the public
# list, the live suggestions, the admin) checks these bounds first; a name is a
# few words, a pasted paragraph is refused with a message.

MAX_QUERY_CHARACTERS = 200
MAX_QUERY_WORDS = 10
# Python's whitespace (str.isspace) spelt out, so the OpenAPI pattern built from it
# reads the same in every regex dialect (Python, ECMAScript, Rust).
SPACE_CLASS = r"[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
WORD_CHARACTER_CLASS = (
    r"[^\x00\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
# 1 to MAX_QUERY_WORDS words separated by spaces, no NUL; the length is bounded apart
QUERY_PATTERN = (
    rf"^{SPACE_CLASS}*{WORD_CHARACTER_CLASS}+"
    rf"({SPACE_CLASS}+{WORD_CHARACTER_CLASS}+){{0,{MAX_QUERY_WORDS - 1}}}{SPACE_CLASS}*$"
)


class SearchQueryError(ValueError):
    """A search query beyond the bounds; the message says which and what to do."""


def check_search_query(query: str) -> str:
    """`query` if a search may take it; SearchQueryError saying why not otherwise."""
    if len(query) > MAX_QUERY_CHARACTERS:
        raise SearchQueryError(
            _(
                "A search may be at most %(limit)d characters long; this one has %(count)d. "
                "Search for a name."
            )
            % {"limit": MAX_QUERY_CHARACTERS, "count": len(query)}
        )
    words = len(query.split())
    if words > MAX_QUERY_WORDS:
        raise SearchQueryError(
            _(
                "A search may have at most %(limit)d words; this one has %(count)d. "
                "Search for a name."
            )
            % {"limit": MAX_QUERY_WORDS, "count": words}
        )
    return query


def search_key(query: str) -> str:
    """The key a search compares names with (name_key), once the query is within bounds."""
    return name_key(check_search_query(query))
