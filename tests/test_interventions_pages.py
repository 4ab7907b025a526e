"""Interventions on the public pages: the person page's timeline (a Working
Group opinion with its number and the categories found, footnoted; placed at
its decision, else its submission), the person history endpoint (the visible
interventions with their citations, in the declared shape), what the public
never sees (internal, uncited, trashed, behind a hidden body), pinned query
counts of the person page, and the statistics page's counts by year, kind and
outcome, equal to the API's `/api/v1/interventions/?kind=&outcome=&year=`."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import serializers as shapes
from cases.choices import Visibility
from cases.pages import person_page
from cases.partial_dates import PartialDate
from cases.reads.history import person_history
from cases.visibility import Reader
from interventions.choices import InterventionKind, InterventionOutcome, WgadCategory
from interventions.models import Intervention
from interventions.reads import OUTCOME_FILTER_CHOICES
from tests import factories
from tests.test_api import _assert_shape, _keys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the API's throttle counters and the filter counts live in the cache


def html(response) -> str:
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def text(page: str) -> str:
    """The page's words, without tags and with single spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(client.get(url))
    return len(captured.captured_queries)


def intervention(
    title: str,
    persons=(),
    *,
    cited: bool = True,
    kind: str = InterventionKind.WGAD,
    visibility: str = Visibility.PUBLIC,
    **fields,
) -> Intervention:
    dates = {
        name: PartialDate.parse(fields.pop(name))
        for name in ("submitted_on", "communicated_on", "government_replied_on", "decided_on")
        if name in fields
    }
    obj = Intervention(title=title, kind=kind, visibility=visibility, **fields)
    for name, value in dates.items():
        setattr(obj, name, value)  # the date and its precision together
    obj.save()
    obj.persons.add(*persons)
    if cited:
        factories.cite(obj, claim="intervention", excerpt=f"Excerpt on {title}")
    return obj


@pytest.fixture
def wgad():
    """A public person with a public Working Group opinion finding categories II
    and III (cited), and four interventions the public may not see: an internal
    one (cited), a public one with no citation, a trashed one (cited), and one
    before an internal body (cited)."""
    person = factories.person("Opinion Holder")
    factories.cite(person, claim="name")
    working_group = factories.organization("UN Working Group on Arbitrary Detention", slug="wgad")
    opinion = intervention(
        "Opinion concerning Opinion Holder",
        [person],
        body=working_group,
        reference="AZE 2/2023",
        submitted_on="2023-06",
        communicated_on="2023-08-10",
        decided_on="2024-03-22",
        status="decided",
        outcome=InterventionOutcome.ARBITRARY,
        opinion_number="23/2024",
        wgad_categories=["III", "II"],
        outcome_summary="The Working Group requested the immediate release.",
        released_after=False,
        internal_notes="Lawyer's private phone number",
    )
    internal = intervention(
        "Draft petition in preparation",
        [person],
        visibility=Visibility.INTERNAL,
        submitted_on="2024-09",
        status="in-preparation",
    )
    uncited = intervention("Uncited urgent appeal", [person], cited=False, decided_on="2024-01")
    trashed = intervention("Trashed resolution", [person], decided_on="2022-05")
    trashed.deleted_at = timezone.now()
    trashed.save()
    hidden_body = factories.organization("Internal body", visibility=Visibility.INTERNAL)
    behind = intervention("Before a hidden body", [person], body=hidden_body, decided_on="2021")
    return {
        "person": person,
        "opinion": opinion,
        "hidden": [internal, uncited, trashed, behind],
    }


def test_a_wgad_opinion_shows_on_the_timeline_with_its_categories(client, wgad):
    page = html(client.get(f"/persons/{wgad['person'].slug}/"))
    words = text(page)
    assert "Opinion concerning Opinion Holder" in words
    assert "Opinion No. 23/2024" in words
    assert "Outcome: detention found arbitrary · Opinion No. 23/2024" in words
    # the categories in order, with what each means
    assert re.search(
        r"Category II: detention for exercising rights and freedoms.*"
        r"Category III: grave violation of the right to a fair trial",
        words,
    )
    assert "Category I:" not in words
    assert "Reference: AZE 2/2023" in words
    assert 'href="/organizations/wgad/"' in page
    # placed at its decision; its other dates are said
    start = page.index('<li class="entry entry--intervention">')
    entry = page[start : page.index("</li>\n", page.index("wgad-categories", start))]
    assert '<time datetime="2024-03-22">' in entry
    assert "UN Working Group on Arbitrary Detention: petition and opinion" in text(entry)
    assert "Submitted: June 2023" in words
    assert "Communicated to the government: 10 August 2023" in words
    assert "Not released after the decision." in words
    assert "The Working Group requested the immediate release." in words
    # never the internal notes
    assert "Lawyer's private phone number" not in page


