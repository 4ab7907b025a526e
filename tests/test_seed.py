"""The seed cases: built from the five articles, every public fact cited to the
article it comes from with a verbatim excerpt, loaded idempotently."""

import re
import textwrap

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef

from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Detention,
    NameVariant,
    Organization,
    Person,
    Statement,
)
from cases.seed import load_seed
from sources.models import Citation, Source
from tests.factories import delete_case_data

pytestmark = pytest.mark.django_db

NAMED_IN_THE_ARTICLES = [
    "Bakhtiyar Hajiyev",
    "Rufat Safarov",
    "Sevinj Vagifgizi",
    "Azer Gasimli",
    "Farid Mehralizada",
    "Gubad Ibadoghlu",
    "Ulvi Hassanli",
    "Fassil Gassimov",
    "Leyla Yunus",
    "Arif Yunus",
    "Ilgar Mammadov",
    "Intigam Aliyev",
    "Mahamad Azizov",
    "Rashadat Akhundov",
    "Rashad Hassanov",
    "Ali Aliyev",
]
ORGANIZATIONS = [
    "Abzas Media",
    "Meydan TV",
    "Defense Line",
    "TURAN",
    "Human Rights Watch",
    "UN Committee Against Torture",
    "U.S. Department of State",
]
CITED_FACTS = [Person, Affiliation, Detention, CaseEvent, Allegation, Statement]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Loaded once for the module (each test still rolls back its own changes)."""
    with django_db_blocker.unblock():
        report = load_seed()
    yield report
    with django_db_blocker.unblock():
        delete_case_data()


def _fold(text: str) -> str:
    return " ".join(text.split())


def test_every_person_named_as_detained_is_seeded(seeded):
    names = set(Person.objects.values_list("display_name", flat=True))
    assert set(NAMED_IN_THE_ARTICLES) <= names
    assert set(ORGANIZATIONS) <= set(Organization.objects.values_list("name", flat=True))
    for name in NAMED_IN_THE_ARTICLES:
        assert Detention.objects.filter(person__display_name=name).exists(), name


def test_each_article_is_a_source_with_its_archived_text(seeded):
    assert Source.objects.count() == 5
    for source in Source.objects.all():
        assert source.archive_text.strip(), source
    hrw = Source.objects.get(publisher__name="Human Rights Watch")
    assert hrw.published_on_partial.isoformat() == "2015-12-11"


def test_seed_records_are_public(seeded):
    for model in [*CITED_FACTS, Source, Citation, NameVariant, Organization]:
        assert not model.objects.exclude(visibility="public").exists(), model


@pytest.mark.parametrize("model", CITED_FACTS, ids=lambda m: m.__name__)
def test_every_public_fact_has_at_least_one_public_citation(seeded, model):
    related = {
        Person: "person",
        Affiliation: "affiliation",
        Detention: "detention",
        CaseEvent: "case_event",
        Allegation: "allegation",
        Statement: "statement",
    }[model]
    # ~Exists, not NOT IN: citations of other facts have NULL here, and NOT IN
    # over a set containing NULL is never true
    public_citations = Citation.objects.filter(visibility="public", **{related: OuterRef("pk")})
    uncited = model.objects.filter(visibility="public").filter(~Exists(public_citations))
    assert list(uncited) == []


def test_the_citation_check_finds_an_uncited_public_fact(seeded):
    # the check above must be able to fail
    person = Person.objects.create(display_name="Uncited Person", visibility="public")
    detention = Detention.objects.create(person=person, visibility="public")
    cited = Citation.objects.filter(visibility="public", detention=OuterRef("pk"))
    found = Detention.objects.filter(visibility="public").filter(~Exists(cited))
    assert list(found) == [detention]


def test_every_excerpt_is_quoted_verbatim_from_its_source(seeded):
    for citation in Citation.objects.select_related("source"):
        assert citation.excerpt, citation
        assert _fold(citation.excerpt) in _fold(citation.source.archive_text), (
            f"{citation}: excerpt not found in {citation.source}"
        )


def test_statement_quotes_are_verbatim_from_a_cited_source(seeded):
    for statement in Statement.objects.exclude(quote=""):
        sources = Source.objects.filter(citations__statement=statement)
        assert any(_fold(statement.quote) in _fold(s.archive_text) for s in sources), statement


def test_dates_are_at_the_precision_the_articles_give(seeded):
    leyla = Detention.objects.get(person__display_name="Leyla Yunus")
    assert leyla.released_on_partial.isoformat() == "2015-12-09"
    sevinj = Detention.objects.get(person__display_name="Sevinj Vagifgizi")
    assert str(sevinj.arrested_on_partial) == "November 2023"
    hassanli = Allegation.objects.get(count=58)
    assert hassanli.reported_by.display_name == "Ulvi Hassanli"
    assert hassanli.kind.code == "torture"
    hunger = Allegation.objects.get(person__display_name="Fassil Gassimov")
    assert hunger.kind.code == "hunger-strike"
    assert "90 days" in hunger.description


def test_no_charges_or_sentences_are_invented(seeded):
    # none of the five articles names a criminal-code article or a sentence
    assert not Detention.objects.filter(charges__isnull=False).exists()
    assert not Detention.objects.filter(sentence_months__isnull=False).exists()


def test_loading_twice_creates_nothing_new(seeded):
    counts = {model: model.objects.count() for model in [*CITED_FACTS, Citation, NameVariant]}
    report = load_seed()
    assert report.created == {}
    assert {model: model.objects.count() for model in counts} == counts


def test_reloading_keeps_a_researchers_edit_unless_asked_to_update(seeded):
    person = Person.objects.get(display_name="Leyla Yunus")
    person.summary = "Edited by a researcher"
    person.save()
    call_command("load_seed")
    person.refresh_from_db()
    assert person.summary == "Edited by a researcher"
    call_command("load_seed", "--update")
    person.refresh_from_db()
    assert person.summary != "Edited by a researcher"


def test_a_bad_seed_file_writes_nothing_and_names_every_problem(seeded, tmp_path):
    before = {model: model.objects.count() for model in [Person, Organization, Source]}
    bad = tmp_path / "seed.yaml"
    bad.write_text(
        textwrap.dedent(
            """
            organizations:
              - key: an-org
                name: An Organization
                kind: secret-police-fan-club
            sources:
              - key: s1
                title: A source
                kind: news-article
            persons:
              - key: good-person
                name: Good Person
                cite: [{source: s1, claim: name, excerpt: x}]
              - key: bad-person
                name: Bad Person
                cite: [{source: s1, claim: name, excerpt: x}]
                detentions:
                  - arrested_on: "31.02.2024"
                    legal_stage: imprisoned-forever
                    cite: [{source: s1, excerpt: x}]
            """
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("load_seed", "--file", str(bad))
    message = str(error.value)
    assert "nothing was written" in message
    assert "organization an-org: kind:" in message
    # the first error does not stop the check of the rest of the file
    assert "person bad-person, detention 1: arrested_on:" in message
    assert "February 2024 has 29 days" in message
    assert re.search(
        r"legal_stage: unknown term 'imprisoned-forever'; expected one of .*convicted", message
    )
    assert not Person.objects.filter(display_name="Good Person").exists()
    assert {model: model.objects.count() for model in before} == before


def test_a_file_that_is_not_yaml_gets_a_message_not_a_traceback(tmp_path):
    broken = tmp_path / "seed.yaml"
    broken.write_text("persons: [unclosed\n")
    with pytest.raises(CommandError, match="is not valid YAML"):
        call_command("load_seed", "--file", str(broken))


def test_a_seed_record_deleted_by_an_editor_stays_deleted(seeded):
    Person.objects.get(display_name="Mahamad Azizov").delete()
    report = load_seed()
    assert not Person.objects.filter(display_name="Mahamad Azizov").exists()
    assert report.deleted.get("persons") == 1
    assert report.created == {}


def test_update_keeps_an_editors_visibility_choice(seeded):
    person = Person.objects.get(display_name="Ulvi Hassanli")
    person.visibility = "internal"
    person.save()
    load_seed(update=True)
    person.refresh_from_db()
    assert person.visibility == "internal"
