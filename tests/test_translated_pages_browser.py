"""The pages a reader opens first, in Azerbaijani and Russian, as Chromium shows
them (issue 21): a woman's case page, the case list, the statistics, the home
page, and the admin's index and her change page. Each is saved as a full-page
screenshot in test-artifacts/ (translated-<page>-<lang>.png) and its
`document.body.innerText` read by the checks of tests/translated_case.py: no
English sentence from the code, no broken plural, no masculine form on her pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests import factories
from tests.conftest import ARTIFACTS
from tests.translated_case import (
    LANGUAGES,
    broken_plurals,
    build_translated_case,
    english_leftovers,
    masculine_forms,
)


@pytest.fixture
def translated_pages(vocabularies, django_user_model):
    """The case and a signed-in researcher's session cookie, made before the browser
    starts: while Playwright's event loop runs, the ORM would open a second
    connection that outlives the test."""
    case = build_translated_case()
    user = django_user_model.objects.create_superuser("sabina.q", "s@example.org", "pw-unused-21")
    client = factories.staff_sign_in(Client(), user)
    woman_public = f"/persons/{case.woman.slug}/"
    return {
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        # name -> (address without the language prefix or in the admin, a woman's page?)
        "pages": {
            "woman": (woman_public, True),
            "persons": ("/persons/", False),
            "statistics": ("/statistics/", False),
            "home": ("/", False),
        },
        "admin": {
            "admin-index": ("/admin/", False),
            "admin-woman": (f"/admin/cases/person/{case.woman.pk}/change/", True),
        },
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_read_as_written_in_the_language(
    translated_pages, browser_page, live_server, language
):
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": translated_pages["session"],
                "url": live_server.url,
            },
            # the admin's language, as its switch keeps it
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    addresses = {
        name: (f"/{language}{url}", woman)
        for name, (url, woman) in translated_pages["pages"].items()
    } | translated_pages["admin"]
    findings = []
    for name, (url, womans_page) in addresses.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        page.screenshot(path=str(ARTIFACTS / f"translated-{name}-{language}.png"), full_page=True)
        assert page.locator("html").get_attribute("lang") == language, name
        if name.startswith("admin"):
            assert page.locator("#user-tools").count() == 1, f"{name}: not signed in"
        text = page.evaluate("document.body.innerText")
        assert text.strip(), name
        findings += [f"{name}: English {msgid!r}" for msgid in english_leftovers(text, language)]
        findings += [f"{name}: plural {form!r}" for form in broken_plurals(text, language)]
        if womans_page and language == "ru":
            findings += [f"{name}: masculine {form!r}" for form in masculine_forms(text)]
    assert findings == [], f"{language}:\n" + "\n".join(findings)
