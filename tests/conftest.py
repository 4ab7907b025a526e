"""Fixtures shared by the test modules: a signed-in researcher, Debian's Chromium
driven by Playwright against the live test server (its tests marked `browser`),
and Argon2 at its smallest cost."""

import importlib
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings
from playwright.sync_api import sync_playwright


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 (the same "argon2$" hashes, which production verifies) at the
    smallest cost: the settings' 100 MB and two passes take a quarter to half a
    second a hash, and most tests create a staff member."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """The settings' hashers in the settings' order, Argon2 made cheap (the test
    that passwords are hashed with Argon2 still reads the settings' choice)."""
    from django.conf import settings

    argon2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
    quick = f"{__name__}.{QuickArgon2PasswordHasher.__name__}"
    hashers = [quick if path == argon2 else path for path in settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


# kept by the flush below: what says which code is installed, and the cache (as
# Django's own flush keeps them: they are not models' tables)
_KEPT_BY_FLUSH = ("django_migrations", "cases_person_status_installed", "casebook_cache")


def _emptying_statements(style, connection, reset_sequences=False, allow_cascade=False):
    """The statements of `flush` in tests (every transactional test's teardown):
    DELETE of every table of the schema, triggers and foreign keys off for the
    transaction (session_replication_role), instead of Django's TRUNCATE of the
    models' tables. A TRUNCATE of a hundred tables replaces every file of them
    and their indexes, and its triggers compute the stored status again: 1.4 to
    2.9 s a teardown, against 0.1 to 0.7 s for the DELETEs of the few rows a test
    leaves. The derived tables (stored status, filter values, search words,
    duplicate candidates), which the TRUNCATE triggers emptied, are emptied too.
    Django's statements where a test resets sequences, or where the database's
    user may not turn triggers off (a DATABASE_URL without superuser rights)."""
    from django.core.management.sql import sql_flush

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if reset_sequences or not cursor.fetchone()[0]:
            return sql_flush(style, connection, reset_sequences, allow_cascade)
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND NOT tablename = ANY(%s) ORDER BY tablename",
            [list(_KEPT_BY_FLUSH)],
        )
        tables = [row[0] for row in cursor.fetchall()]
    quote = connection.ops.quote_name
    return ["SET LOCAL session_replication_role = replica"] + [
        f"DELETE FROM {quote(table)}" for table in tables
    ]


@pytest.fixture(autouse=True, scope="session")
def quick_flush():
    """Transactional tests empty the database with `_emptying_statements`."""
    from django.core.management.commands import flush

    original = flush.sql_flush
    flush.sql_flush = _emptying_statements
    yield
    flush.sql_flush = original


@pytest.fixture(autouse=True)
def english_to_begin_with():
    """Each test starts in the site's language, English. A request to /az/ or
    /ru/ leaves its language active in the thread (LocaleMiddleware activates it
    and nothing deactivates it), so a later test calling a service directly would
    read its messages in Azerbaijani: in whichever order the tests are run."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def staff_client(client, django_user_model):
    """A signed-in superuser (password and second factor), as a researcher with every right."""
    from tests.factories import staff_sign_in

    user = django_user_model.objects.create_superuser("researcher", "r@example.org", "pw-unused-1")
    return staff_sign_in(client, user)


def pytest_collection_modifyitems(items):
    """Every test that drives the browser is marked `browser`, so `make test-fast`
    (-m "not browser and not slow") leaves it out without anyone marking it by hand."""
    for item in items:
        if "browser_page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def browser_page(live_server):
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)"
    )
    foreign_requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        own_host = urlparse(live_server.url).netloc

        def guard(route):
            if urlparse(route.request.url).netloc != own_host:
                foreign_requests.append(route.request.url)
                return route.abort()
            return route.continue_()

        page.route("**/*", guard)
        yield page
        browser.close()
    assert foreign_requests == [], "requests to other hosts"


@pytest.fixture
def vocabularies(transactional_db):
    """The vocabulary terms of the data migration, for transactional tests: a
    transactional test before them flushed every table, migration data included."""
    from django.apps import apps

    importlib.import_module("cases.migrations.0002_vocabulary_terms").add_terms(apps, None)
    importlib.import_module("cases.migrations.0012_evidence_terms_and_name_keys").add_terms(
        apps, None
    )
