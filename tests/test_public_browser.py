"""The public site in a real browser (Debian's Chromium driven by Playwright),
on the seed cases: an advocate finds a person by an Azerbaijani and by a
Russian spelling, opens the case, follows a footnote to its source, switches
the language and uses the live search. Every page is checked with axe-core for
WCAG 2.1 A/AA rules and saved as a screenshot at desktop and phone width
(test-artifacts/). Any request to another host fails the test, and so does
anything the Content-Security-Policy blocks (an inline script, style or event
handler, as Chromium reports it on the console)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def seed_cases(vocabularies):
    # Loaded before the browser starts (see tests/test_browser.py).
    call_command("load_seed", verbosity=0)


@pytest.fixture
def csp_violations(browser_page) -> list[str]:
    """What the Content-Security-Policy blocked on the pages visited so far."""
    blocked = []
    browser_page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked


def accessibility_violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def test_advocate_finds_a_case_by_an_azerbaijani_spelling_and_follows_a_footnote(
    seed_cases, browser_page, live_server, csp_violations
):
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("#home-search", "Bəxtiyar Hacıyev")
    page.press("#home-search", "Enter")
    page.wait_for_url("**/persons/?q=*")
    first = page.locator(".cards .card h3 a").first
    assert first.inner_text() == "Bakhtiyar Hajiyev"
    first.click()
    page.wait_for_url("**/persons/bakhtiyar-hajiyev/")
    assert page.locator("h1 .name").inner_text() == "Bakhtiyar Hajiyev"  # then its footnotes
    assert "Бахтияр Гаджиев" in page.locator(".variants").inner_text()

    # a footnote mark leads to its note, and the note to the source's page
    page.locator("sup.fn a").first.click()
    assert page.evaluate("location.hash") == "#fn-1"
    note = page.locator("#fn-1")
    assert note.is_visible()
    title = note.locator("a").first.inner_text()
    note.locator("a").first.click()
    page.wait_for_url("**/sources/*/")
    assert page.locator("h1").inner_text() == title
    assert "Bakhtiyar Hajiyev" in page.locator("main").inner_text()  # the cases it informs
    assert csp_violations == []


def test_advocate_finds_a_case_by_a_russian_spelling_and_switches_language(
    seed_cases, browser_page, live_server
):
    page = browser_page
    page.goto(live_server.url + "/persons/")
    page.fill("#list-search", "Бахтияр Гаджиев")
    page.press("#list-search", "Enter")
    page.wait_for_url("**/persons/?q=*")
    page.locator(".cards .card h3 a", has_text="Bakhtiyar Hajiyev").first.click()
    page.wait_for_url("**/persons/bakhtiyar-hajiyev/")

    page.click("nav.languages >> text=Русский")
    page.wait_for_url("**/ru/persons/bakhtiyar-hajiyev/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#timeline-title").inner_text() == "Хронология"
    assert page.locator("h1 .name").inner_text() == "Bakhtiyar Hajiyev"  # names as stored

    page.click("nav.languages >> text=Azərbaycanca")
    page.wait_for_url("**/az/persons/bakhtiyar-hajiyev/")
    assert page.locator("#timeline-title").inner_text() == "Xronologiya"

    # the filters survive a change of language
    page.goto(live_server.url + "/persons/?occupation=journalist")
    page.click("nav.languages >> text=Русский")
    page.wait_for_url("**/ru/persons/?occupation=journalist")
    assert page.locator("input[value=journalist]").is_checked()


def test_live_search_suggests_as_you_type_and_opens_the_case(
    seed_cases, browser_page, live_server, csp_violations
):
    page = browser_page
    page.goto(live_server.url + "/ru/")
    page.locator("#home-search").press_sequentially("Гаджи", delay=40)
    option = page.locator("#home-search-suggestions [role=option]").first
    option.wait_for()
    assert option.inner_text() == "Bakhtiyar Hajiyev"
    assert page.locator("#home-search").get_attribute("aria-expanded") == "true"
    page.press("#home-search", "ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    page.press("#home-search", "Enter")
    page.wait_for_url("**/ru/persons/bakhtiyar-hajiyev/")
    assert csp_violations == []  # the suggestions came through connect-src 'self'


def test_filters_submit_themselves_and_the_url_holds_the_state(
    seed_cases, browser_page, live_server
):
    page = browser_page
    page.goto(live_server.url + "/persons/")
    page.check("input[name=status][value=held]")
    page.wait_for_url("**/persons/?*status=held*")
    shown = page.locator(".cards .card h3 a").all_inner_texts()
    assert "Sevinj Vagifgizi" in shown and "Leyla Yunus" not in shown
    page.goto(page.url)  # the shared link shows the same list
    assert page.locator(".cards .card h3 a").all_inner_texts() == shown


@pytest.mark.parametrize("viewport, width", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_pages_are_accessible_and_saved_as_screenshots(
    seed_cases, browser_page, live_server, csp_violations, viewport, width
):
    page = browser_page
    page.set_viewport_size(viewport)
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in (
        ("home", "/"),
        ("list", "/persons/?q=Hajiyev"),
        ("list-filtered", "/persons/?status=held"),
        ("person", "/persons/sevinj-vagifgizi/"),
        ("person-ru", "/ru/persons/bakhtiyar-hajiyev/"),
        ("statistics", "/statistics/"),
        ("statements", "/az/statements/"),
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if name == "statistics":
            # the seed's sources give no arrest dates: no monthly series, the bar charts
            assert page.evaluate("!!Chart.getChart('chart-by_occupation')"), "chart not drawn"
            assert not page.locator("#chart-months").count()
        assert csp_violations == [], name  # scripts, styles and charts run under the policy
        # no horizontal scrolling at phone width
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
        assert accessibility_violations(page) == [], (name, width)
        page.screenshot(path=str(ARTIFACTS / f"public-{name}-{width}.png"), full_page=True)
