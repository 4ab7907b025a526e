"""Where a person was held, in the API's rows: a detention's custody periods in
order (consecutive ones are transfers), with their citations in the detention
rows and the history; the person row's current place (the open custody period
with the newest source); an allegation's facility. A custody period the reader
may not see (its own level, no citation, the trash, an internal or uncited
facility) appears nowhere, and how to write to a person (the letter details)
never leaves the admin through these rows. Query counts are pinned with custody
periods present."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.services import token_issue
from cases.api import serializers as shapes
from cases.choices import Visibility
from cases.models import Person
from cases.partial_dates import PartialDate
from cases.reads.history import person_history
from cases.reads.rows import PERSON_FIELDS, person_rows
from cases.services import records_trash
from cases.visibility import Reader
from places.models import CustodyPeriod
from places.reads import current_places
from sources.models import Citation, Source
from tests import factories
from tests.facility_records import custody, dated_source, facility
from tests.test_api import _assert_shape, _keys

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL
RECIPIENT = "Yagublu Tofig Zulfugar oglu, born 1961, unit 4"
LETTER_NOTE = "Write in Azerbaijani; letters in Russian are returned"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the API's throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def get(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.get(url, params, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def transferred():
    """A person held since their arrest at a police station, transferred to a
    pre-trial detention centre, then to a colony where they are held now; each
    custody period cited by a dated source, the letter details public."""
    person = factories.person("Tofig Yagublu")
    detention = factories.detention(person, arrested="2023-12-08", stage="convicted")
    station = facility("Police Station No. 22", kind="police-station", region="Baku")
    centre = facility("Baku Pre-trial Detention Centre No. 1", kind="pre-trial-detention-centre",
                      region="Baku")  # fmt: skip
    colony = facility("Colony No. 2", kind="colony-general", region="Absheron")
    periods = [
        custody(detention, station, "2023-12-08", "2023-12-10",
                source=dated_source("Arrest report", "2023-12-09")),
        custody(detention, centre, "2023-12-10", "2024-07",
                source=dated_source("Transfer report", "2023-12-12")),
        custody(detention, colony, "2024-07", source=dated_source("Sentence report", "2024-08"),
                recipient_line=RECIPIENT, letter_note=LETTER_NOTE, letter_visibility=PUBLIC,
                note="Held in unit 4."),
    ]  # fmt: skip
    return {
        "person": person,
        "detention": detention,
        "facilities": [station, centre, colony],
        "periods": periods,
    }


def test_a_person_transferred_twice_shows_three_custody_periods_in_order(client, transferred):
    person, detention = transferred["person"], transferred["detention"]
    station, centre, colony = transferred["facilities"]
    slugs = [station.slug, centre.slug, colony.slug]
    history = get(client, f"/api/v1/persons/{person.slug}/history/")
    (held,) = history["detentions"]
    assert [p["facility"] for p in held["custody_periods"]] == slugs
    assert [p["uuid"] for p in held["custody_periods"]] == [
        str(p.uuid) for p in transferred["periods"]
    ]
    assert held["custody_periods"][2] == {
        "uuid": str(transferred["periods"][2].uuid),
        "facility": colony.slug,
        "facility_name": "Colony No. 2",
        "held_from": "2024-07",
        "held_until": None,
        "note": "Held in unit 4.",
        "citations": [
            {
                "source": str(Source.objects.get(title="Sentence report").uuid),
                "claim": "",
                "locator": "",
                "excerpt": "",
                "confidence": "medium",
            }
        ],
    }
    sources = {s["uuid"]: s["title"] for s in history["sources"]}
    assert [[sources[c["source"]] for c in p["citations"]] for p in held["custody_periods"]] == [
        ["Arrest report"],
        ["Transfer report"],
        ["Sentence report"],
    ]
    assert history["transfers"] == [
        {
            "detention": str(detention.uuid),
            "transferred_on": "2023-12-10",
            "from_facility": station.slug,
            "from_facility_name": "Police Station No. 22",
            "to_facility": centre.slug,
            "to_facility_name": "Baku Pre-trial Detention Centre No. 1",
            "custody_period": str(transferred["periods"][1].uuid),
        },
        {
            "detention": str(detention.uuid),
            "transferred_on": "2024-07",
            "from_facility": centre.slug,
            "from_facility_name": "Baku Pre-trial Detention Centre No. 1",
            "to_facility": colony.slug,
            "to_facility_name": "Colony No. 2",
            "custody_period": str(transferred["periods"][2].uuid),
        },
    ]
    # the person row (list, detail and the history's) and the detention row
    for row in (
        get(client, "/api/v1/persons/")["results"][0],
        get(client, f"/api/v1/persons/{person.slug}/"),
        history["person"],
    ):
        assert [p["facility"] for p in row["detentions"][0]["custody_periods"]] == slugs
        assert "citations" not in row["detentions"][0]["custody_periods"][0]
        assert row["current_facility"] == {
            "slug": colony.slug,
            "name": "Colony No. 2",
            "region": "Absheron",
            "held_from": "2024-07",
            "last_reported": "2024-08",
        }
    detention_row = get(client, f"/api/v1/detentions/{detention.uuid}/")
    assert [p["facility"] for p in detention_row["custody_periods"]] == slugs
    assert [len(p["citations"]) for p in detention_row["custody_periods"]] == [1, 1, 1]


def test_the_rows_with_places_have_exactly_the_declared_shapes(client, transferred):
    """The OpenAPI schema's shapes (cases.api.serializers) hold the custody
    periods, the current place, the allegation's facility and the transfers."""
    factories.allegation(transferred["person"], facility=transferred["facilities"][0])
    for url, shape in (
        ("/api/v1/persons/", shapes.PersonSerializer),
        ("/api/v1/detentions/", shapes.DetentionSerializer),
        ("/api/v1/allegations/", shapes.AllegationSerializer),
    ):
        (row,) = get(client, url)["results"]
        _assert_shape(row, _keys(shape()), url)
    history = get(client, f"/api/v1/persons/{transferred['person'].slug}/history/")
    assert history["transfers"] and history["person"]["current_facility"]
    _assert_shape(history, _keys(shapes.PersonHistorySerializer()), "history")


