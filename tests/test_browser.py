"""The admin in a real browser (Debian's Chromium driven by Playwright): a
researcher signs in with password and a new authenticator app, finds a person by
a Russian spelling and opens the case. Any request to another host, and anything
the Content-Security-Policy blocks, fails the test."""

import base64

import pytest
from django_otp.oath import totp

from tests import factories
from tests.conftest import ARTIFACTS


@pytest.fixture
def researcher_and_case(vocabularies, django_user_model):
    # Made before the browser starts: while Playwright's event loop runs, the ORM
    # would open a second connection that outlives the test.
    django_user_model.objects.create_superuser("researcher", "r@example.org", "long-enough-pw-42")
    person = factories.person("Bakhtiyar Hajiyev", variants=["Bəxtiyar Hacıyev"])
    factories.detention(person, arrested="November 2023")


def test_researcher_signs_in_and_finds_a_person_by_a_russian_spelling(
    researcher_and_case, browser_page, live_server
):
    page = browser_page
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "long-enough-pw-42")
    page.click("input[type=submit]")
    # password accepted (CSRF took the browser's post); no admin page before a second factor
    page.wait_for_url(f"{live_server.url}/admin/two-factor/enrol/**")
    page.wait_for_selector(".qr svg")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-two-factor-enrol.png"), full_page=True)
    secret = page.locator(".secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("input[type=submit]")
    page.wait_for_selector("#backup-codes")
    assert page.locator("#backup-codes li").count() == 10  # shown once, here
    page.screenshot(path=str(ARTIFACTS / "admin-backup-codes.png"), full_page=True)
    page.click("text=Continue")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/cases/person/")
    page.fill("#searchbar", "Гаджиев")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert page.locator("#result_list").inner_text().count("Bakhtiyar Hajiyev") == 1
    page.screenshot(path=str(ARTIFACTS / "admin-person-search.png"))

    page.click("#result_list >> text=Bakhtiyar Hajiyev")
    page.wait_for_load_state()
    assert page.locator("#id_display_name").input_value() == "Bakhtiyar Hajiyev"
    assert page.locator("input[name='detentions-0-arrested_on']").input_value() == "2023-11"
    page.screenshot(path=str(ARTIFACTS / "admin-person.png"), full_page=True)
    assert blocked == []


def test_the_api_documentation_page_draws_under_the_content_security_policy(
    transactional_db, browser_page, live_server
):
    page = browser_page
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Casebook partner API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() >= 9  # every operation is listed
    assert blocked == []
