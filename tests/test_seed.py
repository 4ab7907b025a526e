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
from cases.partial_dates import PartialDate
from cases.seed import load_seed, plain_quotation
from interventions.models import Intervention
from sources.models import Citation, ReportedCount, Source
from tests import factories
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
CITED_FACTS = [
    Person, Affiliation, Detention, CaseEvent, Allegation, Statement, ReportedCount, Intervention,
]  # fmt: skip


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
        ReportedCount: "reported_count",
        Intervention: "intervention",
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
    hassanli = Allegation.objects.get(count=58)
    assert hassanli.reported_by.display_name == "Ulvi Hassanli"
    assert str(hassanli.started_on_partial) == "January 2024"
    assert str(hassanli.ended_on_partial) == "June 2024"
    hunger = Allegation.objects.get(person__display_name="Fassil Gassimov")
    assert hunger.kind.code == "hunger-strike"
    assert "90 days" in hunger.description


def test_pre_trial_detention_since_a_month_is_not_an_arrest_date(seeded):
    # "has been in pre-trial detention since November 2023" (article 002)
    sevinj = Detention.objects.get(person__display_name="Sevinj Vagifgizi")
    assert sevinj.arrested_on is None
    assert sevinj.legal_stage.code == "pre-trial-detention"
    assert "since November 2023" in sevinj.summary
    event = sevinj.events.get(kind__code="pre-trial-detention-ordered")
    assert str(event.occurred_on_partial) == "November 2023"
    assert event.citations.get().confidence == "medium"


def test_fifty_eight_instances_are_of_torture_and_inhumane_treatment(seeded):
    # the article does not say how many of the 58 were torture
    hassanli = Allegation.objects.get(count=58)
    assert hassanli.kind.code == "torture-or-ill-treatment"
    assert "torture and inhumane treatment" in hassanli.description


def test_the_committee_finding_is_one_finding_about_a_named_group(seeded):
    # article 004: "the arbitrary imprisonment and ill-treatment of human rights
    # defenders, including ...": no allegation per person, none "denied"
    named = ["Leyla Yunus", "Arif Yunus", "Ilgar Mammadov", "Intigam Aliyev"]
    assert not Allegation.objects.filter(person__display_name__in=named).exists()
    assert not Allegation.objects.filter(status__code="denied-by-the-authorities").exists()
    finding = Allegation.objects.get(victim_description__contains="Leyla and Arif Yunus")
    assert finding.person is None
    assert "one finding about the group" in finding.description
    denial = Statement.objects.get(kind__code="government-reply")
    assert not denial.persons.exists(), "the text does not say whose cases it denied"


def test_the_calls_for_release_name_the_persons_they_concern(seeded):
    def callers(name):
        return set(
            Statement.objects.filter(
                kind__code="call-for-release", persons__display_name=name
            ).values_list("issuer_organization__name", flat=True)
        )

    assert callers("Ilgar Mammadov") == {"UN Committee Against Torture", "Human Rights Watch"}
    assert callers("Bakhtiyar Hajiyev") == {"U.S. Department of State"}
    # freed on December 9, 2015: not among the defenders "deprived of their liberty"
    assert callers("Leyla Yunus") == set()


def test_a_detention_cites_only_what_concerns_the_person(seeded):
    hajiyev = Detention.objects.get(person__display_name="Bakhtiyar Hajiyev")
    excerpts = list(hajiyev.citations.values_list("excerpt", flat=True))
    assert all("Bakhtiyar Hajiyev" in excerpt for excerpt in excerpts), excerpts
    # the 2023 mention and the 2024 call are not joined into one episode
    assert set(hajiyev.citations.values_list("source__published_on", flat=True)) == {
        Source.objects.get(archive_text__contains="Bakhtiyar Hajiyev, Ali Aliyev").published_on
    }
    assert Statement.objects.filter(
        kind__code="call-for-release", persons=hajiyev.person, issued_on__isnull=True
    ).exists()


