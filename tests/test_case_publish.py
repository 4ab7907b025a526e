"""Publishing a case together (issue 15, item 3, the service): everything under
a person, with the citations and sources, given one level in one transaction;
the evidence rule holds for the whole as for each record; nothing outside the
case is touched."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases.choices import Visibility
from cases.models import Allegation, CaseEvent, Charge, Detention, NameVariant, Person
from cases.reads.case_records import case_records
from cases.services import case_publish
from sources.models import Citation, Source
from tests import factories

INTERNAL, PARTNERS, PUBLIC = Visibility.INTERNAL, Visibility.PARTNERS, Visibility.PUBLIC


def _internal_case():
    """A news item entered as researchers do: every record internal."""
    source = factories.source("News item", visibility=INTERNAL)
    person = factories.person("Entered Person", variants=["Entered Persona"], visibility=INTERNAL)
    detention = factories.detention(person, arrested="2024-05", visibility=INTERNAL, cited=False)
    charge = Charge.objects.create(detention=detention, article="206.3.2", visibility=INTERNAL)
    event = factories.case_event(
        detention, "arrested", "2024-05-02", visibility=INTERNAL, cited=False
    )
    allegation = factories.allegation(person, visibility=INTERNAL, cited=False)
    citations = [
        factories.cite(fact, source_obj=source, visibility=INTERNAL, excerpt="She was arrested.")
        for fact in (detention, event, allegation)
    ]
    other = factories.person("Someone Else", visibility=INTERNAL)
    return {
        "source": source, "person": person, "detention": detention, "charge": charge,
        "event": event, "allegation": allegation, "citations": citations, "other": other,
    }  # fmt: skip


def _everything(person) -> dict:
    chosen: dict = {}
    for record in case_records(person):
        chosen.setdefault(record.model, []).append(record.pk)
    return chosen


@pytest.mark.django_db
def test_the_case_lists_everything_under_the_person_with_its_level():
    case = _internal_case()
    records = case_records(case["person"])
    kinds = {record.model for record in records}
    assert kinds == {
        Source,
        Citation,
        Person,
        NameVariant,
        Detention,
        Charge,
        CaseEvent,
        Allegation,
    }
    assert all(record.visibility == INTERNAL for record in records)
    assert case["other"].pk not in {r.pk for r in records if r.model is Person}
    # sources and citations first: the order the case is published in
    assert records[0].model is Source and records[1].model is Citation


@pytest.mark.django_db
def test_publishing_the_whole_case_makes_every_fact_public_in_one_step(client):
    case = _internal_case()
    changed = case_publish(
        person=case["person"], chosen=_everything(case["person"]), visibility=PUBLIC
    )
    assert changed[Citation] == 3 and changed[Detention] == 1 and changed[NameVariant] == 1
    assert all(record.visibility == PUBLIC for record in case_records(case["person"]))
    assert case["other"].__class__.objects.get(pk=case["other"].pk).visibility == INTERNAL
    page = client.get(f"/persons/{case['person'].slug}/").content.decode()
    assert "206.3.2" in page and "She was arrested." in page


@pytest.mark.django_db
def test_a_fact_whose_citations_stay_internal_is_refused_and_nothing_changes():
    case = _internal_case()
    chosen = _everything(case["person"])
    allegation_citation = next(c for c in case["citations"] if c.allegation_id)
    chosen[Citation].remove(allegation_citation.pk)  # its only citation stays internal
    with pytest.raises(ValidationError) as refused:
        case_publish(person=case["person"], chosen=chosen, visibility=PARTNERS)
    assert "allegation" in " ".join(refused.value.messages).lower()
    assert all(record.visibility == INTERNAL for record in case_records(case["person"]))


@pytest.mark.django_db
def test_a_record_outside_the_case_is_refused():
    case = _internal_case()
    with pytest.raises(ValidationError, match="Not part of this case"):
        case_publish(person=case["person"], chosen={Person: [case["other"].pk]}, visibility=PUBLIC)
    assert Person.objects.get(pk=case["other"].pk).visibility == INTERNAL


@pytest.mark.django_db(transaction=True)
def test_publishing_a_case_commits_as_one(vocabularies):
    case = _internal_case()
    case_publish(person=case["person"], chosen=_everything(case["person"]), visibility=PARTNERS)
    assert set(
        Allegation.objects.filter(pk=case["allegation"].pk).values_list("visibility", flat=True)
    ) == {PARTNERS}


# --- the admin page: /admin/cases/person/<id>/publish-case/ ---------------------------


def _page(staff_client, person, **query):
    return staff_client.get(f"/admin/cases/person/{person.pk}/publish-case/", query)


@pytest.mark.django_db
def test_the_page_lists_the_case_with_levels_and_marks_facts_without_citation(staff_client):
    case = _internal_case()
    lonely = factories.allegation(case["person"], "ill-treatment", visibility=INTERNAL, cited=False)
    page = _page(staff_client, case["person"]).content.decode()
    for record in case_records(case["person"]):
        assert f'value="{record.model._meta.label_lower}:{record.pk}"' in page
    assert "No citation" in page
    # the fact without a citation is not chosen by default; the others are
    assert f'value="cases.allegation:{lonely.pk}" id="record-cases.allegation:{lonely.pk}">' in page
    assert f'value="cases.detention:{case["detention"].pk}" id="record-cases.detention:' in page
    assert "checked" in page.split(f'value="cases.detention:{case["detention"].pk}"')[1][:80]
    change = staff_client.get(f"/admin/cases/person/{case['person'].pk}/change/").content.decode()
    assert f"/admin/cases/person/{case['person'].pk}/publish-case/" in change


@pytest.mark.django_db
def test_the_page_publishes_the_chosen_records_after_one_password(staff_client):
    case = _internal_case()
    keys = [f"{r.model._meta.label_lower}:{r.pk}" for r in case_records(case["person"])]
    url = f"/admin/cases/person/{case['person'].pk}/publish-case/"
    wrong = staff_client.post(url, {"level": PUBLIC, "record": keys, "current_password": "x"})
    assert wrong.status_code == 200
    assert all(r.visibility == INTERNAL for r in case_records(case["person"]))
    done = staff_client.post(
        url, {"level": PUBLIC, "record": keys, "current_password": "pw-unused-1"}, follow=True
    )
    assert all(r.visibility == PUBLIC for r in case_records(case["person"]))
    assert "of the case now" in done.content.decode()


@pytest.mark.django_db
def test_the_page_keeps_the_choice_and_names_the_refused_fact(staff_client):
    case = _internal_case()
    keys = [
        f"{r.model._meta.label_lower}:{r.pk}"
        for r in case_records(case["person"])
        if r.model is not Citation
    ]  # facts without their citations
    response = staff_client.post(
        f"/admin/cases/person/{case['person'].pk}/publish-case/",
        {"level": PUBLIC, "record": keys, "current_password": "pw-unused-1"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "citation" in page
    assert "checked" in page.split(f'value="cases.detention:{case["detention"].pk}"')[1][:80]
    assert all(r.visibility == INTERNAL for r in case_records(case["person"]))


# --- a case's history in one place (issue 15, item 4) ----------------------------------


@pytest.mark.django_db
def test_the_person_history_shows_changes_to_everything_under_them(staff_client):
    case = _internal_case()
    Charge.objects.filter(pk=case["charge"].pk).update(article="206.3.1")
    citation = case["citations"][0]
    Citation.objects.filter(pk=citation.pk).update(excerpt="She was detained.")
    case_publish(person=case["person"], chosen=_everything(case["person"]), visibility=PUBLIC)
    page = staff_client.get(f"/admin/cases/person/{case['person'].pk}/history/").content.decode()
    assert "206.3.2" in page and "206.3.1" in page  # a charge's article, before and after
    assert "She was arrested." in page and "She was detained." in page  # a citation's excerpt
    assert "Charge: " in page and "Name spelling: Entered Persona" in page
    assert "internal" in page and "public" in page  # levels changed, before and after
    # another person's changes are not in this case's history
    factories.person("Unrelated Person", summary="unrelated summary")
    page = staff_client.get(f"/admin/cases/person/{case['person'].pk}/history/").content.decode()
    assert "unrelated summary" not in page


# --- fields for what sources say (issue 15, item 2: who reported an allegation) ----------


@pytest.mark.django_db
def test_an_allegation_reported_by_someone_not_recorded_is_shown_and_served(client):
    person = factories.person("Beaten Journalist")
    factories.detention(person, arrested="2024-05")
    allegation = factories.allegation(person, reported_by_description="her lawyer")
    page = client.get(f"/persons/{person.slug}/").content.decode()
    assert "Reported by: her lawyer" in page
    row = client.get(f"/api/v1/allegations/{allegation.uuid}/").json()
    assert row["reported_by_description"] == "her lawyer" and row["reported_by"] is None
    csv = client.get("/api/v1/allegations/?format=csv").content.decode().splitlines()[0]
    assert csv.endswith("reported_by_description")  # a new column goes at the end