def test_the_opinion_is_footnoted_to_its_source(wgad):
    context = person_page(wgad["person"], reader=Reader.PUBLIC)
    (entry,) = [e for e in context["timeline"] if e.kind == "intervention"]
    assert entry.date == PartialDate.parse("2024-03-22")
    assert entry.notes, "the intervention has a footnote"
    (note,) = [n for n in context["footnotes"] if n["number"] == entry.notes[0].number]
    assert note["excerpt"] == "Excerpt on Opinion concerning Opinion Holder"
    assert entry.item["categories"] == [
        {"code": "II", "label": WgadCategory.II.label},
        {"code": "III", "label": WgadCategory.III.label},
    ]
    assert [d["date"] for d in entry.item["other_dates"]] == [
        PartialDate.parse("2023-06"),
        PartialDate.parse("2023-08-10"),
    ]


def test_an_undecided_intervention_is_placed_at_its_submission(wgad):
    appeal = intervention(
        "Urgent appeal pending",
        [wgad["person"]],
        kind=InterventionKind.SPECIAL_PROCEDURES,
        submitted_on="2024-11-05",
        status="submitted",
    )
    context = person_page(wgad["person"], reader=Reader.PUBLIC)
    (entry,) = [e for e in context["timeline"] if e.item.get("uuid") == appeal.uuid]
    assert entry.date == PartialDate.parse("2024-11-05")
    assert entry.item["other_dates"] == []
    assert entry.item["outcome_label"] == ""
    # after the opinion of March 2024
    kinds = [e.item.get("title") for e in context["timeline"] if e.kind == "intervention"]
    assert kinds == ["Opinion concerning Opinion Holder", "Urgent appeal pending"]


def test_hidden_interventions_never_reach_the_public(client, wgad):
    slug = wgad["person"].slug
    page = text(html(client.get(f"/persons/{slug}/")))
    history = client.get(f"/api/v1/persons/{slug}/history/").json()
    for hidden in wgad["hidden"]:
        assert hidden.title not in page
        assert str(hidden.uuid) not in str(history)
    assert [i["uuid"] for i in history["interventions"]] == [str(wgad["opinion"].uuid)]
    # staff see the internal and the uncited ones, never the trashed one
    staff = person_history(wgad["person"], reader=Reader.STAFF)
    titles = {i["title"] for i in staff["interventions"]}
    assert "Draft petition in preparation" in titles
    assert "Uncited urgent appeal" in titles
    assert "Before a hidden body" in titles
    assert "Trashed resolution" not in titles


def test_the_history_carries_interventions_with_citations_in_the_declared_shape(client, wgad):
    history = client.get(f"/api/v1/persons/{wgad['person'].slug}/history/").json()
    _assert_shape(history, _keys(shapes.PersonHistorySerializer()), "history")
    (row,) = history["interventions"]
    assert row["kind"] == "wgad"
    assert row["body"]["slug"] == "wgad"
    assert row["reference"] == "AZE 2/2023"
    assert row["decided_on"] == "2024-03-22"
    assert row["submitted_on"] == "2023-06"
    assert row["outcome"] == "arbitrary"
    assert row["opinion_number"] == "23/2024"
    assert row["wgad_categories"] == ["II", "III"]
    assert row["released_after"] is False
    assert "internal_notes" not in row
    (citation,) = row["citations"]
    assert citation["excerpt"] == "Excerpt on Opinion concerning Opinion Holder"
    source_uuids = {s["uuid"] for s in history["sources"]}
    assert citation["source"] in source_uuids


def test_an_intervention_with_no_outcome_has_null_outcome_in_the_history(wgad):
    appeal = intervention("Pending", [wgad["person"]], submitted_on="2024-02")
    history = person_history(wgad["person"], reader=Reader.PUBLIC)
    (row,) = [i for i in history["interventions"] if i["uuid"] == appeal.uuid]
    assert row["outcome"] is None
    assert row["body"] is None
    assert row["wgad_categories"] == []


