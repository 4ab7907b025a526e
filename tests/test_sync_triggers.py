"""The change feed's trigger function (sync.migrations 0002, rewritten in 0008):
after each statement on a watched table, one sync_change row per row it touched,
as it was and as it is, whose refs are the row's key columns named by the
trigger's arguments, those that are NULL left out."""

import json

import pytest
from django.db import connection
from django.db.models import Max

from cases.models import Detention, NameVariant
from sources.models import Citation
from sync.models import Change
from tests import factories

pytestmark = pytest.mark.django_db


def _trigger_keys() -> dict[str, list[str]]:
    """Each watched table's key columns, as its insert trigger names them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgargs FROM pg_trigger WHERE tgname = 'sync_insert'"
        )
        return {
            table: [name.decode() for name in bytes(args).split(b"\x00") if name]
            for table, args in cursor.fetchall()
        }


def _keys_of(table: str, row_id: int, keys: list[str]) -> dict:
    """The refs a row should be logged with, read from the row as it is now."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_jsonb(t)::text FROM {table} t WHERE id = %s", [row_id])
        row = json.loads(cursor.fetchone()[0])
    return {key: row[key] for key in keys if row[key] is not None}


def _logged_since(last: int) -> list[tuple[str, int, dict]]:
    return list(
        Change.objects.filter(id__gt=last).order_by("id").values_list("table", "row_id", "refs")
    )


def _last() -> int:
    return Change.objects.aggregate(last=Max("id"))["last"] or 0


def test_every_key_a_trigger_names_is_a_column_of_its_table():
    keys = _trigger_keys()
    assert len(keys) > 20 and keys["sources_citation"][:2] == ["source_id", "person_id"]
    with connection.cursor() as cursor:
        for table, names in keys.items():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [table],
            )
            columns = {name for (name,) in cursor.fetchall()}
            assert set(names) <= columns, table


def test_inserts_updates_and_deletes_log_each_row_with_its_keys():
    keys = _trigger_keys()
    source = factories.source()
    last = _last()
    person = factories.person("Ali Aliyev", variants=["Али Алиев"])
    detention = factories.detention(person, arrested="2020", cited=False)
    by_person = factories.citation(source, person=person)
    by_detention = factories.citation(source, detention=detention)
    variant = NameVariant.objects.get(person=person)

    logged = _logged_since(last)
    expected = [
        ("cases_person", person.pk, {}),
        ("cases_namevariant", variant.pk, {"person_id": person.pk}),
        ("cases_detention", detention.pk, {"person_id": person.pk}),
        ("sources_citation", by_person.pk, {"source_id": source.pk, "person_id": person.pk}),
        ("sources_citation", by_detention.pk,
         {"source_id": source.pk, "detention_id": detention.pk}),
    ]  # fmt: skip
    for row in expected:
        assert row in logged
    for table, row_id, refs in logged:
        assert refs == _keys_of(table, row_id, keys[table]), (table, row_id)

    # one statement of two rows: each as it was, then each as it is
    last = _last()
    Citation.objects.filter(pk__in=[by_person.pk, by_detention.pk]).update(locator="p. 2")
    logged = _logged_since(last)
    citations = sorted(row for row in logged if row[0] == "sources_citation")
    assert citations == sorted(2 * [
        ("sources_citation", by_person.pk, {"source_id": source.pk, "person_id": person.pk}),
        ("sources_citation", by_detention.pk,
         {"source_id": source.pk, "detention_id": detention.pk}),
    ])  # fmt: skip

    # a row deleted is logged as it was
    last = _last()
    Detention.objects.filter(pk=detention.pk).delete()
    logged = _logged_since(last)
    assert ("cases_detention", detention.pk, {"person_id": person.pk}) in logged
    assert ("sources_citation", by_detention.pk,
            {"source_id": source.pk, "detention_id": detention.pk}) in logged  # fmt: skip
