"""The handlers run after `migrate` (cases.apps): the history functions and the
stored status installed after a migrate, and left alone after a flush, which
every transactional test's teardown runs and which changes neither."""

from unittest import mock

import pytest
from django.core.management.sql import emit_post_migrate_signal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("plan", "installed"), [(None, False), ([], True)])
def test_a_migrate_installs_and_a_flush_does_not(plan, installed):
    """migrate sends its plan (empty when nothing was left to apply); flush sends none."""
    extra = {} if plan is None else {"plan": plan}
    with (
        mock.patch("cases.reads.status.install_if_changed") as status,
        mock.patch("casebook.history_sql.install") as history,
    ):
        emit_post_migrate_signal(0, False, "default", **extra)
    assert status.called is installed
    assert history.called is installed


@pytest.mark.django_db(transaction=True)
def test_the_tests_flush_empties_every_table_but_what_says_what_is_installed(vocabularies):
    """tests/conftest.py's flush (DELETEs, triggers off) leaves no row a test wrote,
    in the models' tables or the derived ones, and keeps the migrations applied
    and the stored status's digest."""
    from django.core.management import call_command
    from django.db import connection

    from tests import factories

    factories.detention(factories.person("Flushed Person"), arrested="2024-05")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_person_status")
        assert cursor.fetchone()[0] > 0  # the commit stored the person's status
        cursor.execute("SELECT count(*) FROM cases_search_word")
        assert cursor.fetchone()[0] > 0
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        left = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            left[table] = cursor.fetchone()[0]
    kept = {"django_migrations", "cases_person_status_installed"}
    made_again = {"django_content_type", "auth_permission"}  # by flush's post_migrate
    assert {table for table, rows in left.items() if rows} - {"casebook_cache"} == (
        kept | made_again
    )
