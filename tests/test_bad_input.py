"""Hostile and out-of-range input on every public output is a clear 400 or 404,
never a server error: years out of range, NUL characters in identifiers and
parameters, forged cursors on every list, and searches too long to run."""

import base64
import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver

from cases.api.views import MAX_MONTHS
from cases.filtersets import (
    DATETIME_PATTERN,
    PARTIAL_DATE_PATTERN,
    YEAR_PATTERN,
    DateTimeField,
    OrganizationFilterSet,
    PersonFilterSet,
    StatementFilterSet,
)
from cases.partial_dates import PartialDate, PartialDateError
from cases.search import MAX_QUERY_CHARACTERS, MAX_QUERY_WORDS
from tests import factories

pytestmark = pytest.mark.django_db

UNKNOWN_UUID = "00000000-0000-0000-0000-000000000000"
LONG_QUERY = " ".join(["ab"] * 3000)


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


def api_error(response, status):
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    assert error["status"] == status
    return error["message"]


def api_routes(kind):
    """Every route of the API whose pattern has (`"detail"`) or lacks (`"list"`)
    an identifier, read from the URLconf so that a new endpoint is covered."""
    resolver = get_resolver()
    api = next(
        p for p in resolver.url_patterns
        if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/"
    )  # fmt: skip
    routes = []
    for pattern in api.url_patterns:
        if not isinstance(pattern, URLPattern) or pattern.name in (None, "schema", "docs"):
            continue
        route = "/api/v1/" + str(pattern.pattern)
        if ("<str:identifier>" in route) == (kind == "detail"):
            routes.append(route)
    return routes


def list_endpoints(client):
    """The paginated lists, from the schema: every GET with a `cursor` parameter,
    with values for its required parameters."""
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    required_values = {"since": "2020-01-01T00:00:00Z"}
    endpoints = []
    for path, operations in document["paths"].items():
        parameters = operations["get"].get("parameters", [])
        if not any(p["name"] == "cursor" for p in parameters):
            continue
        required = {p["name"] for p in parameters if p.get("required") and p["in"] == "query"}
        assert required <= set(required_values), f"give {path} a value for {required}"
        endpoints.append((path, {name: required_values[name] for name in required}))
    return endpoints


# --- years ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/persons/", "/az/persons/", "/ru/persons/"])
def test_a_year_out_of_range_is_the_pages_400_naming_the_parameter(client, url):
    response = client.get(url, {"arrest_year": "0000"})
    assert response.status_code == 400
    page = response.content.decode()
    # in the page's language: the range and the value are named in any of them
    assert "arrest_year" in page and "0001" in page and "9999" in page and "0000" in page
    if url.startswith(("/az/", "/ru/")):
        assert "0001 to 9999" not in page  # not left in English


def test_a_year_out_of_range_is_an_api_400_naming_the_parameter(client):
    for fmt in ("json", "csv"):
        response = client.get("/api/v1/persons/", {"arrest_year": "0000", "format": fmt})
        assert response.status_code == 400
    message = api_error(client.get("/api/v1/persons/", {"arrest_year": "0000"}), 400)
    assert "arrest_year" in message and "0001 to 9999" in message


def test_every_year_from_0001_to_9999_is_taken(client):
    person = factories.person("Ancient Prisoner")
    factories.detention(person, arrested="2023-05-01")
    for year, expected in (("0001", []), ("9999", []), ("2023", ["Ancient Prisoner"])):
        response = client.get("/api/v1/persons/", {"arrest_year": year})
        assert response.status_code == 200, response.content
        assert [p["display_name"] for p in response.json()["results"]] == expected
        assert client.get("/persons/", {"arrest_year": year}).status_code == 200


def test_the_year_pattern_is_exactly_what_the_filter_takes():
    form_field = PersonFilterSet.base_filters["arrest_year"].field
    for number in range(10000):
        text = f"{number:04d}"
        try:
            form_field.clean([text])
            taken = True
        except Exception:
            taken = False
        assert bool(re.fullmatch(YEAR_PATTERN, text)) is taken, text


