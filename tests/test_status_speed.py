"""The status filter and the status counts at scale (issue 20, item 2), in
cases/reads/status.py and cases/reads/facets.py: both read the stored status rows
(tests/test_status_stored.py holds them to the rule computed afresh), of persons
given as ids, as a queryset, or everyone; the filter counts reuse the persons
the page's search found. Every way gives the persons the Python rule gives
(`dated_status`, the rows' status), for each reader; the query counts are pinned."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cases.choices import PersonStatus
from cases.filtersets import PersonFilterSet
from cases.models import Person
from cases.partial_dates import PartialDate
from cases.reads.facets import count_facets, person_facets
from cases.reads.status import status_sql, with_status
from cases.visibility import Reader, visible
from tests.test_status_rule import _build_dated_combinations, _python_dated

pytestmark = pytest.mark.django_db

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
READERS = [Reader.PUBLIC, Reader.STAFF]


@pytest.fixture
def dated():
    """The dated combinations of tests/test_status_rule.py (detention states,
    report dates, calls for release, hidden and confidential evidence), some 100
    persons, and the Python rule's status and date of each, by reader."""
    _build_dated_combinations()
    return {reader: _python_dated(reader) for reader in READERS}


def _ids_by_name() -> dict[str, int]:
    return dict(Person.objects.values_list("display_name", "pk"))


def _subsets(names: list[str]) -> list[list[str]]:
    """Everyone, and a few samples of persons (a fixed seed: the same each run)."""
    rng = random.Random(20)
    return [names, *(rng.sample(names, k) for k in (1, 7, len(names) // 2))]


def _bound(query: str, reader: Reader = Reader.PUBLIC) -> PersonFilterSet:
    filterset = PersonFilterSet(
        QueryDict(query), visible(Person.objects.all(), reader), reader=reader
    )
    assert filterset.is_valid(), filterset.errors
    return filterset


@pytest.mark.parametrize("reader", READERS)
def test_the_status_filter_gives_the_persons_of_the_python_rule(dated, reader):
    """Over everyone and over samples of persons, with and without a date: the
    persons of each status are those the Python rule gives that status."""
    python = dated[reader]
    ids = _ids_by_name()
    after = PartialDate.parse("2024-12")
    for subset in _subsets(sorted(python)):
        persons = visible(Person.objects.all(), reader).filter(pk__in=[ids[n] for n in subset])
        for code in PersonStatus.values:
            expected = {name for name in subset if python[name][0] == code}
            found = with_status(persons, reader=reader, statuses=[code])
            assert set(found.values_list("display_name", flat=True)) == expected, code
            expected = {
                name
                for name in expected
                if python[name][1] and python[name][1].start >= after.start
            }
            found = with_status(persons, reader=reader, statuses=[code], after=after)
            assert set(found.values_list("display_name", flat=True)) == expected, code
    # the samples reach every status, or they prove little
    assert {code for code, _ in python.values()} == {*PersonStatus.values, None}


@pytest.mark.parametrize("reader", READERS)
def test_the_undated_status_rows_give_the_status_of_the_dated_ones(dated, reader):
    """`status_sql(dated=False)` (the filter counts, a filter asking no date) gives
    every person the status of the dated rows, for ids, a queryset or everyone,
    and no date."""
    python = dated[reader]
    ids = _ids_by_name()
    names = {pk: name for name, pk in ids.items()}
    for subset in _subsets(sorted(python)):
        subset_ids = [ids[n] for n in subset]
        expected = {name: python[name][0] for name in subset if python[name][0]}
        for persons in (
            subset_ids,
            visible(Person.objects.all(), reader).filter(pk__in=subset_ids),
            None,
        ):
            sql, params = status_sql(reader=reader, persons=persons, dated=False)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            got = {names[pk]: code for pk, code, as_of, precision in rows}
            if persons is None:
                got = {name: code for name, code in got.items() if name in expected}
            assert got == expected
            assert all(as_of is None and precision is None for _, _, as_of, precision in rows)


@pytest.mark.parametrize("reader", READERS)
def test_the_status_counts_under_a_search_are_those_of_the_python_rule(dated, reader):
    """The status counts of the list under a name search (the search's persons
    as ids) and under a search and another filter (the persons as a subquery)."""
    python = dated[reader]
    for query in ("q=held", "q=released", "q=held&arrested_before=2030", "q=call"):
        filterset = _bound(query, reader)
        found = set(filterset.qs.values_list("display_name", flat=True))
        assert found, query
        counted = count_facets(filterset, ("status",))["status"]
        expected = Counter(python[name][0] for name in found if python[name][0])
        assert counted == {code: expected[code] for code in PersonStatus.values}, query


def test_a_status_filter_takes_no_query_of_its_own(dated):
    """The stored status rows are a condition of the list's own query."""
    persons = visible(Person.objects.all(), Reader.PUBLIC)
    for queryset in (persons, persons.filter(display_name__startswith="held")):
        with CaptureQueriesContext(connection) as queries:
            list(with_status(queryset, reader=Reader.PUBLIC, statuses=["held"]))
        assert len(queries) == 1


@override_settings(CACHES=LOCAL_CACHE)
@pytest.mark.parametrize("query", ["q=held", "status=held", "q=held&status=held"])
def test_the_counts_reuse_what_the_page_found(dated, query):
    """Once the page has read its persons (the filterset's queryset), the counts
    do not run the search again (the status filter is a condition on the stored
    rows, no query of its own): the change times and one statement, as without
    filters, and the same counts as a fresh filterset's."""
    cache.clear()
    fresh = count_facets(_bound(query))
    filterset = _bound(query)
    list(filterset.qs)
    with CaptureQueriesContext(connection) as queries:
        facets = person_facets(filterset)
    assert len(queries) == 2, [q["sql"][:80] for q in queries.captured_queries]
    assert facets == fresh
    assert facets["total"] == filterset.qs.count()


def test_a_detention_filter_keeps_the_status_counted_again(dated):
    """With a status and a detention filter, the legal stage counts are those of
    the status filter's persons under the other filters (as a fresh filterset's)."""
    query = "status=held&legal_stage=pre-trial-detention"
    fresh = count_facets(_bound(query))
    filterset = _bound(query)
    list(filterset.qs)
    assert count_facets(filterset) == fresh
    assert fresh["legal_stage"]  # the stage counts are there to compare
