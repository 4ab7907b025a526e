"""History with its context, on committed transactions (issue 20, item 3).

The history triggers call Casebook's own `_pgh_attach_context()` and
`_pgtrigger_should_ignore()` (casebook/history_sql.py), which open no
subtransaction per row and upsert a context once per bulk write. These tests
prove that every kind of write is still recorded with its context: a bulk
write, a case-sheet import, raw SQL (with a context set from Python, from SQL,
or none), an admin edit; that nested contexts and rolled-back savepoints keep
the context row right; and that `pgtrigger.ignore` still switches a trigger off.
"""

from __future__ import annotations

import csv
import io

import pghistory
import pgtrigger
import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from pghistory.models import Context

from access.roles import CASE_APPS, EDITOR, roles_apply
from cases.case_sheet import COLUMNS, case_sheet_import
from cases.models import (
    Detention,
    DetentionEvent,
    Organization,
    OrganizationEvent,
    Person,
    PersonEvent,
)
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def events_of(model, obj_id):
    return list(model.objects.filter(pgh_obj_id=obj_id).order_by("pgh_id"))


def test_the_installed_functions_open_no_subtransaction():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc "
            "WHERE proname IN ('_pgh_attach_context', '_pgtrigger_should_ignore')"
        )
        functions = dict(cursor.fetchall())
    assert set(functions) == {"_pgh_attach_context", "_pgtrigger_should_ignore"}
    for name, source in functions.items():
        assert "EXCEPTION" not in source.upper(), name
        assert "CURRENT_SETTING" in source.upper() and ", TRUE)" in source.upper(), name


def test_a_bulk_write_records_every_row_with_one_context():
    with pghistory.context(action="bulk test", user=7):
        created = Organization.objects.bulk_create(
            [Organization(name=f"Bulk org {n}", slug=f"bulk-org-{n}") for n in range(50)]
        )
    ids = [org.pk for org in created]
    events = list(OrganizationEvent.objects.filter(pgh_obj_id__in=ids, pgh_label="insert"))
    assert len(events) == 50
    contexts = {event.pgh_context_id for event in events}
    assert len(contexts) == 1 and None not in contexts
    context = Context.objects.get(pk=contexts.pop())
    assert context.metadata == {"action": "bulk test", "user": 7}


def test_raw_sql_is_recorded_with_a_context_from_python_from_sql_or_none():
    org = factories.organization("Raw SQL org")
    with pghistory.context(action="raw from python"), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_organization SET country = 'A' WHERE id = %s", [org.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', gen_random_uuid()::text, true), "
            "set_config('pghistory.context_metadata', '{\"action\": \"raw from sql\"}', true)"
        )
        cursor.execute("UPDATE cases_organization SET country = 'B' WHERE id = %s", [org.pk])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_organization SET country = 'C' WHERE id = %s", [org.pk])
        cursor.execute("DELETE FROM cases_organization WHERE id = %s", [org.pk])
    events = events_of(OrganizationEvent, org.pk)
    assert [(e.pgh_label, e.country) for e in events] == [
        ("insert", ""), ("update", "A"), ("update", "B"), ("update", "C"), ("delete", "C"),
    ]  # fmt: skip
    actions = [e.pgh_context.metadata["action"] if e.pgh_context_id else None for e in events]
    assert actions == [None, "raw from python", "raw from sql", None, None]


def test_a_case_sheet_import_records_its_rows_with_the_import_context(
    django_user_model, vocabularies
):
    user = django_user_model.objects.create_user("importer")
    names = ("Elchin Testov", "Nigar Probaliyeva", "Vusal Numunazada", "Kamala Sinaqova")
    rows = [{"person": name, "arrested_on": "2023", "charges": "233"} for name in names]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    result = case_sheet_import(
        file=io.BytesIO(out.getvalue().encode()), file_name="sheet.csv", user=user
    )
    assert result.written
    for model, event_model in ((Person, PersonEvent), (Detention, DetentionEvent)):
        events = list(event_model.objects.filter(pgh_obj_id__in=model.objects.values("pk")))
        assert len(events) == len(names) and {e.pgh_label for e in events} == {"insert"}
        contexts = {e.pgh_context_id for e in events}
        assert len(contexts) == 1 and None not in contexts
    metadata = Context.objects.get(pk=contexts.pop()).metadata
    assert metadata["import"] == "case_sheet" and metadata["file"] == "sheet.csv"
    assert metadata["user"] == user.pk and metadata["rows"] == len(names)


