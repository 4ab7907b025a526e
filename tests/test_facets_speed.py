"""The case list's filter counts (cases.reads.facets): counted in one statement,
each filter's counts cached apart under the change times of the tables it reads,
so an edit drops only the counts it can change, and each count is the number of
persons the public would get by choosing that value (restricted, trashed and
uncited records never counted)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import PersonStatus, Visibility
from cases.filtersets import PersonFilterSet
from cases.listing import READER
from cases.models import AllegationKind, LegalStage, Occupation, Organization, Person
from cases.partial_dates import PartialDate
from cases.reads.facet_rows import FACET_TABLE
from cases.reads.facets import (
    COUNTS,
    FACETS,
    count_facets,
    facet_keys,
    person_facets,
    table_versions,
)
from cases.visibility import visible
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def bound(query: str = "") -> PersonFilterSet:
    filterset = PersonFilterSet(
        QueryDict(query), visible(Person.objects.all(), READER), reader=READER
    )
    assert filterset.is_valid(), filterset.errors
    return filterset


@pytest.fixture
def world():
    """Public persons with counted facts, and beside them every kind of record the
    public may not see: an internal person, an uncited detention, a partners-only
    allegation and affiliation, a trashed detention."""
    return make_world()


@pytest.fixture
def committed_world(vocabularies):
    """The same, committed: the counts read the stored values (cases.reads.facet_rows),
    not the values computed for the persons a writing transaction noted."""
    return make_world()


def make_world():
    source = factories.source("Dated report")
    source.published_on = PartialDate.parse("2024-05-01")
    source.save()
    cite = {"source_obj": source}
    journalist = Occupation.objects.get(code="journalist")
    org = factories.organization("Counted Union")
    held = factories.person("Held Person")
    held.occupations.add(journalist)
    detention = factories.detention(held, arrested="2021-03-02", stage="convicted", cited=False)
    factories.cite(detention, **cite)
    factories.case_event(detention, "arrested", "2021-03-02")
    factories.allegation(held, "torture")
    factories.affiliation(held, org)
    # a call for the held person's release: a citation of every kind of fact is on file
    factories.statement("Release Held Person").persons.add(held)
    released = factories.person("Released Person")
    released.occupations.add(journalist)
    factories.detention(released, arrested="2022-01", released="2023-02", stage="released")
    factories.affiliation(released, org)
    hidden = factories.person("Internal Person", visibility=INTERNAL)
    hidden.occupations.add(journalist)
    factories.detention(hidden, arrested="2021", stage="convicted")
    factories.allegation(hidden, "torture")
    factories.affiliation(hidden, org)
    uncited = factories.person("Uncited Person")
    factories.detention(uncited, arrested="2020", stage="convicted", cited=False)
    factories.allegation(uncited, "torture", visibility=PARTNERS)
    factories.affiliation(uncited, org, visibility=PARTNERS)
    trashed = factories.detention(uncited, arrested="2019", stage="pre-trial-detention")
    type(trashed).objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    cache.clear()
    return {"held": held, "released": released, "hidden": hidden, "org": org}


def values_of(name: str, world) -> list[str]:
    """Every value a filter's counts could show."""
    if name == "status":
        return list(PersonStatus.values)
    if name == "legal_stage":
        return list(LegalStage.objects.values_list("code", flat=True))
    if name == "occupation":
        return list(Occupation.objects.values_list("code", flat=True))
    if name == "allegation":
        return list(AllegationKind.objects.values_list("code", flat=True))
    if name == "organization":
        return list(Organization.objects.values_list("slug", flat=True))
    return [str(year) for year in range(2018, 2025)]


def chosen(query: str, name: str, value: str) -> int:
    """How many persons the list gives when `value` is the one value chosen for
    `name`, the other filters of `query` kept: what each count must say."""
    data = QueryDict(query, mutable=True)
    data.setlist(name, [value])
    return bound(data.urlencode()).qs.count()


QUERIES = [
    "",
    "occupation=journalist",
    "legal_stage=convicted&arrested_after=2021",
    "status=held",
    "status=released&status_as_of_after=2020",
    "allegation=torture&arrest_year=2021",
    "q=Held+Person",
    "gender=female",
]