def test_the_date_pattern_is_exactly_what_the_date_filters_take():
    def taken(text):
        try:
            PartialDate.parse(text)
        except PartialDateError:
            return False
        return True

    years = [1, 999, 1799, 1800, 1899, 1900, 1996, 2000, 2023, 2024, 2100, 2400, 9996, 9999]
    for year in years:
        candidates = [f"{year:04d}"] + [f"{year:04d}-{m:02d}" for m in range(0, 14)]
        candidates += [f"{year:04d}-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(0, 33)]
        for text in candidates:
            assert bool(re.fullmatch(PARTIAL_DATE_PATTERN, text)) is taken(text), text


def test_the_time_pattern_is_exactly_what_the_time_filters_take():
    field = DateTimeField(required=False)
    samples = [
        "2024-01-31T00:00:00Z", "2024-02-29T23:59:59.123456+05:30", "2023-02-29T00:00:00Z",
        "1800-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2024-01-31 00:00:00Z",
        "2024-01-31T24:00:00Z", "2024-01-31T00:60:00Z", "2024-01-31T00:00:60Z",
        "2024-01-31T00:00:00+24:00", "2024-01-31T00:00:00", "2024-01-31t00:00:00z",
        "0000-01-01T00:00:00Z", "1799-12-31T23:59:59Z", "2024-01-31T00:00:00.1234567Z",
    ]  # fmt: skip
    for text in samples:
        try:
            field.clean(text)
            taken = True
        except Exception:
            taken = False
        assert bool(re.fullmatch(DATETIME_PATTERN, text)) is taken, text


def test_stats_months_are_checked_alone_and_never_refused_together(client):
    message = api_error(client.get("/api/v1/stats/", {"from": "0000"}), 400)
    assert "from" in message and "1800 to 9999" in message
    backwards = client.get("/api/v1/stats/", {"from": "2024-01", "to": "2015-01"})
    assert backwards.status_code == 200 and backwards.json()["in_detention_by_month"] == []
    months = client.get("/api/v1/stats/", {"from": "1800", "to": "2024-12"}).json()
    series = months["in_detention_by_month"]
    assert len(series) == MAX_MONTHS and series[-1]["month"] == "2024-12"
    assert series[0]["month"] == "1975-01"
    assert client.get("/api/v1/stats/", {"to": "9999-12"}).status_code == 200


# --- NUL characters and malformed identifiers --------------------------------------------


@pytest.mark.parametrize("identifier", ["%00", "a%00b", "%00%00", "x" * 500])
def test_a_nul_in_any_api_identifier_is_a_404(client, identifier):
    routes = api_routes("detail")
    assert "/api/v1/persons/<str:identifier>/history/" in routes
    for route in routes:
        url = route.replace("<str:identifier>", identifier)
        for params in ({}, {"format": "csv"}):
            response = client.get(url, params)
            assert response.status_code == 404, (url, params, response.content[:300])
        assert "No such record" in api_error(client.get(url), 404)


@pytest.mark.parametrize(
    "url",
    ["/persons/%00/", "/persons/a%00b/", "/az/persons/%00/", "/organizations/%00/",
     "/persons/%00/photo/", "/sources/%00/", f"/sources/{UNKNOWN_UUID}/"],
)  # fmt: skip
def test_a_nul_in_a_page_address_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_a_nul_in_any_api_parameter_is_a_400(client):
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    for path, required in list_endpoints(client) + [("/api/v1/stats/", {})]:
        cache.clear()  # the anonymous throttle's window: this test asks hundreds of times
        names = [p["name"] for p in document["paths"][path]["get"]["parameters"]]
        for name in names:
            params = {**required, name: "a\x00b"}
            # an unknown format is refused first, as a 406 naming the formats
            message = api_error(client.get(path, params), 406 if name == "format" else 400)
            assert name in message or name == "format", (path, name, message)


@pytest.mark.parametrize(
    "url, filterset",
    [("/persons/", PersonFilterSet), ("/az/persons/", PersonFilterSet),
     ("/statements/", StatementFilterSet), ("/organizations/", OrganizationFilterSet),
     ("/sources/", None)],
)  # fmt: skip
def test_a_nul_in_any_page_filter_is_the_pages_400(client, url, filterset):
    from sources.filtersets import SourceFilterSet

    names = list((filterset or SourceFilterSet).base_filters)
    for name in names:
        response = client.get(url, {name: "a\x00b"})
        assert response.status_code == 400, (url, name)
        assert name in response.content.decode()
    assert client.get("/persons/suggest/", {"q": "a\x00b"}).status_code == 200


def test_a_filter_naming_no_visible_record_is_a_404_saying_which(client):
    hidden = factories.person("Hidden Person", visibility="internal")
    for params in (
        {"organization": "no-such-org"},
        {"organization": UNKNOWN_UUID},
        {"organization": "no such org!"},  # not even a slug
    ):
        message = api_error(client.get("/api/v1/persons/", params), 404)
        assert "organization" in message and "No organization with slug or UUID" in message
    message = api_error(client.get("/api/v1/detentions/", {"person": hidden.slug}), 404)
    assert hidden.slug in message
    # a bad value beside it is still a 400
    both = client.get("/api/v1/persons/", {"organization": "nope", "arrest_year": "0"})
    assert both.status_code == 400
    # the pages keep their 400 page
    assert client.get("/persons/", {"organization": "no-such-org"}).status_code == 400


def test_digits_of_other_scripts_are_refused_where_the_schema_says_0_to_9(client):
    assert client.get("/api/v1/persons/", {"page_size": "٣"}).status_code == 400
    assert client.get("/api/v1/persons/", {"arrested_after": "٢٠٢٣"}).status_code == 400
    assert client.get("/api/v1/persons/", {"arrest_year": "٢٠٢٣"}).status_code == 400


# --- cursors ---------------------------------------------------------------------------------


def _base64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HOSTILE_CURSORS = {
    "huge number in JSON": _base64(json.dumps([10**400, UNKNOWN_UUID])),
    "nested 3000 deep": _base64("[" * 3000 + "]" * 3000),
    "infinity": _base64('[1e999, "' + UNKNOWN_UUID + '"]'),
    "huge number": "9" * 5000,
    "huge score": "1" + "0" * 400 + "_" + UNKNOWN_UUID,
    "huge time": "9" * 30 + "_" + UNKNOWN_UUID,
    "negative score": "-0.5_" + UNKNOWN_UUID,
    "NUL": "a\x00b",
    "garbage": "not-a-cursor",
    "upper-case UUID with junk": UNKNOWN_UUID.upper() + "_x",
    "empty parts": "_",
    "old format": _base64(json.dumps([UNKNOWN_UUID])),
}


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS.values(), ids=HOSTILE_CURSORS.keys())
def test_a_forged_cursor_is_a_400_on_every_list(client, cursor):
    endpoints = list_endpoints(client)
    assert {"/api/v1/persons/", "/api/v1/withdrawals/"} <= {path for path, _ in endpoints}
    for path, required in endpoints:
        for extra in ({}, {"q": "Hajiyev"}) if path == "/api/v1/persons/" else ({},):
            for fmt in ("json", "csv"):
                params = {**required, **extra, "cursor": cursor, "format": fmt}
                response = client.get(path, params)
                assert response.status_code == 400, (path, params, response.content[:300])
            message = api_error(client.get(path, {**required, **extra, "cursor": cursor}), 400)
            assert "cursor" in message
            assert "follow the `next` link" in message or "NUL" in message


