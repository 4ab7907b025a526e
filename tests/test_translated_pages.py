"""The public pages and the admin in Azerbaijani and Russian, as a native reader
reads them (issue 21): no English sentence from the code, no broken plural, no
masculine form on a woman's page and a neutral one where the gender is not
recorded. Every page is rendered from a case with each kind of fact, and each
failure names the page and what it shows.

That every model in the admin has its own plural (the cause of "лицоs") is
tested in tests/test_case_fields.py
(test_every_model_in_the_admin_is_named_in_the_singular_and_the_plural)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests import factories
from tests.translated_case import (
    LANGUAGES,
    TranslatedCase,
    broken_plurals,
    build_translated_case,
    english_leftovers,
    english_phrases,
    feminine_forms,
    masculine_forms,
    neutral_forms,
    visible_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the case list's filter counts are cached


@pytest.fixture
def case() -> TranslatedCase:
    return build_translated_case()


@pytest.fixture
def staff_client(django_user_model):
    """A superuser signed in with both factors, named so that no English term of the
    code is their name (the admin greets them by it)."""
    user = django_user_model.objects.create_superuser("sabina.q", "s@example.org", "pw-unused-21")
    return factories.staff_sign_in(Client(), user)


def public_pages(case: TranslatedCase) -> dict[str, str]:
    """Every public page, by name, at its address without the language prefix."""
    return {
        "home": "/",
        "person list": "/persons/",
        "person list, convicted": "/persons/?legal_stage=convicted",
        "woman's page": f"/persons/{case.woman.slug}/",
        "man's page": f"/persons/{case.man.slug}/",
        "unknown gender's page": f"/persons/{case.unknown.slug}/",
        "organization list": "/organizations/",
        "organization page": f"/organizations/{case.organization_slug}/",
        "court's page": f"/organizations/{case.court_slug}/",
        "statements": "/statements/",
        "statistics": "/statistics/",
        "source list": "/sources/",
        "source page": f"/sources/{case.source_uuid}/",
        "feed of updates": "/feeds/updates/",
        "feed of statements": "/feeds/statements/",
        "political-prisoner lists": "/lists/",
        "a list's page": f"/lists/{case.list_slug}/",
        "a list's changes": f"/lists/{case.list_slug}/changes/",
        "case groups": "/groups/",
        "a case group's page": f"/groups/{case.case_group_slug}/",
    }


def admin_pages(case: TranslatedCase) -> dict[str, str]:
    """The admin pages a researcher works in, by name."""
    return {
        "admin index": "/admin/",
        "admin persons": "/admin/cases/person/",
        "admin woman": f"/admin/cases/person/{case.woman.pk}/change/",
        "admin man": f"/admin/cases/person/{case.man.pk}/change/",
        "admin unknown gender": f"/admin/cases/person/{case.unknown.pk}/change/",
        "admin case entry": "/admin/cases/person/enter-case/",
        "admin detentions": "/admin/cases/detention/",
        "admin woman's detention": f"/admin/cases/detention/{case.woman_detention_pk}/change/",
        "admin woman's sentence": f"/admin/cases/caseevent/{case.woman_event_pks[-1]}/change/",
        "admin woman's allegation": (f"/admin/cases/allegation/{case.woman_allegation_pk}/change/"),
        "admin statement": f"/admin/cases/statement/{case.statement_pk}/change/",
        "admin organizations": "/admin/cases/organization/",
        "admin sources": "/admin/sources/source/",
        "admin reported counts": "/admin/sources/reportedcount/",
    }


def _text(response, language: str, where: str) -> str:
    assert response.status_code == 200, f"{where}: {response.status_code}"
    body = response.content.decode()
    if response["Content-Type"].startswith("application/atom+xml"):
        assert f'xml:lang="{language}"' in body or f"<language>{language}" in body, where
        # an entry's HTML is escaped in the feed: read it once as XML, once as HTML
        return visible_text(visible_text(body))
    lang = re.search(r"<html[^>]*\blang=\"([\w-]+)\"", body)
    assert lang and lang.group(1) == language, f"{where}: not rendered in {language}"
    return visible_text(body)


def render_public(client, case: TranslatedCase, language: str) -> dict[str, str]:
    """The visible text of every public page in `language`, by page name."""
    return {
        name: _text(client.get(f"/{language}{url}"), language, name)
        for name, url in public_pages(case).items()
    }


def render_admin(staff_client, case: TranslatedCase, language: str) -> dict[str, str]:
    """The visible text of the main admin pages, in the language the switch keeps."""
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return {
        name: _text(staff_client.get(url), language, name)
        for name, url in admin_pages(case).items()
    }


def report(findings: dict[str, list[str]]) -> str:
    return "\n".join(
        f"  {page}: {item!r}" for page, items in findings.items() for item in sorted(set(items))
    )


def english_on(pages: dict[str, str], language: str) -> dict[str, list[str]]:
    found = {name: english_leftovers(text, language) for name, text in pages.items()}
    return {name: items for name, items in found.items() if items}


def plurals_on(pages: dict[str, str], language: str) -> dict[str, list[str]]:
    found = {name: broken_plurals(text, language) for name, text in pages.items()}
    return {name: items for name, items in found.items() if items}


# --- the pages show the case: the checks below read real pages ----------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_show_the_case_they_are_checked_on(client, staff_client, case, language):
    public = render_public(client, case, language)
    assert "206.3.2" in public["woman's page"]
    assert "Abzas Media" in public["woman's page"]
    assert "Sevinc Vaqifqızı azad edilməlidir" in public["woman's page"]
    assert "Tofig Yagublu" in public["person list"]
    assert "R. Babayev" in public["person list"]
    assert "Azərbaycanda siyasi məhbusların siyahısı" in public["political-prisoner lists"]
    assert "Tofig Yagublu" in public["a list's changes"]  # removed, with the reason
    assert "R. Babayev" in public["a list's changes"]  # added
    assert "Sevinj Vagifgizi" in public["a case group's page"]
    admin = render_admin(staff_client, case, language)
    assert "Sevinj Vagifgizi" in admin["admin woman"]
    assert "206.3.2" in admin["admin woman's detention"]


# --- no English sentence from the code ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_show_no_english_sentence_from_the_code(client, case, language):
    found = english_on(render_public(client, case, language), language)
    assert not found, (
        f"English strings of the code on the {language} public pages "
        f"(page: msgid):\n{report(found)}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_pages_show_no_english_sentence_from_the_code(staff_client, case, language):
    found = english_on(render_admin(staff_client, case, language), language)
    assert not found, (
        f"English strings of the code on the {language} admin pages (page: msgid):\n{report(found)}"
    )


# --- no broken plural ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_show_no_broken_plural(client, case, language):
    found = plurals_on(render_public(client, case, language), language)
    assert not found, f"broken plurals on the {language} public pages:\n{report(found)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_pages_show_no_broken_plural(staff_client, case, language):
    found = plurals_on(render_admin(staff_client, case, language), language)
    assert not found, f"broken plurals on the {language} admin pages:\n{report(found)}"


# --- gender in Russian ------------------------------------------------------------------


def test_a_womans_public_page_never_speaks_of_her_in_the_masculine(client, case):
    text = render_public(client, case, "ru")["woman's page"]
    found = masculine_forms(text)
    assert not found, "masculine forms on the Russian page of a woman:\n" + "\n".join(found)


def test_a_womans_public_page_uses_her_forms_not_the_neutral_ones(client, case):
    """Her gender is recorded: "осуждена", not "осуждён(а)" (issue 21, item 2)."""
    text = render_public(client, case, "ru")["woman's page"]
    found = neutral_forms(text)
    assert not found, "neutral forms on the Russian page of a woman:\n" + "\n".join(found)


def test_a_mans_public_page_never_speaks_of_him_in_the_feminine(client, case):
    text = render_public(client, case, "ru")["man's page"]
    found = feminine_forms(text)
    assert not found, "feminine forms on the Russian page of a man:\n" + "\n".join(found)


def test_a_womans_admin_pages_never_speak_of_her_in_the_masculine(staff_client, case):
    pages = render_admin(staff_client, case, "ru")
    found = {
        name: masculine_forms(pages[name])
        for name in ("admin woman", "admin woman's detention", "admin woman's sentence")
    }
    found = {name: items for name, items in found.items() if items}
    assert not found, f"masculine forms on the Russian admin pages of a woman:\n{report(found)}"


def test_the_case_list_of_only_a_woman_never_speaks_in_the_masculine(client, case):
    """The list filtered to her alone: her row, and the filters' labels beside it,
    say nothing in the masculine."""
    text = render_public(client, case, "ru")["person list, convicted"]
    assert "Sevinj Vagifgizi" in text
    assert "Tofig Yagublu" not in text and "R. Babayev" not in text  # hers is the only row
    found = masculine_forms(text)
    assert not found, "masculine forms in the case list of only a woman:\n" + "\n".join(found)


def test_a_person_of_unknown_gender_is_spoken_of_neutrally(client, case):
    """Where the gender is not recorded: a neutral form (осуждён(а)) or a noun,
    neither his forms nor hers."""
    text = render_public(client, case, "ru")["unknown gender's page"]
    found = masculine_forms(text) + feminine_forms(text)
    assert not found, (
        "gendered forms on the Russian page of a person whose gender is not recorded:\n"
        + "\n".join(found)
    )


# --- the checks themselves: they find what a reader would, and only that ----------------


def test_the_checks_find_what_a_reader_would_and_only_that():
    # English of the code, as rendered: capitalised, with its placeholders filled
    phrases = {p.msgid for p in english_phrases("ru")}
    assert "Cite this page" in phrases
    assert "Cite this page" in english_leftovers("Процитировать\nCite this page\n", "ru")
    assert english_leftovers("Цитировать эту страницу", "ru") == []
    assert "Casebook" not in phrases and "English" not in phrases  # names, kept as they are
    # a term alone (a label, a list item), not inside a name or a title
    assert english_leftovers("Стадия дела: convicted\nРод занятий\njournalist", "ru") == [
        "convicted",
        "journalist",
    ]
    assert english_leftovers("Язык\nEnglish\nРусский\nAbzas Media: Sentenced in Baku", "ru") == []
    # broken plurals
    assert broken_plurals("Выбрать лицоs для изменения", "ru") == ["лицоs"]
    assert broken_plurals("Şəxss", "az") == ["Şəxss"]
    assert broken_plurals("1 новых лиц", "ru") == ["1 новых"]
    assert broken_plurals("12 освобождён", "ru") == ["12 освобождён"]
    assert broken_plurals("12 şəxslər", "az") == ["12 şəxslər"]
    assert broken_plurals("21 новое лицо, 5 новых лиц, 2 новых лица, 11 источников", "ru") == []
    assert broken_plurals("səs, dərs, 12 şəxs, 2023-dən", "az") == []
    assert broken_plurals("1 освобождён", "ru") == []
    assert broken_plurals("5 источники\n2 источника\n3 лица\n21 источники", "ru") == [
        "21 источники",
        "5 источники",
    ]
    # gender
    assert masculine_forms("Стадия дела: осуждён") != []
    assert masculine_forms("Лишен свободы") != []
    assert neutral_forms("Лишён(а) свободы, осуждён(а); Сообщил(а): адвокат") != []
    assert len(neutral_forms("Лишён(а) свободы, осуждён(а); Сообщил(а): адвокат")) == 2
    assert feminine_forms("осуждена") != [] and feminine_forms("осуждён · осуждение") == []
    assert masculine_forms("осуждена · помилована · лишена свободы · осуждён(а) · арест") == []
    assert (
        masculine_forms("этот человек лишён свободы: не среди тех, кто сейчас лишён свободы") == []
    )
