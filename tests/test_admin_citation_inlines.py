"""Citations typed while adding a record: every admin page with a citation inline
saves the new record and its citation rows from one form, each citation linked
to that record (the record is its fact)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import AllegationKind, CaseEventKind, Person, StatementKind
from lists.models import PrisonerList
from officials.models import Official
from places.models import Facility
from sources.models import CITATION_TARGETS, Citation
from tests import factories
from trials.models import Trial


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def add_form(client, model) -> dict:
    """What a browser posts from the empty add page: every field as the page has it."""
    html = client.get(add_url(model)).content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|checkbox|file)"', tag) or "__prefix__" in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = value[1] if value else ""
    for name, attrs, body in re.findall(
        r'<select name="([^"]+)"([^>]*)>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        if "__prefix__" not in name and (chosen or "multiple" not in attrs):
            data[name] = chosen[1] if chosen else ""
    for name in re.findall(r'<textarea name="([^"]+)"', html):
        if "__prefix__" not in name:
            data.setdefault(name, "")
    return data


def parent_fields(model) -> dict:
    """The least a new record of `model` needs."""
    person = factories.person("Cited Person")
    detention = factories.detention(person, arrested="2023-11", cited=False)  # no other citation
    organization = factories.organization("Cited Organization")
    official = Official.objects.create(name="Cited Official")
    return {
        "person": {"display_name": "Newly Added Person"},
        "affiliation": {"person": person.pk, "organization": organization.pk, "role": "editor"},
        "detention": {"person": person.pk, "arrested_on": "21.11.2023"},
        "caseevent": {
            "detention": detention.pk,
            "kind": CaseEventKind.objects.get(code="charged").pk,
            "occurred_on": "2023-11-22",
        },  # fmt: skip
        "allegation": {"person": person.pk, "kind": AllegationKind.objects.get(code="torture").pk},
        "statement": {
            "title": "Free them",
            "kind": StatementKind.objects.get(code="report").pk,
            "issuer_organization": organization.pk,
        },  # fmt: skip
        "edition": {
            "prisoner_list": PrisonerList.objects.create(title="Cited list").pk,
            "published_on": "March 2024",
        },
        "casegroup": {"name": "Cited case", "slug": "cited-case"},
        "facility": {"name": "Prison No. 13"},
        "custodyperiod": {
            "detention": detention.pk,
            "facility": Facility.objects.create(name="Kurdakhani").pk,
            "held_from": "November 2023",
        },  # fmt: skip
        "reportedcount": {
            "publisher": organization.pk,
            "as_of": "1 December 2023",
            "number": "254",
            "approximate": "on",
            "counted": "political prisoners and detainees",
        },  # fmt: skip
        "intervention": {
            "kind": "wgad",
            "title": "Petition for Cited Person",
            "persons": person.pk,
        },
        "official": {"name": "Rauf Mammadov"},
        "position": {"official": official.pk, "organization": organization.pk, "title": "Judge"},
        "involvement": {"official": official.pk, "role": "investigator", "detention": detention.pk},
        "trial": {"title": "The cited trial", "time_zone": "Asia/Baku"},
        "hearing": {"trial": Trial.objects.create(title="Cited trial").pk, "held_on": "2024-06-04"},
    }[model._meta.model_name]


def models_with_a_citation_inline() -> list:
    return [
        model
        for model, model_admin in admin.site._registry.items()
        if any(inline.model is Citation for inline in model_admin.inlines)
    ]


def citation_prefix(data: dict) -> str:
    return next(
        key.removesuffix("-TOTAL_FORMS")
        for key in data
        if key.endswith("-TOTAL_FORMS") and key.startswith("citations")
    )


def add_with_a_citation(client, model, *, claim: str = "name"):
    source = factories.source("The cited article")
    data = add_form(client, model)
    data.update(parent_fields(model))
    prefix = citation_prefix(data)
    data.update({
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-source": source.pk,
        f"{prefix}-0-locator": "para. 3",
        f"{prefix}-0-excerpt": "the quoted words",
        f"{prefix}-0-confidence": "high",
        f"{prefix}-0-visibility": "internal",
    })  # fmt: skip
    if model is Person:
        data[f"{prefix}-0-claim"] = claim
    return client.post(add_url(model), data), source


def test_every_admin_page_with_a_citation_inline_is_covered():
    names = {model._meta.model_name for model in models_with_a_citation_inline()}
    assert names == {
        "person", "affiliation", "detention", "caseevent", "allegation", "statement",
        "reportedcount", "edition", "casegroup", "facility", "custodyperiod", "intervention",
        "official", "position", "involvement", "trial", "hearing",
    }  # fmt: skip
    # every fact a citation can support is added on a page with a citation inline
    assert names == {target.replace("_", "") for target in CITATION_TARGETS}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", models_with_a_citation_inline(), ids=lambda model: model._meta.model_name
)
def test_a_new_record_is_saved_with_the_citations_typed_on_it(staff_client, model):
    response, source = add_with_a_citation(staff_client, model)
    assert response.status_code == 302, _errors(response)
    citation = Citation.objects.get(source=source)
    record = citation.target
    assert type(record) is model and record.created_at is not None
    assert (citation.locator, citation.excerpt) == ("para. 3", "the quoted words")


@pytest.mark.django_db
def test_a_person_citation_still_names_its_claim(staff_client):
    response, _source = add_with_a_citation(staff_client, Person, claim="  ")
    assert response.status_code == 200
    assert "Say which claim about the person this supports." in response.content.decode()
    assert not Person.objects.filter(display_name="Newly Added Person").exists()
    assert not Citation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_person_and_its_citation_are_saved_with_real_transactions(vocabularies, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("adder", "a@example.org", "pw-unused-1")
    client = factories.staff_sign_in(client, user)
    response, source = add_with_a_citation(client, Person, claim="occupation")
    assert response.status_code == 302, _errors(response)
    person = Person.objects.get(display_name="Newly Added Person")
    assert list(person.citations.values_list("source", "claim")) == [(source.pk, "occupation")]


def _errors(response) -> str:
    context = response.context or {}
    errors = []
    if "adminform" in context:
        errors.append(str(context["adminform"].form.errors))
    for formset in context.get("inline_admin_formsets", []):
        errors.append(str(formset.formset.errors) + str(formset.formset.non_form_errors()))
    return " ".join(errors) or response.content.decode()[:2000]
