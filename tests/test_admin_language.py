"""The admin in English, Azerbaijani and Russian: the language a staff member picked
with the switch in its header (kept in the language cookie), else the browser's
Accept-Language, else English. And its index, grouped by the work: cases, sources,
other apps, vocabularies, access, system registers, each user seeing only what they
may view."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import path
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.admin_site import CasebookAdminSite
from access.roles import RESEARCHER, roles_apply
from cases.models import Occupation, Person
from cases.vocabularies import Vocabulary
from sources.models import Source
from tests import factories

PASSWORD = "a-long-test-password-7"
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME
# Strings of Django's own admin catalogs and of Casebook's (locale/), as they stand.
RECENT_ACTIONS = {"en": "Recent actions", "az": "Son əməliyyatlar", "ru": "Последние действия"}
EVIDENCE = {"en": "Evidence", "az": "Sübutlar", "ru": "Доказательная база"}


class AdminPage(HTMLParser):
    """What a test reads of an admin page: the `lang` of the page, the language
    switch (its form, fields and buttons) and the index's sections with their models."""

    def __init__(self, text: str):
        super().__init__()
        self.lang = None
        self.switch: dict | None = None
        self.sections: dict[str, list[tuple[str, str, list[str]]]] = {}
        self._where = None
        self._in_switch_button = self._in_caption = self._in_section = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "html":
            self.lang = attrs.get("lang")
        elif attrs.get("id") in {"nav-sidebar", "content-main"}:
            self._where = attrs["id"]
        elif tag == "form" and "language-switch" in classes:
            self.switch = {"action": attrs["action"], "fields": {}, "buttons": []}
        elif self.switch is not None and tag == "input" and self._switch_open():
            self.switch["fields"][attrs["name"]] = attrs.get("value", "")
        elif self.switch is not None and tag == "button" and self._switch_open():
            self.switch["buttons"].append({**attrs, "text": ""})
            self._in_switch_button = True
        elif tag == "div" and "module" in classes:
            key = next((c for c in classes if c.startswith("app-")), None)
            self._in_section = key is not None
            if key:
                self.sections.setdefault(self._where, []).append((key.removeprefix("app-"), "", []))
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and any(c.startswith("model-") for c in classes):
            model = next(c for c in classes if c.startswith("model-")).removeprefix("model-")
            self.sections[self._where][-1][2].append(model)

    def _switch_open(self) -> bool:
        return not self.switch.get("closed")

    def handle_endtag(self, tag):
        if tag == "form" and self.switch is not None and self._switch_open():
            self.switch["closed"] = True
        elif tag == "button":
            self._in_switch_button = False
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_switch_button:
            self.switch["buttons"][-1]["text"] += data.strip()
        elif self._in_caption and self._in_section:
            key, caption, models = self.sections[self._where][-1]
            self.sections[self._where][-1] = (key, (caption + " " + data.strip()).strip(), models)

    def section_keys(self, where: str = "content-main") -> list[str]:
        return [key for key, _caption, _models in self.sections.get(where, [])]

    def section(self, key: str, where: str = "content-main") -> tuple[str, list[str]]:
        for found, caption, models in self.sections[where]:
            if found == key:
                return caption, models
        raise AssertionError(f"no section {key} in {self.section_keys(where)}")


def page_of(response) -> AdminPage:
    assert response.status_code == 200, response.content[:2000]
    return AdminPage(response.content.decode())


def member(role: str | None, name: str) -> User:
    roles_apply()
    user = User.objects.create_user(name, password=PASSWORD, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


# --- the language ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_speaks_english_to_a_browser_that_asks_for_nothing_else(staff_client):
    response = staff_client.get("/admin/")
    page = page_of(response)
    assert page.lang == "en" and response["Content-Language"] == "en"
    assert RECENT_ACTIONS["en"] in response.content.decode()
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page_of(response).lang == "en"  # a language Casebook does not speak


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept, language",
    [("az", "az"), ("ru", "ru"), ("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("az-AZ,en;q=0.1", "az")],
)
def test_the_admin_index_speaks_the_browsers_language(staff_client, accept, language):
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE=accept)
    text = response.content.decode()
    page = page_of(response)
    assert page.lang == language and response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert RECENT_ACTIONS[language] in text  # Django's admin catalog
    assert EVIDENCE[language] in text  # Casebook's (the Evidence module on the index)
    assert RECENT_ACTIONS["en"] not in text


@pytest.mark.django_db
def test_the_public_pages_keep_the_language_of_their_address(client):
    # the admin's cookie and the browser do not move a public page off its address
    client.cookies[LANGUAGE_COOKIE] = "ru"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="az")["Content-Language"] == "en"
    assert client.get("/az/", HTTP_ACCEPT_LANGUAGE="ru")["Content-Language"] == "az"