@pytest.mark.parametrize("query", QUERIES)
def test_each_count_is_what_choosing_the_value_gives(world, query):
    """The counts of the one statement equal, value by value, the persons the
    filter gives with that value chosen (what the per-filter counts gave), over
    what the public may see only."""
    counts = count_facets(bound(query))
    assert counts["total"] == bound(query).qs.count()  # the list's paginator count
    for name in FACETS:
        shown = counts[name]
        for value in values_of(name, world):
            count = (
                shown.get(value, (None, 0))[1] if name == "organization" else shown.get(value, 0)
            )
            assert count == chosen(query, name, value), (query, name, value)
    assert person_facets(bound(query)) == counts  # counted, then read from the cache
    assert person_facets(bound(query)) == counts


@pytest.mark.django_db(transaction=True)
def test_each_count_read_from_the_stored_values_is_what_choosing_the_value_gives(
    committed_world,
):
    for query in QUERIES:
        test_each_count_is_what_choosing_the_value_gives(committed_world, query)
    test_restricted_records_are_never_counted(committed_world)


def test_restricted_records_are_never_counted(world):
    counts = count_facets(bound())
    # the internal person, the uncited and the trashed detention count for no one
    assert counts["legal_stage"] == {"convicted": 1, "released": 1}
    assert counts["arrest_year"] == {"2022": 1, "2021": 1}
    assert counts["occupation"] == {"journalist": 2}
    assert counts["allegation"] == {"torture": 1}
    assert counts["organization"] == {world["org"].slug: ("Counted Union", 2)}
    assert counts["status"] == {"held": 1, "released": 1, "unknown": 0}
    assert counts["total"] == 3  # the uncited person is listed, with nothing to count


def test_the_list_page_shows_the_counts_and_the_total(client, world):
    """The page's count of persons is the cached total: one query fewer."""
    html = client.get("/persons/").content.decode()
    assert "3 persons" in html
    assert "Counted Union" in html


@override_settings(CACHES=LOCAL_CACHE)
def test_the_counts_take_two_queries_when_counted_and_one_when_cached(world):
    cache.clear()
    # (a search's own queries are pinned with the search, tests/test_search*.py)
    # status=held: 2, was 4: the status filter is a condition on the stored status
    # rows in the one statement, no longer two queries of its own (cases.reads.status)
    for query, counted in (("", 2), ("occupation=journalist", 2), ("status=held", 2)):
        filterset = bound(query)
        with CaptureQueriesContext(connection) as queries:
            person_facets(filterset)
        assert len(queries) == counted, query  # the change times, one statement
        filterset = bound(query)
        with CaptureQueriesContext(connection) as queries:
            person_facets(filterset)
        assert len(queries) == 1, query  # the change times only


def changed_keys(before: dict[str, str]) -> set[str]:
    after = facet_keys(bound(), table_versions())
    return {name for name in COUNTS if after[name] != before[name]}


@override_settings(CACHES=LOCAL_CACHE)
def test_an_affiliation_saved_drops_the_organization_counts_only(world):
    """A new affiliation and its citation change the organization counts: they
    are counted again, at once, and nothing else is."""
    cache.clear()
    person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    factories.affiliation(world["hidden"], world["org"])  # an internal person's: no change
    factories.affiliation(world["released"], factories.organization("Second Union"))
    assert changed_keys(keys) == {"organization"}
    with CaptureQueriesContext(connection) as queries:
        counts = person_facets(bound())
    assert len(queries) == 2
    recount = queries.captured_queries[-1]["sql"]
    # the organizations' stored values (cases.reads.facet_rows), named by slug
    assert FACET_TABLE in recount and "cases_organization" in recount
    assert "cases_legalstage" not in recount and "cases_allegation" not in recount
    second = Organization.objects.get(name="Second Union").slug
    assert counts["organization"][second] == ("Second Union", 1)  # right at once
    assert counts["organization"][world["org"].slug] == ("Counted Union", 2)


@override_settings(CACHES=LOCAL_CACHE)
def test_a_detention_saved_drops_the_counts_that_read_detentions(world):
    cache.clear()
    person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    factories.detention(world["released"], arrested="2024-02", stage="convicted")
    assert changed_keys(keys) == {"status", "legal_stage", "arrest_year", "allegation"}
    counts = person_facets(bound())
    assert counts["legal_stage"]["convicted"] == 2
    assert counts["arrest_year"]["2024"] == 1
    assert counts["status"][PersonStatus.HELD] == 2
    assert counts == count_facets(bound())


