"""The API keeps its OpenAPI contract: schemathesis generates requests for
every operation from the schema (a bounded number per operation in `make test`;
`make fuzz` runs 100 per operation) and checks for server errors and responses that break the schema."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from access.services import token_issue
from casebook.wsgi import application
from cases.seed import load_seed

# a bounded run inside `make test`; `make fuzz` sets FUZZ_EXAMPLES=100 or more
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# The schema cannot list every valid value (vocabularies grow, cursors are
# opaque), so a schema-valid but unknown value is rightly a 400: that check is off.
# Every other check is on: no 5xx, responses match the schema, invalid input refused.
EXCLUDED = [positive_data_acceptance]


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


# Loaded at collection from the app itself (no server, no database needed).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


CONTRACT_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_keeps_the_contract_for_anonymous_readers(case, seeded_api):
    cache.clear()  # stay under the throttle: this test is about the contract
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_keeps_the_contract_for_partners(case, seeded_api):
    cache.clear()
    case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded_api}"}, excluded_checks=EXCLUDED
    )


def test_the_schema_describes_every_endpoint(client):
    schema_text = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/persons/", "/api/v1/persons/{identifier}/history/", "/api/v1/detentions/",
                 "/api/v1/allegations/", "/api/v1/statements/", "/api/v1/sources/",
                 "/api/v1/organizations/", "/api/v1/stats/", "/api/v1/withdrawals/"):  # fmt: skip
        assert f"{path}:" in schema_text


def test_the_documentation_page_uses_only_the_sites_own_assets(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page
