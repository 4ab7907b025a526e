"""The issue's news item entered and published in a real browser (issue 15,
item 6): a journalist arrested on a date, charged under one article, a court
ordering four months of pre-trial detention, her lawyer saying she was
beaten, one source. Everything is entered on the case-entry page, each fact
cited by selecting its sentence in the source's text, and published on the
next page with one password. The test counts the page loads (the issue: 19 to
enter and 42 to publish before this page) and fails on any pop-up window."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from cases.choices import Visibility
from tests import factories
from tests.conftest import ARTIFACTS

PASSWORD = "long-enough-pw-42"
ARREST = "Journalist Aysel Testova was arrested in Baku on 12 March 2024."
COURT = (
    "On 13 March the Khatai District Court ordered four months of pre-trial detention "
    "on charges of smuggling under article 206.3.2."
)
BEATEN = "Her lawyer said she had been beaten in custody."
NEWS = f"Baku, 13 March 2024\n\n{ARREST} She works for Test Media.\n\n{COURT}\n\n{BEATEN}"
MOST_PAGE_LOADS = 6  # the goal


@pytest.fixture
def researcher(vocabularies, django_user_model):
    # made before the browser starts (the ORM and Playwright's loop do not mix)
    factories.organization("Test Media", visibility=Visibility.PUBLIC)
    factories.organization("Khatai District Court", visibility=Visibility.PUBLIC)
    user = django_user_model.objects.create_superuser("editor", "e@example.org", PASSWORD)
    client = factories.staff_sign_in(Client(), user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _choose(page, select_id: str, typed: str, expected: str) -> None:
    """Pick in the admin's search-as-you-type box, with the keyboard."""
    page.locator(f"#{select_id} + .select2").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.type(typed)
    page.locator(".select2-results__option--highlighted", has_text=expected).wait_for()
    search.press("Enter")
    assert expected in page.locator(f"#{select_id} + .select2").inner_text()


def _select_sentence(page, sentence: str) -> None:
    """Select a sentence of the source's text as a researcher does with the
    mouse or Shift+arrows (the textarea's own selection)."""
    page.evaluate(
        """(sentence) => {
            const text = document.getElementById('id_source-archive_text');
            const start = text.value.indexOf(sentence);
            text.focus();
            text.setSelectionRange(start, start + sentence.length);
        }""",
        sentence,
    )


def _tick(page, passage: int, *labels: str) -> None:
    boxes = page.locator(".entry-passage").nth(passage).locator(".entry-fact-boxes")
    for label in labels:
        boxes.get_by_label(label, exact=False).check()


def test_a_news_item_is_entered_and_published_in_six_page_loads(
    researcher, browser_page, live_server
):
    page = browser_page
    loads, popups, blocked = [], [], []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.context.on("page", lambda other: popups.append(other.url))
    page.on("popup", lambda other: popups.append(other.url))
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": researcher, "url": live_server.url}]
    )

    # 1. the case-entry page
    page.goto(f"{live_server.url}/admin/cases/person/enter-case/")
    page.fill("#id_source-url", "https://news.example.org/aysel-testova")
    page.fill("#id_source-title", "Journalist arrested in Baku")
    page.fill("#id_source-published_on", "13 March 2024")
    page.fill("#id_source-language", "en")
    page.select_option("#id_source-kind", label="news article")
    page.fill("#id_source-archive_text", NEWS)

    page.fill("#id_person-display_name", "Aysel Testova")
    page.select_option("#id_person-gender", "female")
    page.fill("#id_variants-0-name", "Айсель Тестова")
    page.fill("#id_variants-0-language", "ru")
    page.select_option("#id_variants-0-kind", "native")
    _choose(page, "id_affiliations-0-organization", "Test Med", "Test Media")
    page.fill("#id_affiliations-0-role", "journalist")

    page.fill("#id_detention-arrested_on", "12 March 2024")
    page.fill("#id_detention-arrest_place", "Baku")
    page.select_option("#id_detention-legal_stage", label="pre-trial detention")
    page.fill("#id_charges-0-article", "206.3.2")
    page.fill("#id_charges-0-description", "smuggling")
    page.select_option("#id_events-0-kind", label="arrested")
    page.fill("#id_events-0-occurred_on", "2024-03-12")
    page.click("#entry-events .entry-add-row")
    assert errors == []
    page.select_option("#id_events-1-kind", label="pre-trial detention ordered")
    page.fill("#id_events-1-occurred_on", "2024-03-13")
    _choose(page, "id_events-1-organization", "Khatai", "Khatai District Court")
    page.fill("#id_events-1-sentence_months", "4")
    page.select_option("#id_allegations-0-kind", label="ill-treatment")
    page.fill("#id_allegations-0-reported_by_description", "her lawyer")

    # citing by selection: one passage for several facts, with the button or Alt+C
    _select_sentence(page, ARREST)
    page.click("#entry-cite")
    _tick(page, 0, "Person: Aysel Testova", "Detention and charges", "Case events: arrested")
    _select_sentence(page, "She works for Test Media.")
    page.keyboard.press("Alt+c")
    _tick(page, 1, "Affiliations: Test Media")
    _select_sentence(page, COURT)
    page.keyboard.press("Alt+c")
    _tick(page, 2, "Case events: pre-trial detention ordered")
    _select_sentence(page, BEATEN)
    page.click("#entry-cite")
    _tick(page, 3, "Allegations: ill-treatment")
    assert (
        page.locator(".entry-passage").nth(0).locator("input[name$='-locator']").input_value()
        == "para. 2"
    )
    page.fill("#id_passages-0-claim", "name and occupation")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-case-entry.png"), full_page=True)
    page.evaluate("window.scrollTo(0, 0); document.querySelector('.entry-source').scrollTop = 0")
    _select_sentence(page, COURT)
    page.screenshot(path=str(ARTIFACTS / "admin-case-entry-top.png"))  # docs/images/case-entry.png

    # 2. save: the publishing page of the new case
    page.click("input[type=submit][value='Save the case']")
    page.wait_for_url("**/publish-case/")
    assert "is saved, all of it internal" in page.locator(".messagelist").inner_text()
    # 3. publish everything with one password
    page.fill("#id_current_password", PASSWORD)
    page.click("input[type=submit].default")
    page.wait_for_url("**/change/")
    assert "now public" in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-case-published.png"), full_page=True)

    # 4. the public page: every fact, each passage one footnote
    page.goto(f"{live_server.url}/persons/aysel-testova/")
    text = page.locator("main").inner_text()
    for fact in ("Aysel Testova", "Test Media", "206.3.2", "Khatai District Court", "4 months",
                 "her lawyer", "Baku"):  # fmt: skip
        assert fact in text, fact
    notes = page.locator(".footnotes li")
    assert notes.count() == 4
    for number, sentence in enumerate((ARREST, "She works for Test Media.", COURT, BEATEN)):
        assert sentence in notes.nth(number).inner_text()
    page.screenshot(path=str(ARTIFACTS / "public-case-entered.png"), full_page=True)

    print(f"page loads: {len(loads)} ({', '.join(loads)})")
    assert len(loads) <= MOST_PAGE_LOADS, loads
    assert popups == []
    assert blocked == []
    assert errors == []


