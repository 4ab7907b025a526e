"""What the lists answer: the lists and editions a reader may see, and what
changed between two editions of a list (who was added, who was removed and the
reason Casebook has on record, how many stayed). Every read goes through
cases.visibility for the given reader, so a diff is that reader's count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext

from cases.models import CaseEvent, Detention, LegalStage, Person, ReleaseReason
from cases.partial_dates import PartialDate, PartialDateError, Precision
from cases.partial_dates import from_columns as _partial
from cases.reads.citations import citations_of
from cases.reads.status import RELEASED_STAGES
from cases.visibility import Reader, visible, visible_levels
from lists.models import Edition, ListEntry, PrisonerList


@dataclass(frozen=True)
class ListChange:
    """A person added to or removed from a list between two editions."""

    person: Person  # visible to the reader
    group: str  # as the edition that names the person groups them
    listed_name: str  # as that edition spells the name
    reason: str = ""  # removals only: the reason on record, in the reader's language


@dataclass(frozen=True)
class EditionDiff:
    """What changed from `before` to `after`, as one reader may count it."""

    before: Edition
    after: Edition
    added: list[ListChange]  # named in `after`, not in `before`
    removed: list[ListChange]  # named in `before`, not in `after`
    unchanged: int  # named in both, however each spells the name


# --- lists and editions -------------------------------------------------------------


def _editions(reader: Reader) -> QuerySet[Edition]:
    """The editions the reader may see, oldest first, each with `size`: the
    entries the reader may see (an internal person is not counted)."""
    entries = (
        visible(ListEntry.objects.filter(edition=OuterRef("pk")), reader)
        .order_by()
        .values("edition")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        visible(Edition.objects.all(), reader)
        .annotate(size=Coalesce(Subquery(entries, output_field=IntegerField()), 0))
        .order_by("published_on", "published_on_precision", "pk")
    )


def visible_lists(*, reader: Reader) -> list[PrisonerList]:
    """The lists the reader may see, by title, each with `visible_editions`
    (as `list_editions` gives them) and its publisher: 2 queries."""
    return list(
        visible(PrisonerList.objects.select_related("publisher"), reader)
        .prefetch_related(
            Prefetch("editions", queryset=_editions(reader), to_attr="visible_editions")
        )
        .order_by("title", "pk")
    )


def list_editions(prisoner_list: PrisonerList, *, reader: Reader) -> list[Edition]:
    """The editions of `prisoner_list` the reader may see, oldest first, each
    annotated with `size` (the entries the reader may see): one query."""
    return list(_editions(reader).filter(prisoner_list=prisoner_list))


def edition_for_key(editions: list[Edition], key: str) -> Edition | None:
    """The edition among `editions` that `key` names: its UUID, or its date as
    written (2024-03-01, 2024-03, 2024). A date names the edition published on
    that date at that precision; failing one, the only edition published within
    its period ("2024" for the one edition of 2024). None when it names none, or
    several."""
    key = key.strip()
    try:
        wanted = uuid.UUID(key)
    except ValueError:
        pass
    else:
        return next((e for e in editions if e.uuid == wanted), None)
    try:
        day = PartialDate.parse(key)
    except PartialDateError:
        return None
    exact = [e for e in editions if e.published_on_partial == day]
    if exact:
        return exact[0]
    within = [
        e
        for e in editions
        if day.start <= e.published_on_partial.start and e.published_on_partial.end <= day.end
    ]
    return within[0] if len(within) == 1 else None


def find_edition(prisoner_list: PrisonerList, key: str, *, reader: Reader) -> Edition | None:
    """The edition of `prisoner_list` the reader may see that `key` names (see
    `edition_for_key`), with its `size`; None when there is none: one query."""
    return edition_for_key(list_editions(prisoner_list, reader=reader), key)


# --- the rows of the API (lists.api.serializers declares their shapes) ------------

LIST_FIELDS = (
    "id", "uuid", "slug", "title", "publisher__uuid", "publisher__slug", "publisher__name",
    "publisher__visibility", "publisher__deleted_at", "criteria", "description",
)  # fmt: skip


def edition_rows(editions: list[Edition], *, reader: Reader) -> list[dict]:
    """Editions as the API gives them (EditionSerializer), from editions the
    reader may see annotated with `size`, each with its visible citations: one
    query."""
    citations = citations_of(reader, edition=[edition.pk for edition in editions])["edition"]
    return [
        {
            "uuid": edition.uuid,
            "published_on": edition.published_on_partial,
            "title": edition.title,
            "size": edition.size,
            "citations": citations.get(edition.pk, []),
        }
        for edition in editions
    ]


def list_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Lists as the API gives them (PrisonerListSerializer) from
    `.values(*LIST_FIELDS)` rows of visible lists, each with its visible
    editions, oldest first: 2 queries. The publisher is named only when the
    reader may see it (a list with a hidden publisher is hidden itself)."""
    editions = list(_editions(reader).filter(prisoner_list_id__in=[row["id"] for row in rows]))
    by_list: dict[int, list[dict]] = {}
    for edition, row in zip(editions, edition_rows(editions, reader=reader), strict=True):
        by_list.setdefault(edition.prisoner_list_id, []).append(row)
    levels = visible_levels(reader)
    result = []
    for row in rows:
        publisher = None
        if (
            row["publisher__uuid"] is not None
            and row["publisher__visibility"] in levels
            and row["publisher__deleted_at"] is None
        ):
            publisher = {
                "uuid": row["publisher__uuid"],
                "slug": row["publisher__slug"],
                "name": row["publisher__name"],
            }
        result.append(
            {
                "uuid": row["uuid"],
                "slug": row["slug"],
                "title": row["title"],
                "publisher": publisher,
                "criteria": row["criteria"],
                "description": row["description"],
                "editions": by_list.get(row["id"], []),
            }
        )
    return result


