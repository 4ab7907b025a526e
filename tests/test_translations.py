"""The Azerbaijani and Russian catalogs: complete, compiled, and in step with
the strings the code and templates mark for translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("az", "ru")


def catalog(language: str, root: Path = ROOT) -> polib.POFile:
    return polib.pofile(str(root / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    assert po.untranslated_entries() == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    plural_forms = po.metadata["Plural-Forms"]
    for entry in po:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), entry.msgid
            assert len(entry.msgstr_plural) == int(plural_forms.split("nplurals=")[1][0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language):
    po = catalog(language)
    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr, entry.msgstr_plural), (
            f"{language}: {entry.msgid!r} differs in django.mo: run `make messages`"
        )


_MAKEMESSAGES = (
    "import django; from django.conf import settings; settings.configure(); django.setup(); "
    "from cases.management.commands.makemessages import Command; "
    "Command().run_from_argv(['manage.py', 'makemessages', '-l', 'az', '--no-obsolete'])"
)


def test_the_catalogs_hold_every_string_marked_for_translation(tmp_path):
    """makemessages over a copy of the code finds no string the catalogs lack."""
    for name in (
        "cases",
        "sources",
        "lists",
        "places",
        "interventions",
        "trials",
        "officials",
        "dossiers",
        "access",
        "sync",
        "casebook",
        "templates",
    ):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run(
        # Casebook's makemessages (cases/management/commands) also reads pgettext_noop
        [sys.executable, "-c", _MAKEMESSAGES],
        cwd=tmp_path, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    ours = {(e.msgctxt, e.msgid) for e in catalog("az")}
    fresh = {(e.msgctxt, e.msgid) for e in catalog("az", tmp_path)}
    assert sorted(fresh - ours, key=str) == [], "new strings: run `make messages` and translate"
    assert sorted(ours - fresh, key=str) == [], "strings no longer used: run `make messages`"


# The reviewed terms (the outside review of the az and ru catalogs): for each
# (language, msgctxt, msgid), a phrase its translation must hold and the old
# wording it must not. Other strings built on a term follow it; the catalogs are
# checked, so the test holds without a database.
GLOSSARY = [
    ("az", "status of a person, neutral form", "In detention", "Azadlıqdan məhrum", "Həbsdə"),
    ("az", "persons", "in detention now", "azadlıqdan məhrum", "həbsdə"),
    ("az", None, "Persons in detention", "Azadlıqdan məhrum", "Həbsdə"),
    ("az", "legal stage", "pre-trial detention", "həbs qətimkan tədbiri", "istintaq həbsi"),
    ("az", "case event", "pre-trial detention ordered", "həbs qətimkan tədbiri", "istintaq həbsi"),
    ("az", "case event", "pre-trial detention extended", "həbs müddəti", "istintaq həbsi"),
    ("az", None, "alleged perpetrator", "iddia edilən törədən", "təqsirkar"),
    ("az", None, "Alleged perpetrator:", "İddia edilən törədən", "təqsirkar"),
    ("az", None, "Perpetrator", "Törədən", "Təqsirkar"),
    ("az", "allegation status", "prosecuted", "cinayət təqibi", "təqsirkar"),
    ("az", None, "legal stage", "işin mərhələsi", "hüquqi status"),
    ("az", None, "Legal stage:", "İşin mərhələsi", "Hüquqi status"),
    ("az", None, "Persons by legal stage", "mərhələsinə", "statusa"),
    (
        "az",
        None,
        "(b) detention for purely political reasons, without connection to an offence",
        "azadlıqdan məhrumetmə",
        "səbəblərlə həbs",
    ),
    ("az", None, "confidence", "əminlik dərəcəsi", "etibar"),
    ("az", None, "Persons", "Şəxslər", "sayı"),
    ("az", "count column", "Persons", "Şəxs sayı", "Şəxslər"),
    ("az", "timeline heading", "Released", "Azad edilmə", "Azad edilib"),
    ("ru", "status of a person, neutral form", "In detention", "Лишён(а) свободы", "Под стражей"),
    ("ru", "persons", "in detention now", "лишены свободы", "под стражей"),
    ("ru", None, "Persons in detention", "Лишены свободы", "стражей"),
    ("ru", "legal stage", "pre-trial detention", "под стражей до суда", "досудебное"),
    ("ru", "case event", "pre-trial detention ordered", "мера пресечения", "досудебное"),
    (
        "ru",
        "case event",
        "pre-trial detention extended",
        "срок содержания под стражей",
        "досудебного",
    ),
    ("ru", None, "detention", "лишение свободы", "содержание под стражей"),
    ("ru", None, "Detentions", "Лишения свободы", "Задержания"),
    ("ru", None, "Case sheet (one row per detention)", "лишения свободы", "задержание"),
    ("ru", None, "alleged perpetrator", "предполагаемый исполнитель", "виновник"),
    ("ru", None, "Alleged perpetrator:", "Предполагаемый исполнитель", "виновник"),
    ("ru", None, "Perpetrator", "Исполнитель", "Виновник"),
    ("ru", "allegation status", "prosecuted", "уголовное преследование", "виновные"),
    ("ru", None, "legal stage", "стадия дела", "правовой статус"),
    ("ru", None, "Legal stage:", "Стадия дела", "Правовой статус"),
    ("ru", None, "Persons by legal stage", "стадиям дела", "правовому статусу"),
    ("ru", None, "Persons", "Лица", "Число"),
    ("ru", "count column", "Persons", "Число людей", "Лица"),
    ("ru", "organization", "Name", "Название", "Имя"),
    ("ru", "persons", "released", "освобождены", "освобождён"),
    ("ru", "timeline heading", "Released", "Освобождение", "Освобождён"),
]


@pytest.mark.parametrize(("language", "context", "msgid", "holds", "not_"), GLOSSARY)
def test_the_reviewed_terms_hold(language, context, msgid, holds, not_):
    entry = catalog(language).find(msgid, msgctxt=context)
    assert entry is not None, f"{language}: no entry {msgid!r} (context {context!r})"
    assert holds in entry.msgstr, f"{language}: {msgid!r} should say {holds!r}: {entry.msgstr!r}"
    assert not_ not in entry.msgstr, f"{language}: {msgid!r} still says {not_!r}: {entry.msgstr!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_quote_style(language):
    """Russian quotes with «», Azerbaijani with “”."""
    wrong = "“" if language == "ru" else "«"
    assert [e.msgid for e in catalog(language) if wrong in e.msgstr] == []
