"""What the public pages of places ask that the API does not: who is held at a
facility now and who was, the allegations reported there, and how to write to a
person where they are held now. Every read takes `reader=` and goes through the
visibility policy (cases.visibility) and the current-place rule (places.reads).

"Held now at a facility" is places.reads.held_now_sql: the rule of
/api/v1/persons/?status=held&facility=<slug>, for the same reader."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import F

from cases.models import Allegation, AllegationKind, Person
from cases.partial_dates import PartialDate
from cases.partial_dates import from_columns as _partial
from cases.reads.facets import facet_tables, table_versions
from cases.visibility import Reader, letter_is_visible, visible
from places.models import CustodyPeriod, Facility
from places.reads import (
    HELD_NOW_CACHE_SECONDS,
    current_places,
    custody_joins,
    held_now_sql,
    visible_custody_sql,
)

# a facility's page lists this many persons held there now, and as many custody
# periods before; the rest are on the case list (`/persons/?status=held&facility=`,
# `?held_at=`), which the page links to with the totals
CUSTODY_SHOWN = 50

_CUSTODY_COLUMNS = (
    "cp.id, cp.held_from, cp.held_from_precision, cp.held_until, cp.held_until_precision,"
    " cp.note, cp_p.id, cp_p.slug, cp_p.display_name"
)


def _custody_row(row: tuple) -> dict:
    (custody_id, held_from, held_from_precision, held_until, held_until_precision, note,
     person_id, slug, display_name) = row  # fmt: skip
    return {
        "id": custody_id,
        "person": {"id": person_id, "slug": slug, "display_name": display_name},
        "held_from": _partial(held_from, held_from_precision),
        "held_until": _partial(held_until, held_until_precision),
        "note": note,
    }


@dataclass(frozen=True)
class FacilityCustody:
    """Who is held at a facility now and who was: the first CUSTODY_SHOWN of
    each (custody rows with their persons) and how many there are in all."""

    held_now: list[dict]
    held_now_total: int
    held_before: list[dict]
    held_before_total: int


# Who is held at a facility and who was is cached per reader, keyed by the change
# markers of every table it reads (as the held-now counts: places.reads), the
# persons' names among them: the busiest facility's page ran the current place's
# rule for 9,000 persons on every request.
FACILITY_CUSTODY_CACHE_SECONDS = HELD_NOW_CACHE_SECONDS
# the persons filters reading the same tables: held now there, held there ever, a name
_CUSTODY_FILTERS = ("status", "facility", "held_at", "q")


def facility_custody_cache_key(
    facility: Facility, *, reader: Reader, shown: int, versions: dict[str, str]
) -> str:
    """The cache key of `facility_custody`: the reader, the facility, how many are
    shown and the change markers `versions` (cases.reads.facets.table_versions)."""
    tables = facet_tables("total", dict.fromkeys(_CUSTODY_FILTERS))
    marker = [reader.value, facility.pk, shown, [versions[table] for table in tables]]
    return "places-custody:" + hashlib.sha256(json.dumps(marker).encode()).hexdigest()


def facility_custody(
    facility: Facility,
    *,
    reader: Reader,
    shown: int | None = None,
    versions: dict[str, str] | None = None,
) -> FacilityCustody:
    """Who is held at `facility` now (places.reads.held_now_sql: the stored
    places and statuses), by name, and who was (its other visible custody
    periods, newest first): the first `shown` of each (CUSTODY_SHOWN) and their
    totals. Cached (`facility_custody_cache_key`): the change markers
    (`versions`: one query when not given) and the cache's read; when not
    cached, two queries more whatever the number of persons, and the cache's
    write."""
    if shown is None:
        shown = CUSTODY_SHOWN
    if versions is None:
        versions = table_versions()
    key = facility_custody_cache_key(facility, reader=reader, shown=shown, versions=versions)
    custody = cache.get(key)
    if custody is None:
        custody = _facility_custody(facility, reader=reader, shown=shown)
        cache.set(key, custody, FACILITY_CUSTODY_CACHE_SECONDS)
    return custody


def _facility_custody(facility: Facility, *, reader: Reader, shown: int) -> FacilityCustody:
    held, held_params = held_now_sql(reader=reader, facility_ids=[facility.pk])
    with connection.cursor() as cursor:
        # the first `shown` persons held now, by name, and how many there are: the
        # persons' names read for all, the custody periods for the first only
        cursor.execute(
            f"SELECT {_CUSTODY_COLUMNS}, first.n FROM ("
            "SELECT held.custody_id, p.display_name, count(*) OVER () AS n FROM"
            f" ({held}) held JOIN {Person._meta.db_table} p ON p.id = held.person_id"
            " ORDER BY p.display_name, held.custody_id LIMIT %s) first"
            f" JOIN {CustodyPeriod._meta.db_table} cp ON cp.id = first.custody_id{custody_joins()}"
            " ORDER BY first.display_name, cp.id",
            [*held_params, shown],
        )
        now_rows = cursor.fetchall()
        # the periods held now left out of "before" by the same statement's rows
        visible_sql, visible_params = visible_custody_sql(reader)
        cursor.execute(
            f"SELECT {_CUSTODY_COLUMNS}, count(*) OVER ()"
            f" FROM {CustodyPeriod._meta.db_table} cp{custody_joins()}"
            f" WHERE cp.facility_id = %s AND {visible_sql}"
            f" AND cp.id NOT IN (SELECT custody_id FROM ({held}) held)"
            " ORDER BY cp.held_from DESC NULLS LAST, cp.id DESC LIMIT %s",
            [facility.pk, *visible_params, *held_params, shown],
        )
        before_rows = cursor.fetchall()
    return FacilityCustody(
        held_now=[_custody_row(row[:-1]) for row in now_rows],
        held_now_total=now_rows[0][-1] if now_rows else 0,
        held_before=[_custody_row(row[:-1]) for row in before_rows],
        held_before_total=before_rows[0][-1] if before_rows else 0,
    )


ALLEGATION_FIELDS = (
    "id", "kind__code", "kind__label", "started_on", "started_on_precision", "ended_on", "ended_on_precision",
    "description", "person__slug", "person__display_name", "person__visibility",
    "person__deleted_at", "victim_description",
)  # fmt: skip


# A facility's page lists the newest allegations reported there, up to this many
# (a busy prison of the benchmark has over a thousand: an 800 KB page).
ALLEGATIONS_SHOWN = 50


def facility_allegations(
    facility: Facility, *, reader: Reader, versions: dict[str, str] | None = None
) -> tuple[list[dict], int]:
    """The newest ALLEGATIONS_SHOWN visible allegations reported at `facility`
    (newest first, undated last), with the person they concern when the reader
    may see them, and how many there are in all. Cached per reader under the
    change markers of every table (`versions`, cases.reads.facets.table_versions:
    one query when not given): the cache's read; when not cached, three queries
    (the busiest facility's 2,000 allegations checked for their visibility took
    0.6 s) and the cache's write. The kinds' labels are translated after."""
    if versions is None:
        versions = table_versions()
    marker = [reader.value, facility.pk, sorted(versions.items())]
    key = "places-allegations:" + hashlib.sha256(json.dumps(marker).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _facility_allegation_rows(facility, reader=reader)
        cache.set(key, found, FACILITY_CUSTODY_CACHE_SECONDS)
    rows, total, shown = found
    return [
        {
            "id": r["id"],
            "kind": r["kind__code"],
            "kind_label": AllegationKind.translate(r["kind__label"]),
            "started_on": _partial(r["started_on"], r["started_on_precision"]),
            "ended_on": _partial(r["ended_on"], r["ended_on_precision"]),
            "description": r["description"],
            "person": (
                {"slug": r["person__slug"], "display_name": r["person__display_name"]}
                if r["person__slug"] in shown
                else None
            ),
            "victim_description": r["victim_description"],
        }
        for r in rows
    ], total


def _facility_allegation_rows(
    facility: Facility, *, reader: Reader
) -> tuple[list[dict], int, set[str]]:
    allegations = visible(Allegation.objects.filter(facility=facility), reader)
    rows = list(
        allegations.order_by(F("started_on").desc(nulls_last=True), "-id").values(
            *ALLEGATION_FIELDS
        )[:ALLEGATIONS_SHOWN]
    )
    total = len(rows) if len(rows) < ALLEGATIONS_SHOWN else allegations.count()
    person_slugs = {r["person__slug"] for r in rows if r["person__slug"]}
    shown = set(
        visible(Person.objects.filter(slug__in=person_slugs), reader).values_list("slug", flat=True)
        if person_slugs
        else ()
    )
    return rows, total, shown


@dataclass(frozen=True)
class HowToWrite:
    """How to write to a person where they are held now: the facility's address
    and rules (with the facility's visibility), and the recipient line and note
    only where the custody period's `letter_visibility` allows (`letter`)."""

    custody_id: int
    custody_uuid: object
    held_from: PartialDate | None
    last_reported: PartialDate | None
    facility_id: int
    facility_slug: str
    facility_name: str
    postal_address: str
    address_confirmed_on: PartialDate | None
    letter_language: str
    letter_rules: str
    parcel_rules: str
    rules_confirmed_on: PartialDate | None
    letter: bool
    recipient_line: str
    letter_note: str
    letter_confirmed_on: PartialDate | None


def how_to_write(person: Person, *, reader: Reader) -> HowToWrite | None:
    """How to write to `person` at their current place (places.reads), or None
    when they are held nowhere the reader may see: two queries."""
    place = current_places([person.pk], reader=reader).get(person.pk)
    if place is None:
        return None
    custody = CustodyPeriod.objects.select_related("facility").get(pk=place.custody_id)
    facility = custody.facility
    letter = letter_is_visible(custody, reader)
    return HowToWrite(
        custody_id=custody.pk,
        custody_uuid=custody.uuid,
        held_from=place.held_from,
        last_reported=place.last_reported,
        facility_id=facility.pk,
        facility_slug=facility.slug,
        facility_name=facility.name,
        postal_address=facility.postal_address,
        address_confirmed_on=facility.address_confirmed_on_partial,
        letter_language=facility.letter_language,
        letter_rules=facility.letter_rules,
        parcel_rules=facility.parcel_rules,
        rules_confirmed_on=facility.rules_confirmed_on_partial,
        letter=letter,
        recipient_line=custody.recipient_line if letter else "",
        letter_note=custody.letter_note if letter else "",
        letter_confirmed_on=custody.letter_confirmed_on_partial if letter else None,
    )