def test_every_cursor_the_schema_allows_is_a_position(client):
    factories.person("Aliyev One")
    for cursor in (UNKNOWN_UUID, "0.5_" + UNKNOWN_UUID, "9.9e-999_" + UNKNOWN_UUID):
        for q in (None, "Aliyev"):
            params = {"cursor": cursor, **({"q": q} if q else {})}
            assert client.get("/api/v1/persons/", params).status_code == 200, params
    for cursor in ("0_" + UNKNOWN_UUID, "-9999999999999999_" + UNKNOWN_UUID):
        params = {"since": "2020-01-01T00:00:00Z", "cursor": cursor}
        assert client.get("/api/v1/withdrawals/", params).status_code == 200


def test_withdrawals_page_by_their_time_and_uuid(client):
    since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)).isoformat()
    gone = [factories.person(f"Gone {i}") for i in range(5)]
    uuids = {str(p.uuid) for p in gone}
    for person in gone:
        person.delete()
    seen = []
    page = client.get("/api/v1/withdrawals/", {"since": since, "page_size": 2}).json()
    seen += [w["uuid"] for w in page["results"]]
    while page["next"]:
        assert re.search(r"cursor=-?[0-9]+_[0-9a-f-]{36}", page["next"])
        page = client.get(page["next"]).json()
        seen += [w["uuid"] for w in page["results"]]
    assert len(seen) == len(set(seen)) and set(seen) == uuids


