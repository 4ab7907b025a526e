"""The partner API's interventions (`/api/v1/interventions/` and one by UUID):
what each reader sees (an internal, partners-only, uncited or trashed
intervention, one before a hidden body, a hidden person listed on a visible
one, the internal notes), the declared shape, the filters, the persons filters
`intervention_kind` and `intervention_outcome` (one and the same intervention),
the statistics' counts (interventions.reads.intervention_counts) equal to the
list's, and query counts pinned whatever the page size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import QueryDict
from rest_framework import serializers

from access.services import token_issue
from cases.choices import Visibility
from cases.partial_dates import PartialDate
from cases.visibility import Reader, visible
from interventions.api.serializers import InterventionSerializer
from interventions.models import Intervention
from interventions.reads import INTERVENTION_FIELDS, intervention_counts, intervention_rows
from sources.models import Citation
from tests import factories

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


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["title"] for row in response.json()["results"])


def person_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["display_name"] for row in response.json()["results"])


def intervention(
    title: str,
    *,
    kind: str = "wgad",
    persons=(),
    cited: bool = True,
    visibility: str = PUBLIC,
    submitted_on: str | None = None,
    decided_on: str | None = None,
    **fields,
) -> Intervention:
    obj = Intervention(title=title, kind=kind, visibility=visibility, **fields)
    obj.submitted_on = PartialDate.parse(submitted_on) if submitted_on else None
    obj.decided_on = PartialDate.parse(decided_on) if decided_on else None
    obj.save()
    obj.persons.set(persons)
    if cited:
        factories.cite(obj)
    return obj


@pytest.fixture
def world():
    """A public WGAD opinion (categories II and III) for Ali and an internal
    person; a partners-only ECtHR judgment for Bahar; an internal urgent appeal;
    an uncited opinion for Dilara; a trashed one; one before an internal body;
    Chingiz, with a WGAD opinion finding nothing and a treaty body finding
    category II (no single intervention is both)."""
    wgad = factories.organization("UN Working Group on Arbitrary Detention")
    court = factories.organization("European Court of Human Rights")
    secret_body = factories.organization("Secret Body", visibility=INTERNAL)
    ali, bahar = factories.person("Ali Aliyev"), factories.person("Bahar Bayramova")
    chingiz, dilara = factories.person("Chingiz Cavadov"), factories.person("Dilara Davudova")
    hidden = factories.person("Hidden Person", visibility=INTERNAL)
    opinion = intervention(
        "Opinion on Ali Aliyev",
        body=wgad,
        persons=[ali, hidden],
        reference="AZE 1/2024",
        submitted_on="2023-11",
        decided_on="2024-08-30",
        status="decided",
        outcome="arbitrary",
        opinion_number="23/2024",
        wgad_categories=["III", "II"],
        outcome_summary="Arbitrary; release called for.",
        released_after=False,
        internal_notes="The lawyer's private number.",
    )
    judgment = intervention(
        "Bayramova v. Azerbaijan",
        kind="ecthr",
        body=court,
        persons=[bahar],
        visibility=PARTNERS,
        submitted_on="2021",
        decided_on="2023-05",
        status="decided",
        outcome="violation",
        articles_violated="5 § 1, 18",
        just_satisfaction="EUR 20,000",
    )
    appeal = intervention(
        "Urgent appeal in preparation",
        kind="special-procedures",
        persons=[ali],
        visibility=INTERNAL,
        submitted_on="2024-02",
        status="in-preparation",
    )
    uncited = intervention(
        "Unsourced opinion",
        persons=[dilara],
        cited=False,
        decided_on="2024",
        outcome="arbitrary",
        wgad_categories=["II"],
    )
    trashed = intervention("Withdrawn petition", persons=[dilara], submitted_on="2022")
    trashed.deleted_at = trashed.updated_at
    trashed.save()
    hidden_body = intervention(
        "Before a secret body", body=secret_body, persons=[bahar], submitted_on="2024"
    )
    intervention(
        "Opinion on Chingiz Cavadov",
        persons=[chingiz],
        decided_on="2022-03",
        outcome="not-arbitrary",
        status="decided",
    )
    intervention(
        "Treaty body views on Chingiz Cavadov",
        kind="treaty-body",
        persons=[chingiz],
        outcome="violation",
        wgad_categories=["II"],
    )  # undated: counted by kind and outcome, not by year
    return {
        "opinion": opinion,
        "judgment": judgment,
        "appeal": appeal,
        "uncited": uncited,
        "trashed": trashed,
        "hidden_body": hidden_body,
        "wgad": wgad,
        "ali": ali,
        "hidden": hidden,
    }


PUBLIC_TITLES = [
    "Opinion on Ali Aliyev",
    "Opinion on Chingiz Cavadov",
    "Treaty body views on Chingiz Cavadov",
]


def test_the_public_sees_only_public_cited_interventions(client, world):
    response = get(client, "/api/v1/interventions/")
    assert titles(response) == PUBLIC_TITLES
    row = next(r for r in response.json()["results"] if r["title"] == "Opinion on Ali Aliyev")
    ali, wgad = world["ali"], world["wgad"]
    assert row["uuid"] == str(world["opinion"].uuid)
    assert row["kind"] == "wgad" and row["status"] == "decided" and row["outcome"] == "arbitrary"
    assert row["body"] == {"uuid": str(wgad.uuid), "slug": wgad.slug, "name": wgad.name}
    # the internal person listed on it is left out
    assert row["persons"] == [
        {"uuid": str(ali.uuid), "slug": ali.slug, "display_name": "Ali Aliyev"}
    ]
    assert row["reference"] == "AZE 1/2024" and row["opinion_number"] == "23/2024"
    assert row["wgad_categories"] == ["II", "III"]
    assert row["submitted_on"] == "2023-11" and row["decided_on"] == "2024-08-30"
    assert row["communicated_on"] is None and row["government_replied_on"] is None
    assert row["released_after"] is False
    assert row["citations"] == [
        {
            "source": str(Citation.objects.get(intervention=world["opinion"]).source.uuid),
            "claim": "",
            "locator": "",
            "excerpt": "",
            "confidence": "medium",
        }
    ]
    text = response.content.decode()
    assert "internal_notes" not in row and "_id" not in row
    assert "private number" not in text and "Hidden Person" not in text
    assert "Secret Body" not in text


def test_a_partner_sees_partners_interventions_too(client, partner_token, world):
    response = get(client, "/api/v1/interventions/", partner_token)
    assert titles(response) == sorted([*PUBLIC_TITLES, "Bayramova v. Azerbaijan"])
    judgment = next(r for r in response.json()["results"] if r["kind"] == "ecthr")
    assert judgment["articles_violated"] == "5 § 1, 18"
    assert judgment["just_satisfaction"] == "EUR 20,000"
    assert judgment["outcome"] == "violation" and judgment["wgad_categories"] == []
    assert "Hidden Person" not in response.content.decode()


def test_a_staff_session_sees_what_the_public_sees_in_the_api(staff_client, world):
    """Staff sessions do not widen the API (cases.api.views.CasebookAPIView)."""
    assert titles(get(staff_client, "/api/v1/interventions/")) == PUBLIC_TITLES
    uuid = world["appeal"].uuid
    assert get(staff_client, f"/api/v1/interventions/{uuid}/").status_code == 404


def test_staff_rows_show_internal_and_uncited_interventions_and_hidden_persons(world):
    """The rows the staff pages build on: everything but the trash."""
    rows = intervention_rows(
        list(visible(Intervention.objects.all(), Reader.STAFF).values(*INTERVENTION_FIELDS)),
        reader=Reader.STAFF,
    )
    by_title = {row["title"]: row for row in rows}
    assert sorted(by_title) == sorted(
        [
            *PUBLIC_TITLES,
            "Bayramova v. Azerbaijan",
            "Urgent appeal in preparation",
            "Unsourced opinion",
            "Before a secret body",
        ]
    )
    opinion = by_title["Opinion on Ali Aliyev"]
    assert [p["display_name"] for p in opinion["persons"]] == ["Ali Aliyev", "Hidden Person"]
    assert by_title["Before a secret body"]["body"]["name"] == "Secret Body"
    assert by_title["Unsourced opinion"]["citations"] == []
    assert "internal_notes" not in opinion


def test_one_intervention_by_uuid(client, partner_token, world):
    opinion, judgment = world["opinion"], world["judgment"]
    response = get(client, f"/api/v1/interventions/{opinion.uuid}/")
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Opinion on Ali Aliyev"
    assert response.json()["wgad_categories"] == ["II", "III"]
    assert get(client, f"/api/v1/interventions/{judgment.uuid}/").status_code == 404
    assert get(client, f"/api/v1/interventions/{judgment.uuid}/", partner_token).status_code == 200


@pytest.mark.parametrize("name", ["appeal", "uncited", "trashed", "hidden_body"])
def test_an_intervention_the_reader_may_not_see_is_a_404(client, partner_token, world, name):
    url = f"/api/v1/interventions/{world[name].uuid}/"
    assert get(client, url).status_code == 404
    assert get(client, url, partner_token).status_code == 404
    assert get(client, "/api/v1/interventions/not-a-uuid/").status_code == 404


def test_rows_have_exactly_the_declared_shape(client, partner_token, world):
    declared = set(InterventionSerializer().fields)
    for row in get(client, "/api/v1/interventions/", partner_token).json()["results"]:
        assert set(row) == declared
    body = InterventionSerializer().fields["body"]
    assert isinstance(body, serializers.Serializer) and set(body.fields) == {"uuid", "slug", "name"}


def test_the_intervention_list_filters(client, partner_token, world):
    url = "/api/v1/interventions/"
    assert titles(get(client, url, kind="treaty-body")) == ["Treaty body views on Chingiz Cavadov"]
    assert titles(get(client, url, outcome="category-ii")) == [
        "Opinion on Ali Aliyev",
        "Treaty body views on Chingiz Cavadov",
    ]
    assert titles(get(client, url, outcome="category-iii")) == ["Opinion on Ali Aliyev"]
    assert titles(get(client, url, outcome=["not-arbitrary", "category-iii"])) == [
        "Opinion on Ali Aliyev",
        "Opinion on Chingiz Cavadov",
    ]
    assert titles(get(client, url, kind="wgad", outcome="category-ii")) == ["Opinion on Ali Aliyev"]
    # the year of the decision, else of the submission
    assert titles(get(client, url, partner_token, year="2023")) == ["Bayramova v. Azerbaijan"]
    assert titles(get(client, url, year="2024")) == ["Opinion on Ali Aliyev"]
    assert titles(get(client, url, year="2022")) == ["Opinion on Chingiz Cavadov"]
    assert titles(get(client, url, status="decided")) == [
        "Opinion on Ali Aliyev",
        "Opinion on Chingiz Cavadov",
    ]
    assert titles(get(client, url, body=world["wgad"].slug)) == ["Opinion on Ali Aliyev"]
    assert titles(get(client, url, person=world["ali"].slug)) == ["Opinion on Ali Aliyev"]
    # a hidden person or body is a 404 saying so, a bad value a 400
    assert get(client, url, person=world["hidden"].slug).status_code == 404
    assert get(client, url, body="secret-body").status_code == 404
    assert get(client, url, outcome="category-vi").status_code == 400
    assert get(client, url, kind="petition").status_code == 400
    assert get(client, url, year="24").status_code == 400
    assert get(client, url, colour="red").status_code == 400


def test_persons_with_a_wgad_opinion_finding_category_ii(client, partner_token, world):
    url = "/api/v1/persons/"
    found = get(client, url, intervention_kind="wgad", intervention_outcome="category-ii")
    # not Chingiz: his WGAD opinion found nothing, his category II is another body's;
    # not Dilara: her opinion is uncited; not the internal person listed with Ali
    assert person_names(found) == ["Ali Aliyev"]
    assert person_names(get(client, url, intervention_outcome="category-ii")) == [
        "Ali Aliyev",
        "Chingiz Cavadov",
    ]
    assert person_names(get(client, url, intervention_kind="wgad")) == [
        "Ali Aliyev",
        "Chingiz Cavadov",
    ]
    # a partners-only judgment finds its person for partners only
    assert person_names(get(client, url, intervention_kind="ecthr")) == []
    assert person_names(get(client, url, partner_token, intervention_kind="ecthr")) == [
        "Bahar Bayramova"
    ]
    # an internal urgent appeal finds no one; neither does a trashed petition
    assert (
        person_names(get(client, url, partner_token, intervention_kind="special-procedures")) == []
    )
    assert person_names(
        get(client, url, intervention_kind="wgad", intervention_outcome="arbitrary")
    ) == ["Ali Aliyev"]
    assert get(client, url, intervention_outcome="category-x").status_code == 400


def test_the_person_facet_keys_change_with_an_intervention(world):
    from cases.filtersets import PersonFilterSet
    from cases.reads.facets import facet_keys, facet_tables, table_versions

    data = {"intervention_kind": ["wgad"]}
    assert "interventions_intervention" in facet_tables("total", data)
    assert "sources_citation:intervention" in facet_tables("total", data)
    filterset = PersonFilterSet(
        QueryDict("intervention_kind=wgad"), Intervention.objects.none(), reader=Reader.PUBLIC
    )
    before = facet_keys(filterset, table_versions())["total"]
    world["opinion"].save()
    assert facet_keys(filterset, table_versions())["total"] != before


def _api_count(client, token, **params) -> int:
    response = get(client, "/api/v1/interventions/", token, page_size=500, **params)
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return len(response.json()["results"])


@pytest.mark.parametrize("reader", [Reader.PUBLIC, Reader.PARTNER])
def test_the_statistics_counts_equal_the_api_lists(client, partner_token, world, reader):
    token = partner_token if reader is Reader.PARTNER else None
    counts = intervention_counts(reader=reader)
    assert counts["total"] == _api_count(client, token)
    for kind, n in counts["by_kind"].items():
        assert n == _api_count(client, token, kind=kind), kind
    for year, kinds in counts["by_year"].items():
        for kind, n in kinds.items():
            assert n == _api_count(client, token, kind=kind, year=str(year)), (year, kind)
    for value, n in counts["by_outcome"].items():
        assert n == _api_count(client, token, outcome=value), value
    dated = sum(n for kinds in counts["by_year"].values() for n in kinds.values())
    assert dated + counts["undated"] == counts["total"]


def test_the_statistics_counts_of_the_public(world):
    counts = intervention_counts(reader=Reader.PUBLIC)
    assert counts["total"] == 3 and counts["undated"] == 1
    assert counts["by_year"] == {2024: {"wgad": 1}, 2022: {"wgad": 1}}
    assert counts["by_kind"]["wgad"] == 2 and counts["by_kind"]["treaty-body"] == 1
    assert counts["by_kind"]["ecthr"] == 0  # partners only
    assert counts["by_outcome"]["category-ii"] == 2
    assert counts["by_outcome"]["category-iii"] == 1
    assert counts["by_outcome"]["arbitrary"] == 1
    assert counts["by_outcome"]["violation"] == 1  # the treaty body's, not the court's
    assert counts["by_outcome"]["category-v"] == 0
    partner = intervention_counts(reader=Reader.PARTNER)
    assert partner["by_year"][2023] == {"ecthr": 1} and partner["by_outcome"]["violation"] == 2


# --- query counts ---------------------------------------------------------------------------


def test_the_intervention_list_query_count_does_not_grow_with_the_page_size(
    client, django_assert_num_queries
):
    for number in range(30):
        persons = [factories.person(f"Person {number}-{i}") for i in range(2)]
        intervention(
            f"Opinion {number}",
            body=factories.organization(f"Body {number}"),
            persons=persons,
            decided_on="2024",
            wgad_categories=["I"],
        )
    # the page, the persons, the citations; the throttle's read and write
    for size in (2, 30):
        with django_assert_num_queries(5):
            page = client.get("/api/v1/interventions/", {"page_size": size}).json()["results"]
        assert len(page) == size and all(len(row["persons"]) == 2 for row in page)
    # filtered: the body looked up as well
    with django_assert_num_queries(6):
        response = client.get(
            "/api/v1/interventions/",
            {"page_size": 30, "kind": "wgad", "outcome": "category-i", "body": "body-1"},
        )
    assert len(response.json()["results"]) == 1


def test_the_intervention_detail_query_count(client, django_assert_num_queries, world):
    # the intervention, its persons, its citations; the throttle's read and write
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/interventions/{world['opinion'].uuid}/")
    assert response.json()["persons"][0]["display_name"] == "Ali Aliyev"
