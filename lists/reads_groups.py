"""What the public pages of the lists app read beside lists.reads: case groups
(the visible ones, a group's visible members, its citations), the groups of an
edition with the number of visible persons in each, and the cited sources their
footnotes name. Every read goes through cases.visibility for the given reader."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cases.reads.citations import citations_of
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import Reader, visible
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry
from sources.models import Source


def visible_case_groups(*, reader: Reader) -> QuerySet[CaseGroup]:
    """The case groups the reader may see, by name, each with `member_count`:
    the members the reader may see (an internal person is not counted)."""
    members = (
        visible(CaseGroupMember.objects.filter(group=OuterRef("pk")), reader)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        visible(CaseGroup.objects.all(), reader)
        .only("pk", "uuid", "name", "slug", "description", "updated_at")
        .annotate(member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0))
        .order_by("name", "pk")
    )


def case_group_members(group: CaseGroup, *, reader: Reader) -> list[dict]:
    """The group's members the reader may see, by name: `slug`, `display_name`,
    `role`: one query."""
    rows = (
        visible(CaseGroupMember.objects.filter(group=group), reader)
        .order_by("person__display_name", "pk")
        .values("role", slug=F("person__slug"), display_name=F("person__display_name"))
    )
    return list(rows)


def edition_group_counts(edition: Edition, *, reader: Reader) -> list[dict]:
    """The groups of an edition as the list names them, each with `group` and
    `persons` (the entries the reader may see), in the order the entries were
    recorded (an import writes them in the file's order, so the list's sections
    keep theirs): one query."""
    rows = (
        visible(ListEntry.objects.filter(edition=edition), reader)
        .order_by()
        .values("group")
        .annotate(persons=Count("pk"), first=Min("pk"))
        .order_by("first")
    )
    return [{"group": row["group"], "persons": row["persons"]} for row in rows]


def cited_sources(citations: dict, *, reader: Reader) -> dict:
    """The source rows (cases.reads.rows, confidential ones masked) of the
    citations `citations_of` found, by uuid: what `cases.pages.Footnotes` numbers.
    One query."""
    uuids = citations["source_uuids"]
    if not uuids:
        return {}
    rows = Source.objects.filter(uuid__in=uuids).values(*SOURCE_FIELDS)
    return {row["uuid"]: row for row in source_rows(list(rows), reader=reader)}


def case_group_citations(group: CaseGroup, *, reader: Reader) -> tuple[list[dict], dict]:
    """The group's citations the reader may see and their sources by uuid: two
    queries (one when nothing is cited)."""
    citations = citations_of(reader, case_group=[group.pk])
    return citations["case_group"].get(group.pk, []), cited_sources(citations, reader=reader)


def edition_citations(editions: list[Edition], *, reader: Reader) -> tuple[dict, dict]:
    """The citations of each edition the reader may see, by edition id, and
    their sources by uuid: two queries (one when nothing is cited)."""
    citations = citations_of(reader, edition=[edition.pk for edition in editions])
    return citations["edition"], cited_sources(citations, reader=reader)