def test_an_admin_edit_is_recorded_with_who_and_where(client, django_user_model, vocabularies):
    roles_apply()
    user = django_user_model.objects.create_user("eddie", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    factories.staff_sign_in(client, user)
    org = factories.organization("Admin edited org", country="")
    url = f"/admin/{CASE_APPS[0]}/organization/{org.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["country"] = "Azerbaijan"
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    update = events_of(OrganizationEvent, org.pk)[-1]
    assert update.pgh_label == "update" and update.country == "Azerbaijan"
    assert update.pgh_context.metadata["user"] == user.pk
    assert update.pgh_context.metadata["url"] == url


def test_a_nested_context_updates_the_context_row_it_shares():
    with pghistory.context(action="outer"):
        first = factories.organization("Outer org")
        with pghistory.context(step="inner"):
            second = factories.organization("Inner org")
    first_event = events_of(OrganizationEvent, first.pk)[0]
    second_event = events_of(OrganizationEvent, second.pk)[0]
    assert first_event.pgh_context_id == second_event.pgh_context_id
    assert Context.objects.get(pk=first_event.pgh_context_id).metadata == {
        "action": "outer",
        "step": "inner",
    }


def test_a_rolled_back_savepoint_does_not_leave_an_event_without_its_context_row():
    with transaction.atomic(), pghistory.context(action="savepoint test"):
        try:
            with transaction.atomic():
                factories.organization("Rolled back org")
                raise RuntimeError("roll back the savepoint")
        except RuntimeError:
            pass
        kept = factories.organization("Kept org")
    event = events_of(OrganizationEvent, kept.pk)[0]
    assert event.pgh_context_id is not None
    assert Context.objects.get(pk=event.pgh_context_id).metadata == {"action": "savepoint test"}


def test_pgtrigger_ignore_still_switches_a_history_trigger_off():
    with pgtrigger.ignore("cases.Organization:insert_insert"):
        ignored = factories.organization("Not recorded org")
    recorded = factories.organization("Recorded org")
    assert events_of(OrganizationEvent, ignored.pk) == []
    assert [e.pgh_label for e in events_of(OrganizationEvent, recorded.pk)] == ["insert"]


def test_every_tracked_table_has_its_history_triggers_installed():
    # pgtrigger's migrations never installed the triggers of an automatically
    # created through table (0018 does): every event model's table must have them
    from django.apps import apps
    from pghistory.models import Event

    tracked = {}
    for model in apps.get_models():
        if issubclass(model, Event) and hasattr(model, "pgh_tracked_model"):
            labels = {tracker.label for tracker in model.pgh_trackers}
            tracked[model.pgh_tracked_model._meta.db_table] = labels
    assert "cases_person_occupations" in tracked and "cases_statement_persons" in tracked
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'pgtrigger_%%'"
        )
        installed: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            installed.setdefault(table, set()).add(name.removeprefix("pgtrigger_").split("_")[0])
    missing = {table: labels - installed.get(table, set()) for table, labels in tracked.items()}
    assert {table: labels for table, labels in missing.items() if labels} == {}


def test_links_between_records_are_recorded_with_their_context(vocabularies):
    from cases.models import Occupation, PersonOccupationsEvent, StatementPersonsEvent

    person = factories.person("Linked Testov")
    journalist, activist = Occupation.objects.filter(code__in=["journalist", "activist"])
    with pghistory.context(action="link test"):
        person.occupations.add(journalist)
    with connection.cursor() as cursor:  # raw SQL, no context
        cursor.execute(
            "INSERT INTO cases_person_occupations (person_id, occupation_id) VALUES (%s, %s)",
            [person.pk, activist.pk],
        )
    person.occupations.remove(journalist)
    events = list(PersonOccupationsEvent.objects.filter(person_id=person.pk).order_by("pgh_id"))
    assert [(e.pgh_label, e.occupation_id) for e in events] == [
        ("insert", journalist.pk), ("insert", activist.pk), ("delete", journalist.pk),
    ]  # fmt: skip
    assert events[0].pgh_context.metadata == {"action": "link test"}
    assert events[1].pgh_context_id is None
    statement = factories.statement()
    statement.persons.add(person)
    assert StatementPersonsEvent.objects.filter(
        person_id=person.pk, statement_id=statement.pk, pgh_label="insert"
    ).exists()