def test_no_name_or_spelling_beyond_the_articles(seeded):
    saakashvili = Person.objects.get(slug="saakashvili")
    assert saakashvili.display_name == "Saakashvili"
    assert not saakashvili.name_variants.exists()
    assert not Person.objects.filter(display_name__icontains="Mikheil").exists()
    assert "news agency" not in Organization.objects.get(name="TURAN").description
    assert "recent government meeting" in Person.objects.get(slug="ulvi-hassanli").summary
    us_2021 = Allegation.objects.get(description__contains="2021 Country Reports")
    assert us_2021.perpetrator == ""


def test_the_facts_the_articles_give_without_names_are_recorded(seeded):
    journalist = Person.objects.get(is_unnamed=True)
    assert journalist.display_name == "Unnamed Radio Free Europe journalist"
    assert journalist.name_key == "" and not journalist.name_variants.exists()
    detention = journalist.detentions.get()
    assert (detention.sentence_months, detention.legal_stage.code) == (84, "released")
    assert journalist.affiliations.get().organization.name == "Radio Free Europe"
    assert Allegation.objects.filter(victim_description__contains="Meydan TV").exists()
    assert Allegation.objects.filter(kind__code="disbarment").exists()
    calls = Statement.objects.get(kind__code="call-for-measures")
    assert "targeted sanctions" in calls.summary and "foreign assistance" in calls.summary
    assert calls.issuer_organization is None and "government meeting" in calls.speaker


def test_no_charges_or_sentences_are_invented(seeded):
    # none of the five articles names a criminal-code article; the one sentence
    # is the Radio Free Europe journalist's "seven-year prison sentence"
    assert not Detention.objects.filter(charges__isnull=False).exists()
    sentenced = Detention.objects.filter(sentence_months__isnull=False)
    assert [(d.person.display_name, d.sentence_months) for d in sentenced] == [
        ("Unnamed Radio Free Europe journalist", 84)
    ]


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


def test_a_record_the_corrected_file_no_longer_holds_goes_to_the_trash(seeded):
    """A database loaded from an earlier seed file loses what the file has since
    corrected away (the 2015 committee's 14 "denied" allegations), to the trash
    where an editor can restore it; what a researcher edited since is kept."""
    import uuid as uuid_module

    import pghistory

    from cases.models import SeedRecord
    from cases.seed import SEED_NAMESPACE

    def seeded_by_an_older_file(name: str) -> Person:
        person = factories.person(name)
        person.uuid = uuid_module.uuid5(SEED_NAMESPACE, f"person:{name}")
        person.save()
        SeedRecord.objects.create(uuid=person.uuid)
        return person

    corrected_away = seeded_by_an_older_file("Corrected Away")
    edited = seeded_by_an_older_file("Edited Since")
    with pghistory.context(user=1, url="/admin/cases/person/"):
        edited.summary = "A researcher's note"
        edited.save()
    report = load_seed()
    assert report.retired == {"persons": 1}
    assert report.kept_edited == {"persons": 1}
    assert "no longer in the file, moved to the trash: 1 persons" in report.summary()
    corrected_away.refresh_from_db()
    edited.refresh_from_db()
    assert corrected_away.deleted_at is not None and edited.deleted_at is None
    assert Person.objects.filter(display_name="Leyla Yunus", deleted_at=None).exists()
    assert load_seed().retired == {}  # once in the trash, it stays there quietly


CAT_REVIEW_PERSONS = {
    "Leyla Yunus", "Arif Yunus", "Ilgar Mammadov", "Intigam Aliyev", "Mahamad Azizov",
    "Rashadat Akhundov", "Rashad Hassanov",
}  # fmt: skip