# --- what changed between two editions --------------------------------------------


def edition_diff(*, before: Edition, after: Edition, reader: Reader) -> EditionDiff:
    """Who `after` adds to and removes from `before`, and how many both name.
    Persons are compared as records: a person the later edition spells
    otherwise, matched to the same record, is unchanged. Only entries the reader
    may see count (their person, edition and list visible too). Each removal
    carries the reason on record (`removal_reasons`). 3 queries, whatever the
    size of the editions (2 with no removal)."""
    named: dict[int, dict[int, dict]] = {before.pk: {}, after.pk: {}}
    entries = (
        visible(ListEntry.objects.filter(edition__in=[before.pk, after.pk]), reader)
        .order_by("group", "person__display_name", "pk")
        .values("edition_id", "person_id", "group", "listed_name")
    )
    for entry in entries:
        named[entry["edition_id"]][entry["person_id"]] = entry
    earlier, later = named[before.pk], named[after.pk]
    added = [entry for person, entry in later.items() if person not in earlier]
    removed = [entry for person, entry in earlier.items() if person not in later]
    changed = [entry["person_id"] for entry in (*added, *removed)]
    persons = visible(Person.objects.filter(pk__in=changed), reader).in_bulk() if changed else {}
    reasons = removal_reasons([entry["person_id"] for entry in removed], reader=reader)

    def change(entry: dict, reason: str = "") -> ListChange:
        return ListChange(
            person=persons[entry["person_id"]],
            group=entry["group"],
            listed_name=entry["listed_name"],
            reason=reason,
        )

    return EditionDiff(
        before=before,
        after=after,
        added=[change(entry) for entry in added],
        removed=[change(entry, reasons[entry["person_id"]]) for entry in removed],
        unchanged=sum(1 for person in later if person in earlier),
    )


# --- the reason a person left a list ------------------------------------------------

# The kinds of case event that change where a person is held: the newest of them
# says where a detention stands when its own fields say nothing of a release.
CUSTODY_EVENTS = (
    "arrested", "pre-trial-detention-ordered", "pre-trial-detention-extended",
    "house-arrest-ordered", "sentenced", "released", "pardoned",
)  # fmt: skip
HOUSE_ARREST_STAGE, HOUSE_ARREST_EVENT, HOUSE_ARREST_RELEASE = (
    "house-arrest", "house-arrest-ordered", "released-to-house-arrest",
)  # fmt: skip
PARDON_STAGE, PARDON_EVENT, PARDON_RELEASE = "pardoned", "pardoned", "pardon"
RELEASE_EVENT = "released"
DECEASED_STAGE = "deceased"


