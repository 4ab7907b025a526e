"""The security headers: every public page, in each language, and the admin send
a Content-Security-Policy that runs only the site's own script files, no
referrer, no content sniffing, no framing and no camera, microphone or
location; the pages' HTML holds no inline script, event handler or style the
policy would block. In production (a subprocess with the real settings) HTTPS
is enforced with HSTS and the cookies are Secure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import translation

from cases.models import Affiliation, Charge
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "az", "ru")


@pytest.fixture
def world(settings, tmp_path):
    """One public case with every kind of fact the public pages show."""
    settings.MEDIA_ROOT = tmp_path
    publisher = factories.organization("Abzas Media", slug="abzas-media")
    article = factories.source("Journalists detained in Baku", publisher=publisher)
    person = factories.person(
        "Sevinj Vagifgizi", variants=["Sevinc Vaqifqızı", "Севиндж Вагифгызы"], summary="Editor."
    )
    person.photo.save("portrait.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    person.photo_visibility = "public"
    person.save()
    factories.citation(article, person=person, claim="editor", excerpt="its chief editor")
    affiliation = Affiliation.objects.create(
        person=person, organization=publisher, role="chief editor", visibility="public"
    )
    factories.citation(article, affiliation=affiliation)
    detention = factories.detention(person, arrested="November 2023", stage="pre-trial-detention")
    Charge.objects.create(detention=detention, article="206.3.2", visibility="public")
    factories.citation(article, detention=detention)
    factories.case_event(detention, "pre-trial-detention-extended", occurred="2024-02-14")
    factories.allegation(person, kind="torture", description="beaten in custody")
    call = factories.statement("Release Sevinj Vagifgizi", issuer=publisher, quote="Release her")
    call.persons.add(person)
    return {"person": person, "source": article, "organization": publisher}


def public_pages(world, language: str) -> list[str]:
    """The public HTML pages (found by URL name) in one language."""
    with translation.override(language):
        return [
            reverse("home"),
            reverse("person-list"),
            reverse("person-list") + "?q=Vaqifqızı",
            reverse("person-detail", kwargs={"slug": world["person"].slug}),
            reverse("statement-list"),
            reverse("source-list"),
            reverse("source-detail", kwargs={"uuid": world["source"].uuid}),
            reverse("organization-list"),
            reverse("organization-detail", kwargs={"slug": world["organization"].slug}),
            reverse("statistics"),
        ]


def public_data(language: str) -> list[str]:
    """What the public site answers besides pages: suggestions and the API."""
    with translation.override(language):
        suggestions = reverse("person-suggestions") + "?q=Sevinj"
    return [suggestions, reverse("api:person-list"), reverse("api:schema"), reverse("api:docs")]


def policy(response) -> dict[str, list[str]]:
    return policy_of(response.headers)


def policy_of(headers) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    assert headers.get("Content-Security-Policy"), "no Content-Security-Policy"
    return {
        name: sources
        for name, *sources in (d.split() for d in headers["Content-Security-Policy"].split(";"))
    }


def assert_protected(response, url: str) -> None:
    assert response.status_code == 200, url  # django-csp skips 404 and 500 pages under DEBUG
    csp = policy(response)
    assert csp["script-src"] == ["'self'"], url  # no 'unsafe-inline', 'unsafe-eval', no host
    assert csp["default-src"] == ["'self'"], url
    assert csp["object-src"] == ["'none'"], url
    assert csp["frame-ancestors"] == ["'none'"], url
    styles = ["'self'"]
    if url == reverse("api:docs"):  # Swagger UI writes <style> elements (cases/api/urls.py)
        styles.append("'unsafe-inline'")
    assert csp.pop("style-src") == styles, url
    everything = [source for sources in csp.values() for source in sources]
    assert set(everything) <= {"'self'", "'none'", "data:"}, url  # no other host anywhere
    assert response.headers["Referrer-Policy"] == "no-referrer", url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["X-Frame-Options"] == "DENY", url
    features = dict(
        item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation"):
        assert features.get(feature) == "()", (url, feature)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_sends_the_security_headers(client, world, language):
    for url in public_pages(world, language) + public_data(language):
        assert_protected(client.get(url), url)


class InlineCode(HTMLParser):
    """What a Content-Security-Policy of 'self' would block in a page: inline
    scripts, scripts from another host, event-handler and style attributes,
    <style> elements and javascript: links."""

    def __init__(self):
        super().__init__()
        self.blocked: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = f"<{tag} {' '.join(attrs)}>"
        if tag == "script":
            self.scripts += 1
            src = attrs.get("src")
            if src is None and attrs.get("type") != "application/json":
                self.blocked.append(f"inline script {where}")
            if src is not None and not (src.startswith("/") and not src.startswith("//")):
                self.blocked.append(f"script from another site: {src}")
            if src is not None and attrs.get("type") == "application/json":
                self.blocked.append(f"a JSON script with a src: {src}")
        if tag == "style":
            self.blocked.append("a <style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.blocked.append(f"event handler {name} on {where}")
            if name == "style":
                self.blocked.append(f"style attribute {value!r} on {where}")
            if (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"javascript: URL on {where}")


def inline_code(response) -> InlineCode:
    parser = InlineCode()
    parser.feed(response.content.decode())
    parser.close()
    return parser


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_hold_no_inline_script_event_handler_or_style(client, world, language):
    for url in public_pages(world, language):
        response = client.get(url)
        assert response.status_code == 200, url
        found = inline_code(response)
        assert found.scripts, url  # the parser saw the page's script tags
        assert found.blocked == [], url


def test_the_statistics_page_passes_its_chart_data_as_json_not_as_script(client, world):
    # the one <script> without src a public page may have: json_script's data block
    body = client.get(reverse("statistics")).content.decode()
    assert '<script id="chart-data" type="application/json">' in body


def test_the_api_documentation_page_runs_no_inline_script(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    found = inline_code(response)
    assert found.scripts
    # inline styles are allowed on this page only: Swagger UI writes <style> elements
    assert [b for b in found.blocked if not b.startswith(("style", "a <style>"))] == []


def test_admin_pages_send_the_same_policy_and_render_under_it(staff_client, world):
    person = world["person"]
    for url in (
        reverse("admin:cases_person_changelist"),
        reverse("admin:cases_person_change", args=[person.pk]),
        reverse("admin:cases_detention_changelist"),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        csp = policy(response)
        assert csp["script-src"] == ["'self'"], url
        assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert "camera=()" in response.headers["Permissions-Policy"], url
        # the admin's forms post under same-origin (casebook.middleware), never to other hosts
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert inline_code(response).blocked == [], url


# --- production -------------------------------------------------------------------------


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-production-like-test-key",
    "ALLOWED_HOSTS": "casebook.example.org",
}
PRODUCTION_CLIENT = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "casebook.settings"
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="casebook.example.org")
plain = client.get("/api/v1/persons/")
page = client.get("/api/v1/persons/", secure=True)
signed_in = client.post(
    "/admin/login/", {"username": "hsts", "password": "a-long-test-password-7"}, secure=True
)
print(json.dumps({
    "http": [plain.status_code, plain.headers.get("Location")],
    "https": [page.status_code, dict(page.headers)],
    "sign_in": [signed_in.status_code, {
        name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
        for name, morsel in signed_in.cookies.items()
    }],
}))
"""


