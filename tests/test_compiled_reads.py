"""Reads compiled once and run as prepared statements (cases.reads.compiled) give
the rows their querysets give, for every value filled in, and stay in Django's
query log once psycopg prepares them."""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.choices import Visibility
from cases.models import Detention, Person
from cases.reads.compiled import PREPARE_THRESHOLD, AnyOf, compiled, fetch, slot
from cases.visibility import Reader, visible
from tests import factories
from tests.feed_mirror import second_connection

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
        ("test.person", Reader.PUBLIC),
        lambda: visible(Detention.objects.filter(person_id=slot("person")), Reader.PUBLIC).values(
            "id"
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        for _ in range(PREPARE_THRESHOLD + 2):
            read.rows(person=person.pk)
    assert len(queries.captured_queries) == PREPARE_THRESHOLD + 2
    assert all('"cases_detention"' in q["sql"] for q in queries.captured_queries)


def test_a_key_must_name_the_reader_whose_visibility_the_read_applies():
    """Else the first reader's SQL (staff's: no levels) would serve every reader."""
    with pytest.raises(ValueError, match="must name the reader"):
        compiled(
            ("test.no reader in the key",),
            lambda: visible(
                Detention.objects.filter(person_id=slot("person")), Reader.STAFF
            ).values("id"),
        )


def test_a_fixed_read_starts_with_select():
    """pghistory writes its context before any other statement of a request that
    writes, which a prepared statement cannot hold."""
    with pytest.raises(ValueError, match="must start with SELECT"):
        fetch("WITH one AS (SELECT 1 AS n) SELECT n FROM one", [], model=Person)


def _prepared(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchone()[0]


def test_a_read_is_prepared_once_whatever_the_size_of_its_ids():
    """Ids of every size are bigints: psycopg would prepare the same statement
    for int2, int4 and int8 values apart."""
    sql = "SELECT %s::bigint AS n, cardinality(%s::bigint[]) AS ids /* one prepared */"
    for value in (5, 40_000, 3_000_000_000):
        for _ in range(PREPARE_THRESHOLD + 1):
            assert fetch(sql, [value, [value]], model=Person) == [{"n": value, "ids": 1}]
    assert _prepared("one prepared") == 1


@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_runs_again_after_a_column_it_reads_changes_type():
    """A migration run while the app serves: PostgreSQL refuses a prepared
    statement whose columns changed type; outside a transaction the read runs
    again on a new connection."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE compiled_probe (id bigint, name varchar(10))")
        cursor.execute("INSERT INTO compiled_probe VALUES (1, 'first')")
    try:
        sql = "SELECT id, name FROM compiled_probe WHERE id = %s"
        for _ in range(PREPARE_THRESHOLD + 1):
            assert fetch(sql, [1], model=Person) == [{"id": 1, "name": "first"}]
        assert _prepared("compiled_probe") == 1
        other = second_connection()
        other.execute("ALTER TABLE compiled_probe ALTER COLUMN name TYPE varchar(20)")
        other.commit()
        other.close()
        assert fetch(sql, [1], model=Person) == [{"id": 1, "name": "first"}]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE compiled_probe")


def test_a_compiled_union_runs_in_a_request_that_writes(vocabularies):
    """The vocabularies' labels are one union, whose SQL opens with a parenthesis:
    inside a history context (a request that writes) pghistory would put its
    settings before it, in the same prepared statement."""
    from cases.pages import term_labels

    for _ in range(PREPARE_THRESHOLD + 1):
        with pghistory.context(test="compiled union"):
            labels = term_labels()
    assert labels.stages_that_hold
