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
facility, which are facts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from cases.models import Detention, Person
from cases.partial_dates import PartialDate
from cases.visibility import Reader, cited_sql, own_level_sql
from places.models import CustodyPeriod, Facility
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


def current_custody_sql(*, reader: Reader, persons: list[int] | None = None) -> tuple[str, list]:
    """SQL (with parameters) of one row per person held somewhere now by the rule
    of the module's docstring: (person_id, custody_id, facility_id, source_date,
    source_precision), of `persons` (ids) or of everyone the reader may see.
    The persons filters `facility` and `region`, the facility pages' counts and
    the statistics select from it."""
    visible_sql, visible_params = visible_custody_sql(reader)
    citation_level, citation_params = own_level_sql(reader, "c")
    source_level, source_params = own_level_sql(reader, "s")
    confidential = "" if reader is Reader.STAFF else " AND NOT s.is_confidential"
    among, among_params = (
        ("", []) if persons is None else (" AND cp_d.person_id = ANY(%s)", [persons])
    )
    sql = (
        "SELECT DISTINCT ON (cp_d.person_id) cp_d.person_id AS person_id, cp.id AS custody_id,"
        " cp.facility_id AS facility_id, newest.source_date, newest.source_precision"
        f" FROM {CustodyPeriod._meta.db_table} cp{custody_joins()}"
        " LEFT JOIN LATERAL ("
        " SELECT s.published_on AS source_date, s.published_on_precision AS source_precision"
        f" FROM {Citation._meta.db_table} c JOIN {Source._meta.db_table} s ON s.id = c.source_id"
        f" WHERE c.custody_period_id = cp.id AND {citation_level} AND {source_level}"
        f" AND s.published_on IS NOT NULL{confidential}"
        " ORDER BY s.published_on DESC, s.published_on_precision DESC LIMIT 1"
        ") newest ON TRUE"
        f" WHERE cp.held_until IS NULL AND {visible_sql}{among}"
        " ORDER BY cp_d.person_id, newest.source_date DESC NULLS LAST,"
        " cp.held_from DESC NULLS LAST, cp.id DESC"
    )
    return sql, [*citation_params, *source_params, *visible_params, *among_params]


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


def _partial(date, precision) -> PartialDate | None:
    return PartialDate(date, precision) if date else None
