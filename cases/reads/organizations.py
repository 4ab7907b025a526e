"""What an organization's public page lists: members, statements, sources."""

from __future__ import annotations

from django.db.models import F

from cases.models import Affiliation, Statement
from cases.reads.rows import SOURCE_FIELDS, STATEMENT_FIELDS, source_rows, statement_rows
from cases.visibility import Reader, visible
from sources.models import Source


def organization_relations(organization, *, reader: Reader) -> dict:
    """What an organization's public page lists: its visible members (with role),
    the statements it issued and the sources it published. Three queries."""
    members = list(
        visible(Affiliation.objects.filter(organization=organization), reader)
        .order_by("person__display_name", "id")
        .values("person__slug", "person__display_name", "role")
    )
    statements = statement_rows(
        list(
            visible(Statement.objects.filter(issuer_organization=organization), reader)
            .order_by(F("issued_on").desc(nulls_last=True), "id")
            .values(*STATEMENT_FIELDS)
        ),
        reader=reader,
        cite=False,  # the page links each statement; its citations are on the person's page
    )
    sources = source_rows(
        list(
            visible(Source.objects.filter(publisher=organization, is_confidential=False), reader)
            .order_by(F("published_on").desc(nulls_last=True), "id")
            .values(*SOURCE_FIELDS)
        ),
        reader=reader,
    )
    return {"members": members, "statements": statements, "sources": sources}
