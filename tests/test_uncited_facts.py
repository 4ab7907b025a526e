"""The evidence rule on the way out (cases.visibility, rule 3): a fact reaches a
partner or the public only with a citation that reader may see. An uncited
public fact, and what hangs under it, is absent from every public page, the
API in JSON and CSV, the feeds, the sitemap, search and every count, for the
anonymous reader and for a partner; staff still see it. A citation that is
restricted or in the trash, or one of a restricted or trashed source, does not
count; a confidential source does (and stays masked)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from access.services import token_issue
from cases.models import Charge, Detention, Organization, PaceAssessment
from cases.partial_dates import PartialDate
from cases.reads.history import person_history
from cases.reads.statistics import headline_counts
from cases.visibility import CITED_FACTS, Reader, cited_sql, visible
from sources.models import CITATION_TARGETS, Citation, ReportedCount
from tests import factories

pytestmark = pytest.mark.django_db

MARK = "UNCITEDMARK"  # in a text field of the uncited fact and of every record under it


def _detention(person):
    """An uncited detention that holds the person, with a charge, an event, a PACE
    criterion and an allegation about it, each cited or public on its own."""
    detention = factories.detention(
        person, arrested="2023-11", stage="pre-trial-detention", facility=f"{MARK} prison",
        cited=False,
    )  # fmt: skip
    Charge.objects.create(detention=detention, article="206.3.2", description=f"{MARK} charge",
                          visibility="public")  # fmt: skip
    factories.case_event(detention, "sentenced", description=f"{MARK} event")
    PaceAssessment.objects.create(detention=detention, criterion="b",
                                  justification=f"{MARK} pace", visibility="public")  # fmt: skip
    factories.allegation(person, detention=detention, description=f"{MARK} allegation")
    return detention


def _case_event(person):
    detention = factories.detention(person, arrested="2023-11", stage="pre-trial-detention")
    return factories.case_event(detention, "sentenced", description=f"{MARK} event", cited=False)


def _allegation(person):
    return factories.allegation(person, kind="torture", description=f"{MARK} torture",
                                cited=False)  # fmt: skip


def _statement(person):
    statement = factories.statement(f"{MARK} call", cited=False)
    statement.persons.add(person)
    return statement


def _affiliation(person):
    organization = Organization.objects.get(slug="meydan-tv")
    return factories.affiliation(person, organization, role=f"{MARK} editor", cited=False)


FACTS = {
    "detention": _detention,
    "case_event": _case_event,
    "allegation": _allegation,
    "statement": _statement,
    "affiliation": _affiliation,
}


@pytest.fixture
def partner():
    cache.clear()  # the API's throttle counts
    _token, raw = token_issue(name="Partner NGO")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def person():
    """A public person with a cited public detention of her own, so every output
    has a case to show."""
    person = factories.person("Sevinj Vagifgizi")
    factories.detention(person, arrested="2020", released="2021", stage="released")
    factories.organization("Meydan TV", slug="meydan-tv")
    return person


def public_urls(person) -> list[str]:
    return [
        "/", "/persons/", f"/persons/?q={person.display_name}", "/persons/?status=held",
        "/persons/?allegation=torture", "/persons/?organization=meydan-tv",
        f"/persons/{person.slug}/", "/statements/", "/organizations/",
        "/organizations/meydan-tv/", "/sources/", "/statistics/", "/feeds/updates/",
        "/feeds/statements/", "/sitemap.xml", "/sitemap-persons.xml",
        f"/persons/suggest/?q={person.display_name}",
    ]  # fmt: skip


def api_urls(person) -> list[str]:
    urls = [
        "/api/v1/persons/", f"/api/v1/persons/{person.slug}/",
        f"/api/v1/persons/{person.slug}/history/", "/api/v1/detentions/", "/api/v1/allegations/",
        "/api/v1/statements/", "/api/v1/organizations/", "/api/v1/stats/",
        "/api/v1/persons/?status=held", "/api/v1/persons/?allegation=torture",
    ]  # fmt: skip
    return urls + [url + ("&" if "?" in url else "?") + "format=csv" for url in urls]


def bodies(client, urls: list[str], headers: dict) -> dict[str, str]:
    found = {}
    for url in urls:
        cache.clear()  # the pages' cached filter counts and the API's throttle
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        found[url] = content.decode()
    return found


def showing(client, urls, headers=None) -> list[str]:
    return [url for url, body in bodies(client, urls, headers or {}).items() if MARK in body]


@pytest.mark.parametrize("kind", FACTS)
def test_an_uncited_fact_reaches_no_public_output_and_no_partner(client, partner, person, kind):
    fact = FACTS[kind](person)
    assert showing(client, public_urls(person)) == []
    assert showing(client, api_urls(person)) == []
    assert showing(client, api_urls(person), partner) == []
    # cited, the same outputs show it: the check above is not blind
    factories.cite(fact)
    assert f"/persons/{person.slug}/" in showing(client, public_urls(person))
    assert f"/api/v1/persons/{person.slug}/history/" in showing(client, api_urls(person), partner)


@pytest.mark.parametrize("kind", FACTS)
def test_staff_still_see_an_uncited_fact(person, kind):
    fact = FACTS[kind](person)
    assert visible(type(fact).objects.filter(pk=fact.pk), Reader.STAFF).exists()
    assert not visible(type(fact).objects.filter(pk=fact.pk), Reader.PARTNER).exists()
    assert MARK in str(person_history(person, reader=Reader.STAFF))
    assert MARK not in str(person_history(person, reader=Reader.PARTNER))


def test_an_uncited_detention_hides_its_charges_events_pace_criteria_and_allegations(person):
    detention = _detention(person)
    for model in (Charge, PaceAssessment):
        assert not visible(model.objects.filter(detention=detention), Reader.PUBLIC).exists()
    # the event and the allegation are cited themselves: hidden with their detention
    assert Citation.objects.filter(case_event__detention=detention).exists()
    assert Citation.objects.filter(allegation__detention=detention).exists()
    for related in ("events", "allegations"):
        rows = getattr(detention, related).all()
        assert not visible(rows, Reader.PUBLIC).exists(), f"{related} of an uncited detention"
    factories.cite(detention)
    assert visible(detention.events.all(), Reader.PUBLIC).count() == 1
    assert visible(detention.allegations.all(), Reader.PUBLIC).count() == 1


def test_counts_leave_out_uncited_facts_for_every_reader_but_staff(client, partner, person):
    _detention(person)  # held, not cited
    _allegation(person)  # torture, not cited

    def held_and_tortured(reader: Reader) -> tuple[int, int]:
        counts = headline_counts(reader=reader)
        held = counts["in_detention_now"] + counts["held_earlier"] + counts["held_undated"]
        return held, counts["torture_alleged"]

    assert held_and_tortured(Reader.PUBLIC) == held_and_tortured(Reader.PARTNER) == (0, 0)
    assert held_and_tortured(Reader.STAFF) == (1, 1)
    for headers in ({}, partner):
        cache.clear()
        stats = client.get("/api/v1/stats/", **headers).json()
        assert stats["by_allegation_kind"] == []
        assert client.get("/api/v1/persons/?status=held", **headers).json()["results"] == []
        (row,) = client.get("/api/v1/persons/", **headers).json()["results"]
        assert [d["arrested_on"] for d in row["detentions"]] == ["2020"]  # the cited one only


# --- which citations count ------------------------------------------------------------

TRASHED = {"deleted_at": timezone.now}


def _citation_of(fact, *, citation: dict, source: dict):
    source_fields = {k: v() if callable(v) else v for k, v in source.items()}
    citation_fields = {k: v() if callable(v) else v for k, v in citation.items()}
    factories.cite(fact, source_obj=factories.source("Evidence", **source_fields),
                   **citation_fields)  # fmt: skip


@pytest.mark.parametrize(
    "citation, source, public, partner_sees",
    [
        ({}, {}, True, True),
        ({"visibility": "internal"}, {}, False, False),
        ({"visibility": "partners"}, {}, False, True),
        (TRASHED, {}, False, False),
        ({}, {"visibility": "internal"}, False, False),
        ({}, {"visibility": "partners"}, False, True),
        ({}, TRASHED, False, False),
        ({}, {"is_confidential": True, "author": "The speaker"}, True, True),
    ],
    ids=["public", "internal citation", "partners citation", "trashed citation",
         "internal source", "partners source", "trashed source", "confidential source"],
)  # fmt: skip
def test_a_fact_counts_as_cited_only_by_a_citation_and_source_the_reader_may_see(
    client, partner, person, citation, source, public, partner_sees
):
    detention = _detention(person)
    _citation_of(detention, citation=citation, source=source)
    page = client.get(f"/persons/{person.slug}/").content.decode()
    assert (MARK in page) is public
    history = client.get(f"/api/v1/persons/{person.slug}/history/", **partner).content.decode()
    assert (MARK in history) is partner_sees
    assert "The speaker" not in page + history  # a confidential source stays masked
    for reader, expected in ((Reader.PUBLIC, public), (Reader.PARTNER, partner_sees)):
        assert visible(type(detention).objects.filter(pk=detention.pk), reader).exists() is expected


# --- the policy's parts -------------------------------------------------------------


def test_every_kind_of_fact_a_citation_supports_needs_one():
    """A fact added later as a citation target is held to the rule by itself."""
    targets = {Citation._meta.get_field(t).related_model._meta.model_name for t in CITATION_TARGETS}
    assert set(CITED_FACTS) == targets - {"person"}
    assert {"affiliation", "detention", "caseevent", "allegation", "statement"} <= set(CITED_FACTS)


def test_the_sql_condition_and_the_orm_condition_agree(person):
    """cited_sql (hand-written queries) and visibility_q (the ORM) say the same."""
    cited = factories.detention(person, arrested="2022")
    uncited = factories.detention(person, arrested="2023", cited=False)
    restricted = factories.detention(person, arrested="2024", cited=False)
    factories.cite(restricted, visibility="partners")
    for reader in Reader:
        condition, params = cited_sql(Detention, reader, "d")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id FROM cases_detention d WHERE d.id = ANY(%s) AND {condition}",
                [[cited.pk, uncited.pk, restricted.pk], *params],
            )
            by_sql = {row[0] for row in cursor.fetchall()}
        by_orm = set(
            visible(Detention.objects.filter(pk__in=[cited.pk, uncited.pk, restricted.pk]),
                    reader).values_list("pk", flat=True)
        )  # fmt: skip
        assert by_sql == by_orm, reader
    assert by_orm == {cited.pk, uncited.pk, restricted.pk}  # staff, the last reader


def test_an_uncited_reported_count_is_not_published(client, partner):
    publisher = factories.organization("U.S. Department of State")
    count = ReportedCount(publisher=publisher, number=254, counted="political prisoners",
                          visibility="public")  # fmt: skip
    count.as_of = PartialDate.parse("2023-12-01")
    count.save()
    for headers in ({}, partner):
        cache.clear()
        assert client.get("/api/v1/reported-counts/", **headers).json()["results"] == []
    factories.cite(count)
    cache.clear()
    assert len(client.get("/api/v1/reported-counts/").json()["results"]) == 1
