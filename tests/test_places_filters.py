"""Where persons are held, as filters: the persons filters `facility` (held
there now: the current place), `held_at` (held there at any time) and `region`
(held now in a region), and a facility's `held_now`, which must equal
`?status=held&facility=<slug>` for every reader. The facility list's own
filters (q in any spelling, kind, region, country) are here too."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from access.services import token_issue
from cases.choices import Visibility
from cases.filtersets import UNKNOWN_RECORD, PersonFilterSet
from cases.models import Person
from cases.partial_dates import PartialDate
from cases.reads.facets import COUNTS, facet_keys, table_versions
from cases.visibility import Reader, visible
from places.filtersets import FacilityFilterSet
from places.models import CustodyPeriod, Facility
from places.reads import held_by_region, held_now_counts
from tests import factories
from tests.facility_records import custody, dated_source, facility, held

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL
READERS = (Reader.PUBLIC, Reader.PARTNER, Reader.STAFF)


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the API's throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def persons(reader: Reader, **params) -> list[str]:
    """The display names PersonFilterSet gives `reader` for `params`."""
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    filterset = PersonFilterSet(data, visible(Person.objects.all(), reader), reader=reader)
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("display_name", flat=True))


def facilities(reader: Reader, **params) -> list[str]:
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    filterset = FacilityFilterSet(data, visible(Facility.objects.all(), reader), reader=reader)
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("name", flat=True))


def api(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **headers)


# --- facility, held_at, region ------------------------------------------------------


@pytest.fixture
def transfer():
    """Rauf, moved from Prison A (Baku) to Colony B (Ganja), and Sevda, held at A."""
    prison_a = facility("Prison A", region="Baku")
    colony_b = facility("Colony B", kind="colony-strict", region="Ganja")
    rauf, rauf_detention = held("Rauf")
    custody(rauf_detention, prison_a, "2024-03", "2024-09")
    custody(rauf_detention, colony_b, "2024-09")
    sevda, sevda_detention = held("Sevda")
    custody(sevda_detention, prison_a, "2024-05")
    return {"a": prison_a, "b": colony_b, "rauf": rauf, "sevda": sevda}


@pytest.mark.parametrize("reader", READERS)
def test_a_transferred_person_is_held_now_at_the_later_facility_and_was_at_both(transfer, reader):
    a, b = transfer["a"].slug, transfer["b"].slug
    assert persons(reader, facility=a) == ["Sevda"]
    assert persons(reader, facility=b) == ["Rauf"]
    assert persons(reader, held_at=a) == ["Rauf", "Sevda"]
    assert persons(reader, held_at=b) == ["Rauf"]
    assert persons(reader, facility=[a, b]) == ["Rauf", "Sevda"]  # a repeated parameter: OR
    assert persons(reader, facility=str(transfer["b"].uuid)) == ["Rauf"]
    assert persons(reader, region="ganja") == ["Rauf"]  # any case
    assert persons(reader, region="BAKU") == ["Sevda"]
    assert persons(reader, region=["Baku", "Ganja"]) == ["Rauf", "Sevda"]
    assert persons(reader, region="Gan") == []  # the whole name


def test_the_place_filters_go_with_the_other_filters(transfer):
    rauf = transfer["rauf"]
    factories.detention(transfer["sevda"], arrested="2010", released="2011", stage="released")
    assert persons(Reader.PUBLIC, held_at=transfer["a"].slug, q="Rauf") == ["Rauf"]
    assert persons(Reader.PUBLIC, held_at=transfer["a"].slug, arrest_year="2010") == ["Sevda"]
    assert persons(Reader.PUBLIC, facility=transfer["b"].slug, status="held") == ["Rauf"]
    assert persons(Reader.PUBLIC, facility=transfer["b"].slug, status="released") == []
    assert rauf.slug


def test_a_closed_period_is_no_current_place(transfer):
    open_period = CustodyPeriod.objects.get(facility=transfer["b"])
    open_period.held_until = PartialDate.parse("2024-12")
    open_period.save()
    assert persons(Reader.PUBLIC, facility=transfer["b"].slug) == []
    assert persons(Reader.PUBLIC, held_at=transfer["b"].slug) == ["Rauf"]


def test_the_current_place_is_the_open_period_with_the_newest_source():
    """Two open periods (a transfer entered without closing the first): the one
    whose source is newest is where the person is now."""
    old = facility("Old Prison")
    new = facility("New Colony")
    person, detention = held("Nigar")
    custody(detention, old, "2024-01", source=dated_source("Report of May", "2024-05-01"))
    custody(detention, new, "2023-12", source=dated_source("Report of June", "2024-06-01"))
    assert persons(Reader.PUBLIC, facility=new.slug) == ["Nigar"]
    assert persons(Reader.PUBLIC, facility=old.slug) == []
    assert persons(Reader.PUBLIC, held_at=old.slug) == ["Nigar"]
    assert held_now_counts(reader=Reader.PUBLIC) == {new.pk: 1}


def test_a_hidden_custody_period_places_no_one_for_a_reader_who_may_not_see_it():
    prison = facility("Prison C", region="Sumgait")
    _person, detention = held("Kamran")
    custody(detention, prison, "2024-04", visibility=PARTNERS)
    _other, other_detention = held("Leyla")
    custody(other_detention, prison, "2024-04", cited=False)
    for params in ({"facility": prison.slug}, {"held_at": prison.slug}, {"region": "Sumgait"}):
        assert persons(Reader.PUBLIC, **params) == []
        assert persons(Reader.PARTNER, **params) == ["Kamran"]
        assert persons(Reader.STAFF, **params) == ["Kamran", "Leyla"]


def test_a_period_under_an_uncited_detention_or_facility_places_no_one():
    uncited_facility = facility("Uncited Prison", cited=False)
    cited_facility = facility("Cited Prison")
    person = factories.person("Orkhan")
    uncited_detention = factories.detention(person, arrested="2024", stage="convicted", cited=False)
    custody(uncited_detention, cited_facility, "2024-02")
    _other, detention = held("Tofig")
    custody(detention, uncited_facility, "2024-02")
    assert persons(Reader.PUBLIC, held_at=cited_facility.slug) == []
    assert persons(Reader.STAFF, held_at=cited_facility.slug) == ["Orkhan"]
    assert persons(Reader.STAFF, facility=uncited_facility.slug) == ["Tofig"]


@pytest.mark.parametrize("name", ["facility", "held_at"])
def test_a_facility_the_reader_may_not_see_is_an_unknown_record(client, partner_token, name):
    internal = facility("Secret Isolator", visibility=INTERNAL)
    uncited = facility("Unsourced Prison", cited=False)
    partners_only = facility("Partners' Prison", visibility=PARTNERS)
    for value in (internal.slug, str(uncited.uuid), "no-such-facility", partners_only.slug):
        filterset = PersonFilterSet(
            QueryDict(f"{name}={value}"), Person.objects.all(), reader=Reader.PUBLIC
        )
        assert not filterset.is_valid()
        assert filterset.errors[name].as_data()[0].code == UNKNOWN_RECORD
        response = api(client, "/api/v1/persons/", **{name: value})
        assert response.status_code == 404, response.content
        assert f"No facility with slug or UUID '{value}'." in response.json()["error"]["message"]
    assert (
        api(client, "/api/v1/persons/", partner_token, **{name: partners_only.slug}).status_code
        == 200
    )
    staff = PersonFilterSet(
        QueryDict(f"{name}={internal.slug}"), Person.objects.all(), reader=Reader.STAFF
    )
    assert staff.is_valid()


def test_a_facility_that_is_no_identifier_is_a_404_and_an_empty_region_a_400(client):
    assert api(client, "/api/v1/persons/", facility="not a slug!").status_code == 404
    assert api(client, "/api/v1/persons/", region="").status_code == 400


# --- held now: the count equals ?status=held&facility= for every reader -------------------


@pytest.fixture
def held_world():
    """Persons at Prison No. 13 (Baku) in every state a reader may or may not count,
    and one at Colony No. 2 (Ganja)."""
    prison = facility("Prison No. 13", region="Baku", names=[("Тюрьма № 13", "ru")])
    colony = facility("Colony No. 2", kind="colony-general", region="Ganja")
    facility("Internal Prison", visibility=INTERNAL, region="Baku")
    _p, d = held("Counted Everywhere")
    custody(d, prison, "2024-04")
    _p, d = held("Partners Period")  # a custody period partners see
    custody(d, prison, "2024-04", visibility=PARTNERS)
    _p, d = held("Uncited Period")  # staff only: no citation
    custody(d, prison, "2024-04", cited=False)
    _p, d = held("Moved Out")  # closed at the prison, now at the colony
    custody(d, prison, "2024-01", "2024-03")
    custody(d, colony, "2024-03")
    released = factories.person("Released Since")  # an open period, but released
    d = factories.detention(released, arrested="2024-01", released="2024-06", stage="released")
    custody(d, prison, "2024-01")
    _p, d = held("Internal Person", visibility=INTERNAL)
    custody(d, prison, "2024-04")
    _p, d = held("Closed Period")
    custody(d, prison, "2024-02", "2024-05")
    return {"prison": prison, "colony": colony}


EXPECTED_HELD_AT_PRISON = {Reader.PUBLIC: 1, Reader.PARTNER: 2, Reader.STAFF: 4}


@pytest.mark.parametrize("reader", READERS)
def test_held_now_equals_the_persons_held_there_now_for_every_reader(held_world, reader):
    prison, colony = held_world["prison"], held_world["colony"]
    counts = held_now_counts(reader=reader)
    for place in (prison, colony):
        filtered = persons(reader, status="held", facility=place.slug)
        assert counts.get(place.pk, 0) == len(filtered), (place, filtered)
    assert counts[prison.pk] == EXPECTED_HELD_AT_PRISON[reader]
    assert counts[colony.pk] == 1
    assert held_now_counts(reader=reader, facility_ids=[colony.pk]) == {colony.pk: 1}
    assert held_now_counts(reader=reader, facility_ids=[]) == {}
    by_region = dict(held_by_region(reader=reader))
    assert by_region == {"Baku": EXPECTED_HELD_AT_PRISON[reader], "Ganja": 1}
    assert sum(by_region.values()) == len(persons(reader, status="held", region=["baku", "ganja"]))
    # the released person is still placed there, but not held
    assert "Released Since" in persons(reader, facility=prison.slug)


@pytest.mark.parametrize("reader", READERS)
def test_held_now_at_a_place_is_the_held_status_and_the_place_filter_together(held_world, reader):
    """`status=held` with a facility or region reads the held statuses with the
    stored places (PersonFilterSet.held_here); it finds what the two filters find
    apart, and with a status date or another status the status filter applies."""
    prison = held_world["prison"]
    held_anywhere = set(persons(reader, status="held"))
    for place in ({"facility": prison.slug}, {"region": ["baku"]}):
        placed = set(persons(reader, **place))
        assert set(persons(reader, status="held", **place)) == held_anywhere & placed
        both = set(persons(reader, status=["held", "released"], **place))
        assert both == set(persons(reader, status=["held", "released"])) & placed
        assert "Released Since" in both
        dated = set(persons(reader, status="held", status_as_of_after="2000", **place))
        assert dated == set(persons(reader, status="held", status_as_of_after="2000")) & placed


def test_a_place_filter_adds_no_query_to_the_persons_list(client, held_world):
    """The place filters are a condition of the list's query (a subquery on the
    stored places), not a query of their own: the list with them makes the
    list's queries and the facility's lookup by its slug (no lookup for a region)."""
    slug = held_world["prison"].slug

    def queries(**query) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api(client, "/api/v1/persons/", **query).status_code == 200
        return len(captured.captured_queries)

    queries()  # what is read once per process
    unfiltered = queries()
    assert queries(facility=slug) == unfiltered + 1
    assert queries(status="held", facility=slug) == unfiltered + 1
    assert queries(region="baku") == unfiltered
    assert queries(status="held", region="baku") == unfiltered


def test_held_now_of_the_api_equals_the_persons_list_for_public_and_partners(
    client, partner_token, staff_client, held_world
):
    for http, token in ((client, None), (client, partner_token), (staff_client, None)):
        for place in (held_world["prison"], held_world["colony"]):
            detail = api(http, f"/api/v1/facilities/{place.slug}/", token)
            assert detail.status_code == 200, detail.content
            found = api(http, "/api/v1/persons/", token, status="held", facility=place.slug)
            assert detail.json()["held_now"] == len(found.json()["results"])
    assert api(client, f"/api/v1/facilities/{held_world['prison'].slug}/").json()["held_now"] == 1
    partner_view = api(client, f"/api/v1/facilities/{held_world['prison'].slug}/", partner_token)
    assert partner_view.json()["held_now"] == 2


def test_held_by_region_puts_facilities_without_a_region_together():
    nowhere = facility("Unplaced Isolator", kind="police-station")
    _p, d = held("Zaur")
    custody(d, nowhere, "2024-05")
    assert held_by_region(reader=Reader.PUBLIC) == [("", 1)]


# --- held now is cached under the change markers of what it reads --------------------


def test_held_now_counts_are_cached_until_anything_they_read_changes(transfer):
    """Count, edit, count again: each edit of what the rule reads (a custody
    period, a facility, a citation, a detention, a person) gives a new cache key
    and the counts the persons filter gives; with no edit the cached counts are
    read (the change markers and the cache: two queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from places.reads import held_now_cache_key

    a, b = transfer["a"], transfer["b"]

    def counts():
        return (
            held_now_counts(reader=Reader.PUBLIC),
            held_now_counts(reader=Reader.PUBLIC, facility_ids=[a.pk]),
            held_by_region(reader=Reader.PUBLIC),
        )

    def filtered():
        every = {
            place.pk: len(persons(Reader.PUBLIC, status="held", facility=place.slug))
            for place in (a, b)
        }
        every = {pk: n for pk, n in every.items() if n}
        regions = {}
        for place in (a, b):
            place.refresh_from_db()
            if place.pk in every:
                regions[place.region] = regions.get(place.region, 0) + every[place.pk]
        by_region = sorted(regions.items(), key=lambda item: (-item[1], item[0]))
        return every, {pk: n for pk, n in every.items() if pk == a.pk}, by_region

    def keys():
        return {
            held_now_cache_key(reader=reader, facility_ids=ids)
            for reader in READERS
            for ids in (None, [a.pk])
        }

    before = counts()
    assert before == filtered() == ({a.pk: 1, b.pk: 1}, {a.pk: 1}, [("Baku", 1), ("Ganja", 1)])
    with CaptureQueriesContext(connection) as captured:
        assert held_now_counts(reader=Reader.PUBLIC) == before[0]
    assert len(captured) == 2  # cached: the change markers and the cache's read

    def edited(edit):
        nonlocal before
        old_keys = keys()
        edit()
        assert keys().isdisjoint(old_keys), edit.__doc__
        after = counts()
        assert after != before, edit.__doc__
        assert after == filtered(), edit.__doc__
        before = after

    rauf_period = CustodyPeriod.objects.get(facility=b)
    sevda_period = CustodyPeriod.objects.get(facility=a, held_until__isnull=True)
    newcomer, newcomer_detention = held("Newcomer")

    def open_an_uncited_period_then_cite_it():
        """a citation"""
        period = custody(newcomer_detention, a, "2024-10", cited=False)
        assert counts() == before  # a period the public may not see counts for no one
        factories.cite(period)

    def close_a_custody_period():
        """a custody period"""
        sevda_period.held_until = PartialDate.parse("2024-11")
        sevda_period.save()

    def rename_the_region():
        """a facility"""
        a.region = "Absheron"
        a.save()

    def release_from_detention():
        """a detention"""
        detention = rauf_period.detention
        detention.released_on = PartialDate.parse("2024-12")
        detention.save()

    def hide_the_person():
        """a person"""
        newcomer.visibility = INTERNAL
        newcomer.save()

    for edit in (
        open_an_uncited_period_then_cite_it,
        close_a_custody_period,
        rename_the_region,
        release_from_detention,
        hide_the_person,
    ):
        edited(edit)
    assert before == ({}, {}, [])


# --- the facet cache follows custody periods and facilities --------------------------


def test_an_edit_of_custody_periods_or_facilities_drops_the_counts_under_a_place_filter(
    transfer,
):
    def keys(query):
        filterset = PersonFilterSet(
            QueryDict(query), visible(Person.objects.all(), Reader.PUBLIC), reader=Reader.PUBLIC
        )
        assert filterset.is_valid()
        return facet_keys(filterset, table_versions())

    for query in (f"facility={transfer['a'].slug}", f"held_at={transfer['a'].slug}", "region=Baku"):
        before = keys(query)
        period = CustodyPeriod.objects.filter(facility=transfer["a"]).first()
        period.note = "Moved to another block."
        period.save()
        assert all(keys(query)[name] != before[name] for name in COUNTS), query
        before = keys(query)
        transfer["b"].region = "Ganja city"
        transfer["b"].save()
        assert all(keys(query)[name] != before[name] for name in COUNTS), query
        before = keys(query)
        factories.cite(period)
        assert all(keys(query)[name] != before[name] for name in COUNTS), query
    # without a place filter, the counts that do not read custody periods stay
    before = keys("")
    transfer["b"].locality = "Ganja"
    transfer["b"].save()
    assert keys("")["occupation"] == before["occupation"]


# --- the facility list's filters --------------------------------------------------------


@pytest.fixture
def named_facilities():
    facility(
        "Prison No. 13",
        region="Baku",
        country="Azerbaijan",
        names=[("Тюрьма № 13", "ru"), ("13 saylı həbsxana", "az")],
    )
    facility("Prison No. 12", region="Baku", country="Azerbaijan")
    facility(
        "Baku Pre-trial Detention Centre No. 1",
        kind="pre-trial-detention-centre",
        region="Baku",
        country="Azerbaijan",
        names=["Kürdəxanı istintaq təcridxanası"],
    )
    facility("Colony No. 2", kind="colony-general", region="Ganja", country="Azerbaijan")
    facility("Tbilisi Prison No. 8", region="Tbilisi", country="Georgia")
    facility("Hidden Prison No. 13", visibility=INTERNAL)
    hidden_name = facility("Colony No. 5", kind="colony-general", region="Ganja")
    hidden_name.names.create(name="Secret Prison No. 13", visibility=INTERNAL)


@pytest.mark.parametrize(
    "query",
    ["prison no 13", "Prison No. 13", "PRISON 13", "Тюрьма № 13", "тюрьма 13", "13 sayli",
     "13 saylı həbsxana", "Prizon No 13"],
)  # fmt: skip
def test_q_finds_a_facility_by_any_spelling_of_any_name(named_facilities, query):
    assert facilities(Reader.PUBLIC, q=query) == ["Prison No. 13"]


def test_q_finds_by_an_other_name_in_azerbaijani(named_facilities):
    assert facilities(Reader.PUBLIC, q="Kurdakhani") == ["Baku Pre-trial Detention Centre No. 1"]
    assert facilities(Reader.PUBLIC, q="Kürdəxanı") == ["Baku Pre-trial Detention Centre No. 1"]


def test_q_never_finds_a_facility_by_a_name_the_reader_may_not_see(named_facilities):
    assert facilities(Reader.PUBLIC, q="secret prison") == []
    assert facilities(Reader.STAFF, q="secret prison") == ["Colony No. 5"]
    assert "Hidden Prison No. 13" not in facilities(Reader.PUBLIC, q="hidden prison 13")
    assert facilities(Reader.STAFF, q="hidden prison") == ["Hidden Prison No. 13"]


def test_the_facility_list_filters_by_kind_region_and_country(named_facilities):
    assert facilities(Reader.PUBLIC, kind="colony-general") == ["Colony No. 2", "Colony No. 5"]
    assert facilities(Reader.PUBLIC, kind=["pre-trial-detention-centre", "colony-general"]) == [
        "Baku Pre-trial Detention Centre No. 1",
        "Colony No. 2",
        "Colony No. 5",
    ]
    assert facilities(Reader.PUBLIC, region="baku") == [
        "Baku Pre-trial Detention Centre No. 1",
        "Prison No. 12",
        "Prison No. 13",
    ]
    assert facilities(Reader.PUBLIC, region="Baku", kind="prison") == [
        "Prison No. 12",
        "Prison No. 13",
    ]
    assert facilities(Reader.PUBLIC, country="georgia") == ["Tbilisi Prison No. 8"]
    filterset = FacilityFilterSet(
        QueryDict("kind=fortress"), Facility.objects.all(), reader=Reader.PUBLIC
    )
    assert not filterset.is_valid() and "kind" in filterset.errors