@override_settings(CACHES=LOCAL_CACHE)
def test_a_person_edited_where_no_count_looks_drops_the_occupation_counts_only(world):
    """A summary counts nowhere; the occupations have no change time of their own,
    so saving the person stands for them and drops their counts alone. (A search
    reads the names: its counts follow every change of a person.)"""
    cache.clear()
    before = person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    searched = facet_keys(bound("q=Held+Person"), table_versions())
    held = world["held"]
    held.summary = "A journalist, detained in 2021."
    held.save()
    assert changed_keys(keys) == {"occupation"}
    after = facet_keys(bound("q=Held+Person"), table_versions())
    assert {name for name in COUNTS if after[name] != searched[name]} == set(COUNTS)
    filterset = bound()
    with CaptureQueriesContext(connection) as queries:
        assert person_facets(filterset) == before
    assert len(queries) == 2  # the change times, the occupations counted again
    recount = queries.captured_queries[-1]["sql"]
    assert FACET_TABLE in recount and "cases_occupation" in recount
    assert "cases_detention" not in recount and "cases_legalstage" not in recount


@override_settings(CACHES=LOCAL_CACHE)
def test_an_occupation_given_is_counted_at_once(world):
    cache.clear()
    person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    released = world["released"]
    released.occupations.add(Occupation.objects.exclude(code="journalist").first())
    released.save()  # as the admin's form does
    assert changed_keys(keys) == {"occupation"}
    counts = person_facets(bound())
    assert counts == count_facets(bound())
    assert sum(counts["occupation"].values()) == 3


@override_settings(CACHES=LOCAL_CACHE)
def test_a_person_given_a_gender_drops_the_counts_under_the_gender_filter(world):
    """Gender is a counted field of a person: under ?gender= every count follows it."""
    cache.clear()
    person_facets(bound("gender=female"))
    keys = facet_keys(bound("gender=female"), table_versions())
    held = world["held"]
    held.gender = "female"
    held.save()
    after = facet_keys(bound("gender=female"), table_versions())
    assert {name for name in COUNTS if after[name] != keys[name]} == set(COUNTS)
    assert person_facets(bound("gender=female"))["total"] == 1


@override_settings(CACHES=LOCAL_CACHE)
def test_a_person_restricted_drops_every_count_at_once(world):
    """Every count reads the persons' levels: restricting one changes them all."""
    cache.clear()
    before = person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    held = world["held"]
    held.visibility = INTERNAL
    held.save()
    assert changed_keys(keys) == set(COUNTS)
    after = person_facets(bound())
    assert after["occupation"] == {"journalist": before["occupation"]["journalist"] - 1}
    assert after["status"][PersonStatus.HELD] == 0
    assert after == count_facets(bound())


@override_settings(CACHES=LOCAL_CACHE)
def test_a_filter_given_adds_the_tables_it_reads(world):
    """Under ?allegation=torture the occupation counts read allegations too: a new
    allegation drops them, and not the organization counts' under no filter."""
    cache.clear()
    filtered = bound("allegation=torture")
    person_facets(filtered)
    keys = facet_keys(filtered, table_versions())
    plain = facet_keys(bound(), table_versions())
    factories.allegation(world["released"], "torture")
    after = facet_keys(bound("allegation=torture"), table_versions())
    assert {name for name in COUNTS if after[name] != keys[name]} == set(COUNTS)
    assert changed_keys(plain) == {"allegation"}
    counts = person_facets(bound("allegation=torture"))
    assert counts["occupation"] == {"journalist": 2}


def test_the_api_person_list_has_no_private_keys(client, world):
    """The person rows carry no builder-only keys (`_id`), so the list does not
    walk them to strip any."""

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    body = client.get("/api/v1/persons/").json()
    assert len(body["results"]) == 3
    assert not [key for key in keys(body) if key.startswith("_")]


@override_settings(CACHES=LOCAL_CACHE)
def test_a_person_deleted_drops_every_count_at_once(world):
    """A deletion in the same transaction as other changes (one time for all):
    the person's history and the withdrawals still tell it."""
    cache.clear()
    before = person_facets(bound())
    keys = facet_keys(bound(), table_versions())
    Person.objects.filter(pk=world["released"].pk).delete()
    assert changed_keys(keys) == set(COUNTS)
    after = person_facets(bound())
    assert after["total"] == before["total"] - 1
    assert after == count_facets(bound())