def test_custody_periods_are_ordered_by_their_start_not_by_entry(client, transferred):
    """A period entered last but begun first comes first; undated ones last."""
    detention = transferred["detention"]
    earlier = custody(detention, facility("Temporary Isolator"), "2023-12")
    undated = custody(detention, facility("Unknown Place"))
    (row,) = get(client, f"/api/v1/persons/{transferred['person'].slug}/history/")["detentions"]
    uuids = [p["uuid"] for p in row["custody_periods"]]
    assert uuids[0] == str(earlier.uuid) and uuids[-1] == str(undated.uuid)
    assert len(uuids) == 5


def test_the_letter_details_never_reach_the_api_rows(client, transferred, partner_token):
    person, detention = transferred["person"], transferred["detention"]
    for token in (None, partner_token):
        for url in (
            "/api/v1/persons/",
            f"/api/v1/persons/{person.slug}/",
            f"/api/v1/persons/{person.slug}/history/",
            "/api/v1/detentions/",
            f"/api/v1/detentions/{detention.uuid}/",
            "/api/v1/changes/",
        ):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            body = client.get(url, **headers).content.decode()
            assert "Colony No. 2" in body, url
            assert RECIPIENT not in body and LETTER_NOTE not in body, url
            assert "recipient_line" not in body and "letter_note" not in body, url


# --- what the reader may not see -------------------------------------------------------


def _hide_by_level(period, _facility):
    CustodyPeriod.objects.filter(pk=period.pk).update(visibility=INTERNAL)


def _hide_by_citations(period, _facility):
    Citation.objects.filter(custody_period=period).update(visibility=INTERNAL)


def _hide_in_trash(period, _facility):
    records_trash(queryset=CustodyPeriod.objects.filter(pk=period.pk))


def _hide_the_facility(_period, place):
    type(place).objects.filter(pk=place.pk).update(visibility=INTERNAL)


def _hide_the_facilitys_citations(_period, place):
    Citation.objects.filter(facility=place).delete()