@pytest.fixture
def production(transactional_db, django_user_model):
    """Requests made with the real settings file in production mode (DEBUG off),
    in a subprocess talking to this test database."""
    django_user_model.objects.create_user("hsts", password="a-long-test-password-7", is_staff=True)
    db = connection.settings_dict
    # host and port as query options: a socket folder's path keeps its case there
    where = urlencode({"host": db["HOST"], **({"port": db["PORT"]} if db["PORT"] else {})})
    url = (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
        f"@/{quote(db['NAME'], safe='')}?{where}"
    )
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    env.update(PRODUCTION, DATABASE_URL=url)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_CLIENT],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_production_redirects_to_https_and_sends_hsts_for_a_year_with_subdomains(production):
    status, location = production["http"]
    assert status == 301 and location == "https://casebook.example.org/api/v1/persons/"
    status, headers = production["https"]
    assert status == 200
    hsts = [part.strip() for part in headers["Strict-Transport-Security"].split(";")]
    assert int(hsts[0].removeprefix("max-age=")) >= 31536000
    assert "includeSubDomains" in hsts
    csp = policy_of(headers)
    assert csp["script-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.slow
def test_production_session_and_csrf_cookies_are_secure_and_the_session_http_only(production):
    status, cookies = production["sign_in"]
    assert status == 302  # signed in with the password; on to the second factor
    assert cookies["sessionid"] == {"secure": True, "httponly": True}
    assert cookies["csrftoken"]["secure"] is True
