"""The checks a native reader of Azerbaijani or Russian makes of a page, and the
cases they are made on (issue 21): no English sentence from the code, no broken
plural, no masculine form on a woman's page.

The checks read plain text (a page's visible text, or a browser's
`document.body.innerText`), so the client tests and the browser tests share them.
The data set's own texts (names, titles, quotes) are chosen so that none is an
English string of the catalogs: what the researchers typed may be English, and
must not be taken for a leftover of the code."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info

from cases.models import (
    AllegationStatus,
    Charge,
    Occupation,
    PaceAssessment,
    Person,
    ReleaseReason,
)
from cases.partial_dates import PartialDate
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from sources.models import ReportedCount
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("az", "ru")

# --- the visible text of a page ----------------------------------------------------

# Elements whose content a reader never sees as text, and form fields whose content
# is what someone typed (data, not the interface).
_UNSEEN = {"script", "style", "template", "textarea", "noscript"}
# Elements that start a new line of text: what keeps "5" in one cell and
# "persons" in the next from reading as "5persons".
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "nav", "ol",
    "option", "p", "pre", "section", "select", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "title", "tr", "ul",
}  # fmt: skip
# Attributes a reader sees: tooltips and placeholders. (Screen readers' `alt` and
# `aria-label` are heard, not seen: Django's admin has an untranslated alt="Search".)
_READ_ATTRIBUTES = ("title", "placeholder")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unseen = 0

    def handle_starttag(self, tag, attrs):
        if tag in _UNSEEN:
            self._unseen += 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        if self._unseen:
            return
        for name, value in attrs:
            if name in _READ_ATTRIBUTES and value:
                self.parts.append(f"\n{value}\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _UNSEEN:
            self._unseen -= 1

    def handle_endtag(self, tag):
        if tag in _UNSEEN:
            self._unseen = max(0, self._unseen - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._unseen:
            self.parts.append(data)


def visible_text(markup: str) -> str:
    """The text a reader sees on a page: text nodes, select options, tooltips and
    placeholders; not scripts, styles, templates, nor what form fields hold (input
    values, textareas). Blocks are lines; runs of spaces are one space."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --- no English sentence from the code -----------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{[\w.]*\}")
_MARKUP = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True)
class EnglishPhrase:
    """An English string of the code (a msgid) and how it would read on a page."""

    msgid: str
    pattern: re.Pattern


def _literal_words(text: str) -> list[str]:
    return _WORD.findall(_PLACEHOLDER.sub(" ", html.unescape(_MARKUP.sub(" ", text))))


def _as_pattern(msgid: str) -> re.Pattern:
    """The msgid as it reads once rendered: its markup gone, entities read, any
    text where a placeholder stands, any run of spaces a space, its first letter in
    either case (labels are shown capitalised), whole words only."""
    text = html.unescape(_MARKUP.sub("", msgid)).replace("%%", "%").strip()
    pieces = []
    for number, chunk in enumerate(_PLACEHOLDER.split(text)):
        if number:
            pieces.append(r".{0,200}?")
        words = r"\s+".join(map(re.escape, chunk.split()))
        before = r"\s*" if chunk[:1].isspace() else ""
        after = r"\s*" if chunk[-1:].isspace() and words else ""
        pieces.append(before + words + after)
    pattern = "".join(pieces)
    first = text[0]
    if first.isalpha():
        pattern = f"[{first.upper()}{first.lower()}]" + pattern[len(re.escape(first)) :]
    if first.isalnum():
        pattern = r"(?<![\w])" + pattern
    if text[-1].isalnum():
        pattern += r"(?![\w])"
    return re.compile(pattern)


def _translated(text: str, msgstr: str) -> bool:
    """The catalog says it otherwise: a name or a code is kept as it is, so its
    translation equals it or holds it ("sınaq (development)")."""
    return bool(msgstr.strip()) and text.strip() not in msgstr


def _catalog_strings(language: str):
    """Each English string of the catalog of `language` with its translation (a
    plural entry gives its singular and its plural)."""
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
            yield entry.msgid, forms[0]
            yield entry.msgid_plural, forms[-1]
        else:
            yield entry.msgid, entry.msgstr