@pytest.mark.parametrize(
    "hide",
    [
        _hide_by_level,
        _hide_by_citations,
        _hide_in_trash,
        _hide_the_facility,
        _hide_the_facilitys_citations,
    ],
)
def test_a_hidden_custody_period_appears_nowhere_for_public_or_partner(
    client, transferred, partner_token, hide
):
    person, detention = transferred["person"], transferred["detention"]
    colony, period = transferred["facilities"][2], transferred["periods"][2]
    allegation = factories.allegation(person, detention=detention, facility=colony)
    hide(period, colony)
    station, centre = (f.slug for f in transferred["facilities"][:2])
    for token in (None, partner_token):
        history = get(client, f"/api/v1/persons/{person.slug}/history/", token)
        rows = [
            history["person"],
            get(client, f"/api/v1/persons/{person.slug}/", token),
            get(client, "/api/v1/persons/", token)["results"][0],
        ]
        for row in rows:
            assert row["current_facility"] is None  # the open period was the hidden one
            periods = row["detentions"][0]["custody_periods"]
            assert [p["facility"] for p in periods] == [station, centre]
        detention_row = get(client, f"/api/v1/detentions/{detention.uuid}/", token)
        for periods in (history["detentions"][0]["custody_periods"],
                        detention_row["custody_periods"]):  # fmt: skip
            assert [p["facility"] for p in periods] == [station, centre]
        assert len(history["transfers"]) == 1
        body = str(history) + str(detention_row)
        assert str(period.uuid) not in body and "Sentence report" not in body
        if hide in (_hide_the_facility, _hide_the_facilitys_citations):
            assert get(client, f"/api/v1/allegations/{allegation.uuid}/", token)["facility"] is None
            assert colony.slug not in body
    # staff see it unless it is in the trash
    staff = person_history(person, reader=Reader.STAFF)
    staff_periods = staff["detentions"][0]["custody_periods"]
    assert len(staff_periods) == (2 if hide is _hide_in_trash else 3)


def test_a_custody_period_shared_with_partners_is_theirs_only(client, transferred, partner_token):
    person, period = transferred["person"], transferred["periods"][2]
    CustodyPeriod.objects.filter(pk=period.pk).update(visibility=PARTNERS)
    public = get(client, f"/api/v1/persons/{person.slug}/")
    partner = get(client, f"/api/v1/persons/{person.slug}/", partner_token)
    assert public["current_facility"] is None
    assert partner["current_facility"]["slug"] == transferred["facilities"][2].slug
    assert len(public["detentions"][0]["custody_periods"]) == 2
    assert len(partner["detentions"][0]["custody_periods"]) == 3


def test_an_allegation_names_its_facility_when_the_reader_may_see_it(client, partner_token):
    person = factories.person("Reported Ill-treated")
    prison = facility("Prison No. 13")
    shared = facility("Prison No. 14", visibility=PARTNERS)
    plain = factories.allegation(person)
    at_prison = factories.allegation(person, facility=prison)
    at_shared = factories.allegation(person, facility=shared)
    for token, expected in ((None, None), (partner_token, shared.slug)):
        rows = {
            a["uuid"]: a["facility"] for a in get(client, "/api/v1/allegations/", token)["results"]
        }
        assert rows[str(plain.uuid)] is None
        assert rows[str(at_prison.uuid)] == prison.slug
        assert rows[str(at_shared.uuid)] == expected
    records_trash(queryset=type(prison).objects.filter(pk=prison.pk))
    history = person_history(person, reader=Reader.STAFF)
    facilities = {a["uuid"]: a["facility"] for a in history["allegations"]}
    assert facilities[at_prison.uuid] is None  # in the trash: not even for staff


# --- the current place ---------------------------------------------------------------


def _current(person: Person, reader: Reader = Reader.PUBLIC) -> dict | None:
    (row,) = person_rows(list(Person.objects.filter(pk=person.pk).values(*PERSON_FIELDS)),
                         reader=reader)  # fmt: skip
    return row["current_facility"]


def test_the_current_place_is_the_open_period_with_the_newest_source():
    person = factories.person("Two Open Periods")
    detention = factories.detention(person, arrested="2022", stage="pre-trial-detention")
    older, newer = facility("Older Prison"), facility("Newer Prison")
    # begun later but reported earlier: the newest source decides, not the start
    custody(detention, older, "2024-01", source=dated_source("Old report", "2024-02"))
    custody(detention, newer, "2023-06", source=dated_source("New report", "2024-09-15"))
    current = _current(person)
    assert (current["slug"], current["held_from"], current["last_reported"]) == (
        newer.slug, PartialDate.parse("2023-06"), PartialDate.parse("2024-09-15"),
    )  # fmt: skip


def test_a_closed_period_is_not_the_current_place():
    person = factories.person("Released From Custody")
    detention = factories.detention(person, arrested="2022", stage="pre-trial-detention")
    period = custody(detention, facility("Closed Prison"), "2022",
                     source=dated_source("Report", "2025"))  # fmt: skip
    assert _current(person)["slug"] == period.facility.slug
    period.held_until = PartialDate.parse("2024-05")
    period.save()
    assert _current(person) is None


