"""Links to other sites are http(s) only: a `javascript:` address is refused by
every write path and never rendered as a link."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Template

from cases.models import Organization, Statement
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript://example.org/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/file",
    "vbscript:msgbox(1)",
    "https://exa mple.org/",
]


@pytest.mark.parametrize("address", HOSTILE)
@pytest.mark.parametrize(
    "model, field",
    [(Source, "url"), (Source, "archive_url"), (Organization, "url"), (Statement, "url")],
)
def test_a_non_web_address_is_refused_by_the_database(model, field, address):
    record = {
        Source: lambda: factories.source(),
        Organization: lambda: factories.organization(),
        Statement: lambda: factories.statement(issuer=factories.organization()),
    }[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(**{field: address})


@pytest.mark.parametrize("address", HOSTILE)
def test_a_non_web_address_fails_validation_with_a_clear_message(address):
    source = factories.source()
    source.url = address
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.parametrize("address", ["https://example.org/a?b=1#c", "http://example.org", ""])
def test_web_addresses_are_accepted(address):
    source = factories.source(url=address, archive_url=address)
    source.full_clean()
    organization = factories.organization(url=address)
    organization.full_clean()


def test_the_admin_form_refuses_a_javascript_address(staff_client):
    organization = factories.organization("Ministry of Truth")
    response = staff_client.post(
        f"/admin/cases/organization/{organization.pk}/change/",
        {"name": "Ministry of Truth", "slug": organization.slug, "kind": "other",
         "url": "javascript:alert(1)", "visibility": "internal"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter a web address starting with http:// or https://." in response.content.decode()
    organization.refresh_from_db()
    assert organization.url == ""


@pytest.mark.parametrize("address", HOSTILE)
def test_a_non_web_address_is_shown_as_text_not_as_a_link(address):
    html = Template("{% load casebook %}{% external_link address 'Website' %}").render(
        Context({"address": address})
    )
    assert "<a" not in html and "href" not in html
    assert html == "<span>Website</span>"


def test_a_web_address_is_a_link_that_sends_no_referrer():
    html = Template("{% load casebook %}{% external_link address %}").render(
        Context({"address": "https://example.org/?a=1&b=<2>"})
    )
    assert html == (
        '<a href="https://example.org/?a=1&amp;b=&lt;2&gt;" rel="noreferrer noopener external">'
        "https://example.org/?a=1&amp;b=&lt;2&gt;</a>"
    )


def test_source_and_organization_pages_link_their_web_addresses(client):
    publisher = factories.organization(
        "Meydan TV", url="https://www.meydan.tv/", visibility="public"
    )
    source = factories.source(
        "An article", url="https://example.org/article", archive_url="https://archive.example/x",
        publisher=publisher, visibility="public",
    )  # fmt: skip
    page = client.get(f"/sources/{source.uuid}/").content.decode()
    assert '<a href="https://example.org/article" rel="noreferrer noopener external">' in page
    assert '<a href="https://archive.example/x" rel="noreferrer noopener external">' in page
    page = client.get(f"/organizations/{publisher.slug}/").content.decode()
    assert '<a href="https://www.meydan.tv/" rel="noreferrer noopener external">Website</a>' in page