@cache
def english_phrases(language: str) -> tuple[EnglishPhrase, ...]:
    """The English sentences and phrases of the code (three words or more, not only
    placeholders and markup) that the catalog of `language` translates: any of
    them anywhere on a page in that language is a leftover."""
    phrases = {}
    for text, msgstr in _catalog_strings(language):
        if text not in phrases and len(_literal_words(text)) >= 3 and _translated(text, msgstr):
            phrases[text] = EnglishPhrase(text, _as_pattern(text))
    return tuple(phrases.values())


def _term_key(text: str) -> str:
    text = text.strip().rstrip(":.").strip()
    return text[:1].lower() + text[1:]


@cache
def english_terms(language: str) -> dict[str, str]:
    """The English terms of the code (one or two words: labels, vocabulary terms,
    statuses) that the catalog of `language` translates, by how they read. A term
    is short enough to occur inside an English name or title a researcher typed,
    so it counts as a leftover only where it stands alone (see `english_leftovers`)."""
    terms = {}
    for text, msgstr in _catalog_strings(language):
        words = _literal_words(text)
        if (
            1 <= len(words) <= 2
            and not _PLACEHOLDER.search(text)
            and "<" not in text
            and sum(len(w) for w in words) >= 3
            and _translated(text, msgstr)
        ):
            terms.setdefault(_term_key(text), text)
    return terms


# What stands between two pieces of a page's text: a line or a table cell (a tab in
# innerText), a label's colon, a list's comma or dot, brackets, quotes, a dash.
_SEGMENT_BREAK = re.compile(r"[\n\t]|[:;,·•|()\[\]«»“”\"…]|\s[–—/-]\s")


def _language_names() -> set[str]:
    """The switch names each language in itself ("English" on a Russian page is
    the way back to English, not a leftover)."""
    return {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}


def english_leftovers(text: str, language: str) -> list[str]:
    """The English strings of the code that `text` (a page in `language`) shows:
    a phrase of three words or more anywhere; a term of one or two words where it
    stands alone, as a line, a label or an item of a list."""
    found = [phrase.msgid for phrase in english_phrases(language) if phrase.pattern.search(text)]
    terms = english_terms(language)
    names = _language_names()
    for segment in _SEGMENT_BREAK.split(text):
        segment = segment.strip()
        if segment and segment not in names and _term_key(segment) in terms:
            found.append(terms[_term_key(segment)])
    return sorted(set(found))


# --- no broken plural --------------------------------------------------------------

# Django's pluralising of a model's name without a plural, or a template's
# `pluralize`, adds a Latin "s" to a translated word: "лицоs", "Şəxss", "mənbəs".
_CYRILLIC_THEN_S = re.compile(r"\b\w*[А-Яа-яЁё]s\b")
# Russian after a number ending in 1 (not 11): the singular ("1 новое лицо", "21
# источник"), never a genitive plural ("1 новых лиц", "21 источников").
_ONE_THEN_PLURAL = re.compile(
    r"(?<![\d.,])(?:\d*[02-9])?1(?!\d)[ \u00a0]+[а-яё]*(?:ых|их|ов|ев|ей)\b", re.IGNORECASE
)
# Russian counts with a singular short participle: "12 освобождён", "3 осуждена".
_COUNT_THEN_PARTICIPLE = re.compile(
    r"(?<![\d.,])\d+[ \u00a0]+(?:освобожд[её]н|осужд[её]н|помилован|оправдан|арестован|"
    r"задержан|переведён|переведен|лиш[её]н)а?\b",
    re.IGNORECASE,
)
# Azerbaijani keeps a noun singular after a number: "12 şəxs", never "12 şəxslər".
_AZ_COUNT_THEN_PLURAL = re.compile(r"(?<![\d.,])\d+[ \u00a0]+[a-zəğıöüçş]+l[aə]r\b")


@cache
def _catalog_words_with_s(language: str) -> re.Pattern | None:
    """A translated word or phrase of the catalog with a Latin "s" glued to its end
    ("mənbəs", "şəxss"): in Azerbaijani, a word may end in "s" of its own (səs), so
    only the catalog's own translations plus an "s" are taken for a broken plural."""
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    translations = set()
    for entry in po:
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            text = text.strip()
            if (
                3 <= len(text) <= 60
                and not _PLACEHOLDER.search(text)
                and "<" not in text
                and text[-1].isalpha()
                and re.search(r"[^\x00-\x7f]", text)  # not an English word kept as it is
            ):
                translations.add(text)
    if not translations:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(translations, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})s(?![\w])", re.IGNORECASE)


