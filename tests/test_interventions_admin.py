"""Interventions in the admin: listed with their kind, status and outcome to filter
by, added with partial dates, persons chosen by autocomplete and citations typed
on the same page; researchers may edit them (a case app); a citation may
support an intervention."""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.urls import reverse

from access.roles import RESEARCHER, role_permissions
from cases.partial_dates import Precision
from interventions.models import Intervention
from sources.models import Citation
from tests import factories
from tests.test_admin_citation_inlines import add_form, citation_prefix

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:interventions_intervention_changelist")
ADD = reverse("admin:interventions_intervention_add")


def _intervention(title, **fields) -> Intervention:
    intervention = Intervention.objects.create(title=title, **fields)
    factories.cite(intervention)
    return intervention


def test_the_list_filters_by_kind_status_and_outcome(staff_client):
    _intervention("Opinion 23/2024", kind="wgad", status="decided", outcome="arbitrary")
    _intervention("Application 1/20", kind="ecthr", status="submitted")
    page = staff_client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    for parameter in ("kind__exact=wgad", "status__exact=decided", "outcome__exact=arbitrary"):
        assert parameter in html
    only_wgad = staff_client.get(CHANGELIST, {"kind__exact": "wgad"}).content.decode()
    assert "Opinion 23/2024" in only_wgad and "Application 1/20" not in only_wgad
    arbitrary = staff_client.get(CHANGELIST, {"outcome__exact": "arbitrary"}).content.decode()
    assert "Opinion 23/2024" in arbitrary and "Application 1/20" not in arbitrary
    submitted = staff_client.get(CHANGELIST, {"status__exact": "submitted"}).content.decode()
    assert "Application 1/20" in submitted and "Opinion 23/2024" not in submitted


def test_a_search_by_person_lists_each_intervention_once(staff_client):
    intervention = _intervention("Joint petition", kind="wgad")
    intervention.persons.add(factories.person("Tofig Yagublu"), factories.person("Tofig Aliyev"))
    html = staff_client.get(CHANGELIST, {"q": "Tofig"}).content.decode()
    assert (
        html.count(reverse("admin:interventions_intervention_change", args=[intervention.pk])) == 1
    )


def test_an_intervention_is_added_with_partial_dates_persons_and_a_citation(staff_client):
    person = factories.person("Bakhtiyar Hajiyev")
    body = factories.organization("UN Working Group on Arbitrary Detention")
    source = factories.source("Opinion No. 23/2024")
    data = add_form(staff_client, Intervention)
    prefix = citation_prefix(data)
    data.update({
        "kind": "wgad",
        "title": "Petition for Bakhtiyar Hajiyev",
        "body": body.pk,
        "persons": person.pk,
        "submitted_on": "November 2023",
        "decided_on": "2024",
        "status": "decided",
        "outcome": "arbitrary",
        "opinion_number": "23/2024",
        "wgad_categories": "I,II",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-source": source.pk,
        f"{prefix}-0-locator": "para. 90",
        f"{prefix}-0-confidence": "high",
        f"{prefix}-0-visibility": "internal",
    })  # fmt: skip
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    intervention = Intervention.objects.get(title="Petition for Bakhtiyar Hajiyev")
    assert intervention.submitted_on_precision == Precision.MONTH
    assert str(intervention.submitted_on_partial) == "November 2023"
    assert intervention.decided_on_precision == Precision.YEAR
    assert list(intervention.persons.all()) == [person]
    assert intervention.wgad_categories == ["I", "II"]
    citation = Citation.objects.get(intervention=intervention)
    assert (citation.source, citation.locator) == (source, "para. 90")


def test_an_unknown_category_is_refused_naming_the_field(staff_client):
    data = add_form(staff_client, Intervention)
    data.update({"kind": "wgad", "title": "Bad categories", "wgad_categories": "VI"})
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert not Intervention.objects.filter(title="Bad categories").exists()
    assert response.context["adminform"].form.errors.get("wgad_categories")


def test_the_change_page_chooses_persons_and_the_body_by_autocomplete(staff_client):
    intervention = _intervention("Opinion 23/2024", kind="wgad")
    page = staff_client.get(
        reverse("admin:interventions_intervention_change", args=[intervention.pk])
    )
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert isinstance(form.fields["persons"].widget.widget, AutocompleteSelectMultiple)
    assert isinstance(form.fields["body"].widget.widget, AutocompleteSelect)
    assert reverse("admin:autocomplete") in page.content.decode()
    model_admin = admin.site._registry[Intervention]
    assert set(model_admin.autocomplete_fields) == {"persons", "body"}


def test_researchers_may_add_and_change_interventions():
    researcher = role_permissions()[RESEARCHER]
    for action in ("add", "change", "view"):
        assert f"interventions.{action}_intervention" in researcher


def test_a_citation_may_support_an_intervention_in_the_citation_admin(staff_client):
    intervention = _intervention("Opinion 23/2024", kind="wgad")
    citation = Citation.objects.get(intervention=intervention)
    page = staff_client.get(reverse("admin:sources_citation_change", args=[citation.pk]))
    assert page.status_code == 200
    assert "intervention" in page.context["adminform"].form.fields
    listing = staff_client.get(reverse("admin:sources_citation_changelist")).content.decode()
    assert "Opinion 23/2024" in listing  # the fact it supports
