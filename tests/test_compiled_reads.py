"""Reads compiled once and run as prepared statements (cases.reads.compiled) give
the rows their querysets give, for every value filled in, and stay in Django's
query log once psycopg prepares them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.choices import Visibility
from cases.models import Detention
from cases.reads.compiled import PREPARE_THRESHOLD, AnyOf, compiled, slot
from cases.visibility import Reader, visible
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = ("id", "uuid", "person__slug", "arrested_on", "arrested_on_precision", "updated_at")


def _detentions_of(person_id: int, reader: Reader) -> list[dict]:
    return list(
        visible(Detention.objects.filter(person_id=person_id), reader)
        .order_by("id")
        .values(*FIELDS)
    )


def test_a_compiled_read_gives_its_querysets_rows_for_each_person_and_reader():
    first, second = factories.person(), factories.person()
    factories.detention(first, arrested="2021-03")
    factories.detention(first, arrested="2022", visibility=Visibility.PARTNERS)
    factories.detention(first, arrested="2023", cited=False)  # hidden but from staff
    factories.detention(second, arrested="2020-01-02")
    for reader in Reader:
        read = compiled(
            ("test.detentions", reader),
            lambda reader=reader: (
                visible(Detention.objects.filter(person_id=slot("person")), reader)
                .order_by("id")
                .values(*FIELDS)
            ),
        )
        # past the threshold: the later runs are prepared statements
        for _ in range(PREPARE_THRESHOLD + 2):
            for person in (first, second):
                assert read.rows(person=person.pk) == _detentions_of(person.pk, reader)
    assert len(_detentions_of(first.pk, Reader.PUBLIC)) == 1
    assert len(_detentions_of(first.pk, Reader.STAFF)) == 3


def test_an_array_slot_reads_the_ids_given_and_none_for_an_empty_array():
    persons = [factories.person() for _ in range(3)]
    ids = [factories.detention(p).pk for p in persons]
    read = compiled(
        ("test.detentions by id",),
        lambda: Detention.objects.filter(AnyOf("id", "ids")).order_by("id").values(id2=F("id")),
    )
    assert read.rows(ids=ids[:2]) == [{"id2": ids[0]}, {"id2": ids[1]}]
    assert read.rows(ids=[]) == []


def test_a_prepared_read_stays_in_the_query_log_with_its_sql():
    person = factories.person()
    read = compiled(
        ("test.person",),
        lambda: visible(Detention.objects.filter(person_id=slot("person")), Reader.PUBLIC).values(
            "id"
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        for _ in range(PREPARE_THRESHOLD + 2):
            read.rows(person=person.pk)
    assert len(queries.captured_queries) == PREPARE_THRESHOLD + 2
    assert all('"cases_detention"' in q["sql"] for q in queries.captured_queries)