@cache
def _count_then_model_plural(language: str) -> re.Pattern:
    """A number before a model's plural name as the admin shows it ("2 источники",
    "5 лица"): Russian wants the genitive after a number."""
    with translation.override(language):
        names = {str(model._meta.verbose_name_plural) for model in apps.get_models()}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\d.,])(\d+)[ \u00a0]+(?:{alternatives})(?![\w])", re.IGNORECASE)


def _russian_count_wants_genitive_plural_or_singular(number: int) -> bool:
    """After 1, 21...: the nominative singular; after 5-20, 25...: the genitive
    plural. (After 2-4 the genitive singular, which for some words reads as the
    nominative plural, "3 лица": not told apart here.)"""
    return number % 10 not in (2, 3, 4) or number % 100 in (12, 13, 14)


def broken_plurals(text: str, language: str) -> list[str]:
    """The broken plural forms `text` (a page in `language`) shows, each as it reads."""
    found = [m.group(0) for m in _CYRILLIC_THEN_S.finditer(text)]
    glued = _catalog_words_with_s(language)
    if glued is not None:
        found += [m.group(0) for m in glued.finditer(text)]
    if language == "ru":
        found += [m.group(0) for m in _ONE_THEN_PLURAL.finditer(text)]
        found += [
            m.group(0)
            for m in _count_then_model_plural(language).finditer(text)
            if _russian_count_wants_genitive_plural_or_singular(int(m.group(1)))
        ]
        for match in _COUNT_THEN_PARTICIPLE.finditer(text):
            number = int(re.match(r"\d+", match.group(0)).group(0))
            if not (number % 10 == 1 and number % 100 != 11):
                found.append(match.group(0))
    if language == "az":
        found += [m.group(0) for m in _AZ_COUNT_THEN_PLURAL.finditer(text)]
    return sorted(set(found))


# --- no masculine form on a woman's page ------------------------------------------------

# Russian short participles and past tenses that say "he" of the person, and her
# forms: on a woman's page hers (осуждена), on a page of unknown gender a neutral
# one (осуждён(а)) or a noun (осуждение). "ё" is often written "е".
MASCULINE_FORMS = (
    "осуждён", "помилован", "оправдан", "скончался", "арестован", "освобождён",
    "задержан", "переведён", "лишён", "умер", "приговорён", "обвинён",
)  # fmt: skip
FEMININE_FORMS = (
    "осуждена", "помилована", "оправдана", "скончалась", "арестована", "освобождена",
    "задержана", "переведена", "лишена", "умерла", "приговорена", "обвинена",
)  # fmt: skip


def _forms(words) -> str:
    return "|".join(re.escape(word).replace("ё", "[её]") for word in words)


# whole words; "осуждён(а)" is the neutral form, not the masculine
_MASCULINE = re.compile(
    rf"(?<![\w])(?:{_forms(MASCULINE_FORMS)})(?![\w])(?!\s*\(\s*а\s*\))", re.IGNORECASE
)
_NEUTRAL = re.compile(rf"(?<![\w])(?:{_forms(MASCULINE_FORMS)})\s*\(\s*а\s*\)", re.IGNORECASE)
_FEMININE = re.compile(rf"(?<![\w])(?:{_forms(FEMININE_FORMS)})(?![\w])", re.IGNORECASE)

# A form that agrees with a word, not with the person: "этот человек лишён
# свободы", "тех, кто сейчас лишён свободы" are right whoever is meant.
_AGREES_WITH_A_WORD = re.compile(r"(?<![\w])(?:человек|кто)(?:\s+\w+){0,2}\s+$", re.IGNORECASE)


def _in_context(pattern: re.Pattern, text: str) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        if _AGREES_WITH_A_WORD.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        start = max(0, match.start() - 30)
        found.append(text[start : match.end() + 30].replace("\n", " / "))
    return found