def test_the_2015_committee_review_is_the_seeds_one_intervention(seeded):
    """Article 004: the Committee Against Torture's fourth periodic review of
    Azerbaijan, examined on November 11 and 12, 2015, concluded on December 9;
    the 2024 U.S. statements are statements, not proceedings."""
    (review,) = Intervention.objects.all()
    assert review.kind == "treaty-body-review"
    assert review.body.name == "UN Committee Against Torture"
    assert str(review.decided_on_partial) == str(PartialDate.parse("2015-12-09"))
    assert review.decided_on_precision == PartialDate.parse("2015-12-09").precision
    assert (review.status, review.outcome) == ("decided", "concern-expressed")
    assert review.reference == ""  # the article gives no number
    assert review.submitted_on is None and review.wgad_categories == []
    assert review.released_after is None and review.internal_notes == ""
    assert {p.display_name for p in review.persons.all()} == CAT_REVIEW_PERSONS
    assert review.visibility == "public"
    article = Source.objects.get(title="Azerbaijan: UN Criticizes Torture Record").archive_text
    # what the committee urged, quoted word for word
    for quoted in re.findall(r"“([^”]+)”", review.outcome_summary):
        assert plain_quotation(quoted) in plain_quotation(article), quoted
    assert "zero-tolerance approach" in review.outcome_summary
    assert "release human rights defenders who are deprived" in review.outcome_summary
    citations = Citation.objects.filter(intervention=review)
    assert citations.count() >= 3
    assert all(c.source.archive_text == article and c.visibility == "public" for c in citations)
    excerpts = " ".join(plain_quotation(c.excerpt) for c in citations)
    assert "November 11 and 12, 2015, and published its conclusions on December 9" in excerpts
    assert "fourth review under the Convention against Torture" in excerpts
    assert not Statement.objects.filter(title=review.title).exists()


def test_loading_twice_leaves_the_intervention_as_it_is(seeded):
    review = Intervention.objects.get()
    before = (review.pk, review.updated_at, list(review.persons.order_by("pk")))
    citations = set(Citation.objects.filter(intervention=review).values_list("pk", flat=True))
    report = load_seed()
    assert report.unchanged.get("interventions") == 1 and report.created == {}
    review.refresh_from_db()
    assert (review.pk, review.updated_at, list(review.persons.order_by("pk"))) == before
    assert set(Citation.objects.filter(intervention=review).values_list("pk", flat=True)) == (
        citations
    )


def test_a_deleted_seed_intervention_stays_deleted(seeded):
    review = Intervention.objects.get()
    Citation.objects.filter(intervention=review).delete()
    review.delete()
    report = load_seed()
    assert not Intervention.objects.exists()
    assert report.deleted.get("interventions") == 1
    assert report.created == {}


def test_an_intervention_of_the_file_is_checked_like_every_fact(seeded, tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text(
        textwrap.dedent(
            """
            organizations:
              - {key: a-body, name: A Body, kind: intergovernmental}
            sources:
              - {key: s1, title: A source, kind: news-article}
            persons:
              - key: someone
                name: Someone Named
                cite: [{source: s1, claim: name, excerpt: x}]
            interventions:
              - key: uncited
                kind: treaty-body-review
                body: a-body
                title: An uncited review
                persons: [someone]
              - key: unknown-kind
                kind: a-friendly-chat
                body: no-such-body
                title: A chat
                outcome: agreed
                wgad_categories: [VI]
                decided_on: "31.02.2024"
                cite: [{source: s1, excerpt: x}]
            """
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("load_seed", "--file", str(bad))
    message = str(error.value)
    assert "intervention uncited: cite: every fact needs at least one citation" in message
    assert "intervention unknown-kind: kind: unknown value 'a-friendly-chat'" in message
    assert "intervention unknown-kind: body: no entry with key 'no-such-body'" in message
    assert "intervention unknown-kind: outcome: unknown value 'agreed'" in message
    assert "intervention unknown-kind: wgad_categories: unknown value 'VI'" in message
    assert "intervention unknown-kind: decided_on:" in message
    assert Intervention.objects.count() == 1  # the seed's own, nothing more
