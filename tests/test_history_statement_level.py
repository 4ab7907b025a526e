"""The history triggers are statement-level (issue 20): one INSERT ... SELECT
per statement from its transition table, however many rows it writes, with
every row still recorded once, with its context, and an update that changes
nothing still recording nothing."""

from __future__ import annotations

import copy

import pghistory
import pgtrigger
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pghistory.models import Event

from cases.models import (
    Occupation,
    Organization,
    OrganizationEvent,
    Person,
    PersonOccupationsEvent,
)
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_history_trigger_is_installed_for_each_statement():
    tracked = {
        model.pgh_tracked_model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, Event) and hasattr(model, "pgh_tracked_model")
    }
    with connection.cursor() as cursor:
        # tgtype bit 0 is FOR EACH ROW
        cursor.execute(
            "SELECT c.relname, t.tgname, (t.tgtype & 1) = 1 FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'pgtrigger_%%'"
        )
        rows = cursor.fetchall()
    history = [(table, name, per_row) for table, name, per_row in rows if table in tracked]
    assert {table for table, _name, _per_row in history} == tracked
    assert [(table, name) for table, name, per_row in history if per_row] == []


def test_a_level_constant_stays_itself_when_copied():
    # Django's migration state deep-copies the triggers; pgtrigger compares levels
    # by identity, so a copy must be the constant itself (casebook.trigger_levels)
    assert copy.deepcopy(pgtrigger.Statement) is pgtrigger.Statement
    assert copy.copy(pgtrigger.Row) is pgtrigger.Row


def test_one_statement_over_many_rows_records_each_changed_row_once_with_its_context():
    organizations = Organization.objects.bulk_create(
        [Organization(name=f"Statement org {n}", slug=f"statement-org-{n}") for n in range(30)]
    )
    ids = [organization.pk for organization in organizations]
    with pghistory.context(action="one statement"):
        # one UPDATE: 20 rows change, 10 are written with the values they had
        changed = Organization.objects.filter(pk__in=ids[:20]).update(abbreviation="NEW")
        unchanged = Organization.objects.filter(pk__in=ids[20:]).update(abbreviation="")
    assert (changed, unchanged) == (20, 10)
    updates = OrganizationEvent.objects.filter(pgh_obj_id__in=ids, pgh_label="update")
    assert sorted(updates.values_list("pgh_obj_id", flat=True)) == sorted(ids[:20])
    assert set(updates.values_list("abbreviation", flat=True)) == {"NEW"}
    contexts = list(updates.values_list("pgh_context__metadata", flat=True))
    assert contexts == [{"action": "one statement"}] * 20

    with connection.cursor() as cursor:  # raw SQL deleting several rows in one statement
        cursor.execute("DELETE FROM cases_organization WHERE id = ANY(%s)", [ids[:5]])
    deletes = OrganizationEvent.objects.filter(pgh_obj_id__in=ids, pgh_label="delete")
    assert sorted(deletes.values_list("pgh_obj_id", flat=True)) == sorted(ids[:5])
    assert set(deletes.values_list("pgh_context", flat=True)) == {None}


def test_links_added_in_one_statement_are_each_recorded(vocabularies):
    person = factories.person("Statement Testov")
    occupations = list(Occupation.objects.order_by("pk")[:3])
    with pghistory.context(action="links"):
        person.occupations.add(*occupations)  # one INSERT of three rows
    events = PersonOccupationsEvent.objects.filter(person_id=person.pk, pgh_label="insert")
    assert sorted(events.values_list("occupation_id", flat=True)) == sorted(
        occupation.pk for occupation in occupations
    )
    assert list(events.values_list("pgh_context__metadata", flat=True)) == [{"action": "links"}] * 3
    assert Person.objects.get(pk=person.pk).occupations.count() == 3


def test_a_read_runs_its_statements_as_written(client, vocabularies):
    # A GET changes no record: its statements run without pghistory's set_config
    # prefix (which would make every request's SQL new to PostgreSQL)
    factories.person("Context Testov")
    with CaptureQueriesContext(connection) as read:
        assert client.get("/persons/?q=Testov").status_code == 200
    assert read.captured_queries
    assert not [q["sql"] for q in read.captured_queries if "pghistory.context_id" in q["sql"]]