def masculine_forms(text: str) -> list[str]:
    """The masculine forms for a person `text` (a Russian page) shows, each with a
    few words around it."""
    return _in_context(_MASCULINE, text)


def neutral_forms(text: str) -> list[str]:
    """The neutral forms ("осуждён(а)") `text` shows: right where the gender is not
    recorded, not on the page of a person whose gender is."""
    return _in_context(_NEUTRAL, text)


def feminine_forms(text: str) -> list[str]:
    """The feminine forms for a person `text` shows (on a man's page, wrong)."""
    return _in_context(_FEMININE, text)


# --- the cases ------------------------------------------------------------------------

WOMAN = "Sevinj Vagifgizi"
MAN = "Tofig Yagublu"
UNKNOWN = "R. Babayev"


@dataclass
class TranslatedCase:
    """The records of the data set, for the tests to build addresses from."""

    woman: Person
    man: Person
    unknown: Person
    organization_slug: str
    court_slug: str
    source_uuid: str
    statement_pk: int
    woman_detention_pk: int
    woman_event_pks: list[int]
    woman_allegation_pk: int
    list_slug: str
    case_group_slug: str


def build_translated_case() -> TranslatedCase:
    """A woman convicted (detention, charges, arrest, pre-trial detention ordered,
    sentence, an allegation, a statement calling for her release), a man pardoned
    and released, a person of unknown gender in pre-trial detention, their
    organization and the court, a count another organization published, a
    political-prisoner list of two editions (the man removed, the person of
    unknown gender added) and a case group: every record public and cited. The
    vocabularies must be loaded."""
    outlet = factories.organization("Abzas Media", slug="abzas-media", kind="media")
    court = factories.organization(
        "Bakı Ağır Cinayətlər Məhkəməsi", slug="baki-agir-cinayetler", kind="court"
    )
    monitor = factories.organization("Siyasi Məhbuslar İttifaqı", slug="smi", kind="ngo")
    article = factories.source(
        "Abzas Media: Sevinc Vaqifqızına hökm oxundu",
        publisher=outlet,
        author="Ulviyya Ali",
        url="https://abzas.example.org/2025/06/hokm",
        language="az",
    )
    report = factories.source(
        "Siyasi məhbusların yenilənmiş siyahısı",
        publisher=monitor,
        kind="ngo-report",
        url="https://smi.example.org/siyahi",
        language="ru",
    )
    # five sources in all: the admin's list counts them with a number that asks
    # for the genitive plural in Russian ("5 источников")
    verdict = factories.source(
        "Hökm № 1(101)-245/2025", publisher=court, kind="court-document", language="az"
    )
    lawyer = factories.source("Vəkilin müsahibəsi", kind="testimony", author="Zibeyda Sadigova")
    un = factories.source(
        "OHCHR: Azərbaycanda jurnalistlər", kind="un-document", url="https://un.example.org/az"
    )

    def cited(fact, excerpt: str, source=article):
        factories.cite(fact, source_obj=source, locator="§ 2", excerpt=excerpt)
        return fact

    journalist = Occupation.objects.get(code="journalist")

    woman = factories.person(
        WOMAN,
        variants=["Sevinc Vaqifqızı", "Севиндж Вагифгызы"],
        gender="female",
        summary="Baş redaktor, Abzas Media.",
    )
    woman.occupations.add(journalist)
    factories.citation(article, person=woman, claim="baş redaktor", excerpt="baş redaktor")
    cited(factories.affiliation(woman, outlet, role="baş redaktor", cited=False), "redaktor")
    detention = factories.detention(
        woman,
        arrested="2023-11-21",
        stage="convicted",
        facility="Qadınlar üçün 4 saylı cəzaçəkmə müəssisəsi",
        sentence_months=108,
        cited=False,
    )
    cited(detention, "21 noyabr 2023")
    for code, description in [("206.3.2", "qaçaqmalçılıq"), ("192.3.2", "qanunsuz sahibkarlıq")]:
        Charge.objects.create(
            detention=detention, article=code, description=description, visibility="public"
        )
    PaceAssessment.objects.create(
        detention=detention,
        criterion="b",
        justification="jurnalist fəaliyyəti",
        visibility="public",
    )
    events = [
        cited(factories.case_event(detention, "arrested", "2023-11-21", cited=False), "saxlanıldı"),
        cited(
            factories.case_event(
                detention,
                "pre-trial-detention-ordered",
                "2023-11-22",
                sentence_months=4,
                organization=court,
                cited=False,
            ),
            "4 ay",
        ),
        cited(
            factories.case_event(
                detention,
                "sentenced",
                "2025-06-20",
                sentence_months=108,
                organization=court,
                cited=False,
            ),
            "9 il",
            verdict,
        ),
    ]
    allegation = cited(
        factories.allegation(
            woman,
            "ill-treatment",
            count=2,
            perpetrator="istintaq əməkdaşları",
            reported_by_description="vəkili",
            description="Vəkilinin sözlərinə görə.",
            status=AllegationStatus.objects.get(code="reported"),
            cited=False,
        ),
        "vəkili bildirib",
        lawyer,
    )
    statement = cited(
        factories.statement(
            "Sevinc Vaqifqızı azad edilməlidir",
            issuer=monitor,
            quote="Sevinc Vaqifqızı dərhal azad edilməlidir.",
            cited=False,
        ),
        "azad edilməlidir",
        un,
    )
    statement.issued_on = PartialDate.parse("2024-01-15")
    statement.save()
    statement.persons.set([woman])

    man = factories.person(MAN, variants=["Тофиг Ягублу"], gender="male")
    man.occupations.add(journalist)
    man_detention = factories.detention(
        man,
        arrested="2019-11-22",
        released="2020-09-11",
        stage="pardoned",
        cited=False,
    )
    man_detention.release_reason = ReleaseReason.objects.get(code="pardon")
    man_detention.save()
    cited(man_detention, "əfv edildi", report)
    cited(factories.case_event(man_detention, "arrested", "2019-11-22", cited=False), "x", report)
    cited(factories.case_event(man_detention, "pardoned", "2020-09-11", cited=False), "y", report)

    unknown = factories.person(UNKNOWN)
    unknown_detention = factories.detention(
        unknown, arrested="2025-02-03", stage="pre-trial-detention", cited=False
    )
    cited(unknown_detention, "həbs", report)
    cited(
        factories.case_event(
            unknown_detention,
            "pre-trial-detention-ordered",
            "2025-02-04",
            sentence_months=4,
            organization=court,
            cited=False,
        ),
        "4 ay",
        report,
    )

    count = ReportedCount(publisher=monitor, number=375, approximate=True, counted="siyasi məhbus")
    count.as_of = PartialDate.parse("2025-05-01")
    count.visibility = "public"
    count.save()
    cited(count, "375", report)

    prisoner_list = PrisonerList.objects.create(
        title="Azərbaycanda siyasi məhbusların siyahısı",
        slug="smi-siyahi",
        publisher=monitor,
        criteria="AŞPA-nın 1900 (2012) saylı qətnaməsi",
        description="İttifaqın siyahısı bir neçə aydan bir yenilənir.",
        visibility="public",
    )
    editions = []
    for day, named in (("2024-12-01", [woman, man]), ("2025-05-01", [woman, unknown])):
        edition = Edition(prisoner_list=prisoner_list, visibility="public")
        edition.published_on = PartialDate.parse(day)
        edition.save()
        cited(edition, "siyahı", report)
        for person in named:
            ListEntry.objects.create(
                edition=edition, person=person, group="Jurnalistlər", visibility="public"
            )
        editions.append(edition)
    group = CaseGroup.objects.create(
        name="Abzas Media işi",
        slug="abzas-media-isi",
        description="Abzas Media-nın əməkdaşları 2023-cü ilin noyabrından həbs edilib.",
        visibility="public",
    )
    cited(group, "Abzas Media işi")
    CaseGroupMember.objects.create(
        group=group, person=woman, role="baş redaktor", visibility="public"
    )

    return TranslatedCase(
        woman=woman,
        man=man,
        unknown=unknown,
        organization_slug=outlet.slug,
        court_slug=court.slug,
        source_uuid=str(article.uuid),
        statement_pk=statement.pk,
        woman_detention_pk=detention.pk,
        woman_event_pks=[e.pk for e in events],
        woman_allegation_pk=allegation.pk,
        list_slug=prisoner_list.slug,
        case_group_slug=group.slug,
    )
