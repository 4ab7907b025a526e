"""One way for the reader to reach a FilterSet: the `reader=` keyword, passed by
the API's filter backend (and by the pages); nothing is read from the request."""

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import RequestFactory
from rest_framework.request import Request

from access.services import token_issue
from cases.api.views import CasebookFilterBackend, PersonList
from cases.choices import Visibility
from cases.filtersets import UNKNOWN_RECORD, IdentifierField, PersonFilterSet
from cases.models import Organization, Person
from cases.visibility import Reader
from sources.filtersets import SourceFilterSet
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners_organization():
    """An organization only partners may see, and a public person affiliated with it."""
    organization = factories.organization("Partners Only Org", visibility=Visibility.PARTNERS)
    person = factories.person("Affiliated Person")
    factories.affiliation(person, organization, visibility=Visibility.PARTNERS)
    return organization


def test_the_filter_backend_passes_the_views_reader_as_a_keyword():
    request = Request(RequestFactory().get("/api/v1/persons/", {"organization": "x"}))
    view = PersonList()
    view.request = request
    request.casebook_reader = Reader.PARTNER
    kwargs = CasebookFilterBackend().get_filterset_kwargs(request, Person.objects.none(), view)
    assert kwargs["reader"] is Reader.PARTNER


def test_a_filterset_reads_its_reader_from_the_keyword_never_from_the_request(
    partners_organization,
):
    request = RequestFactory().get("/")
    request.casebook_reader = Reader.PARTNER  # must not widen a FilterSet built for the public
    data = QueryDict(f"organization={partners_organization.slug}")
    public = PersonFilterSet(data, Person.objects.all(), reader=Reader.PUBLIC, request=request)
    assert not public.is_valid()
    assert [e.code for e in public.form.errors.as_data()["organization"]] == [UNKNOWN_RECORD]

    partner = PersonFilterSet(data, Person.objects.all(), request=request, reader=Reader.PARTNER)
    assert partner.is_valid(), partner.errors
    assert list(partner.qs.values_list("display_name", flat=True)) == ["Affiliated Person"]


def test_the_identifier_fields_are_built_with_the_filtersets_reader():
    for reader in Reader:
        persons = PersonFilterSet({}, Person.objects.none(), reader=reader)
        sources = SourceFilterSet({}, reader=reader)
        assert persons.form.fields["organization"].reader is reader
        assert sources.form.fields["publisher"].reader is reader


def test_a_filterset_or_an_identifier_field_without_a_reader_is_refused():
    # no silent default: every FilterSet and identifier field is told who reads
    with pytest.raises(TypeError, match="reader"):
        PersonFilterSet({})
    with pytest.raises(TypeError, match="reader"):
        IdentifierField(model=Organization)


def test_the_api_filters_for_the_token_holder_and_the_public_alike(client, partners_organization):
    cache.clear()  # throttle counters live in the cache
    _token, raw = token_issue(name="Partner NGO")
    url = "/api/v1/persons/"
    params = {"organization": partners_organization.slug}
    as_partner = client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert as_partner.status_code == 200, as_partner.content
    assert [p["display_name"] for p in as_partner.json()["results"]] == ["Affiliated Person"]
    assert client.get(url, params).status_code == 404  # the public may not see it