def test_the_person_page_query_count_does_not_grow_with_interventions(client, wgad):
    url = f"/persons/{wgad['person'].slug}/"
    before = queries(client, url)
    body = factories.organization("European Court of Human Rights", slug="ecthr")
    for i in range(8):
        intervention(
            f"Application {i}",
            [wgad["person"]],
            kind=InterventionKind.ECTHR,
            body=body,
            decided_on=f"20{10 + i}-05",
            outcome=InterventionOutcome.VIOLATION,
            articles_violated="5 § 1, 18",
        )
    page = text(html(client.get(url)))
    assert "Application 7" in page
    assert "Articles of the Convention violated: 5 § 1, 18" in page
    assert queries(client, url) == before
    # and a person with none reads the same
    other = factories.person("No Interventions")
    factories.cite(other, claim="name")
    assert queries(client, f"/persons/{other.slug}/") == before


def test_the_history_query_count_does_not_grow_with_interventions(client, wgad):
    url = f"/api/v1/persons/{wgad['person'].slug}/history/"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    before = len(captured)
    for i in range(5):
        intervention(f"More {i}", [wgad["person"]], decided_on=f"200{i}")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured) == before


def _api_count(client, **params) -> int:
    """How many interventions the API lists under these filters, every page."""
    n = 0
    url, query = "/api/v1/interventions/", {**params, "page_size": 500}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        n += len(body["results"])
        url, query = body.get("next"), None
    return n


@pytest.fixture
def counted(wgad):
    """Interventions of several kinds, years and outcomes, some hidden."""
    person = wgad["person"]
    other = factories.person("Second Person")
    factories.cite(other, claim="name")
    intervention(
        "Joint opinion", [person, other], decided_on="2024-11", outcome="arbitrary",
        wgad_categories=["I", "II"], opinion_number="60/2024",
    )  # fmt: skip
    intervention(
        "ECtHR judgment", [other], kind=InterventionKind.ECTHR, decided_on="2023-02-01",
        submitted_on="2016", outcome="violation",
    )  # fmt: skip
    intervention("Pending application", [other], kind=InterventionKind.ECTHR, submitted_on="2023")
    intervention(
        "PACE resolution", [], kind=InterventionKind.PARLIAMENTARY_RESOLUTION,
        decided_on="2024-01-25", outcome="adopted",
    )  # fmt: skip
    intervention("Undated appeal", [other], kind=InterventionKind.SPECIAL_PROCEDURES)
    intervention(
        "Internal opinion", [other], visibility=Visibility.INTERNAL, decided_on="2024",
        outcome="arbitrary", wgad_categories=["II"],
    )  # fmt: skip
    return wgad


def test_the_statistics_count_interventions_by_year_and_outcome_as_the_api(client, counted):
    response = client.get("/statistics/")
    page = html(response)
    tables = response.context["interventions"]
    kinds = [k["code"] for k in tables["kinds"]]
    assert kinds == ["wgad", "special-procedures", "ecthr", "parliamentary-resolution"]
    by_year = {
        row["year"]: dict(zip(kinds, row["counts"], strict=True)) for row in tables["by_year"]
    }
    assert list(by_year) == [2024, 2023]  # newest first; 2022 and 2021 are hidden
    assert by_year[2024] == {
        "wgad": 2, "ecthr": 0, "special-procedures": 0, "parliamentary-resolution": 1,
    }  # fmt: skip
    assert by_year[2023]["ecthr"] == 2  # the judgment (decided 2023) and the pending one
    for year, counts in by_year.items():
        for kind, n in counts.items():
            assert n == _api_count(client, year=year, kind=kind), (year, kind)
    by_outcome = {row["code"]: row["n"] for row in tables["by_outcome"]}
    assert by_outcome == {
        "arbitrary": 2, "violation": 1, "adopted": 1, "category-i": 1, "category-ii": 2,
        "category-iii": 1,
    }  # fmt: skip
    for value, _label in OUTCOME_FILTER_CHOICES:
        assert by_outcome.get(value, 0) == _api_count(client, outcome=value), value
    assert tables["undated"] == 1
    assert tables["total"] == _api_count(client) == 6
    # the numbers are in the page's tables
    words = text(page)
    assert "Interventions by year and kind" in words
    assert re.search(r"2024 2 0 0 1 3", words)
    assert re.search(r"Detention found arbitrary 2", words)
    assert "1 intervention with neither a decision nor a submission date" in words


def test_the_statistics_say_when_no_intervention_is_published(client):
    words = text(html(client.get("/statistics/")))
    assert "No intervention has been published yet." in words
