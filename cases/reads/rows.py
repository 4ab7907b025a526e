"""The rows of the API lists and the pages, each list built from a few flat queries."""

from __future__ import annotations

from django.db.models import F

from cases.choices import PersonStatus
from cases.models import (
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    NameVariant,
    Occupation,
    Person,
    Statement,
)
from cases.partial_dates import PartialDate
from cases.partial_dates import from_columns as _partial
from cases.reads.citations import citations_of
from cases.reads.compiled import AnyOf, compiled, fetch
from cases.reads.status import place_sql, status_sql
from cases.visibility import (
    CONFIDENTIAL_SOURCE_TITLE,
    Reader,
    cited_sql,
    own_level_sql,
    source_is_hidden_behind_confidentiality,
    visibility_q,
    visible,
    visible_levels,
)
from places.models import CustodyPeriod, Facility
from places.reads import custody_joins, newest_source_sql, visible_custody_sql
from sources.models import Source

# Each list is built from a few flat queries (one for the page, one per kind of
# child) whatever the page size, with `.values()` instead of model and
# serializer objects. The shapes are declared in cases/api/serializers.py.


def _ref(
    row: dict, prefix: str, *fields: str, levels: tuple[str, ...] | None = None
) -> dict | None:
    """A nested reference ({"uuid", ...}) from the flat columns `prefix__field`;
    None when there is none, or (given `levels`) when the reader may not see it:
    its level is not in `levels`, or it is in the trash."""
    if row.get(f"{prefix}__uuid") is None:
        return None
    if levels is not None and (
        row[f"{prefix}__visibility"] not in levels or row[f"{prefix}__deleted_at"] is not None
    ):
        return None
    return {field: row[f"{prefix}__{field}"] for field in ("uuid", *fields)}


def _grouped(rows, key: str) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(row.pop(key), []).append(row)
    return groups


_OCCUPATIONS = Person.occupations.through._meta.db_table


def _charges_of(detention_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The visible charges of detentions already passed through `visible`,
    grouped by detention id: one query."""
    own_level, levels = own_level_sql(reader)
    return _grouped(
        fetch(
            f"SELECT detention_id, article, description FROM {Charge._meta.db_table}"
            f" WHERE detention_id = ANY(%s) AND {own_level}"
            " ORDER BY detention_id, article, id",  # id: ties in a stable order
            [detention_ids, *levels],
            model=Charge,
        ),
        "detention_id",
    )


def _custody_of(
    detention_ids: list[int], *, reader: Reader, current_of: list[int] | None = None
) -> tuple[dict[int, list[dict]], dict[int, dict]]:
    """The custody periods of detentions already passed through `visible` that
    the reader may see (places.reads.visible_custody_sql), grouped by detention
    id in the order of a detention's transfers (held_from, then id; undated
    last, as `CustodyPeriod.Meta.ordering`); and, given `current_of` (person
    ids), each person's current place by places.reads' rule, read in the same
    query (the current period is always one of the visible periods of a
    visible detention): one query. The letter details never leave here."""
    visible_sql, visible_params = visible_custody_sql(reader)
    current_join, current_params, current_columns = "", [], ""
    if current_of is not None:
        # the current places as stored (place_sql: the rule's rows, those of a
        # transaction's own persons computed afresh), and the newest source of
        # each: computing the rule here again took a third of the API's page of
        # 100 persons held at the busiest facility
        current_sql, current_params = place_sql(reader=reader, persons=current_of)
        newest, newest_params = newest_source_sql(reader, "cur.custody_id")
        current_join = (
            f" LEFT JOIN ({current_sql}) cur ON cur.custody_id = cp.id"
            f" LEFT JOIN LATERAL ({newest}) newest ON cur.custody_id IS NOT NULL"
        )
        current_params = [*current_params, *newest_params]
        current_columns = (
            ", cp_d.person_id, cur.custody_id IS NOT NULL AS is_current,"
            " newest.source_date, newest.source_precision"
        )
    rows = fetch(
        "SELECT cp.detention_id, cp.id AS _id, cp.uuid, cp_f.slug AS facility,"
        " cp_f.name AS facility_name, cp_f.region AS facility_region, cp.held_from,"
        f" cp.held_from_precision, cp.held_until, cp.held_until_precision, cp.note{current_columns}"
        f" FROM {CustodyPeriod._meta.db_table} cp{custody_joins()}{current_join}"
        f" WHERE cp.detention_id = ANY(%s) AND {visible_sql}"
        " ORDER BY cp.detention_id, cp.held_from, cp.id",
        [*current_params, detention_ids, *visible_params],
        model=CustodyPeriod,
    )
    current: dict[int, dict] = {}
    periods: dict[int, list[dict]] = {}
    for row in rows:
        held_from = _partial(row.pop("held_from"), row.pop("held_from_precision"))
        if row.pop("is_current", False):
            current[row["person_id"]] = {
                "slug": row["facility"],
                "name": row["facility_name"],
                "region": row["facility_region"],
                "held_from": held_from,
                "last_reported": _partial(row["source_date"], row["source_precision"]),
            }
        periods.setdefault(row["detention_id"], []).append(
            {
                "uuid": row["uuid"],
                "facility": row["facility"],
                "facility_name": row["facility_name"],
                "held_from": held_from,
                "held_until": _partial(row["held_until"], row["held_until_precision"]),
                "note": row["note"],
                "_id": row["_id"],
            }
        )
    return periods, current


def _statuses_of(ids: list[int], *, reader: Reader) -> dict[int, tuple[str, PartialDate | None]]:
    """Each person's status and its date, as the database keeps them
    (cases.reads.status.status_sql: the rule's own rows, stored per reader and
    computed afresh for the persons a transaction not yet committed touched);
    persons with none are left out: one query. Working the rule out in Python
    from the calls for release and the date of every source cited for the
    page's detentions took two queries and half the time of a page of 100."""
    sql, params = status_sql(reader=reader, persons=ids)
    return {
        row["person_id"]: (row["status"], _partial(row["as_of"], row["as_of_precision"]))
        for row in fetch(sql, params, model=Person)
    }