@pytest.fixture
def recorded_person(researcher):
    factories.person("Aysel Testova", variants=["Айсель Тестова"])
    return researcher


def test_keyboard_citing_a_likely_duplicate_and_a_failed_save_that_keeps_everything(
    recorded_person, browser_page, live_server
):
    page = browser_page
    errors, popups = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("popup", lambda other: popups.append(other.url))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": recorded_person, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/admin/cases/person/enter-case/")
    page.fill("#id_source-title", "Journalist arrested in Baku")
    page.select_option("#id_source-kind", label="news article")
    page.fill("#id_source-archive_text", NEWS)

    # a new person's name typed in another script: the recorded person is offered
    page.locator("#id_person-display_name").press_sequentially("Айсель Тестова")
    likely = page.locator("#entry-likely")
    likely.wait_for(state="visible")
    assert "Aysel Testova" in likely.inner_text()
    likely.get_by_role("button", name="Use this person").click()
    assert page.locator("#id_person-mode_1").is_checked()
    assert "Aysel Testova" in page.locator("#id_person-stored + .select2").inner_text()

    page.fill("#id_detention-arrested_on", "12 March 2024")
    page.select_option("#id_events-0-kind", label="arrested")
    page.fill("#id_events-0-occurred_on", "the 45th of Smarch")

    # the first line selected with the keyboard alone, cited with Alt+C, ticked with Space
    text = page.locator("#id_source-archive_text")
    text.focus()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Alt+c")
    passage = page.locator(".entry-passage").nth(0)
    assert passage.locator("textarea").input_value() == "Baku, 13 March 2024"
    assert passage.locator("input[name$='-locator']").input_value() == "para. 1"
    page.keyboard.press("Space")  # focus is on the first fact: the person
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the detention
    assert passage.locator("input[name$='-facts']").input_value() == "person,detention"

    page.click("input[type=submit][value='Save the case']")
    page.wait_for_load_state("load")
    assert "Nothing was saved" in page.locator("#entry-failed").inner_text()
    # everything typed is back: the text, the chosen person, the passage and its ticks
    assert page.locator("#id_source-archive_text").input_value() == NEWS
    assert page.locator("#id_events-0-occurred_on").input_value() == "the 45th of Smarch"
    assert "Aysel Testova" in page.locator("#id_person-stored + .select2").inner_text()
    passage = page.locator(".entry-passage").nth(0)
    assert passage.locator("textarea").input_value() == "Baku, 13 March 2024"
    assert passage.get_by_label("Person: Aysel Testova").is_checked()
    assert passage.get_by_label("Detention and charges", exact=False).is_checked()

    page.fill("#id_events-0-occurred_on", "2024-03-12")
    page.click("input[type=submit][value='Save the case']")
    page.wait_for_url("**/publish-case/")
    assert popups == [] and errors == []