@pytest.mark.django_db
def test_the_switch_is_on_every_admin_page_in_each_languages_own_name(staff_client):
    for url in ["/admin/", "/admin/cases/person/", "/admin/cases/person/add/", "/admin/cases/"]:
        page = page_of(staff_client.get(url, HTTP_ACCEPT_LANGUAGE="ru"))
        assert page.switch is not None, url
        assert page.switch["action"] == "/i18n/setlang/"
        assert page.switch["fields"]["next"] == url
        assert "csrfmiddlewaretoken" in page.switch["fields"]
        buttons = [
            (b["value"], b["lang"], b["text"], b["aria-pressed"]) for b in page.switch["buttons"]
        ]
        assert buttons == [
            ("en", "en", "English", "false"),
            ("az", "az", "Azərbaycanca", "false"),
            ("ru", "ru", "Русский", "true"),
        ], url
        assert all(
            b["type"] == "submit" and b["name"] == "language" for b in page.switch["buttons"]
        )


@pytest.mark.django_db
def test_the_switch_sets_the_cookie_and_the_next_page_speaks_its_language(django_user_model):
    user = django_user_model.objects.create_superuser("switcher", "s@example.org", PASSWORD)
    client = factories.staff_sign_in(Client(enforce_csrf_checks=True), user)
    page = page_of(client.get("/admin/cases/person/?q=Hajiyev", HTTP_ACCEPT_LANGUAGE="ru"))
    assert page.lang == "ru"

    # the form as the page wrote it, with the Azərbaycanca button pressed
    response = client.post(page.switch["action"], {**page.switch["fields"], "language": "az"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/cases/person/?q=Hajiyev"
    cookie = response.cookies[LANGUAGE_COOKIE]
    assert cookie.value == "az"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 60 * 60 * 24 * 300  # kept, not for this visit only

    # the cookie wins over the browser's Accept-Language
    following = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ru")
    assert page_of(following).lang == "az" and following["Content-Language"] == "az"
    assert page_of(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru,en")).lang == "az"
    back = client.post(page.switch["action"], {**page.switch["fields"], "language": "en"})
    assert back.cookies[LANGUAGE_COOKIE].value == "en"
    assert page_of(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru")).lang == "en"


@pytest.mark.django_db
def test_the_switch_refuses_a_post_without_the_forms_csrf_token(django_user_model):
    user = django_user_model.objects.create_superuser("switcher", "s@example.org", PASSWORD)
    client = factories.staff_sign_in(Client(enforce_csrf_checks=True), user)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/admin/"})
    assert response.status_code == 403
    assert LANGUAGE_COOKIE not in response.cookies


@pytest.mark.django_db
def test_the_switch_ignores_a_next_address_on_another_host(staff_client):
    response = staff_client.post(
        "/i18n/setlang/", {"language": "ru", "next": "https://evil.example/admin/"}
    )
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")


@pytest.mark.django_db
def test_the_sign_in_pages_offer_the_switch_and_still_sign_in(django_user_model):
    user = member(RESEARCHER, "rahim")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client(enforce_csrf_checks=True)
    sign_in = page_of(client.get("/admin/login/?next=/admin/cases/person/"))
    assert sign_in.lang == "en"
    assert sign_in.switch["fields"]["next"] == "/admin/login/?next=/admin/cases/person/"
    chosen = client.post(sign_in.switch["action"], {**sign_in.switch["fields"], "language": "ru"})
    assert chosen["Location"] == "/admin/login/?next=/admin/cases/person/"
    login = client.get(chosen["Location"])
    assert page_of(login).lang == "ru"
    assert "Имя пользователя" in login.content.decode()  # Django's "Username", in Russian

    # the password form beside the switch still signs in, on to the second factor in Russian
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/admin/login/?next=/admin/cases/person/",
        {
            "username": "rahim",
            "password": PASSWORD,
            "next": "/admin/cases/person/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    verify = client.get(response["Location"], follow=True)
    assert verify.request["PATH_INFO"] == "/admin/two-factor/verify/"
    verify_page = page_of(verify)
    assert verify_page.lang == "ru" and verify_page.switch is not None
    # someone stopped at the second factor may change the language too
    again = client.post(
        verify_page.switch["action"], {**verify_page.switch["fields"], "language": "az"}
    )
    assert again.status_code == 302 and again["Location"].startswith("/admin/two-factor/verify/")
    assert page_of(client.get(again["Location"])).lang == "az"


@pytest.mark.django_db
def test_a_page_answering_a_post_sends_the_switch_back_to_the_index(staff_client):
    # signing out answers only a POST: a switch on the signed-out page must not return there
    page = page_of(staff_client.post("/admin/logout/"))
    assert page.switch["fields"]["next"] == "/admin/"


# --- the index, grouped by the work ----------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_sees_the_sections_in_the_order_of_the_work(staff_client):
    page = page_of(staff_client.get("/admin/"))
    keys = page.section_keys()
    assert keys[:5] == ["cases", "places", "accountability", "interventions", "sources"]
    assert keys[-3:] == ["vocabularies", "access", "system"]
    caption, cases = page.section("cases")
    assert caption == "Cases"
    assert cases[:4] == ["person", "namevariant", "affiliation", "detention"]
    assert {"charge", "caseevent", "paceassessment", "allegation", "statement"} <= set(cases)
    assert {"organization", "merge"} <= set(cases)
    caption, places = page.section("places")
    assert caption == "Places of detention"
    assert places == ["facility", "custodyperiod", "facilityname"]
    caption, accountability = page.section("accountability")
    assert caption == "Officials and trials"
    assert accountability[:5] == ["official", "involvement", "position", "trial", "hearing"]
    caption, interventions = page.section("interventions")
    assert caption == "Interventions"
    assert interventions == ["intervention"]
    caption, sources = page.section("sources")
    assert caption == "Sources and evidence"
    assert sources == ["source", "citation", "reportedcount"]
    caption, vocabularies = page.section("vocabularies")
    assert caption == "Vocabularies"
    every_vocabulary = {model._meta.model_name for model in Vocabulary.__subclasses__()}
    assert set(vocabularies) == every_vocabulary
    assert vocabularies[:2] == ["occupation", "legalstage"]
    caption, access = page.section("access")
    assert caption == "Access"
    assert access[:3] == ["user", "group", "partnertoken"]
    assert {"totpdevice", "staticdevice", "accessattempt"} <= set(access)
    caption, system = page.section("system")
    assert caption == "System registers"
    assert system == ["issuedslug", "withdrawal", "seedrecord"]
    # every model is listed once, in one section
    listed = [model for _key, _caption, models in page.sections["content-main"] for model in models]
    assert len(listed) == len(set(listed))


@pytest.mark.django_db
def test_the_side_navigation_lists_the_same_sections(staff_client):
    index = page_of(staff_client.get("/admin/"))
    persons = page_of(staff_client.get("/admin/cases/person/"))
    assert persons.section_keys("nav-sidebar") == index.section_keys()
    assert persons.sections["nav-sidebar"] == index.sections["content-main"]


@pytest.mark.django_db
def test_section_titles_and_other_packages_models_are_translated(staff_client):
    text = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    page = AdminPage(text)
    assert page.section("cases")[0] == "Дела"
    # models of other packages are named as a researcher would, not "TOTP devices"
    english = staff_client.get("/admin/").content.decode()
    assert "Authenticator apps" in english and "Backup codes" in english
    assert "TOTP devices" not in english and "Access attempts" not in english


# An admin site beside the real one, with a model of an app no section names
# (contenttypes), served by this module as the URLconf of the test below.
GROUPING_SITE = CasebookAdminSite(name="grouping")
for _model in (Person, Source, Occupation, ContentType, User):
    GROUPING_SITE.register(_model)
urlpatterns = [path("grouping/", GROUPING_SITE.urls)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_model_of_an_app_without_a_section_falls_into_its_apps_own_section(
    django_user_model,
):
    request = RequestFactory().get("/grouping/")
    request.user = django_user_model.objects.create_superuser("root", "r@example.org", PASSWORD)
    sections = GROUPING_SITE.get_app_list(request)
    assert [section["app_label"] for section in sections] == [
        "cases",
        "sources",
        "contenttypes",  # an app no one placed: between the work and the registers
        "vocabularies",
        "access",
    ]
    own = sections[2]
    assert own["name"] == ContentType._meta.app_config.verbose_name
    assert [model["object_name"] for model in own["models"]] == ["ContentType"]
    assert own["app_url"] == "/grouping/contenttypes/"  # its app's own page, as Django links it
    assert [section["app_url"] for section in sections if section is not own] == [None] * 4
    # one app's page keeps Django's list of that app's models
    assert [app["app_label"] for app in GROUPING_SITE.get_app_list(request, "cases")] == ["cases"]


@pytest.mark.django_db
def test_a_researcher_sees_only_the_models_they_may_view(django_user_model):
    client = factories.staff_sign_in(Client(), member(RESEARCHER, "rahim"))
    page = page_of(client.get("/admin/"))
    # the lists app has no section of its own in SECTION_OF: it arrives as its own section
    assert page.section_keys() == [
        "cases",
        "places",
        "accountability",
        "interventions",
        "sources",
        "lists",
        "vocabularies",
    ]
    listed = {model for _key, _caption, models in page.sections["content-main"] for model in models}
    assert {"person", "detention", "source", "citation", "occupation"} <= listed
    assert {"facility", "custodyperiod", "facilitykind", "intervention"} <= listed
    # no user accounts, tokens, devices or bookkeeping registers for a researcher
    assert not listed & {"user", "group", "partnertoken", "totpdevice", "issuedslug", "withdrawal"}
    assert client.get("/admin/auth/user/").status_code == 403


@pytest.mark.django_db
def test_a_member_who_may_view_only_persons_is_shown_only_persons(django_user_model):
    user = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        [Permission.objects.get(content_type__app_label="cases", codename="view_person")]
    )
    client = factories.staff_sign_in(Client(), user)
    page = page_of(client.get("/admin/"))
    assert page.sections["content-main"] == [("cases", "Cases", ["person"])]
    assert page.switch is not None


# --- in a browser, with real transactions ----------------------------------------------


@pytest.fixture
def staff_with_app(transactional_db, django_user_model):
    # Made before the browser starts: while Playwright's event loop runs, the ORM
    # would open a second connection that outlives the test.
    user = django_user_model.objects.create_superuser("leyla", "l@example.org", PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device.bin_key


def test_a_staff_member_switches_language_with_the_keyboard_and_without_javascript(
    staff_with_app, browser_page, live_server
):
    key = staff_with_app
    browser = browser_page.context.browser
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}, locale="ru-RU"
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        assert page.locator("html").get_attribute("lang") == "ru"  # the browser's language
        # Tab to the Azərbaycanca button and press Enter: a plain form, no script
        page.locator("#id_username").focus()
        page.keyboard.press("Shift+Tab")  # from the form back into the header
        for _ in range(6):
            if page.evaluate("document.activeElement.getAttribute('lang')") == "az":
                break
            page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.textContent") == "Azərbaycanca"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == f"{live_server.url}/admin/login/?next=/admin/"
        assert page.locator("html").get_attribute("lang") == "az"
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies[LANGUAGE_COOKIE]["value"] == "az" and cookies[LANGUAGE_COOKIE]["httpOnly"]

        # signing in beside the switch still works, and the admin stays in Azerbaijani
        page.fill("#id_username", "leyla")
        page.fill("#id_password", PASSWORD)
        page.click("#login-form [type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/two-factor/verify/**")
        assert page.locator("html").get_attribute("lang") == "az"
        page.fill("#id_code", f"{totp(key):06d}")
        page.click(".two-factor [type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        assert page.locator("html").get_attribute("lang") == "az"
        assert page.locator("#content-main .app-cases caption").text_content().strip() == "İşlər"

        page.click(".language-switch button[lang=ru]")
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/admin/"
        assert page.locator("html").get_attribute("lang") == "ru"
        assert page.locator("#content-main .app-cases caption").text_content().strip() == "Дела"
    finally:
        context.close()