PERSON_FIELDS = (
    "id", "uuid", "slug", "display_name", "gender", "birth_date", "birth_date_precision",
    "citizenship", "summary", "updated_at", "reported_age", "reported_age_on",
    "reported_age_on_precision",
)  # fmt: skip


def person_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Persons (PersonSerializer) from `.values(*PERSON_FIELDS)` rows, with their
    visible name variants, occupations, detentions with charges and custody
    periods, their current place (places.reads' rule) and their status with its
    date (`_statuses_of`): one query per kind of child (the custody periods and
    the current place one) and the status's."""
    # Fixed SQL over id arrays: this runs for every list page, and building
    # four ORM queries cost more than running them (measured in `make bench`).
    ids = [row["id"] for row in rows]
    own_level, levels = own_level_sql(reader)
    variants = _grouped(
        fetch(
            f"SELECT person_id, name, language, kind FROM {NameVariant._meta.db_table}"
            f" WHERE person_id = ANY(%s) AND {own_level}"
            " ORDER BY person_id, language, name, id",
            [ids, *levels],
            model=NameVariant,
        ),
        "person_id",
    )
    occupations = _grouped(
        fetch(
            f"SELECT po.person_id, o.code AS occupation__code FROM {_OCCUPATIONS} po"
            f" JOIN {Occupation._meta.db_table} o ON o.id = po.occupation_id"
            " WHERE po.person_id = ANY(%s) ORDER BY po.person_id, o.sort_order, o.label, o.id",
            [ids],
            model=Person,
        ),
        "person_id",
    )
    cited, cited_params = cited_sql(Detention, reader, "d")  # an uncited detention is hidden
    detentions = fetch(
        "SELECT d.id, d.person_id, d.uuid, d.arrested_on, d.arrested_on_precision, d.released_on,"
        " d.released_on_precision, ls.code AS legal_stage__code,"
        " ls.in_detention AS legal_stage__in_detention, d.facility"
        f" FROM {Detention._meta.db_table} d LEFT JOIN {LegalStage._meta.db_table} ls"
        " ON ls.id = d.legal_stage_id"
        f" WHERE d.person_id = ANY(%s) AND {own_level_sql(reader, 'd')[0]} AND {cited}"
        " ORDER BY d.person_id, d.arrested_on ASC NULLS FIRST, d.id",
        [ids, *levels, *cited_params],
        model=Detention,
    )
    charges = _charges_of([d["id"] for d in detentions], reader=reader)
    custody, current = _custody_of([d["id"] for d in detentions], reader=reader, current_of=ids)
    statuses = _statuses_of(ids, reader=reader)
    by_person: dict[int, list[dict]] = {}
    for d in detentions:
        by_person.setdefault(d["person_id"], []).append(d)
    result = []
    for row in rows:
        held = by_person.get(row["id"], [])
        status, status_as_of = statuses.get(row["id"], ("", None))
        result.append(
            {
                "uuid": row["uuid"],
                "slug": row["slug"],
                "display_name": row["display_name"],
                "name_variants": variants.get(row["id"], []),
                "gender": row["gender"] or None,
                "birth_date": _partial(row["birth_date"], row["birth_date_precision"]),
                "citizenship": row["citizenship"],
                "occupations": [o["occupation__code"] for o in occupations.get(row["id"], [])],
                "summary": row["summary"],
                "in_detention": status == PersonStatus.HELD,
                "current_legal_stage": held[-1]["legal_stage__code"] if held else None,
                "detentions": [
                    {
                        "uuid": d["uuid"],
                        "arrested_on": _partial(d["arrested_on"], d["arrested_on_precision"]),
                        "released_on": _partial(d["released_on"], d["released_on_precision"]),
                        "legal_stage": d["legal_stage__code"],
                        "facility": d["facility"],
                        "charges": charges.get(d["id"], []),
                        "custody_periods": [
                            {key: value for key, value in period.items() if key != "_id"}
                            for period in custody.get(d["id"], [])
                        ],
                    }
                    for d in held
                ],
                "current_facility": current.get(row["id"]),
                "updated_at": row["updated_at"],
                "status": status or None,
                "status_as_of": status_as_of,
                "reported_age": row["reported_age"],
                "reported_age_on": _partial(
                    row["reported_age_on"], row["reported_age_on_precision"]
                ),
            }
        )
    return result


DETENTION_FIELDS = (
    "id", "uuid", "person__uuid", "person__slug", "person__display_name", "arrested_on",
    "arrested_on_precision", "arrest_place", "arresting_authority__uuid",
    "arresting_authority__slug", "arresting_authority__name", "arresting_authority__visibility",
    "arresting_authority__deleted_at", "legal_stage__code", "facility",
    "sentence_months", "released_on", "released_on_precision", "release_reason__code", "summary",
    "updated_at",
)  # fmt: skip


def _cited(
    result: list[dict],
    reader: Reader,
    target: str,
    cite: bool,
    children: tuple[str, str] | None = None,
) -> list[dict]:
    """Each fact's visible citations (one query), unless the caller adds them;
    with `children` (key, citation target), those of the facts listed under
    that key of each row as well, in the same query."""
    if not cite:
        return result
    targets = {target: [row["_id"] for row in result]}
    if children:
        key, child_target = children
        targets[child_target] = [child["_id"] for row in result for child in row[key]]
    citations = citations_of(reader, **targets)
    for row in result:
        row["citations"] = citations[target].get(row["_id"], [])
        if children:
            for child in row[key]:
                child["citations"] = citations[child_target].get(child["_id"], [])
    return result


def detention_rows(rows: list[dict], *, reader: Reader, cite: bool = True) -> list[dict]:
    """Detentions (DetentionSerializer) with charges, events, custody periods
    and citations (the detention's and its custody periods', one query): 5
    queries (4 with `cite=False`, for a caller that adds citations itself; the
    custody periods keep their `_id` for it)."""
    ids = [row["id"] for row in rows]
    levels = visible_levels(reader)
    charges = _charges_of(ids, reader=reader)
    custody, _ = _custody_of(ids, reader=reader)
    events = _grouped(
        compiled(
            ("detention_rows.events", reader),
            lambda: visible(CaseEvent.objects.filter(AnyOf("detention_id", "ids")), reader)
            .order_by("detention_id", F("occurred_on").asc(nulls_last=True), "id")
            .values(
                "detention_id", "id", "uuid", "kind__code", "occurred_on", "occurred_on_precision",
                "sentence_months", "description", "organization__uuid", "organization__slug",
                "organization__name", "organization__visibility", "organization__deleted_at",
            ),
        ).rows(ids=ids)
        if ids
        else [],
        "detention_id",
    )  # fmt: skip
    return _cited(
        [
            {
                "uuid": row["uuid"],
                "person": _ref(row, "person", "slug", "display_name"),
                "arrested_on": _partial(row["arrested_on"], row["arrested_on_precision"]),
                "arrest_place": row["arrest_place"],
                "arresting_authority": _ref(
                    row, "arresting_authority", "slug", "name", levels=levels
                ),
                "legal_stage": row["legal_stage__code"],
                "facility": row["facility"],
                "sentence_months": row["sentence_months"],
                "released_on": _partial(row["released_on"], row["released_on_precision"]),
                "release_reason": row["release_reason__code"],
                "summary": row["summary"],
                "charges": charges.get(row["id"], []),
                "events": [_event(e, levels) for e in events.get(row["id"], [])],
                "custody_periods": custody.get(row["id"], []),
                "updated_at": row["updated_at"],
                "_id": row["id"],
            }
            for row in rows
        ],
        reader,
        "detention",
        cite,
        children=("custody_periods", "custody_period"),
    )


def _event(row: dict, levels: tuple[str, ...]) -> dict:
    """A case event; the court or body that decided it only when the reader may see it."""
    return {
        "uuid": row["uuid"],
        "kind": row["kind__code"],
        "occurred_on": _partial(row["occurred_on"], row["occurred_on_precision"]),
        "sentence_months": row["sentence_months"],
        "description": row["description"],
        "organization": _ref(row, "organization", "slug", "name", levels=levels),
        "_id": row["id"],
    }


ALLEGATION_FIELDS = (
    "id", "uuid", "person__uuid", "person__slug", "person__display_name", "victim_description",
    "reported_by__uuid", "reported_by__slug", "reported_by__display_name",
    "reported_by_description", "detention__uuid",
    "kind__code", "started_on", "started_on_precision", "ended_on", "ended_on_precision", "count",
    "perpetrator", "perpetrator_organization__uuid", "perpetrator_organization__slug",
    "perpetrator_organization__name", "perpetrator_organization__visibility",
    "perpetrator_organization__deleted_at", "status__code", "description", "facility_id",
    "facility__slug", "updated_at",
)  # fmt: skip


def allegation_rows(rows: list[dict], *, reader: Reader, cite: bool = True) -> list[dict]:
    """Allegations (AllegationSerializer) with citations: 2 queries (1 with
    `cite=False`), and one more when some name a facility. A reporter,
    detention or facility the reader may not see is left out (the allegation
    itself is visible only when its person and detention are; not its facility,
    which only says where)."""
    hidden_reporters = _hidden_uuids(Person, [r["reported_by__uuid"] for r in rows], reader)
    facilities = _visible_ids(Facility, [r["facility_id"] for r in rows], reader)
    return _cited(
        [
            {
                "uuid": row["uuid"],
                "person": _ref(row, "person", "slug", "display_name"),
                "victim_description": row["victim_description"],
                "reported_by": None
                if row["reported_by__uuid"] in hidden_reporters
                else _ref(row, "reported_by", "slug", "display_name"),
                "reported_by_description": row["reported_by_description"],
                "detention": row["detention__uuid"],
                "kind": row["kind__code"],
                "started_on": _partial(row["started_on"], row["started_on_precision"]),
                "ended_on": _partial(row["ended_on"], row["ended_on_precision"]),
                "count": row["count"],
                "perpetrator": row["perpetrator"],
                "perpetrator_organization": _ref(
                    row, "perpetrator_organization", "slug", "name", levels=visible_levels(reader)
                ),
                "status": row["status__code"],
                "description": row["description"],
                "facility": row["facility__slug"] if row["facility_id"] in facilities else None,
                "updated_at": row["updated_at"],
                "_id": row["id"],
            }
            for row in rows
        ],
        reader,
        "allegation",
        cite,
    )


def _hidden_uuids(model, uuids, reader: Reader) -> set:
    """Of these UUIDs, those whose record the reader may not see (one query)."""
    wanted = {u for u in uuids if u is not None}
    if not wanted or reader is Reader.STAFF:
        return set()
    shown = compiled(
        ("hidden_uuids", model, reader),
        lambda: visible(model.objects.filter(AnyOf("uuid", "uuids", "uuid")), reader).values(
            "uuid"
        ),
    ).rows(uuids=list(wanted))
    return wanted - {row["uuid"] for row in shown}


def _visible_ids(model, ids, reader: Reader) -> set:
    """Of these ids, those of records the reader may see, staff included (a
    record in the trash is not shown to them either): one query, none when
    there are no ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    shown = compiled(
        ("visible_ids", model, reader),
        lambda: visible(model.objects.filter(AnyOf("id", "ids")), reader).values("id"),
    ).rows(ids=list(wanted))
    return {row["id"] for row in shown}


STATEMENT_FIELDS = (
    "id", "uuid", "kind__code", "title", "issued_on", "issued_on_precision",
    "issuer_organization__uuid", "issuer_organization__slug", "issuer_organization__name",
    "issuer_person__uuid", "issuer_person__slug", "issuer_person__display_name", "speaker",
    "quote", "summary", "url", "updated_at",
)  # fmt: skip


def statement_rows(rows: list[dict], *, reader: Reader, cite: bool = True) -> list[dict]:
    """Statements (StatementSerializer) with the visible persons concerned and
    citations: 3 queries (2 with `cite=False`)."""
    ids = [row["id"] for row in rows]
    persons = _grouped(
        compiled(
            ("statement_rows.persons", reader),
            lambda: (
                Statement.persons.through.objects.filter(AnyOf("statement_id", "ids"))
                .filter(visibility_q(Person, reader, prefix="person__"))
                .order_by("statement_id", "person__display_name", "person_id")
                .values(
                    "statement_id",
                    uuid=F("person__uuid"),
                    slug=F("person__slug"),
                    display_name=F("person__display_name"),
                )
            ),
        ).rows(ids=ids)
        if ids
        else [],
        "statement_id",
    )
    return _cited(
        [
            {
                "uuid": row["uuid"],
                "kind": row["kind__code"],
                "title": row["title"],
                "issued_on": _partial(row["issued_on"], row["issued_on_precision"]),
                "issuer_organization": _ref(row, "issuer_organization", "slug", "name"),
                "issuer_person": _ref(row, "issuer_person", "slug", "display_name"),
                "speaker": row["speaker"],
                "quote": row["quote"],
                "summary": row["summary"],
                "url": row["url"],
                "persons": persons.get(row["id"], []),
                "updated_at": row["updated_at"],
                "_id": row["id"],
            }
            for row in rows
        ],
        reader,
        "statement",
        cite,
    )


SOURCE_FIELDS = (
    "id", "uuid", "is_confidential", "title", "publisher__uuid", "publisher__slug",
    "publisher__name", "publisher__visibility", "publisher__deleted_at", "author", "url",
    "published_on", "published_on_precision", "accessed_on", "language", "kind__code",
    "reliability", "archive_url", "updated_at",
)  # fmt: skip


def sources_of(uuids: set) -> list[dict]:
    """The rows (SOURCE_FIELDS) of the sources with these UUIDs, the oldest
    first, for `source_rows`: one query, none without UUIDs."""
    if not uuids:
        return []
    return compiled(
        ("sources_of",),
        lambda: (
            Source.objects.filter(AnyOf("uuid", "uuids", "uuid"))
            .order_by(F("published_on").asc(nulls_first=True), "id")
            .values(*SOURCE_FIELDS)
        ),
    ).rows(uuids=list(uuids))


def source_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Sources (SourceSerializer). A confidential source shows nothing but the
    fact that it exists, unless the reader is staff: no title, no date (a date
    can identify an interview), no kind."""
    levels = visible_levels(reader)
    result = []
    for row in rows:
        if source_is_hidden_behind_confidentiality(row["is_confidential"], reader):
            result.append(_confidential_source(row["uuid"]))
            continue
        publisher = _ref(row, "publisher", "slug", "name", levels=levels)
        result.append(
            {
                "uuid": row["uuid"],
                "confidential": row["is_confidential"],
                "title": row["title"],
                "publisher": publisher,
                "author": row["author"],
                "url": row["url"],
                "published_on": _partial(row["published_on"], row["published_on_precision"]),
                "accessed_on": row["accessed_on"],
                "language": row["language"],
                "kind": row["kind__code"],
                "reliability": row["reliability"],
                "archive_url": row["archive_url"],
                "updated_at": row["updated_at"],
            }
        )
    return result


def _confidential_source(uuid) -> dict:
    return {
        "uuid": uuid,
        "confidential": True,
        "title": CONFIDENTIAL_SOURCE_TITLE,
        "publisher": None,
        "author": "",
        "url": "",
        "published_on": None,
        "accessed_on": None,
        "language": "",
        "kind": None,
        "reliability": "",
        "archive_url": "",
        "updated_at": None,
    }


ORGANIZATION_FIELDS = (
    "id", "uuid", "slug", "name", "abbreviation", "kind", "country", "url", "description",
    "updated_at",
)  # fmt: skip


def organization_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Organizations (OrganizationSerializer): no further query."""
    return [{key: row[key] for key in ORGANIZATION_FIELDS if key != "id"} for row in rows]


def strip_private_keys(rows: list[dict]) -> list[dict]:
    """Drop the keys only the builders use (`_id`), from the rows and the rows
    nested in them (a detention's events), before a reader sees them."""
    for row in rows:
        for key in [k for k in row if k.startswith("_")]:
            del row[key]
        for value in row.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                strip_private_keys(value)
    return rows


def latest_persons(*, reader: Reader, limit: int = 6) -> list[dict]:
    """The persons whose pages changed last (PersonSerializer rows): one query
    and person_rows'."""
    rows = list(
        visible(Person.objects.all(), reader)
        .order_by("-updated_at", "-id")
        .values(*PERSON_FIELDS)[:limit]
    )
    return person_rows(rows, reader=reader)
