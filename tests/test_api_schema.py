"""The API keeps its OpenAPI contract: schemathesis generates requests for
every operation from the schema (a bounded number per operation in `make test`;
`make fuzz` runs 100 per operation) and runs every check it has, positive data
included: no server error, responses as the schema says, invalid input refused,
and every request the schema allows accepted. The schema states what each
parameter accepts exactly (vocabulary codes, date patterns, cursor formats)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from access.services import token_issue
from casebook.wsgi import application
from cases.models import AllegationKind, LegalStage
from cases.seed import load_seed

# a bounded run inside `make test`; `make fuzz` sets FUZZ_EXAMPLES=100 or more
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


@pytest.fixture
def keep_test_connection(db):
    # Calls through the WSGI app would close the test's database connection at
    # the end of each request, as Django's own test client prevents.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded_api(keep_test_connection):
    load_seed()
    _token, raw = token_issue(name="Schemathesis partner")
    return raw


@pytest.fixture
def api_schema(request, seeded_api):
    # Loaded from the app itself once the database is there: the schema lists
    # the vocabulary codes the database holds. (Schemathesis renames the test
    # through `_nodeid`, which pytest 9 no longer has: give it one.)
    request.node._nodeid = request.node.nodeid
    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    # A feed token of another generation is refused with 410 Gone (documented in the
    # schema): the only answer to a request the schema allows that is not a 2xx or 404.
    accepted = loaded.config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "410"]
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


CONTRACT_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.slow
@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_keeps_the_contract_for_anonymous_readers(case, seeded_api):
    cache.clear()  # stay under the throttle: this test is about the contract
    case.call_and_validate()  # every check schemathesis has: none is left out


@pytest.mark.slow
@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_keeps_the_contract_for_partners(case, seeded_api):
    cache.clear()
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded_api}"})


def test_every_check_schemathesis_has_is_run():
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.config import ChecksConfig

    load_all_checks()
    names = {check.__name__ for check in CHECKS.get_all()}
    assert "positive_data_acceptance" in names
    assert all(ChecksConfig().get_by_name(name=name).enabled for name in names)


def _parameter(client, path, name):
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    parameters = document["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)["schema"]


@pytest.mark.django_db
def test_the_schema_lists_the_vocabulary_codes_the_database_holds(client):
    LegalStage.objects.create(code="under-house-watch", label="under house watch")
    stages = _parameter(client, "/api/v1/persons/", "legal_stage")["items"]["enum"]
    assert "convicted" in stages and "under-house-watch" in stages
    kinds = _parameter(client, "/api/v1/allegations/", "kind")["items"]["enum"]
    assert kinds == list(AllegationKind.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_the_schema_gives_years_dates_cursors_and_queries_their_exact_form(client):
    import re

    year = _parameter(client, "/api/v1/persons/", "arrest_year")["items"]["pattern"]
    assert re.search(year, "2023") and re.search(year, "0001")
    assert not re.search(year, "0000") and not re.search(year, "23")
    month = _parameter(client, "/api/v1/stats/", "from")["pattern"]
    assert re.search(month, "2015-01") and not re.search(month, "0000")
    cursor = _parameter(client, "/api/v1/persons/", "cursor")
    assert cursor["maxLength"] <= 100 and not re.search(cursor["pattern"], "not-a-cursor")
    assert _parameter(client, "/api/v1/persons/", "q")["maxLength"] == 200
    assert _parameter(client, "/api/v1/persons/", "page_size") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
    }


@pytest.mark.django_db
def test_the_schema_describes_every_endpoint(client):
    schema_text = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/persons/", "/api/v1/persons/{identifier}/history/", "/api/v1/detentions/",
                 "/api/v1/allegations/", "/api/v1/statements/", "/api/v1/sources/",
                 "/api/v1/organizations/", "/api/v1/stats/", "/api/v1/withdrawals/",
                 "/api/v1/reported-counts/", "/api/v1/reported-counts/{identifier}/",
                 "/api/v1/facilities/", "/api/v1/facilities/{identifier}/",
                 "/api/v1/interventions/", "/api/v1/interventions/{identifier}/",
                 "/api/v1/trials/", "/api/v1/trials/{identifier}/",
                 "/api/v1/officials/", "/api/v1/officials/{identifier}/"):  # fmt: skip
        assert f"{path}:" in schema_text


@pytest.mark.django_db  # the docs page is throttled: its counter is in the database cache
def test_the_documentation_page_uses_only_the_sites_own_assets(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page


@pytest.mark.django_db
def test_the_schema_states_the_facility_filters(client):
    import re

    kinds = _parameter(client, "/api/v1/facilities/", "kind")["items"]["enum"]
    assert "prison" in kinds and "colony-strict" in kinds
    for name in ("facility", "held_at"):
        pattern = _parameter(client, "/api/v1/persons/", name)["items"]["pattern"]
        assert re.search(pattern, "prison-no-13") and not re.search(pattern, "prison no 13")
    assert _parameter(client, "/api/v1/persons/", "region")["type"] == "array"
    assert _parameter(client, "/api/v1/facilities/", "q")["maxLength"] == 200