def test_a_confidential_sources_date_counts_for_staff_only():
    person = factories.person("Confidentially Reported")
    detention = factories.detention(person, arrested="2022", stage="pre-trial-detention")
    public_place, secret_place = facility("Public Prison"), facility("Secret Prison")
    custody(detention, public_place, "2022", source=dated_source("Public report", "2023"))
    interview = dated_source("Interview", "2025")
    interview.is_confidential = True
    interview.save()
    secret = custody(detention, secret_place, "2022", source=interview)
    factories.cite(secret)  # also cited by the shared undated public source
    assert _current(person, Reader.PUBLIC)["slug"] == public_place.slug
    assert _current(person, Reader.STAFF)["slug"] == secret_place.slug


def test_the_person_rows_current_place_is_places_reads_current_place_for_every_reader():
    """person_rows reads the current place with the custody periods (one query);
    it is places.reads.current_places' answer, whatever the levels."""
    levels = [PUBLIC, PARTNERS, INTERNAL]
    for i in range(6):
        person = factories.person(f"Held {i}", visibility=levels[i % 2])
        detention = factories.detention(person, arrested="2022", stage="pre-trial-detention")
        for j in range(3):
            place = facility(f"Place {i}-{j}", visibility=levels[(i + j) % 3])
            custody(detention, place, f"202{j}", None if j != 1 or i % 2 else "2023",
                    visibility=levels[(i * j) % 3],
                    source=dated_source(f"Report {i}-{j}", f"2024-0{(i + 2 * j) % 9 + 1}"))  # fmt: skip
    persons = list(Person.objects.values(*PERSON_FIELDS))
    for reader in (Reader.PUBLIC, Reader.PARTNER, Reader.STAFF):
        rows = person_rows(persons, reader=reader)
        places = current_places([p["id"] for p in persons], reader=reader)
        expected = {
            p["id"]: {
                "slug": places[p["id"]].facility_slug,
                "name": places[p["id"]].facility_name,
                "region": places[p["id"]].region,
                "held_from": places[p["id"]].held_from,
                "last_reported": places[p["id"]].last_reported,
            }
            if p["id"] in places
            else None
            for p in persons
        }
        assert {p["id"]: r["current_facility"] for p, r in zip(persons, rows, strict=True)} == (
            expected
        )
        assert any(expected.values()), reader


# --- query counts ---------------------------------------------------------------------


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def _held_with_transfers(name: str, transfers: int) -> Person:
    """A person with a detention per year, each with custody periods moving
    through `transfers` + 1 facilities, and an allegation at the last one."""
    person = factories.person(name)
    for year in (2020, 2021):
        detention = factories.detention(person, arrested=str(year), stage="convicted")
        places = [facility(f"{name} Place {year}-{i}") for i in range(transfers + 1)]
        for i, place in enumerate(places):
            last = i == transfers
            custody(detention, place, f"{year}-0{i + 1}", None if last else f"{year}-0{i + 2}",
                    source=dated_source(f"{name} {year} {i}", f"{year}-0{i + 1}"))  # fmt: skip
        factories.allegation(person, detention=detention, facility=places[-1])
    return person


def test_person_rows_read_their_places_in_a_fixed_number_of_queries(client):
    short = _held_with_transfers("Short Stay", 0)
    long = _held_with_transfers("Long Stay", 4)
    for i in range(10):
        _held_with_transfers(f"Filler {i}", 1)
    # the page, person_rows' (one a kind of child, the custody periods and the
    # current place one; the stored status's), and the throttle's read and write
    assert _queries(client, "/api/v1/persons/", page_size=2) == 9
    assert _queries(client, "/api/v1/persons/", page_size=12) == 9
    for person in (short, long):  # the detail: the person found instead of the page
        assert _queries(client, f"/api/v1/persons/{person.slug}/") == 9
    # test_api's 25: one for the allegations' facilities, none for the persons of
    # statements (there are none here)
    assert _queries(client, f"/api/v1/persons/{short.slug}/history/") == 25
    assert _queries(client, f"/api/v1/persons/{long.slug}/history/") == 25
    # detentions and allegations: the same whatever the page size
    for url in ("/api/v1/detentions/", "/api/v1/allegations/"):
        assert _queries(client, url, page_size=2) == _queries(client, url, page_size=30)
