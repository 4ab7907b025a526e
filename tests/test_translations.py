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


def test_the_catalogs_hold_every_string_marked_for_translation(tmp_path):
    """makemessages over a copy of the code finds no string the catalogs lack."""
    for name in ("cases", "sources", "access", "casebook", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "az", "--no-obsolete"],
        cwd=tmp_path, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    ours = {(e.msgctxt, e.msgid) for e in catalog("az")}
    fresh = {(e.msgctxt, e.msgid) for e in catalog("az", tmp_path)}
    assert sorted(fresh - ours, key=str) == [], "new strings: run `make messages` and translate"
    assert sorted(ours - fresh, key=str) == [], "strings no longer used: run `make messages`"
