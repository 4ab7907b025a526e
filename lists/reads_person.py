"""Which lists name one person and since which edition, and the case groups they
belong to, as a reader may see them: for the person page (cases.pages). A fixed
number of queries whatever the number of lists, editions and groups."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import F

from cases.models import Person
from cases.partial_dates import PartialDate
from cases.reads.citations import citations_of
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import Reader, visible
from lists.models import CaseGroupMember, Edition, ListEntry
from sources.models import Source


@dataclass(frozen=True)
class EditionRef:
    """An edition of a list as the person page names it: its date and citations."""

    uuid: uuid.UUID
    published_on: PartialDate
    title: str
    citations: list[dict] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class ListStanding:
    """One list that names the person: the earliest and the newest of its editions
    that name them, and the list's newest edition (all visible to the reader)."""

    title: str
    slug: str
    first: EditionRef  # the earliest edition naming the person
    last: EditionRef  # the newest edition naming the person
    latest: EditionRef  # the list's newest edition
    group: str  # the person's group in `last`

    @property
    def in_latest(self) -> bool:
        return self.last.uuid == self.latest.uuid


@dataclass(frozen=True)
class GroupMembership:
    name: str
    slug: str
    role: str
    citations: list[dict] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class PersonLists:
    lists: list[ListStanding]
    groups: list[GroupMembership]
    sources: list[dict]  # the sources the citations above cite (source_rows)
    updated_at: datetime.datetime | None  # the newest change of an entry or membership shown


EDITION_FIELDS = ("id", "uuid", "published_on", "published_on_precision", "title")


def person_lists(person: Person, *, reader: Reader) -> PersonLists:
    """The lists naming `person` in an edition the reader may see (by title), each
    with its first and last such edition and the list's latest, and the case groups
    the person visibly belongs to (by name), each fact with its visible citations.
    Two queries for a person on no list and in no group; five otherwise."""
    entries = list(
        visible(ListEntry.objects.filter(person=person), reader)
        .order_by("edition__prisoner_list__title", "edition__prisoner_list_id",
                  "edition__published_on")
        .values(
            "group", "updated_at", "edition__prisoner_list_id",
            "edition__prisoner_list__title", "edition__prisoner_list__slug",
            *(f"edition__{name}" for name in EDITION_FIELDS),
        )
    )  # fmt: skip
    members = list(
        visible(CaseGroupMember.objects.filter(person=person), reader)
        .order_by("group__name", "group_id")
        .values("group_id", "group__name", "group__slug", "role", "updated_at")
    )
    if not entries and not members:
        return PersonLists([], [], [], None)
    list_ids = {entry["edition__prisoner_list_id"] for entry in entries}
    latest = {
        row["prisoner_list_id"]: row
        for row in visible(Edition.objects.filter(prisoner_list_id__in=list_ids), reader)
        .order_by("prisoner_list_id", F("published_on").desc(), "-id")
        .distinct("prisoner_list_id")
        .values("prisoner_list_id", *EDITION_FIELDS)
    } if list_ids else {}  # fmt: skip
    edition_ids = {entry["edition__id"] for entry in entries} | {
        row["id"] for row in latest.values()
    }
    citations = citations_of(
        reader,
        edition=sorted(edition_ids),
        case_group=[member["group_id"] for member in members],
    )

    def edition(row: dict, prefix: str = "") -> EditionRef:
        return EditionRef(
            uuid=row[f"{prefix}uuid"],
            published_on=PartialDate(
                row[f"{prefix}published_on"], row[f"{prefix}published_on_precision"]
            ),
            title=row[f"{prefix}title"],
            citations=citations["edition"].get(row[f"{prefix}id"], []),
        )

    standings: dict[int, ListStanding] = {}
    for entry in entries:  # oldest edition first within each list
        list_id = entry["edition__prisoner_list_id"]
        named = edition(entry, "edition__")
        known = standings.get(list_id)
        standings[list_id] = ListStanding(
            title=entry["edition__prisoner_list__title"],
            slug=entry["edition__prisoner_list__slug"],
            first=known.first if known else named,
            last=named,
            latest=edition(latest[list_id]),
            group=entry["group"],
        )
    groups = [
        GroupMembership(
            name=member["group__name"],
            slug=member["group__slug"],
            role=member["role"],
            citations=citations["case_group"].get(member["group_id"], []),
        )
        for member in members
    ]
    sources = source_rows(
        list(Source.objects.filter(uuid__in=citations["source_uuids"]).values(*SOURCE_FIELDS)),
        reader=reader,
    )
    moments = [row["updated_at"] for row in (*entries, *members)]
    return PersonLists(list(standings.values()), groups, sources, max(moments))
