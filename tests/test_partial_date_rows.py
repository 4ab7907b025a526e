"""Rows carry values: every partial date of the reads' rows (cases.reads) is a
PartialDate, never a string a page parses back. The API writes its ISO form at
its precision in JSON and CSV; the pages write it in the reader's language."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from cases.models import Affiliation
from cases.partial_dates import PartialDate, Precision
from cases.reads.history import person_history
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import Reader
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db

# the fields of the rows that are partial dates (accessed_on is a plain date)
PARTIAL_DATE_KEYS = {
    "birth_date", "arrested_on", "released_on", "occurred_on", "started_on", "ended_on",
    "issued_on", "published_on",
}  # fmt: skip


def _partial_dates(value, path: str = "") -> dict[str, object]:
    """Every partial-date field in a nested row, by its path."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PARTIAL_DATE_KEYS:
                found[f"{path}{key}"] = item
            else:
                found.update(_partial_dates(item, f"{path}{key}."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_partial_dates(item, f"{path}{index}."))
    return found


def _dated(record, **dates):
    # a PartialDate is assigned after the record is built: Model(**fields) would
    # then set its precision column back to its default
    for name, text in dates.items():
        setattr(record, name, PartialDate.parse(text))
    record.save()
    return record


@pytest.fixture
def dated_case():
    """A person with a date of every precision on every kind of fact."""
    source = _dated(factories.source("An article"), published_on="2023-11-22")
    person = _dated(factories.person("Dated Person"), birth_date="1984")
    detention = factories.detention(person, arrested="2023-11", released="2024-03-18", cited=False)
    event = factories.case_event(detention, "sentenced", occurred="2024-01-05", cited=False)
    allegation = _dated(
        factories.allegation(person, cited=False), started_on="2023-11-21", ended_on="2023-12"
    )
    statement = _dated(factories.statement("Free them", cited=False), issued_on="2024")
    statement.persons.add(person)
    affiliation = Affiliation(
        person=person, organization=statement.issuer_organization, visibility="public"
    )
    _dated(affiliation, started_on="2015-02")
    factories.citation(source, person=person)
    for fact in (detention, event, allegation, statement, affiliation):  # all from the one source
        factories.cite(fact, source_obj=source)
    return person


def test_rows_carry_partial_dates_not_strings(dated_case):
    history = person_history(dated_case, reader=Reader.PUBLIC)
    dates = _partial_dates(history)
    given = {path: value for path, value in dates.items() if value is not None}
    assert all(isinstance(value, PartialDate) for value in given.values()), given
    assert {path: (value.isoformat(), value.precision) for path, value in given.items()} == {
        "person.birth_date": ("1984", Precision.YEAR),
        "person.detentions.0.arrested_on": ("2023-11", Precision.MONTH),
        "person.detentions.0.released_on": ("2024-03-18", Precision.DAY),
        "affiliations.0.started_on": ("2015-02", Precision.MONTH),
        "detentions.0.arrested_on": ("2023-11", Precision.MONTH),
        "detentions.0.released_on": ("2024-03-18", Precision.DAY),
        "detentions.0.events.0.occurred_on": ("2024-01-05", Precision.DAY),
        "allegations.0.started_on": ("2023-11-21", Precision.DAY),
        "allegations.0.ended_on": ("2023-12", Precision.MONTH),
        "statements.0.issued_on": ("2024", Precision.YEAR),
        "sources.0.published_on": ("2023-11-22", Precision.DAY),
    }
    (source,) = source_rows(list(Source.objects.values(*SOURCE_FIELDS)), reader=Reader.PUBLIC)
    assert source["published_on"] == PartialDate(datetime.date(2023, 11, 22), Precision.DAY)
    assert source["accessed_on"] is None  # a plain date, not a partial one


def test_the_api_writes_each_partial_date_as_its_iso_text(client, dated_case):
    history = client.get(f"/api/v1/persons/{dated_case.slug}/history/").json()
    texts = {path: value for path, value in _partial_dates(history).items() if value}
    assert texts["person.birth_date"] == "1984"
    assert texts["detentions.0.arrested_on"] == "2023-11"
    assert texts["detentions.0.events.0.occurred_on"] == "2024-01-05"
    assert texts["statements.0.issued_on"] == "2024"
    assert all(isinstance(text, str) for text in texts.values())

    response = client.get("/api/v1/persons/", {"format": "csv"})
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert (row["birth_date"], row["detentions.arrested_on"], row["detentions.released_on"]) == (
        "1984",
        "2023-11",
        "2024-03-18",
    )


def test_the_pages_write_each_partial_date_in_words_with_its_iso_text(client, dated_case):
    page = client.get(f"/persons/{dated_case.slug}/").content.decode()
    assert '<time datetime="2023-11">November 2023</time>' in page
    assert "February 2015" in page  # the affiliation's start
    assert "Until: December 2023" in page  # the allegation's end
    statements = client.get("/statements/").content.decode()
    assert '<time datetime="2024">2024</time>' in statements
