"""The person page tells each fact once, with its footnote where the fact is:
person-level citations are marked on the name, birth, occupation, summary and
affiliations they support, and the timeline shows one arrest per detention in
an order that respects each date's precision."""

from __future__ import annotations

import re

import pytest

from cases.models import Occupation
from cases.pages import claim_facts
from cases.partial_dates import PartialDate
from tests import factories

pytestmark = pytest.mark.django_db


def page(client, person) -> str:
    response = client.get(f"/persons/{person.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def marks_in(html: str, start: str, end: str) -> list[str]:
    """The footnote numbers marked between two pieces of the page."""
    part = html[html.index(start) : html.index(end, html.index(start))]
    return re.findall(r'<a href="#fn-(\d+)"', part)


def timeline(html: str) -> list[str]:
    """The timeline's entry headings, in order, without their marks."""
    part = html[html.index('<ol class="timeline">') : html.index("</ol>", html.index("timeline"))]
    return [
        re.sub(r"<[^>]+>|\[\d+\]", "", h).strip() for h in re.findall(r"<h3>(.*?)</h3>", part, re.S)
    ]


@pytest.mark.parametrize(
    "claim, facts",
    [
        ("name", ["name"]),
        ("occupation", ["occupation"]),
        ("affiliation", ["affiliations"]),
        (
            "named as an inmate; occupation (academic); gender (his)",
            ["name", "occupation", "gender"],
        ),
        ("award (summary)", ["summary"]),
        ("release urged by the U.S. Secretary of State", []),
        ("Birth year", ["birth"]),
    ],
)
def test_a_claim_names_the_facts_it_supports(claim, facts):
    assert claim_facts(claim) == facts


def test_claims_are_footnoted_on_the_facts_not_listed_as_codes(client):
    source = factories.source("Profile")
    person = factories.person("Tofig Yagublu", summary="An opposition politician.")
    person.occupations.add(Occupation.objects.get(code="opposition-politician"))
    person.birth_date = PartialDate.parse("1961")
    person.save()
    party = factories.organization("Musavat")
    factories.affiliation(person, party, cited=False)
    factories.citation(source, affiliation=person.affiliations.get(), excerpt="a member")
    for claim in ("affiliation", "occupation", "name", "birth year", "summary"):
        factories.citation(source, person=person, claim=claim, excerpt=f"about the {claim}")
    html = page(client, person)
    # numbered in reading order: name, born, occupation, summary, affiliations
    assert marks_in(html, '<h1 id="person-name">', "</h1>") == ["1"]
    assert marks_in(html, "<dt>Born</dt>", "</dd>") == ["2"]
    assert marks_in(html, "<dt>Occupation</dt>", "</dd>") == ["3"]
    assert marks_in(html, "<p>An opposition politician.", "</p>") == ["4"]
    assert marks_in(html, '<h2 id="affiliations-title">', "</h2>") == ["5"]
    # no list of claim codes
    assert 'class="claims"' not in html
    for code in ("name", "occupation", "affiliation"):
        assert f"<li>{code}<sup" not in html and f"<li>{code.capitalize()}<sup" not in html


def test_a_claim_about_several_facts_is_one_footnote_marked_on_each(client):
    person = factories.person("Igbal Abilov")
    person.occupations.add(Occupation.objects.get(code="academic"))
    factories.citation(
        factories.source(), person=person, claim="named as an inmate; occupation (academic)"
    )
    html = page(client, person)
    assert marks_in(html, '<h1 id="person-name">', "</h1>") == ["1"]
    assert marks_in(html, "<dt>Occupation</dt>", "</dd>") == ["1"]
    assert html.count('id="ref-1"') == 1  # ids stay unique; the back link goes to the first
    assert len(re.findall(r'<li id="fn-\d+"', html)) == 1


def test_a_claim_that_names_no_shown_fact_is_listed_in_its_own_words(client):
    person = factories.person("Anar Mammadli")
    factories.citation(
        factories.source(), person=person, claim="release urged by the U.S. Secretary of State"
    )
    factories.citation(factories.source(), person=person, claim="gender (he)")
    html = page(client, person)
    claims = html[html.index('<ul class="claims">') : html.index("</ul>", html.index("claims"))]
    assert "Release urged by the U.S. Secretary of State" in claims
    assert "Gender (he)" in claims  # gender is not shown on the page: the claim says it


def test_a_detention_and_its_arrested_event_are_one_arrest(client):
    person = factories.person("Sevinj Vagifgizi")
    detention = factories.detention(
        person, arrested="2024-03-06", facility="Baku SIZO-1", cited=False
    )
    factories.citation(factories.source("Article A"), detention=detention)
    event = factories.case_event(
        detention,
        "arrested",
        occurred="2024-03-06",
        description="Detained at the airport.",
        cited=False,
    )
    factories.citation(factories.source("Article B"), case_event=event)
    html = page(client, person)
    assert timeline(html) == ["Arrested"]
    assert "Detained at the airport." in html
    # both sources are footnoted on the one arrest
    assert marks_in(html, '<ol class="timeline">', "</h3>") == ["1", "2"]


def test_an_arrested_event_on_a_finer_date_dates_the_arrest(client):
    person = factories.person("Ulvi Hasanli")
    detention = factories.detention(person, arrested="2023-11")
    factories.case_event(detention, "arrested", occurred="2023-11-20")
    html = page(client, person)
    assert timeline(html) == ["Arrested"]
    assert '<time datetime="2023-11-20">20 November 2023</time>' in html


def test_an_arrested_event_on_another_day_stays_an_event(client):
    person = factories.person("Hafiz Babali")
    detention = factories.detention(person, arrested="2023-12-13")
    factories.case_event(detention, "arrested", occurred="2024-01-20")
    assert timeline(page(client, person)) == ["Arrested", "Arrested"]


def test_a_released_event_is_part_of_the_release(client):
    person = factories.person("Leyla Yunus")
    detention = factories.detention(person, arrested="2014-07-30", released="2015-12-09")
    event = factories.case_event(detention, "released", occurred="2015-12", cited=False)
    factories.citation(factories.source(), case_event=event)
    html = page(client, person)
    assert timeline(html) == ["Arrested", "Released"]
    release = html[html.index("entry--release") :]
    # note 1 is the detention's (on the arrest); the event's is the release's
    assert re.search(r'<h3>Released<sup class="fn"><a href="#fn-2"', release)


def dated_allegation(person, kind: str, started: str) -> None:
    allegation = factories.allegation(person, kind=kind)
    allegation.started_on = PartialDate.parse(started)
    allegation.save()


def test_a_month_precise_fact_follows_the_days_of_its_month(client):
    person = factories.person("Nargiz Absalamova")
    factories.detention(person, arrested="2024-03-06")
    dated_allegation(person, "torture", "March 2024")
    dated_allegation(person, "ill-treatment", "2024")
    statement = factories.statement("Release them")
    statement.issued_on = PartialDate.parse("2024-03-31")
    statement.save()
    statement.persons.add(person)
    assert timeline(page(client, person)) == [
        "Arrested",  # 6 March 2024
        "Call for release: Release them",  # 31 March 2024
        "Allegation: torture",  # March 2024: some day of it, placed after its days
        "Allegation: ill-treatment",  # 2024: after its months
    ]


def test_a_detention_s_events_never_come_before_its_arrest(client):
    person = factories.person("Aziz Orujov")
    detention = factories.detention(person, arrested="2023-11")
    factories.case_event(detention, "pre-trial-detention-ordered", occurred="2023-11-21")
    dated_allegation(person, "torture", "2023-11-21")
    assert timeline(page(client, person)) == [
        "Allegation: torture", "Arrested", "Pre-trial detention ordered",
    ]  # fmt: skip


def test_one_excerpt_cited_for_several_facts_is_one_footnote_with_a_back_link_to_each(client):
    person = factories.person("Gubad Ibadoghlu")
    article = factories.source("Statement by the Secretary of State")
    excerpt = "urged Azerbaijan to release Gubad Ibadoghlu"
    detention = factories.detention(person, arrested="2023-07", cited=False)
    factories.citation(article, detention=detention, locator="para. 2", excerpt=excerpt)
    call = factories.statement("Release them", cited=False)
    call.persons.add(person)
    factories.citation(article, statement=call, locator="para. 2", excerpt=excerpt)
    factories.citation(article, statement=call, locator="para. 3", excerpt="another sentence")
    html = page(client, person)
    assert len(re.findall(r'<li id="fn-\d+"', html)) == 2
    assert re.findall(r'<a href="#fn-(\d+)" id="([^"]+)"', html) == [
        ("1", "ref-1"), ("1", "ref-1-2"), ("2", "ref-2"),
    ]  # fmt: skip
    note = html[html.index('<li id="fn-1"') : html.index("</li>", html.index('<li id="fn-1"'))]
    assert re.findall(r'<a class="back" href="#([^"]+)"', note) == ["ref-1", "ref-1-2"]


def test_a_footnote_says_when_its_source_supports_the_fact_with_less_than_high_confidence(client):
    person = factories.person("Tofig Yagublu")
    detention = factories.detention(person, arrested="2023-12", cited=False)
    factories.citation(factories.source("A"), detention=detention, excerpt="a", confidence="high")
    factories.citation(factories.source("B"), detention=detention, excerpt="b", confidence="medium")
    factories.citation(factories.source("C"), detention=detention, excerpt="c", confidence="low")
    html = page(client, person)
    notes = re.findall(r'<li id="fn-\d+".*?</li>', html, re.S)
    assert "confidence" not in notes[0]
    assert "The source supports this with medium confidence." in notes[1]
    assert "The source supports this with low confidence." in notes[2]
