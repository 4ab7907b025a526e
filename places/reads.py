"""What the places app answers. The core question, asked by the person rows, the
persons filter `facility`, the facility pages and the statistics: where is a
person held now?

The rule: a person's current place is their open custody period (no end date)
that the reader may see, with the newest source: the newest date of a source of
its citations the reader may see (a confidential source's date counts for staff
only, as for the status); between equals, the one that began last, then the
one entered last. A custody period is visible when it, its detention, its
person and its facility are (cases.visibility: levels, the trash, and a
citation the reader may see for the custody period, the detention and the
facility, which are facts).

The database keeps each person's current place per reader (cases.reads.status
writes `current_custody_sql` into its functions and stores what it gives, with
the status, by the same triggers): the lists and counts read the stored places
(`place_sql`); the pages of a few persons run the rule for their dates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.models import Detention, Person
from cases.partial_dates import PartialDate
from cases.partial_dates import from_columns as _partial
from cases.reads.citations import citations_of
from cases.reads.facets import FACETS_CACHE_SECONDS, facet_tables, table_versions
from cases.reads.status import place_sql
from cases.search import search_key
from cases.visibility import (
    Reader,
    cited_sql,
    own_level_q,
    own_level_sql,
    visible,
    visible_levels,
)
from places.models import CustodyPeriod, Facility, FacilityName
from sources.models import Citation, Source


@dataclass(frozen=True)
class CurrentPlace:
    person_id: int
    custody_id: int
    facility_id: int
    facility_slug: str
    facility_name: str
    region: str
    held_from: PartialDate | None
    last_reported: PartialDate | None  # the newest source's date, as the status's


def visible_custody_sql(reader: Reader, alias: str = "cp") -> tuple[str, list]:
    """The condition (with its parameters) under which the custody periods `alias`
    are visible to `reader`, for hand-written SQL that joins `{alias}_d` (its
    detention), `{alias}_p` (the person) and `{alias}_f` (the facility):

        JOIN cases_detention cp_d ON cp_d.id = cp.detention_id
        JOIN cases_person cp_p ON cp_p.id = cp_d.person_id
        JOIN places_facility cp_f ON cp_f.id = cp.facility_id
    """
    parts, params = [], []
    for table_alias, model in (
        (alias, CustodyPeriod),
        (f"{alias}_d", Detention),
        (f"{alias}_p", Person),
        (f"{alias}_f", Facility),
    ):
        level, level_params = own_level_sql(reader, table_alias)
        cited, cited_params = cited_sql(model, reader, table_alias)
        parts += [level, cited]
        params += [*level_params, *cited_params]
    return " AND ".join(parts), params


def custody_joins(alias: str = "cp") -> str:
    """The joins `visible_custody_sql` expects, after `FROM places_custodyperiod {alias}`."""
    return (
        f" JOIN {Detention._meta.db_table} {alias}_d ON {alias}_d.id = {alias}.detention_id"
        f" JOIN {Person._meta.db_table} {alias}_p ON {alias}_p.id = {alias}_d.person_id"
        f" JOIN {Facility._meta.db_table} {alias}_f ON {alias}_f.id = {alias}.facility_id"
    )


def newest_source_sql(reader: Reader, custody: str) -> tuple[str, list]:
    """A LATERAL subquery (with parameters) giving the date (`source_date`,
    `source_precision`) of the newest dated source the reader may see that
    cites the custody period whose id is the SQL expression `custody`: when
    the current place was last reported."""
    citation_level, citation_params = own_level_sql(reader, "c")
    source_level, source_params = own_level_sql(reader, "s")
    confidential = "" if reader is Reader.STAFF else " AND NOT s.is_confidential"
    return (
        "SELECT s.published_on AS source_date, s.published_on_precision AS source_precision"
        f" FROM {Citation._meta.db_table} c JOIN {Source._meta.db_table} s ON s.id = c.source_id"
        f" WHERE c.custody_period_id = {custody} AND {citation_level} AND {source_level}"
        f" AND s.published_on IS NOT NULL{confidential}"
        " ORDER BY s.published_on DESC, s.published_on_precision DESC LIMIT 1",
        [*citation_params, *source_params],
    )


def current_custody_sql(*, reader: Reader, persons: list[int] | None = None) -> tuple[str, list]:
    """SQL (with parameters) of one row per person held somewhere now by the rule
    of the module's docstring: (person_id, custody_id, facility_id, source_date,
    source_precision), of `persons` (ids) or of everyone the reader may see.
    The persons filters `facility` and `region`, the facility pages' counts and
    the statistics select from it."""
    visible_sql, visible_params = visible_custody_sql(reader)
    newest, newest_params = newest_source_sql(reader, "cp.id")
    among, among_params = (
        ("", []) if persons is None else (" AND cp_d.person_id = ANY(%s)", [persons])
    )
    sql = (
        "SELECT DISTINCT ON (cp_d.person_id) cp_d.person_id AS person_id, cp.id AS custody_id,"
        " cp.facility_id AS facility_id, newest.source_date, newest.source_precision"
        f" FROM {CustodyPeriod._meta.db_table} cp{custody_joins()}"
        f" LEFT JOIN LATERAL ({newest}) newest ON TRUE"
        f" WHERE cp.held_until IS NULL AND {visible_sql}{among}"
        " ORDER BY cp_d.person_id, newest.source_date DESC NULLS LAST,"
        " cp.held_from DESC NULLS LAST, cp.id DESC"
    )
    return sql, [*newest_params, *visible_params, *among_params]


def current_places(person_ids: list[int], *, reader: Reader) -> dict[int, CurrentPlace]:
    """Where each of `person_ids` is held now (by the rule of the module's
    docstring), for those held somewhere the reader may see: one query."""
    if not person_ids:
        return {}
    sql, params = current_custody_sql(reader=reader, persons=list(person_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cur.person_id, cur.custody_id, f.id, f.slug, f.name, f.region,"
            " cp.held_from, cp.held_from_precision, cur.source_date, cur.source_precision"
            f" FROM ({sql}) cur JOIN {Facility._meta.db_table} f ON f.id = cur.facility_id"
            f" JOIN {CustodyPeriod._meta.db_table} cp ON cp.id = cur.custody_id",
            params,
        )
        rows = cursor.fetchall()
    return {
        person_id: CurrentPlace(
            person_id=person_id,
            custody_id=custody_id,
            facility_id=facility_id,
            facility_slug=slug,
            facility_name=name,
            region=region,
            held_from=_partial(held_from, held_from_precision),
            last_reported=_partial(source_date, source_precision),
        )
        for (
            person_id,
            custody_id,
            facility_id,
            slug,
            name,
            region,
            held_from,
            held_from_precision,
            source_date,
            source_precision,
        ) in rows  # fmt: skip
    }


# --- held now: the facility pages' and the statistics' counts ------------------------
#
# "Held now at X" is the persons filter `?status=held&facility=X`: a person whose
# status is held (cases.reads.status, the rule of `?status=held`) and whose current
# place (`current_custody_sql`) is at X. Both are read from what the database
# stores per reader (cases.reads.status: `status_sql`, `place_sql`, kept by the
# same triggers with this rule's own SQL): an index scan of the places at X, not
# the rule run for everyone with an open period there (0.3 s at the busiest
# facility of the benchmark). tests/test_places_filters.py holds the counts and
# the filter together for every reader.


def _placed_where(facility_ids: list[int] | None, regions: list[str] | None) -> tuple[str, list]:
    """The condition on stored places (`place_sql`'s `where`): at one of
    `facility_ids`, at a facility in one of `regions` (lower case), or anywhere."""
    conditions, params = ["TRUE"], []
    if facility_ids is not None:
        conditions.append("facility_id = ANY(%s)")
        params.append(facility_ids)
    if regions is not None:
        conditions.append(
            f"facility_id IN (SELECT id FROM {Facility._meta.db_table}"
            " WHERE lower(region) = ANY(%s))"
        )
        params.append(regions)
    return " AND ".join(conditions), params


def placed_sql(
    *,
    reader: Reader,
    facility_ids: list[int] | None = None,
    regions: list[str] | None = None,
    held: bool = False,
) -> tuple[str, list]:
    """SQL (with parameters) of the ids of the persons whose current place
    (`current_custody_sql`) is at one of `facility_ids`, or at a facility in one
    of `regions` (compared in lower case), or anywhere (neither given), whatever
    their status, or only those held now (`held_now_sql`'s) when `held`: the
    stored places (`place_sql`), for a filter to read as a subquery (the
    database reads them itself rather than sending their ids here and back:
    6,648 at the benchmark's busiest facility)."""
    sql, params = place_sql(reader=reader, where=_placed_where(facility_ids, regions), held=held)
    return f"SELECT person_id FROM ({sql}) placed", params


def held_places(person_ids: list[int], *, reader: Reader) -> dict[int, int]:
    """{person id: facility id} of those of `person_ids` held now (status held)
    whose current place the reader may see: where each counts in `held_now_sql`.
    One query."""
    if not person_ids:
        return {}
    sql, params = place_sql(reader=reader, persons=list(person_ids), held=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT person_id, facility_id FROM ({sql}) held", params)
        return dict(cursor.fetchall())


def held_now_sql(
    *,
    reader: Reader,
    facility_ids: list[int] | None = None,
    regions: list[str] | None = None,
) -> tuple[str, list]:
    """SQL (with parameters) of one row per person held now (status held) at one
    of `facility_ids`, in one of `regions` (lower case) or anywhere: (person_id,
    custody_id, facility_id), from the stored places and statuses."""
    return place_sql(reader=reader, where=_placed_where(facility_ids, regions), held=True)


# The counts of every facility and of every region are cached per reader, keyed
# by the change markers of every table the rule reads (cases.reads.facets: the
# persons' counted fields, the status's tables, the custody periods', facilities'
# and detentions' with their citations and sources, and the withdrawals), as the
# filter counts are: an edit of any of them gives a new key. A few facilities are
# counted alone when the counts of all are not cached (their stored places: an
# index scan each, where every facility's are all 60,000 places of the
# benchmark's readers), cached apart.
HELD_NOW_CACHE_SECONDS = FACETS_CACHE_SECONDS
# up to this many facilities asked for are counted alone when not cached
FEW_FACILITIES = 20
# the tables the counts read: those of the persons filter `?status=held&facility=`
# (`?status=held&region=` reads the same: the facilities and custody periods)
_HELD_NOW_FILTERS = ("status", "facility")


def held_now_cache_key(
    *, reader: Reader, facility_ids: list[int] | None = None, versions: dict[str, str] | None = None
) -> str:
    """The cache key of the held-now counts of `facility_ids` (sorted) or of every
    facility (None) for `reader`: made of the change markers `versions`
    (cases.reads.facets.table_versions: one query when not given) of the tables
    the rule reads."""
    if versions is None:
        versions = table_versions()
    tables = facet_tables("total", dict.fromkeys(_HELD_NOW_FILTERS))
    facilities = None if facility_ids is None else sorted(facility_ids)
    marker = [reader.value, facilities, [versions[table] for table in tables]]
    return "places-held-now:" + hashlib.sha256(json.dumps(marker).encode()).hexdigest()


def _count_held_now(*, reader: Reader, facility_ids: list[int] | None) -> dict[int, int]:
    sql, params = held_now_sql(reader=reader, facility_ids=facility_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facility_id, count(*) FROM ({sql}) held GROUP BY facility_id", params
        )
        return dict(cursor.fetchall())


def held_now_counts(
    *, reader: Reader, facility_ids: list[int] | None = None, cached: bool = True
) -> dict[int, int]:
    """{facility id: persons held there now} (as `held_now_sql`), of `facility_ids`
    or of every facility with someone held; a facility with no one held now is
    not in it. Cached (`held_now_cache_key`): the change markers and the cache's
    read, when cached; else the counts of every facility, or of up to
    FEW_FACILITIES asked for, counted alone (1 statement either way), and the
    cache's write.

    `cached=False` counts, neither reading nor writing the cache: the change
    feed's, which must be exact in its own snapshot, while the change markers
    miss a bulk `update()` (no updated_at) that is not a withdrawal."""
    if facility_ids is not None and not facility_ids:
        return {}
    alone = facility_ids is not None and len(facility_ids) <= FEW_FACILITIES
    if not cached:
        counts = _count_held_now(reader=reader, facility_ids=facility_ids if alone else None)
        return counts if facility_ids is None else _only(counts, facility_ids)
    versions = table_versions()
    everywhere_key = held_now_cache_key(reader=reader, versions=versions)
    alone_key = everywhere_key
    if alone:
        alone_key = held_now_cache_key(reader=reader, facility_ids=facility_ids, versions=versions)
    cached = cache.get_many([everywhere_key, alone_key])
    counts = cached.get(everywhere_key, cached.get(alone_key))
    if counts is None:
        counts = _count_held_now(reader=reader, facility_ids=facility_ids if alone else None)
        cache.set(alone_key, counts, HELD_NOW_CACHE_SECONDS)
    if facility_ids is None:
        return dict(counts)
    return _only(counts, facility_ids)


def _only(counts: dict[int, int], facility_ids: list[int]) -> dict[int, int]:
    return {pk: counts[pk] for pk in facility_ids if pk in counts}


def held_by_region(*, reader: Reader) -> list[tuple[str, int]]:
    """[(region, persons held now there)], most first, then by region; the
    facilities with no region together as "": from the held-now counts of every
    facility (`held_now_counts`, cached), grouped by their facilities' regions:
    one query besides theirs."""
    counts = held_now_counts(reader=reader)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.region, sum(held.n)::bigint AS n"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS held(facility_id, n)"
            f" JOIN {Facility._meta.db_table} f ON f.id = held.facility_id"
            " GROUP BY f.region ORDER BY n DESC, f.region",
            [list(counts), list(counts.values())],
        )
        return [(region, n) for region, n in cursor.fetchall()]


# --- the facility rows of the API and the change feed ---------------------------------

FACILITY_FIELDS = (
    "id", "uuid", "slug", "name", "kind__code", "operator__slug", "operator__visibility",
    "operator__deleted_at", "country", "region", "locality", "latitude", "longitude",
    "postal_address", "address_confirmed_on", "address_confirmed_on_precision",
    "letter_language", "letter_rules", "parcel_rules", "rules_confirmed_on",
    "rules_confirmed_on_precision", "description", "updated_at",
)  # fmt: skip


def facility_rows(
    rows: list[dict], *, reader: Reader, cite: bool = True, cached: bool = True
) -> list[dict]:
    """Facilities (places.api.serializers.FacilitySerializer) from
    `.values(*FACILITY_FIELDS)` rows of visible facilities, with their visible
    other names, the number held there now (`held_now_counts`: 2 queries when
    cached; counted afresh with `cached=False`) and their citations: 2 queries
    and held now's (1 and held now's with `cite=False`, for a caller that adds
    citations itself). The operator is named only when the reader may see it."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    own_level, levels = own_level_sql(reader)
    names: dict[int, list[dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facility_id, name, language FROM {FacilityName._meta.db_table}"
            f" WHERE facility_id = ANY(%s) AND {own_level} ORDER BY facility_id, language, name, id",
            [ids, *levels],
        )
        for facility_id, name, language in cursor.fetchall():
            names.setdefault(facility_id, []).append({"name": name, "language": language})
    held = held_now_counts(reader=reader, facility_ids=ids, cached=cached)
    citations = citations_of(reader, facility=ids)["facility"] if cite else {}
    operator_levels = visible_levels(reader)
    result = []
    for row in rows:
        operator_shown = (
            row["operator__slug"] is not None
            and row["operator__visibility"] in operator_levels
            and row["operator__deleted_at"] is None
        )
        facility = {
            "uuid": row["uuid"],
            "slug": row["slug"],
            "name": row["name"],
            "names": names.get(row["id"], []),
            "kind": row["kind__code"],
            "operator": row["operator__slug"] if operator_shown else None,
            "country": row["country"],
            "region": row["region"],
            "locality": row["locality"],
            "latitude": _degrees(row["latitude"]),
            "longitude": _degrees(row["longitude"]),
            "postal_address": row["postal_address"],
            "address_confirmed_on": _partial(
                row["address_confirmed_on"], row["address_confirmed_on_precision"]
            ),
            "letter_language": row["letter_language"],
            "letter_rules": row["letter_rules"],
            "parcel_rules": row["parcel_rules"],
            "rules_confirmed_on": _partial(
                row["rules_confirmed_on"], row["rules_confirmed_on_precision"]
            ),
            "description": row["description"],
            "held_now": held.get(row["id"], 0),
            "updated_at": row["updated_at"],
            "_id": row["id"],
        }
        if cite:
            facility["citations"] = citations.get(row["id"], [])
        result.append(facility)
    return result


def _degrees(value: Decimal | None) -> float | None:
    # five decimals (about a metre) are exact as a float's shortest repr
    return None if value is None else float(value)


# --- finding a facility by any spelling of any of its names -----------------------------


def _words_begin_words(words: list[str], field: str = "name_key") -> Q:
    """Every word of the key begins a word of the name key in `field`."""
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"})
    return condition


def search_facilities(queryset: QuerySet, query: str, *, reader: Reader) -> QuerySet:
    """The facilities of `queryset` whose name, or an other name the reader may
    see, matches `query` in any spelling (cases.search name keys, as persons are
    found): every word of the query begins a word of one name ("prison no 13",
    "Тюрьма № 13"); when no facility has the words, a name similar by trigrams
    (a misspelling: "Prizon 13"). One query, when read. A hidden other name
    never matches: it would tell a public reader what researchers keep internal."""
    key = search_key(query)  # SearchQueryError beyond the bounds every search shares
    if not key:
        return queryset.none()
    words = key.split()
    names = FacilityName.objects.filter(own_level_q(reader), facility=OuterRef("pk"))
    by_words = _words_begin_words(words) | Q(Exists(names.filter(_words_begin_words(words))))
    similar = Q(name_key__trigram_word_similar=key) | Q(
        Exists(names.filter(name_key__trigram_word_similar=key))
    )
    # uncorrelated: PostgreSQL reads it once
    anyone_by_words = Exists(visible(Facility.objects.filter(by_words), reader))
    return queryset.filter(by_words | (similar & ~anyone_by_words))
