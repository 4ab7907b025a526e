"""Partner API v1: filters, visibility for each reader, tokens, pagination,
CSV, conditional GET, incremental sync, throttling and query counts."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from access.services import token_issue, token_revoke
from cases.api import serializers as shapes
from cases.models import Charge, NameVariant, Occupation, PaceAssessment, Person
from cases.partial_dates import PartialDate
from sources.models import Citation, Source
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # throttle counters live in the cache


@pytest.fixture
def partner_token():
    _token, raw = token_issue(name="Partner NGO")
    return raw


def get(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **headers)


def names(response):
    assert response.status_code == 200, response.content
    return sorted(p["display_name"] for p in response.json()["results"])


# --- persons filters ---------------------------------------------------------------


@pytest.fixture
def cases_world():
    journalist = Occupation.objects.get(code="journalist")
    abzas = factories.organization("Abzas Media")
    sevinj = factories.person("Sevinj Vagifgizi", variants=["Севиндж Вагифгызы"], gender="female")
    sevinj.occupations.add(journalist)
    factories.affiliation(sevinj, abzas)
    d1 = factories.detention(sevinj, arrested="November 2023", stage="pre-trial-detention")
    Charge.objects.create(
        detention=d1, article="206.3.2", description="smuggling", visibility="public"
    )

    leyla = factories.person("Leyla Yunus", gender="female")
    factories.detention(leyla, arrested="2014-07-30", released="2015-12-09", stage="released")
    factories.allegation(leyla, kind="ill-treatment")

    ilgar = factories.person("Ilgar Mammadov", gender="male")
    d3 = factories.detention(ilgar, arrested="2013-02", stage="convicted")
    Charge.objects.create(
        detention=d3, article="233", description="organizing actions", visibility="public"
    )
    factories.allegation(ilgar, kind="torture")
    return {"sevinj": sevinj, "leyla": leyla, "ilgar": ilgar, "abzas": abzas}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["Ilgar Mammadov", "Leyla Yunus", "Sevinj Vagifgizi"]),
        ({"q": "Sevinc Vaqifqızı"}, ["Sevinj Vagifgizi"]),
        ({"q": "Севиндж"}, ["Sevinj Vagifgizi"]),
        ({"legal_stage": "pre-trial-detention"}, ["Sevinj Vagifgizi"]),
        ({"legal_stage": "Pre-Trial Detention"}, ["Sevinj Vagifgizi"]),
        ({"legal_stage": ["convicted", "released"]}, ["Ilgar Mammadov", "Leyla Yunus"]),
        ({"occupation": "journalist"}, ["Sevinj Vagifgizi"]),
        ({"organization": "abzas-media"}, ["Sevinj Vagifgizi"]),
        ({"allegation": "torture"}, ["Ilgar Mammadov"]),
        ({"allegation": ["torture", "Ill-treatment"]}, ["Ilgar Mammadov", "Leyla Yunus"]),
        ({"charge": "206.3"}, ["Sevinj Vagifgizi"]),
        ({"charge": "206"}, ["Sevinj Vagifgizi"]),
        ({"charge": "23"}, []),
        ({"charge": "233"}, ["Ilgar Mammadov"]),
        ({"arrested_after": "2014"}, ["Leyla Yunus", "Sevinj Vagifgizi"]),
        ({"arrested_before": "2014-07"}, ["Ilgar Mammadov", "Leyla Yunus"]),
        ({"arrested_after": "2013", "arrested_before": "2013-12-31"}, ["Ilgar Mammadov"]),
        ({"arrested_after": "2014", "legal_stage": "convicted"}, []),
        ({"released": "true"}, ["Leyla Yunus"]),
        ({"released": "false"}, ["Ilgar Mammadov", "Sevinj Vagifgizi"]),
        ({"in_detention_on": "2015-01-01"}, ["Ilgar Mammadov", "Leyla Yunus"]),
        ({"in_detention_on": "2016-01-01"}, ["Ilgar Mammadov"]),
        ({"arrest_year": "2013"}, ["Ilgar Mammadov"]),
        ({"arrest_year": ["2013", "2023"]}, ["Ilgar Mammadov", "Sevinj Vagifgizi"]),
        ({"arrest_year": "2013", "legal_stage": "released"}, []),
        ({"status": "held"}, ["Ilgar Mammadov", "Sevinj Vagifgizi"]),
        ({"status": "released"}, ["Leyla Yunus"]),
        ({"status": ["released", "unknown"]}, ["Leyla Yunus"]),
        ({"gender": "male"}, ["Ilgar Mammadov"]),
        ({"gender": ["male", "female"]}, ["Ilgar Mammadov", "Leyla Yunus", "Sevinj Vagifgizi"]),
    ],
)
def test_person_filters(client, cases_world, params, expected):
    assert names(get(client, "/api/v1/persons/", **params)) == expected


def test_updated_since_sees_changes_anywhere_in_a_history(client, cases_world):
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert names(get(client, "/api/v1/persons/", updated_since=later.isoformat())) == []
    detention = cases_world["leyla"].detentions.get()
    detention.facility = "Kurdakhani"
    detention.updated_at = later + datetime.timedelta(seconds=1)
    detention.save()
    from cases.models import Detention

    Detention.objects.filter(pk=detention.pk).update(
        updated_at=later + datetime.timedelta(seconds=1)
    )
    assert names(get(client, "/api/v1/persons/", updated_since=later.isoformat())) == [
        "Leyla Yunus"
    ]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"legal_stage": "imprisoned"}, "Unknown value 'imprisoned'"),
        ({"arrested_after": "31.02.2024"}, "February 2024 has 29 days"),
        ({"released": "maybe"}, "Expected true or false"),
        ({"arrest_year": "23"}, "Expected a year from 0001 to 9999 such as 2023, got '23'"),
        ({"status": "jailed"}, "Unknown value 'jailed'. Expected one of: held, released, unknown"),
        ({"legal_stag": "convicted"}, "Unknown parameter"),
        ({"page_size": "501"}, "from 1 to 500"),
        ({"page_size": "0"}, "from 1 to 500"),
        ({"cursor": "not-a-cursor"}, "Not a cursor of this list"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, cases_world, params, message):
    response = get(client, "/api/v1/persons/", **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert message in error["message"]


def test_unknown_record_and_endpoint_are_404_in_the_error_shape(client):
    for url in (
        "/api/v1/persons/nobody/",
        "/api/v1/detentions/not-a-uuid/",
        "/api/v1/nothing-here/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["status"] == 404


def test_unknown_format_is_refused_clearly(client):
    response = client.get("/api/v1/persons/", {"format": "xml"})
    assert response.status_code in (404, 406)
    assert "Unknown format" in response.json()["error"]["message"]


# --- other lists ----------------------------------------------------------------------


def test_detention_allegation_statement_source_and_organization_filters(client, cases_world):
    detentions = get(client, "/api/v1/detentions/", legal_stage="convicted").json()["results"]
    assert [d["person"]["display_name"] for d in detentions] == ["Ilgar Mammadov"]
    assert detentions[0]["charges"] == [{"article": "233", "description": "organizing actions"}]
    by_person = get(client, "/api/v1/detentions/", person=cases_world["leyla"].slug).json()[
        "results"
    ]
    assert [d["released_on"] for d in by_person] == ["2015-12-09"]
    allegations = get(client, "/api/v1/allegations/", kind="torture").json()["results"]
    assert [a["person"]["slug"] for a in allegations] == [cases_world["ilgar"].slug]
    statement = factories.statement("Free them", issuer=cases_world["abzas"])
    statement.persons.add(cases_world["sevinj"])
    found = get(client, "/api/v1/statements/", person=str(cases_world["sevinj"].uuid)).json()[
        "results"
    ]
    assert [s["title"] for s in found] == ["Free them"]
    assert found[0]["persons"][0]["display_name"] == "Sevinj Vagifgizi"
    factories.source("HRW report", kind="ngo-report")
    sources = get(client, "/api/v1/sources/", kind="NGO report").json()["results"]
    assert [s["title"] for s in sources] == ["HRW report"]
    orgs = get(client, "/api/v1/organizations/", q="abzas").json()["results"]
    assert [o["slug"] for o in orgs] == ["abzas-media"]


# --- visibility for each reader ---------------------------------------------------------


@pytest.fixture
def mixed_visibility():
    public = factories.person("Public Person")
    NameVariant.objects.create(person=public, name="Hidden Alias", visibility="internal")
    partners = factories.person("Partners Person", visibility="partners")
    internal = factories.person("Internal Person", visibility="internal")
    public.internal_notes = "STAFF-ONLY-NOTE"
    public.save()
    secret = factories.source(
        "Interview with a guard's cousin", is_confidential=True, author="Named Person"
    )
    # cited by the confidential interview only, which counts as their evidence
    for detention in (
        factories.detention(internal, arrested="2020", cited=False),  # of an internal person
        factories.detention(public, arrested="2021", visibility="partners", cited=False),
    ):
        factories.cite(detention, source_obj=secret)
    factories.citation(secret, person=public, claim="name", excerpt="what the cousin said")
    return {"public": public, "partners": partners, "internal": internal}


def test_anonymous_readers_see_public_records_only(client, mixed_visibility):
    assert names(get(client, "/api/v1/persons/")) == ["Public Person"]
    assert get(client, "/api/v1/detentions/").json()["results"] == []
    assert client.get(f"/api/v1/persons/{mixed_visibility['partners'].slug}/").status_code == 404
    assert names(get(client, "/api/v1/persons/", q="Hidden Alias")) == []


def test_partner_tokens_also_see_partners_records(client, mixed_visibility, partner_token):
    assert names(get(client, "/api/v1/persons/", partner_token)) == [
        "Partners Person",
        "Public Person",
    ]
    detentions = get(client, "/api/v1/detentions/", partner_token).json()["results"]
    assert [d["person"]["display_name"] for d in detentions] == ["Public Person"]
    assert client.get(f"/api/v1/persons/{mixed_visibility['internal'].slug}/").status_code == 404


def test_internal_records_and_staff_only_fields_reach_no_api_reader(
    client, mixed_visibility, partner_token
):
    urls = [
        "/api/v1/persons/",
        f"/api/v1/persons/{mixed_visibility['public'].slug}/",
        f"/api/v1/persons/{mixed_visibility['public'].slug}/history/",
        "/api/v1/detentions/",
        "/api/v1/sources/",
        "/api/v1/stats/",
        "/api/v1/persons/?format=csv",
    ]
    for token in (None, partner_token):
        for url in urls:
            body = get(client, url, token).content.decode()
            for secret in ("Internal Person", "Hidden Alias", "STAFF-ONLY-NOTE", "guard's cousin",
                           "Named Person", "what the cousin said", "internal_notes"):  # fmt: skip
                assert secret not in body, (url, token, secret)


def test_a_confidential_source_is_never_matched_by_what_it_hides(client, mixed_visibility):
    """Filtering sources by kind, date or change time would reveal those fields of
    a confidential source (it is listed, masked, only when nothing is filtered)."""
    secret = Source.objects.get(is_confidential=True)
    secret.published_on = PartialDate.parse("2024-03")
    secret.save()
    assert len(get(client, "/api/v1/sources/").json()["results"]) == 1
    for params in ({"kind": "news-article"}, {"published_after": "2024"},
                   {"published_before": "2024-12"}, {"updated_since": "2000-01-01T00:00:00Z"}):  # fmt: skip
        assert get(client, "/api/v1/sources/", **params).json()["results"] == [], params


def test_confidential_source_is_shown_only_as_on_file(client, mixed_visibility):
    history = client.get(f"/api/v1/persons/{mixed_visibility['public'].slug}/history/").json()
    (source,) = history["sources"]
    assert source["confidential"] is True
    assert source["title"] == "Confidential source on file"
    assert source["author"] == "" and source["published_on"] is None
    assert history["citations"][0]["excerpt"] == ""


def test_expired_or_revoked_tokens_are_refused(client, mixed_visibility):
    token, raw = token_issue(
        name="Old partner", expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    response = get(client, "/api/v1/persons/", raw)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    token, raw = token_issue(name="Revoked partner")
    assert get(client, "/api/v1/persons/", raw).status_code == 200
    token_revoke(token=token)
    assert get(client, "/api/v1/persons/", raw).status_code == 401
    assert get(client, "/api/v1/persons/", "cbk_made-up").status_code == 401


def test_tokens_are_stored_hashed_and_record_their_last_use(client):
    token, raw = token_issue(name="Partner")
    assert raw not in token.key_hash and raw.startswith(token.prefix)
    assert token.last_used_at is None
    get(client, "/api/v1/persons/", raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- history --------------------------------------------------------------------------------


def test_history_has_every_fact_with_its_citations_in_date_order(client, cases_world):
    leyla = cases_world["leyla"]
    source = factories.source("HRW 2015")
    detention = leyla.detentions.get()
    detention.citations.all().delete()  # the factory's citation: this test cites its own
    factories.citation(source, detention=detention, excerpt="freed on December 9")
    event = factories.case_event(detention, "released", occurred="2015-12-09", cited=False)
    factories.citation(source, case_event=event, excerpt="freed")
    PaceAssessment.objects.create(
        detention=detention, criterion="a", justification="Reprisal", visibility="public"
    )
    history = client.get(f"/api/v1/persons/{leyla.uuid}/history/").json()
    assert history["person"]["slug"] == leyla.slug
    (d,) = history["detentions"]
    assert d["arrested_on"] == "2014-07-30" and d["released_on"] == "2015-12-09"
    assert d["citations"][0]["excerpt"] == "freed on December 9"
    assert d["events"][0]["citations"][0]["source"] == str(source.uuid)
    assert d["pace_criteria"] == [{"criterion": "a", "justification": "Reprisal"}]
    # the factory's source supports the allegation
    assert [s["title"] for s in history["sources"]] == [factories.CITING_SOURCE_TITLE, "HRW 2015"]
    assert history["allegations"][0]["kind"] == "ill-treatment"


def _keys(shape) -> dict:
    result = {}
    for name, field in shape.fields.items():
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        result[name] = _keys(field) if isinstance(field, serializers.Serializer) else None
    return result


def _assert_shape(value, keys, where):
    assert set(value) == set(keys), f"{where}: {sorted(set(value) ^ set(keys))}"
    for name, sub in keys.items():
        if sub is None or value[name] is None:
            continue
        for item in value[name] if isinstance(value[name], list) else [value[name]]:
            _assert_shape(item, sub, f"{where}.{name}")


def test_rows_have_exactly_the_declared_shapes(client, cases_world):
    statement = factories.statement("S", issuer=cases_world["abzas"])
    statement.persons.add(cases_world["ilgar"])
    factories.source("A source")
    for url, shape in (
        ("/api/v1/persons/", shapes.PersonSerializer),
        ("/api/v1/detentions/", shapes.DetentionSerializer),
        ("/api/v1/allegations/", shapes.AllegationSerializer),
        ("/api/v1/statements/", shapes.StatementSerializer),
        ("/api/v1/sources/", shapes.SourceSerializer),
        ("/api/v1/organizations/", shapes.OrganizationSerializer),
    ):
        results = client.get(url).json()["results"]
        assert results, url
        for row in results:
            _assert_shape(row, _keys(shape()), url)
    history = client.get(f"/api/v1/persons/{cases_world['ilgar'].slug}/history/").json()
    _assert_shape(history, _keys(shapes.PersonHistorySerializer()), "history")


# --- pagination, CSV, conditional GET ------------------------------------------------------


def test_cursor_pages_stay_stable_while_rows_are_inserted(client):
    originals = {str(factories.person(f"Person {i:02d}").uuid) for i in range(25)}
    seen = []
    url, params = "/api/v1/persons/", {"page_size": 10}
    page = client.get(url, params).json()
    seen += [p["uuid"] for p in page["results"]]
    for i in range(15):  # inserted between page requests
        factories.person(f"Late Person {i:02d}")
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [p["uuid"] for p in page["results"]]
    assert len(seen) == len(set(seen)), "no row twice"
    assert originals <= set(seen), "no row skipped"


def test_search_results_page_by_rank(client):
    for i in range(7):
        factories.person(f"Aliyev Number{i}")
    first = client.get("/api/v1/persons/", {"q": "Aliyev", "page_size": 4}).json()
    second = client.get(first["next"]).json()
    uuids = [p["uuid"] for p in first["results"] + second["results"]]
    assert len(uuids) == len(set(uuids)) == 7


@pytest.mark.parametrize("query", ["\U000f3a63", "!!!", "—"])
def test_a_search_with_nothing_to_match_finds_no_one_on_every_output(client, query):
    """A query whose name key is empty (symbols, punctuation; found by schemathesis)
    is an empty result, not a server error, in the API, the list page and the
    suggestions."""
    factories.person("Aliyev Someone")
    response = client.get("/api/v1/persons/", {"q": query})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"] == []
    assert client.get("/api/v1/persons/", {"q": query, "format": "csv"}).status_code == 200
    assert client.get("/persons/", {"q": query}).status_code == 200
    assert client.get("/persons/suggest/", {"q": query}).json()["results"] == []


def test_csv_is_flat_stable_and_escapes_formulae(client, cases_world):
    factories.person('=HYPERLINK("http://evil")')
    response = client.get("/api/v1/persons/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[:3] == ["uuid", "slug", "display_name"]
    assert "detentions.charges.article" in header
    sevinj = next(r for r in rows if "Sevinj Vagifgizi" in r)
    assert sevinj[header.index("detentions.charges.article")] == "206.3.2"
    assert sevinj[header.index("name_variants.name")] == "Севиндж Вагифгызы"
    evil = next(r for r in rows if "HYPERLINK" in r[header.index("display_name")])
    assert evil[header.index("display_name")].startswith("'=")
    again = list(
        csv.reader(io.StringIO(client.get("/api/v1/persons/", {"format": "csv"}).content.decode()))
    )
    assert again[0] == header


def test_etag_gives_304_and_no_last_modified_is_offered(client, cases_world):
    """A list's or record's time could not stand for every change that alters its
    body (a child's change, a withdrawal; one-second resolution): the API offers
    no Last-Modified, so If-Modified-Since never answers 304 with changed content."""
    response = client.get("/api/v1/persons/")
    etag = response["ETag"]
    assert "Last-Modified" not in response
    assert client.get("/api/v1/persons/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    detail = client.get(f"/api/v1/persons/{cases_world['leyla'].slug}/")
    assert "Last-Modified" not in detail
    assert (
        client.get(
            f"/api/v1/persons/{cases_world['leyla'].slug}/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )
    # a child's change (a charge) alters the list: If-Modified-Since must not say 304
    later = "Sun, 06 Dec 2099 00:00:00 GMT"
    assert client.get("/api/v1/persons/", HTTP_IF_MODIFIED_SINCE=later).status_code == 200
    history = client.get(f"/api/v1/persons/{cases_world['leyla'].slug}/history/")
    assert "Last-Modified" not in history
    leyla = cases_world["leyla"]
    leyla.summary = "Changed"
    leyla.save()
    assert client.get("/api/v1/persons/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert "Authorization" in response["Vary"], "partners and the public see different bodies"


# --- incremental sync ----------------------------------------------------------------------


def test_withdrawals_list_deleted_and_restricted_records_for_each_reader(client, partner_token):
    since = timezone.now() - datetime.timedelta(seconds=1)
    gone = factories.person("Deleted Person")
    gone_uuid = str(gone.uuid)
    restricted = factories.person("Restricted Person")
    to_internal = factories.person("Partners Then Internal", visibility="partners")
    never_public = factories.person("Never Public", visibility="internal")
    gone.delete()
    Person.objects.filter(pk=restricted.pk).update(
        visibility="partners"
    )  # raw update, trigger still fires
    to_internal.visibility = "internal"
    to_internal.save()
    never_public.delete()

    public_view = get(client, "/api/v1/withdrawals/", since=since.isoformat()).json()["results"]
    assert {w["uuid"] for w in public_view} == {gone_uuid, str(restricted.uuid)}
    partner_view = get(
        client, "/api/v1/withdrawals/", partner_token, since=since.isoformat()
    ).json()["results"]
    assert {w["uuid"] for w in partner_view} == {gone_uuid, str(to_internal.uuid)}
    assert all(w["kind"] == "person" for w in partner_view)
    later = get(
        client,
        "/api/v1/withdrawals/",
        since=(timezone.now() + datetime.timedelta(seconds=5)).isoformat(),
    )
    assert later.json()["results"] == []
    assert get(client, "/api/v1/withdrawals/").status_code == 400


# --- statistics --------------------------------------------------------------------------------


def test_stats_count_persons_held_at_the_end_of_each_month(client, cases_world):
    stats = get(client, "/api/v1/stats/", **{"from": "2015-11", "to": "2016-01"}).json()
    assert stats["persons"] == 3
    assert stats["held_any_date"] == 2  # Sevinj (pre-trial) and Ilgar (convicted)
    assert stats["in_detention_now"] == 0  # the world's sources have no date: none current
    assert stats["in_detention_by_month"] == [
        {"month": "2015-11", "in_detention": 2},
        {"month": "2015-12", "in_detention": 1},
        {"month": "2016-01", "in_detention": 1},
    ]
    stages = {c["code"]: c["persons"] for c in stats["by_legal_stage"]}
    assert stages == {"pre-trial-detention": 1, "released": 1, "convicted": 1}
    assert {c["code"]: c["persons"] for c in stats["by_allegation_kind"]} == {
        "torture": 1,
        "ill-treatment": 1,
    }
    # no pair of months is refused: the series is the last 600 months up to `to`
    long_ago = get(client, "/api/v1/stats/", **{"from": "1900", "to": "2024"}).json()
    assert len(long_ago["in_detention_by_month"]) == 600


# --- throttling ------------------------------------------------------------------------------------


def test_throttling_answers_429_with_retry_after(client, settings, partner_token):
    from cases.api.throttles import AnonymousRateThrottle, PartnerRateThrottle

    rates = {"anon": "3/minute", "partner": "5/minute"}
    original = dict(AnonymousRateThrottle.THROTTLE_RATES)
    AnonymousRateThrottle.THROTTLE_RATES = PartnerRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [client.get("/api/v1/organizations/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/organizations/")
        assert int(response["Retry-After"]) > 0
        assert response.json()["error"]["status"] == 429
        # the partner has a budget of its own
        partner = [
            get(client, "/api/v1/organizations/", partner_token).status_code for _ in range(6)
        ]
        assert partner == [200] * 5 + [429]
    finally:
        AnonymousRateThrottle.THROTTLE_RATES = PartnerRateThrottle.THROTTLE_RATES = original


# --- query counts ----------------------------------------------------------------------------------


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_list_query_count_does_not_grow_with_the_page_size(client):
    for i in range(40):
        person = factories.person(f"Counted {i}", variants=[f"Вариант {i}"])
        detention = factories.detention(person, arrested="2020")
        Charge.objects.create(detention=detention, article=f"1{i}", visibility="public")
    small = _queries(client, "/api/v1/persons/", page_size=2)
    large = _queries(client, "/api/v1/persons/", page_size=40)
    # 7 (the page, a kind of child each, the custody periods and the current place
    # one, the stored status one), and the throttle's read and write in the shared cache
    assert small == large == 9
    for url in ("/api/v1/detentions/", "/api/v1/statements/", "/api/v1/allegations/"):
        assert _queries(client, url, page_size=2) == _queries(client, url, page_size=40)


def _person_with_history(name: str, years: int) -> Person:
    person = factories.person(name)
    source = factories.source()
    for year in range(2000, 2000 + years):
        detention = factories.detention(person, arrested=str(year), released=str(year), cited=False)
        factories.citation(source, detention=detention)
        event = factories.case_event(detention, occurred=str(year), cited=False)
        factories.citation(source, case_event=event)
        allegation = factories.allegation(person, detention=detention, cited=False)
        factories.citation(source, allegation=allegation)
        statement = factories.statement(f"Statement {name} {year}", cited=False)
        statement.persons.add(person)
        factories.citation(source, statement=statement)
    return person


def test_history_query_count_does_not_grow_with_the_history(client):
    short = _person_with_history("Short History", 1)
    long = _person_with_history("Long History", 12)
    assert Citation.objects.filter(detention__person=long).count() == 12
    short_count = _queries(client, f"/api/v1/persons/{short.slug}/history/")
    assert short_count == _queries(client, f"/api/v1/persons/{long.slug}/history/")
    # 23 (the person row's and the detentions' custody periods one each, the
    # person's interventions one, their trials' defendants, hearings and the
    # officials' involvements one each), and the throttle's read and write in the shared cache
    assert short_count == 25


def test_a_percent_sign_in_a_bad_value_is_a_400_not_a_500(client):
    response = client.get("/api/v1/allegations/", {"kind": "100%", "started_after": "50%s"})
    assert response.status_code == 400
    assert "100%" in response.json()["error"]["message"]


def test_tokens_can_be_issued_from_the_shell_and_in_the_admin(client, staff_client):
    from io import StringIO

    from django.core.management import call_command

    from access.models import PartnerToken

    out = StringIO()
    call_command("issue_partner_token", "Shell Partner", "--days", "30", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert get(client, "/api/v1/persons/", raw).status_code == 200
    response = staff_client.post(
        "/admin/access/partnertoken/add/",
        {
            "name": "Admin Partner",
            "contact": "",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
            "current_password": "pw-unused-1",
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("will not be shown again" in m for m in shown)
    token = PartnerToken.objects.get(name="Admin Partner")
    raw_admin = shown[0].rsplit(" ", 1)[-1]
    assert raw_admin.startswith(token.prefix) and raw_admin not in token.key_hash
    assert get(client, "/api/v1/persons/", raw_admin).status_code == 200


def test_a_hidden_organization_is_not_named_through_a_visible_record(client, partner_token):
    secret_service = factories.organization("Unit 7 (internal)", visibility="internal")
    detention = factories.detention(factories.person("Held Person"), arrested="2022")
    detention.arresting_authority = secret_service
    detention.save()
    factories.allegation(detention.person, perpetrator_organization=secret_service)
    for token in (None, partner_token):
        for url in ("/api/v1/detentions/", "/api/v1/allegations/",
                    f"/api/v1/persons/{detention.person.slug}/history/"):  # fmt: skip
            body = get(client, url, token).content.decode()
            assert "Unit 7" not in body and str(secret_service.uuid) not in body, url