def removal_reasons(person_ids: list[int], *, reader: Reader) -> dict[int, str]:
    """For each person, why they may have left a list, from their newest
    detention the reader may see (the latest arrest; one with no arrest date
    counts as older) and its case events: died (stage deceased); moved to house
    arrest (stage house arrest, release to house arrest); pardoned (stage
    pardoned, release by pardon); released (a release date, a released or
    acquitted stage), with the reason for release; else what the newest of its
    custody events says (house arrest ordered, pardoned, released); else "no
    reason on record". Dated where the record dates it, in the active language.
    2 queries (none for no person, one when none has a detention)."""
    if not person_ids:
        return {}
    newest = list(
        visible(Detention.objects.filter(person_id__in=person_ids), reader)
        .order_by("person_id", F("arrested_on").desc(nulls_last=True), "-pk")
        .distinct("person_id")
        .values(
            "pk", "person_id", "released_on", "released_on_precision", "legal_stage__code",
            "legal_stage__label", "release_reason__code", "release_reason__label",
        )
    )  # fmt: skip
    events: dict[int, list[dict]] = {}
    if newest:
        for event in (
            visible(
                CaseEvent.objects.filter(
                    detention_id__in=[d["pk"] for d in newest], kind__code__in=CUSTODY_EVENTS
                ),
                reader,
            )
            .order_by("detention_id", F("occurred_on").desc(nulls_last=True), "-pk")
            .values("detention_id", "kind__code", "occurred_on", "occurred_on_precision")
        ):
            events.setdefault(event["detention_id"], []).append(event)
    reasons = {person_id: _no_reason() for person_id in person_ids}
    for detention in newest:
        reasons[detention["person_id"]] = _reason(detention, events.get(detention["pk"], []))
    return reasons


def _reason(detention: dict, events: list[dict]) -> str:
    """The reason one detention gives (see `removal_reasons`); `events` are its
    custody events, newest first."""
    stage, release = detention["legal_stage__code"], detention["release_reason__code"]
    released_on = _partial(detention["released_on"], detention["released_on_precision"])

    def event_date(kind: str) -> PartialDate | None:
        event = next((e for e in events if e["kind__code"] == kind), None)
        return _partial(event["occurred_on"], event["occurred_on_precision"]) if event else None

    if stage == DECEASED_STAGE:
        return pgettext("reason for removal from a list", "died")
    if stage == HOUSE_ARREST_STAGE or release == HOUSE_ARREST_RELEASE:
        day = released_on if release == HOUSE_ARREST_RELEASE else None
        return _house_arrest(day or event_date(HOUSE_ARREST_EVENT))
    if stage == PARDON_STAGE or release == PARDON_RELEASE:
        return _pardoned(released_on or event_date(PARDON_EVENT))
    if released_on or stage in RELEASED_STAGES:
        why = ""
        if release:
            why = ReleaseReason.translate(detention["release_reason__label"])
        elif stage == "acquitted":
            why = LegalStage.translate(detention["legal_stage__label"])
        return _released(released_on or event_date(RELEASE_EVENT), why)
    latest = events[0] if events else None
    day = _partial(latest["occurred_on"], latest["occurred_on_precision"]) if latest else None
    if latest and latest["kind__code"] == HOUSE_ARREST_EVENT:
        return _house_arrest(day)
    if latest and latest["kind__code"] == PARDON_EVENT:
        return _pardoned(day)
    if latest and latest["kind__code"] == RELEASE_EVENT:
        return _released(day, "")
    return _no_reason()


# Each wording whole, for the translators: "on" a day, "in" a month or a year.


def _no_reason() -> str:
    return pgettext("reason for removal from a list", "no reason on record")


def _released(day: PartialDate | None, why: str) -> str:
    if day is None:
        if why:
            return pgettext("reason for removal from a list", "released (%(reason)s)") % {
                "reason": why
            }
        return pgettext("reason for removal from a list", "released")
    values = {"date": day, "reason": why}
    if day.precision == Precision.DAY:
        if why:
            return (
                pgettext("reason for removal from a list", "released on %(date)s (%(reason)s)")
                % values
            )
        return pgettext("reason for removal from a list", "released on %(date)s") % values
    if why:
        return (
            pgettext("reason for removal from a list", "released in %(date)s (%(reason)s)") % values
        )
    return pgettext("reason for removal from a list", "released in %(date)s") % values


def _pardoned(day: PartialDate | None) -> str:
    if day is None:
        return pgettext("reason for removal from a list", "pardoned")
    if day.precision == Precision.DAY:
        return pgettext("reason for removal from a list", "pardoned on %(date)s") % {"date": day}
    return pgettext("reason for removal from a list", "pardoned in %(date)s") % {"date": day}


def _house_arrest(day: PartialDate | None) -> str:
    if day is None:
        return pgettext("reason for removal from a list", "moved to house arrest")
    if day.precision == Precision.DAY:
        return pgettext("reason for removal from a list", "moved to house arrest on %(date)s") % {
            "date": day
        }
    return pgettext("reason for removal from a list", "moved to house arrest in %(date)s") % {
        "date": day
    }
