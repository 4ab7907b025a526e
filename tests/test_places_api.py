"""The partner API's facilities (`/api/v1/facilities/` and one facility by slug
or UUID): what each reader sees (an internal, partners-only or uncited facility,
a hidden other name or operator), the declared shape, the filters, and query
counts pinned whatever the page size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from access.services import token_issue
from cases.choices import Visibility
from cases.partial_dates import PartialDate
from places.api.serializers import FacilitySerializer
from sources.models import Citation
from tests import factories
from tests.facility_records import custody, facility, held

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def get(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **headers)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


@pytest.fixture
def world():
    """A public prison run by a public service, with an address, rules and other
    names (one internal); a partners-only colony; an internal isolator; an
    uncited prison; a trashed one."""
    service = factories.organization("Penitentiary Service")
    prison = facility(
        "Prison No. 13",
        region="Baku",
        country="Azerbaijan",
        locality="Baku",
        latitude="40.40926",
        longitude="49.86709",
        operator=service,
        postal_address="AZ1000, Baku, Prison No. 13",
        letter_language="Azerbaijani or Russian",
        letter_rules="Letters are read; no enclosures.",
        parcel_rules="Up to 20 kg a month.",
        description="A closed-type prison.",
        internal_notes="Guard on shift B talks to us.",
        names=[("Тюрьма № 13", "ru")],
    )
    prison.address_confirmed_on = PartialDate.parse("2024-05")
    prison.rules_confirmed_on = PartialDate.parse("2024")
    prison.save()
    prison.names.create(name="The Cellar", language="en", visibility=INTERNAL)
    colony = facility(
        "Colony No. 2",
        kind="colony-general",
        region="Ganja",
        visibility=PARTNERS,
        operator=factories.organization("Secret Operator", visibility=INTERNAL),
    )
    facility("Isolator No. 1", kind="police-station", visibility=INTERNAL)
    facility("Unsourced Prison", cited=False)
    trashed = facility("Closed Prison")
    trashed.deleted_at = trashed.updated_at
    trashed.save()
    return {"prison": prison, "colony": colony, "service": service}


def test_the_public_sees_only_public_cited_facilities(client, world):
    response = get(client, "/api/v1/facilities/")
    assert names(response) == ["Prison No. 13"]
    (row,) = response.json()["results"]
    assert row["slug"] == "prison-no-13" and row["uuid"] == str(world["prison"].uuid)
    assert row["names"] == [{"name": "Тюрьма № 13", "language": "ru"}]  # not the internal one
    assert row["kind"] == "prison"
    assert row["operator"] == world["service"].slug
    assert (row["latitude"], row["longitude"]) == (40.40926, 49.86709)
    assert row["country"] == "Azerbaijan" and row["region"] == "Baku"
    assert row["postal_address"] == "AZ1000, Baku, Prison No. 13"
    assert row["address_confirmed_on"] == "2024-05" and row["rules_confirmed_on"] == "2024"
    assert row["letter_language"] == "Azerbaijani or Russian"
    assert row["parcel_rules"] == "Up to 20 kg a month."
    assert row["held_now"] == 0
    assert row["citations"] == [
        {
            "source": str(Citation.objects.get(facility=world["prison"]).source.uuid),
            "claim": "",
            "locator": "",
            "excerpt": "",
            "confidence": "medium",
        }
    ]
    assert "internal_notes" not in row and "_id" not in row
    assert "Guard on shift B" not in response.content.decode()
    assert "The Cellar" not in response.content.decode()


def test_a_partner_sees_partners_facilities_but_no_hidden_operator(client, partner_token, world):
    response = get(client, "/api/v1/facilities/", partner_token)
    assert names(response) == ["Colony No. 2", "Prison No. 13"]
    colony = next(r for r in response.json()["results"] if r["name"] == "Colony No. 2")
    assert colony["operator"] is None  # an internal organization is not named
    assert "Secret Operator" not in response.content.decode()


def test_a_staff_session_sees_what_the_public_sees_in_the_api(staff_client, world):
    """Staff sessions do not widen the API (cases.api.views.CasebookAPIView)."""
    assert names(get(staff_client, "/api/v1/facilities/")) == ["Prison No. 13"]
    assert get(staff_client, f"/api/v1/facilities/{world['colony'].slug}/").status_code == 404


@pytest.mark.parametrize("by", ["slug", "uuid"])
def test_one_facility_by_slug_or_uuid(client, partner_token, world, by):
    prison, colony = world["prison"], world["colony"]
    response = get(client, f"/api/v1/facilities/{getattr(prison, by)}/")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Prison No. 13"
    assert get(client, f"/api/v1/facilities/{getattr(colony, by)}/").status_code == 404
    assert (
        get(client, f"/api/v1/facilities/{getattr(colony, by)}/", partner_token).status_code == 200
    )


def test_a_facility_the_reader_may_not_see_is_a_404(client, partner_token, world):
    from places.models import Facility

    for name in ("Isolator No. 1", "Unsourced Prison", "Closed Prison"):
        hidden = Facility.objects.get(name=name)
        for identifier in (hidden.slug, hidden.uuid):
            for token in (None, partner_token):
                response = get(client, f"/api/v1/facilities/{identifier}/", token)
                assert response.status_code == 404, (name, token)
                assert name not in response.content.decode()
    assert get(client, "/api/v1/facilities/no-such-facility/").status_code == 404


def test_rows_have_exactly_the_declared_shape(client, partner_token, world):
    def keys(shape) -> dict:
        result = {}
        for name, field in shape.fields.items():
            field = field.child if isinstance(field, serializers.ListSerializer) else field
            result[name] = keys(field) if isinstance(field, serializers.Serializer) else None
        return result

    declared = keys(FacilitySerializer())
    rows = get(client, "/api/v1/facilities/", partner_token).json()["results"]
    rows.append(get(client, f"/api/v1/facilities/{world['prison'].slug}/").json())
    for row in rows:
        assert set(row) == set(declared)
        for name in ("names", "citations"):
            for item in row[name]:
                assert set(item) == set(declared[name])


def test_a_hidden_facility_counts_no_one_and_lends_no_one_to_a_visible_one(client, world):
    """A person held at an internal or uncited facility is held now nowhere the
    public may see: no count, no persons filter finds them."""
    prison = world["prison"]
    internal = facility("Hidden Colony", visibility=INTERNAL)
    uncited = facility("Uncited Colony", cited=False)
    for name, place in (("Aysel", internal), ("Bahruz", uncited)):
        _person, detention = held(name)
        custody(detention, prison, "2024-01", "2024-03")
        custody(detention, place, "2024-03")
    _person, detention = held("Counted")
    custody(detention, prison, "2024-04")
    rows = get(client, "/api/v1/facilities/").json()["results"]
    assert [(r["name"], r["held_now"]) for r in rows] == [("Prison No. 13", 1)]
    found = get(client, "/api/v1/persons/", status="held", facility=prison.slug)
    assert [p["display_name"] for p in found.json()["results"]] == ["Counted"]
    assert get(client, "/api/v1/persons/", facility=internal.slug).status_code == 404
    assert get(client, "/api/v1/persons/", held_at=uncited.slug).status_code == 404


def test_the_facility_list_filters(client, partner_token, world):
    facility("Prison No. 12", region="Baku", country="Azerbaijan")
    facility("Tbilisi Prison No. 8", region="Tbilisi", country="Georgia")
    assert names(get(client, "/api/v1/facilities/", q="prison no 13")) == ["Prison No. 13"]
    assert names(get(client, "/api/v1/facilities/", q="Тюрьма № 13")) == ["Prison No. 13"]
    assert names(get(client, "/api/v1/facilities/", q="the cellar")) == []  # an internal name
    assert names(get(client, "/api/v1/facilities/", region="baku")) == [
        "Prison No. 12",
        "Prison No. 13",
    ]
    assert names(get(client, "/api/v1/facilities/", country="Georgia")) == ["Tbilisi Prison No. 8"]
    assert names(get(client, "/api/v1/facilities/", partner_token, kind="colony-general")) == [
        "Colony No. 2"
    ]
    assert names(get(client, "/api/v1/facilities/", kind="colony-general")) == []
    refused = get(client, "/api/v1/facilities/", kind="fortress")
    assert refused.status_code == 400 and "fortress" in refused.json()["error"]["message"]
    assert get(client, "/api/v1/facilities/", name="Prison").status_code == 400  # unknown parameter
    assert get(client, "/api/v1/facilities/", region="").status_code == 400


def test_the_facility_list_pages_by_cursor(client, world):
    for number in range(5):
        facility(f"Facility {number}")
    first = get(client, "/api/v1/facilities/", page_size=4).json()
    assert len(first["results"]) == 4 and first["next"]
    second = client.get(first["next"]).json()
    seen = [r["uuid"] for r in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 6 and second["next"] is None


def test_the_facility_list_as_csv(client, world):
    import csv
    import io

    response = get(client, "/api/v1/facilities/", format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == "Prison No. 13" and cells["names.name"] == "Тюрьма № 13"
    assert cells["held_now"] == "0" and cells["address_confirmed_on"] == "2024-05"
    assert cells["latitude"] == "40.40926"


# --- query counts ---------------------------------------------------------------------------


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
    return len(captured)


def test_the_facility_list_query_count_does_not_grow_with_the_page_size(
    client, django_assert_num_queries
):
    for number in range(30):
        place = facility(f"Prison No. {number}", names=[(f"Тюрьма № {number}", "ru")])
        for person in range(2):
            _person, detention = held(f"Held {number}-{person}")
            custody(detention, place, "2024-01")
    # the page, the other names, held now, the citations; the throttle's read and
    # write in the shared cache. Held now (places.reads.held_now_counts): the change
    # markers and the cache's read; not cached, the counts of a few facilities
    # counted alone or of every facility (one statement each: the stored places
    # and statuses), and the cache's write
    with django_assert_num_queries(5 + HELD_NOW_ALONE):
        assert len(client.get("/api/v1/facilities/", {"page_size": 2}).json()["results"]) == 2
    cache.clear()
    with django_assert_num_queries(5 + HELD_NOW_EVERYWHERE):
        page = client.get("/api/v1/facilities/", {"page_size": 30}).json()["results"]
    assert len(page) == 30 and {row["held_now"] for row in page} == {2}
    # cached: every facility's counts serve any page of them, the first one too
    for size in (30, 2):
        with django_assert_num_queries(5 + HELD_NOW_CACHED):
            client.get("/api/v1/facilities/", {"page_size": size})
    cache.clear()
    filtered = _queries(client, "/api/v1/facilities/", page_size=30, q="prison", kind="prison")
    assert filtered == 6 + HELD_NOW_EVERYWHERE  # and the kind looked up


# held now's queries: cached (the change markers, the cache's read), of a few
# facilities (their stored places and statuses; and the cache's write), of every
# facility (and the write)
HELD_NOW_CACHED = 2
HELD_NOW_ALONE = HELD_NOW_CACHED + 1 + 1
HELD_NOW_EVERYWHERE = HELD_NOW_CACHED + 1 + 1


def test_the_facility_detail_query_count(client, django_assert_num_queries, world):
    _person, detention = held("Held There")
    custody(detention, world["prison"], "2024-01")
    # the facility, its names, held now, citations; the throttle's read and write
    with django_assert_num_queries(5 + HELD_NOW_ALONE):
        response = client.get(f"/api/v1/facilities/{world['prison'].slug}/")
    assert response.json()["held_now"] == 1
    with django_assert_num_queries(5 + HELD_NOW_CACHED):
        assert client.get(f"/api/v1/facilities/{world['prison'].slug}/").json()["held_now"] == 1