def test_a_search_cursor_is_a_score_and_a_uuid(client):
    for i in range(3):
        factories.person(f"Aliyev Number{i}")
    first = client.get("/api/v1/persons/", {"q": "Aliyev", "page_size": 2}).json()
    assert re.search(r"cursor=[0-9][0-9.e-]*_[0-9a-f-]{36}", first["next"])
    plain = client.get("/api/v1/persons/", {"page_size": 2}).json()
    assert re.search(r"cursor=[0-9a-f-]{36}(&|$)", plain["next"])


# --- long searches ---------------------------------------------------------------------------


def test_a_search_within_the_bounds_is_taken_everywhere(client, staff_client):
    longest = ("a" * 19 + " ") * (MAX_QUERY_WORDS - 1) + "a" * 19  # 10 words, 199 characters
    assert len(longest) <= MAX_QUERY_CHARACTERS and len(longest.split()) == MAX_QUERY_WORDS
    widest = "x" * MAX_QUERY_CHARACTERS
    for query in (longest, widest):
        assert client.get("/api/v1/persons/", {"q": query}).status_code == 200
        assert client.get("/api/v1/organizations/", {"q": query}).status_code == 200
        assert client.get("/persons/", {"q": query}).status_code == 200
        assert client.get("/organizations/", {"q": query}).status_code == 200
        assert client.get("/persons/suggest/", {"q": query}).status_code == 200
        assert staff_client.get("/admin/cases/person/", {"q": query}).status_code == 200


@pytest.mark.parametrize(
    "query, limit",
    [(LONG_QUERY, "200 characters"), ("x" * (MAX_QUERY_CHARACTERS + 1), "200 characters"),
     ("a " * (MAX_QUERY_WORDS + 1), "10 words")],
    ids=["3000 words", "201 characters", "11 words"],
)  # fmt: skip
def test_a_search_beyond_the_bounds_is_refused_with_a_message_everywhere(
    client, staff_client, query, limit
):
    factories.person("Aliyev Someone")
    for path in ("/api/v1/persons/", "/api/v1/organizations/"):
        message = api_error(client.get(path, {"q": query}), 400)
        assert "q:" in message and limit in message
        csv = client.get(path, {"q": query, "format": "csv"})
        assert csv.status_code == 400 and limit in csv.content.decode()
    for page in ("/persons/", "/az/persons/", "/organizations/"):
        response = client.get(page, {"q": query})
        assert response.status_code == 400
        assert limit in response.content.decode() or page.startswith("/az/")
    suggestions = client.get("/persons/suggest/", {"q": query})
    assert suggestions.status_code == 400 and limit in suggestions.json()["error"]
    assert suggestions.json()["results"] == []
    admin = staff_client.get("/admin/cases/person/", {"q": query})
    assert admin.status_code == 200
    assert limit in admin.content.decode()
    assert "Aliyev Someone" not in admin.content.decode()


def test_the_search_function_refuses_a_long_query_for_every_caller():
    from cases.models import Person
    from cases.reads.search import search_persons
    from cases.search import SearchQueryError
    from cases.visibility import Reader

    with pytest.raises(SearchQueryError):
        search_persons(Person.objects.all(), LONG_QUERY, reader=Reader.STAFF)


def test_a_percent_sign_in_a_bad_value_is_quoted_as_typed(client):
    api = api_error(client.get("/api/v1/persons/", {"organization": "100%"}), 404)
    assert "'100%'" in api
    page = client.get("/persons/", {"organization": "100%", "arrest_year": "5%"})
    assert page.status_code == 400
    assert "&#x27;100%&#x27;" in page.content.decode() and "%%" not in page.content.decode()
