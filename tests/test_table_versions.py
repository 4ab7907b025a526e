"""The change markers the cached counts and pages are keyed by
(cases.reads.facets.table_versions): each kind of citation has its own, read
from the newest citations in one pass, so that citing a detention changes the
detentions' marker and not the facilities'."""

import pytest

from cases.reads import facets
from cases.reads.facets import table_versions
from tests import factories
from tests.facility_records import facility

pytestmark = pytest.mark.django_db

DETENTIONS, FACILITIES, STATEMENTS = (
    "sources_citation:detention",
    "sources_citation:facility",
    "sources_citation:statement",
)


def test_each_kind_of_citation_has_its_own_marker_and_a_missing_kind_the_newest_citations():
    detention = factories.detention(factories.person("Marker Person"), arrested="2024")
    facility("Marker Prison")  # cited
    before = table_versions()
    # no statement is cited: its marker is the newest citation's time
    assert before[STATEMENTS] == before["sources_citation"] != ""
    assert before[FACILITIES] == before["sources_citation"]  # the facility's is the newest

    factories.citation(detention=detention, locator="p. 2")
    after = table_versions()
    assert after[DETENTIONS] != before[DETENTIONS]
    assert after[FACILITIES] == before[FACILITIES]
    assert after[STATEMENTS] == after["sources_citation"] != before[STATEMENTS]


def test_a_kind_not_among_the_newest_citations_takes_the_newest_citations_time(monkeypatch):
    monkeypatch.setattr(facets, "_CITATIONS_READ", 1)
    detention = factories.detention(factories.person("Old Citation"), arrested="2024")
    facility("Newer Prison")
    versions = table_versions()
    assert versions[DETENTIONS] == versions[FACILITIES] == versions["sources_citation"]
    assert detention.citations.exists()
