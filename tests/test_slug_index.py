"""Issuing a person's slug finds the slugs already issued under its name through
an index (cases.models.NUMBERED_SLUG_BASE, migration 0026), not by matching
every slug ever issued against a pattern."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import IssuedSlug, issue_person_slugs

pytestmark = pytest.mark.django_db


def test_the_slugs_issued_under_a_name_are_read_from_the_index():
    # enough slugs, and their statistics, that scanning the whole unique index
    # with a filter costs more than the two lookups: the plan the app gets
    IssuedSlug.objects.bulk_create(IssuedSlug(slug=f"someone-{n}") for n in range(2, 5000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_issuedslug")
    with CaptureQueriesContext(connection) as captured:
        issue_person_slugs(["Ali Aliyev"])
    [check] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + check)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "issuedslug_numbered_base" in plan and "Seq Scan" not in plan, plan


def test_names_that_end_in_a_number_get_the_next_free_slug():
    # "ali-2" is the name Ali 2, and also the second Ali's slug; "ali-2-3" is
    # Ali 2's third; a number of ten digits numbers nothing
    IssuedSlug.objects.bulk_create(
        IssuedSlug(slug=slug) for slug in ["ali", "ali-2", "ali-2-3", "ali-1234567890"]
    )
    assert issue_person_slugs(["Ali 2", "Ali", "Ali 1234567890", "Ali 2"]) == [
        "ali-2-2", "ali-3", "ali-1234567890-2", "ali-2-4",
    ]  # fmt: skip
