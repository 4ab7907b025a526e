"""Reads shared by the admin, the public pages and the API."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.contrib.postgres.aggregates import BoolOr
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear, Greatest

from cases.choices import PersonStatus
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    NameVariant,
    Occupation,
    PaceAssessment,
    Person,
    Statement,
    Withdrawal,
)
from cases.partial_dates import PartialDate
from cases.search import search_key
from cases.visibility import (
    CONFIDENTIAL_SOURCE_TITLE,
    Reader,
    levels_for_children_of_visible,
    source_is_hidden_behind_confidentiality,
    visibility_q,
    visible,
    visible_levels,
)
from sources.models import Citation, Source


def search_persons(queryset: QuerySet[Person], query: str, *, reader: Reader) -> QuerySet[Person]:
    """Persons of `queryset` whose name or any name variant the reader may see
    matches `query` in any spelling, annotated with `score` (0 to 1), best first.

    A hidden variant never matches: it would tell a public reader which person
    bears an alias the researchers keep internal.

    Candidates come from two scans that each use their trigram index (person
    keys; visible variant keys), joined by UNION ALL: an OR of the two inside
    one WHERE makes PostgreSQL test every person instead (measured: 250-300 ms
    against 15-100 ms at 100,000 persons, `make bench`)."""
    key = search_key(query)  # SearchQueryError beyond the bounds every search shares
    if not key:
        # nothing to match (punctuation, symbols): no one, with the score the
        # callers order by all the same
        return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
    levels = list(visible_levels(reader))
    candidates = RawSQL(
        """
        SELECT id FROM cases_person WHERE %s <%% name_key
        UNION ALL
        SELECT person_id FROM cases_namevariant
         WHERE %s <%% name_key AND visibility = ANY(%s) AND deleted_at IS NULL
        """,
        [key, key, levels],
    )
    best_variant = (
        NameVariant.objects.filter(
            person=OuterRef("pk"), visibility__in=levels, deleted_at__isnull=True
        )
        .annotate(score=TrigramWordSimilarity(Value(key), "name_key"))
        .order_by("-score")
        .values("score")[:1]
    )
    return (
        queryset.filter(pk__in=candidates)
        .annotate(
            score=Greatest(
                TrigramWordSimilarity(Value(key), "name_key"),
                Coalesce(Subquery(best_variant, output_field=FloatField()), Value(0.0)),
                output_field=FloatField(),
            )
        )
        .order_by("-score", "display_name", "pk")
    )


# --- rows for API lists and histories -----------------------------------------------
#
# Each list is built from a few flat queries (one for the page, one per kind of
# child) whatever the page size, with `.values()` instead of model and
# serializer objects. The shapes are declared in cases/api/serializers.py.


def _partial(date, precision) -> str | None:
    return PartialDate(date, precision).isoformat() if date else None


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


def _dicts(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _charges_of(detention_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The visible charges of detentions already passed through `visible`,
    grouped by detention id: one query."""
    return _grouped(
        _dicts(
            f"SELECT detention_id, article, description FROM {Charge._meta.db_table}"
            " WHERE detention_id = ANY(%s) AND visibility = ANY(%s) AND deleted_at IS NULL"
            " ORDER BY detention_id, article",
            [detention_ids, levels_for_children_of_visible(reader)],
        ),
        "detention_id",
    )


PERSON_FIELDS = (
    "id", "uuid", "slug", "display_name", "gender", "birth_date", "birth_date_precision",
    "citizenship", "summary", "updated_at",
)  # fmt: skip


def person_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Persons (PersonSerializer) from `.values(*PERSON_FIELDS)` rows, with their
    visible name variants, occupations and detentions with charges: 5 queries."""
    # Fixed SQL over id arrays: this runs for every list page, and building
    # four ORM queries cost more than running them (measured in `make bench`).
    ids = [row["id"] for row in rows]
    levels = levels_for_children_of_visible(reader)
    variants = _grouped(
        _dicts(
            f"SELECT person_id, name, language, kind FROM {NameVariant._meta.db_table}"
            " WHERE person_id = ANY(%s) AND visibility = ANY(%s) AND deleted_at IS NULL"
            " ORDER BY person_id, language, name",
            [ids, levels],
        ),
        "person_id",
    )
    occupations = _grouped(
        _dicts(
            f"SELECT po.person_id, o.code AS occupation__code FROM {_OCCUPATIONS} po"
            f" JOIN {Occupation._meta.db_table} o ON o.id = po.occupation_id"
            " WHERE po.person_id = ANY(%s) ORDER BY po.person_id, o.sort_order, o.label",
            [ids],
        ),
        "person_id",
    )
    detentions = _dicts(
        "SELECT d.id, d.person_id, d.uuid, d.arrested_on, d.arrested_on_precision, d.released_on,"
        " d.released_on_precision, ls.code AS legal_stage__code,"
        " ls.in_detention AS legal_stage__in_detention, d.facility"
        f" FROM {Detention._meta.db_table} d LEFT JOIN {LegalStage._meta.db_table} ls"
        " ON ls.id = d.legal_stage_id"
        " WHERE d.person_id = ANY(%s) AND d.visibility = ANY(%s) AND d.deleted_at IS NULL"
        " ORDER BY d.person_id, d.arrested_on ASC NULLS FIRST, d.id",
        [ids, levels],
    )
    charges = _charges_of([d["id"] for d in detentions], reader=reader)
    by_person: dict[int, list[dict]] = {}
    for d in detentions:
        by_person.setdefault(d["person_id"], []).append(d)
    result = []
    for row in rows:
        held = by_person.get(row["id"], [])
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
                "in_detention": any(
                    d["released_on"] is None and d["legal_stage__in_detention"] for d in held
                ),
                "current_legal_stage": held[-1]["legal_stage__code"] if held else None,
                "detentions": [
                    {
                        "uuid": d["uuid"],
                        "arrested_on": _partial(d["arrested_on"], d["arrested_on_precision"]),
                        "released_on": _partial(d["released_on"], d["released_on_precision"]),
                        "legal_stage": d["legal_stage__code"],
                        "facility": d["facility"],
                        "charges": charges.get(d["id"], []),
                    }
                    for d in held
                ],
                "updated_at": row["updated_at"],
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


def detention_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Detentions (DetentionSerializer) with charges and events: 3 queries."""
    ids = [row["id"] for row in rows]
    charges = _charges_of(ids, reader=reader)
    events = _grouped(
        visible(CaseEvent.objects.filter(detention_id__in=ids), reader)
        .order_by("detention_id", F("occurred_on").asc(nulls_last=True), "id")
        .values(
            "detention_id", "id", "uuid", "kind__code", "occurred_on", "occurred_on_precision",
            "sentence_months", "description",
        ),
        "detention_id",
    )  # fmt: skip
    return [
        {
            "uuid": row["uuid"],
            "person": _ref(row, "person", "slug", "display_name"),
            "arrested_on": _partial(row["arrested_on"], row["arrested_on_precision"]),
            "arrest_place": row["arrest_place"],
            "arresting_authority": _ref(
                row, "arresting_authority", "slug", "name", levels=visible_levels(reader)
            ),
            "legal_stage": row["legal_stage__code"],
            "facility": row["facility"],
            "sentence_months": row["sentence_months"],
            "released_on": _partial(row["released_on"], row["released_on_precision"]),
            "release_reason": row["release_reason__code"],
            "summary": row["summary"],
            "charges": charges.get(row["id"], []),
            "events": [_event(e) for e in events.get(row["id"], [])],
            "updated_at": row["updated_at"],
            "_id": row["id"],
        }
        for row in rows
    ]


def _event(row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "kind": row["kind__code"],
        "occurred_on": _partial(row["occurred_on"], row["occurred_on_precision"]),
        "sentence_months": row["sentence_months"],
        "description": row["description"],
        "_id": row["id"],
    }


ALLEGATION_FIELDS = (
    "id", "uuid", "person__uuid", "person__slug", "person__display_name", "victim_description",
    "reported_by__uuid", "reported_by__slug", "reported_by__display_name", "detention__uuid",
    "kind__code", "started_on", "started_on_precision", "ended_on", "ended_on_precision", "count",
    "perpetrator", "perpetrator_organization__uuid", "perpetrator_organization__slug",
    "perpetrator_organization__name", "perpetrator_organization__visibility",
    "perpetrator_organization__deleted_at", "status__code", "description", "updated_at",
)  # fmt: skip


def allegation_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Allegations (AllegationSerializer): no further query. A reporter or
    detention the reader may not see is left out (the allegation itself is
    visible only when its person and detention are)."""
    hidden_reporters = _hidden_uuids(Person, [r["reported_by__uuid"] for r in rows], reader)
    return [
        {
            "uuid": row["uuid"],
            "person": _ref(row, "person", "slug", "display_name"),
            "victim_description": row["victim_description"],
            "reported_by": None
            if row["reported_by__uuid"] in hidden_reporters
            else _ref(row, "reported_by", "slug", "display_name"),
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
            "updated_at": row["updated_at"],
            "_id": row["id"],
        }
        for row in rows
    ]


def _hidden_uuids(model, uuids, reader: Reader) -> set:
    """Of these UUIDs, those whose record the reader may not see (one query)."""
    wanted = {u for u in uuids if u is not None}
    if not wanted or reader is Reader.STAFF:
        return set()
    shown = set(
        visible(model.objects.filter(uuid__in=wanted), reader).values_list("uuid", flat=True)
    )
    return wanted - shown


STATEMENT_FIELDS = (
    "id", "uuid", "kind__code", "title", "issued_on", "issued_on_precision",
    "issuer_organization__uuid", "issuer_organization__slug", "issuer_organization__name",
    "issuer_person__uuid", "issuer_person__slug", "issuer_person__display_name", "speaker",
    "quote", "summary", "url", "updated_at",
)  # fmt: skip


def statement_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Statements (StatementSerializer) with the visible persons concerned: 2 queries."""
    ids = [row["id"] for row in rows]
    persons = _grouped(
        Statement.persons.through.objects.filter(statement_id__in=ids)
        .filter(visibility_q(Person, reader, prefix="person__"))
        .order_by("statement_id", "person__display_name")
        .values(
            "statement_id",
            uuid=F("person__uuid"),
            slug=F("person__slug"),
            display_name=F("person__display_name"),
        ),
        "statement_id",
    )
    return [
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
    ]


SOURCE_FIELDS = (
    "id", "uuid", "is_confidential", "title", "publisher__uuid", "publisher__slug",
    "publisher__name", "publisher__visibility", "publisher__deleted_at", "author", "url",
    "published_on", "published_on_precision", "accessed_on", "language", "kind__code",
    "reliability", "archive_url", "updated_at",
)  # fmt: skip


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
    for row in rows:
        for key in [k for k in row if k.startswith("_")]:
            del row[key]
    return rows


# --- one person's history --------------------------------------------------------------


def person_history(person: Person, *, reader: Reader) -> dict:
    """Everything about one visible person, each fact with its visible
    citations, in date order (PersonHistorySerializer): a fixed number of
    queries whatever the length of the history."""
    (person_row,) = person_rows(
        list(Person.objects.filter(pk=person.pk).values(*PERSON_FIELDS)), reader=reader
    )
    affiliations = list(
        visible(Affiliation.objects.filter(person=person), reader)
        .order_by(F("started_on").asc(nulls_first=True), "id")
        .values(
            "id", "uuid", "organization__uuid", "organization__slug", "organization__name",
            "role", "started_on", "started_on_precision", "ended_on", "ended_on_precision",
        )
    )  # fmt: skip
    detentions = detention_rows(
        list(
            visible(Detention.objects.filter(person=person), reader)
            .order_by(F("arrested_on").asc(nulls_first=True), "id")
            .values(*DETENTION_FIELDS)
        ),
        reader=reader,
    )
    pace = _grouped(
        visible(PaceAssessment.objects.filter(detention__person=person), reader)
        .order_by("detention_id", "criterion")
        .values("detention_id", "criterion", "justification"),
        "detention_id",
    )
    allegations = allegation_rows(
        list(
            visible(Allegation.objects.filter(Q(person=person) | Q(reported_by=person)), reader)
            .order_by(F("started_on").asc(nulls_first=True), "id")
            .values(*ALLEGATION_FIELDS)
        ),
        reader=reader,
    )
    statements = statement_rows(
        list(
            visible(Statement.objects.filter(persons=person), reader)
            .order_by(F("issued_on").asc(nulls_first=True), "id")
            .values(*STATEMENT_FIELDS)
        ),
        reader=reader,
    )
    events = [event for d in detentions for event in d["events"]]
    citations = citations_of(
        reader,
        person=[person.pk],
        affiliation=[a["id"] for a in affiliations],
        detention=[d["_id"] for d in detentions],
        case_event=[e["_id"] for e in events],
        allegation=[a["_id"] for a in allegations],
        statement=[s["_id"] for s in statements],
    )
    for detention in detentions:
        detention["pace_criteria"] = pace.get(detention["_id"], [])
        detention["citations"] = citations["detention"].get(detention["_id"], [])
        for event in detention["events"]:
            event["citations"] = citations["case_event"].get(event["_id"], [])
    for row, kind in ((allegations, "allegation"), (statements, "statement")):
        for item in row:
            item["citations"] = citations[kind].get(item["_id"], [])
    history = {
        "person": person_row,
        "citations": citations["person"].get(person.pk, []),
        "affiliations": [
            {
                "uuid": a["uuid"],
                "organization": _ref(a, "organization", "slug", "name"),
                "role": a["role"],
                "started_on": _partial(a["started_on"], a["started_on_precision"]),
                "ended_on": _partial(a["ended_on"], a["ended_on_precision"]),
                "citations": citations["affiliation"].get(a["id"], []),
            }
            for a in affiliations
        ],
        "detentions": strip_private_keys(detentions),
        "allegations": strip_private_keys(allegations),
        "statements": strip_private_keys(statements),
        "sources": source_rows(
            list(
                Source.objects.filter(uuid__in=citations["source_uuids"])
                .order_by(F("published_on").asc(nulls_first=True), "id")
                .values(*SOURCE_FIELDS)
            ),
            reader=reader,
        ),
    }
    for detention in detentions:
        strip_private_keys(detention["events"])
    return history


def citations_of(reader: Reader, **targets: list[int]) -> dict:
    """The visible citations (with visible sources) of the given facts, grouped
    by kind of fact and fact id: one query."""
    condition = Q()
    for name, ids in targets.items():
        if ids:
            condition |= Q(**{f"{name}_id__in": ids})
    grouped: dict = {name: {} for name in targets}
    grouped["source_uuids"] = set()
    if not condition:
        return grouped
    rows = (
        visible(Citation.objects.filter(condition), reader)
        .order_by("id")
        .values(
            *[f"{name}_id" for name in targets],
            "source__uuid", "source__is_confidential", "claim", "locator", "excerpt", "confidence",
        )
    )  # fmt: skip
    for row in rows:
        for name in targets:
            fact_id = row[f"{name}_id"]
            if fact_id is not None:
                # an excerpt or locator of a confidential interview can identify its speaker
                masked = source_is_hidden_behind_confidentiality(
                    row["source__is_confidential"], reader
                )
                grouped[name].setdefault(fact_id, []).append(
                    {
                        "source": row["source__uuid"],
                        "claim": row["claim"],
                        "locator": "" if masked else row["locator"],
                        "excerpt": "" if masked else row["excerpt"],
                        "confidence": row["confidence"],
                    }
                )
                grouped["source_uuids"].add(row["source__uuid"])
    return grouped


# --- statistics ------------------------------------------------------------------------


def case_statistics(
    *, reader: Reader, first_month: datetime.date, last_month: datetime.date
) -> dict:
    """Headline counts and the monthly series of persons held (StatsSerializer),
    over what the reader may see. A person counts as held at the end of a month
    when a detention's arrest period began by then and its release period had
    not begun; detentions without an arrest date are left out of the series."""
    persons = visible(Person.objects.all(), reader)
    detentions = visible(Detention.objects.all(), reader)
    held_now = detentions.filter(released_on__isnull=True, legal_stage__in_detention=True)
    latest_stage = Subquery(
        detentions.filter(person=OuterRef("pk"))
        .order_by(F("arrested_on").desc(nulls_last=True), "-id")
        .values("legal_stage")[:1]
    )
    by_stage = dict(
        persons.annotate(stage=latest_stage)
        .filter(stage__isnull=False)
        .values("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    by_occupation = dict(
        Person.occupations.through.objects.filter(person__in=persons)
        .values("occupation")
        .annotate(n=Count("person", distinct=True))
        .values_list("occupation", "n")
    )
    by_allegation = dict(
        visible(Allegation.objects.filter(person__isnull=False), reader)
        .values("kind")
        .annotate(n=Count("person", distinct=True))
        .values_list("kind", "n")
    )
    return {
        "persons": persons.count(),
        "in_detention_now": persons.filter(Exists(held_now.filter(person=OuterRef("pk")))).count(),
        "by_legal_stage": _term_counts(LegalStage, by_stage),
        "by_occupation": _term_counts(Occupation, by_occupation),
        "by_allegation_kind": _term_counts(AllegationKind, by_allegation),
        "in_detention_by_month": _held_by_month(detentions, first_month, last_month),
    }


def _term_counts(vocabulary, counts: dict[int, int]) -> list[dict]:
    return [
        {"code": term.code, "label": term.label, "persons": counts[term.pk]}
        for term in vocabulary.objects.filter(pk__in=counts)
    ]


def _held_by_month(detentions: QuerySet, first: datetime.date, last: datetime.date) -> list[dict]:
    visible_ids, params = detentions.values("id").query.sql_with_params()
    sql = f"""
        WITH months AS (
            SELECT m::date AS month_start, (m + interval '1 month' - interval '1 day')::date AS month_end
            FROM generate_series(%s::date, %s::date, interval '1 month') AS m
        )
        SELECT to_char(months.month_start, 'YYYY-MM'), count(DISTINCT d.person_id)
        FROM months
        LEFT JOIN cases_detention d
            ON d.arrested_on <= months.month_end
           AND (d.released_on IS NULL OR d.released_on > months.month_end)
           AND d.id IN ({visible_ids})
        GROUP BY months.month_start
        ORDER BY months.month_start
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, *params])
        return [{"month": month, "in_detention": n} for month, n in cursor.fetchall()]


def first_arrest_month(*, reader: Reader) -> datetime.date | None:
    first = visible(Detention.objects.filter(arrested_on__isnull=False), reader).aggregate(
        first=Min("arrested_on")
    )["first"]
    return first.replace(day=1) if first else None


# --- the public pages --------------------------------------------------------------

RELEASED_STAGES = ("released", "pardoned", "acquitted")


def _detention_status_q() -> dict[str, Q]:
    """What one detention says about its person's status (see `status_conditions`)."""
    return {
        "held": Q(released_on__isnull=True, legal_stage__in_detention=True),
        "released": Q(released_on__isnull=False) | Q(legal_stage__code__in=RELEASED_STAGES),
        "unknown": Q(released_on__isnull=True, legal_stage__isnull=True),
    }


def status_conditions(*, reader: Reader) -> dict[str, Q]:
    """The condition on a Person for each PersonStatus, over the detentions the
    reader may see. Held: a detention with no release date at a stage that
    deprives of liberty. Released: a release date or a released, pardoned or
    acquitted stage, and not held in another detention. Unknown: a detention
    that no source gives a stage or release for (the 2015 articles name persons
    "in jail" then; they are not counted as held now)."""
    detentions = visible(Detention.objects.filter(person=OuterRef("pk")), reader)
    held, released, unknown = (
        Q(Exists(detentions.filter(condition))) for condition in _detention_status_q().values()
    )
    return {
        PersonStatus.HELD: held,
        PersonStatus.RELEASED: released & ~held,
        PersonStatus.UNKNOWN: unknown & ~held & ~released,
    }


def _status_counts(detentions: QuerySet) -> dict[str, int]:
    """`status_conditions` counted in one pass over the detentions (grouped by
    person) instead of three lookups per person: 5x faster at 100,000 persons."""
    flags = detentions.values("person").annotate(
        **{
            name: BoolOr(ExpressionWrapper(condition, output_field=BooleanField()))
            for name, condition in _detention_status_q().items()
        }
    )
    try:
        sql, params = flags.query.sql_with_params()
    except EmptyResultSet:  # filtered by an empty list: nobody to count
        return dict.fromkeys(PersonStatus.values, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE held),"
            " count(*) FILTER (WHERE released AND NOT held),"
            " count(*) FILTER (WHERE unknown AND NOT held AND NOT released)"
            f" FROM ({sql}) AS flags",
            params,
        )
        held, released, unknown = cursor.fetchone()
    return {PersonStatus.HELD: held, PersonStatus.RELEASED: released, PersonStatus.UNKNOWN: unknown}


def headline_counts(*, reader: Reader) -> dict[str, int]:
    """The home page's numbers over what the reader may see: persons, persons
    by status (`status_conditions`), persons with at least one allegation of
    torture. One query."""
    status = status_conditions(reader=reader)
    torture = Exists(
        visible(Allegation.objects.filter(person=OuterRef("pk"), kind__code="torture"), reader)
    )
    return visible(Person.objects.all(), reader).aggregate(
        persons=Count("pk"),
        in_detention_now=Count("pk", filter=status[PersonStatus.HELD]),
        released=Count("pk", filter=status[PersonStatus.RELEASED]),
        status_unknown=Count("pk", filter=status[PersonStatus.UNKNOWN]),
        torture_alleged=Count("pk", filter=Q(torture)),
    )


def latest_persons(*, reader: Reader, limit: int = 6) -> list[dict]:
    """The persons whose pages changed last (PersonSerializer rows): 6 queries."""
    rows = list(
        visible(Person.objects.all(), reader)
        .order_by("-updated_at", "-id")
        .values(*PERSON_FIELDS)[:limit]
    )
    return person_rows(rows, reader=reader)


FACETS_CACHE_SECONDS = 120


def data_version() -> str:
    """Changes whenever a case record is saved, deleted or withdrawn: the newest
    change time of the case tables (each read from its updated_at index) and of
    the withdrawals the triggers write. One query."""
    tables = [
        model._meta.db_table
        for model in (Person, NameVariant, Affiliation, Detention, Charge, CaseEvent,
                      Allegation, Statement, Citation, Source)
    ]  # fmt: skip
    parts = [f"(SELECT max(updated_at) FROM {table})" for table in tables]
    parts.append(f"(SELECT max(withdrawn_at) FROM {Withdrawal._meta.db_table})")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT greatest({', '.join(parts)})::text")
        return cursor.fetchone()[0] or ""


def person_facets(filterset) -> dict[str, dict]:
    """For the public case list: each filter value with the number of persons it
    would give, counted under every other filter applied (a value's count does not
    depend on the other values chosen for the same filter). `filterset` is a bound,
    valid PersonFilterSet.

    Counting over 100,000 persons takes about a second, so the counts are cached
    for the same filters until the data changes (`data_version`), at most
    FACETS_CACHE_SECONDS."""
    data = {name: sorted(values) for name, values in filterset.data.lists()}
    key = (
        "person-facets:"
        + hashlib.sha256(
            json.dumps([filterset.reader.value, data, data_version()]).encode()
        ).hexdigest()
    )
    facets = cache.get(key)
    if facets is None:
        facets = _person_facets(filterset)
        cache.set(key, facets, FACETS_CACHE_SECONDS)
    return facets


def _person_facets(filterset, *, limit_organizations: int = 30) -> dict[str, dict]:
    reader = filterset.reader
    persons = visible(Person.objects.all(), reader)
    query = filterset.form.cleaned_data.get("q")
    if query:
        # the search runs once; every count reuses the persons it found
        found = list(
            search_persons(persons, query, reader=reader).order_by().values_list("pk", flat=True)
        )
        persons = persons.filter(pk__in=found)

    def persons_without(name: str) -> QuerySet:
        data = filterset.data.copy()
        for left_out in (name, "q"):
            data.pop(left_out, None)
        others = type(filterset)(data, persons, reader=reader)
        return others.qs.order_by().values("pk")

    def detentions_without(name: str) -> QuerySet:
        return visible(Detention.objects.all(), reader).filter(
            filterset.detention_condition(leave_out=name), person__in=persons_without(name)
        )

    stage = dict(
        detentions_without("legal_stage")
        .filter(legal_stage__isnull=False)
        .values("legal_stage__code")
        .annotate(n=Count("person", distinct=True))
        .values_list("legal_stage__code", "n")
    )
    year = dict(
        detentions_without("arrest_year")
        .filter(arrested_on__isnull=False)
        .annotate(year=ExtractYear("arrested_on"))
        .values("year")
        .annotate(n=Count("person", distinct=True))
        .values_list("year", "n")
    )
    occupation = dict(
        Person.occupations.through.objects.filter(person__in=persons_without("occupation"))
        .values("occupation__code")
        .annotate(n=Count("person", distinct=True))
        .values_list("occupation__code", "n")
    )
    allegation = dict(
        visible(Allegation.objects.all(), reader)
        .filter(person__in=persons_without("allegation"))
        .values("kind__code")
        .annotate(n=Count("person", distinct=True))
        .values_list("kind__code", "n")
    )
    organizations = (
        visible(Affiliation.objects.all(), reader)
        .filter(person__in=persons_without("organization"))
        .values("organization__slug", "organization__name")
        .annotate(n=Count("person", distinct=True))
        .order_by("-n", "organization__name")[:limit_organizations]
    )
    status = _status_counts(
        visible(Detention.objects.all(), reader).filter(person__in=persons_without("status"))
    )
    return {
        "status": status,
        "legal_stage": stage,
        "occupation": occupation,
        "organization": {
            o["organization__slug"]: (o["organization__name"], o["n"]) for o in organizations
        },
        "allegation": allegation,
        "arrest_year": {str(y): n for y, n in sorted(year.items(), reverse=True)},
    }


def persons_citing_source(source: Source, *, reader: Reader) -> list[dict]:
    """The visible persons with a visible fact citing `source`, for its page: one
    query. Empty for a confidential source outside the admin: which case an
    interview informs can point to the person interviewed."""
    if source_is_hidden_behind_confidentiality(source.is_confidential, reader):
        return []
    citations = visible(Citation.objects.filter(source=source), reader)
    through_fact = Q(Exists(citations.filter(person=OuterRef("pk"))))
    # each kind of fact a citation can support, and the path from it to its person
    for target, model, to_person in (
        ("detention", Detention, "person"),
        ("case_event", CaseEvent, "detention__person"),
        ("affiliation", Affiliation, "person"),
        ("allegation", Allegation, "person"),
        ("statement", Statement, "persons"),
    ):
        facts = visible(model.objects.filter(**{to_person: OuterRef(OuterRef("pk"))}), reader)
        through_fact |= Q(Exists(citations.filter(**{f"{target}__in": facts})))
    return list(
        visible(Person.objects.all(), reader)
        .filter(through_fact)
        .order_by("display_name")
        .values("uuid", "slug", "display_name")
    )


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


# --- the researchers' workflow -----------------------------------------------------------


def possible_duplicates(
    *, limit: int = 100, threshold: float = 0.5, block_limit: int = 50
) -> list[dict]:
    """Pairs of persons (not in the trash) whose names or name variants have
    alike name keys, best first: the best key similarity of the pair, raised
    by 0.2 when both birth years are known and agree, lowered by 0.3 when they
    differ.

    Comparing every key with every other is quadratic (minutes at 100,000
    persons), so keys are compared within blocks: the same surname (the key's
    last word). A block shared by more than `block_limit` persons is a common
    surname, not a sign of duplicates; its members are compared only when
    their whole keys are equal."""
    sql = f"""
        WITH keys AS (
            SELECT id AS person_id, name_key AS key, substring(name_key FROM '[^ ]+$') AS block
              FROM {Person._meta.db_table} WHERE deleted_at IS NULL AND name_key <> ''
            UNION
            SELECT v.person_id, v.name_key, substring(v.name_key FROM '[^ ]+$')
              FROM {NameVariant._meta.db_table} v
              JOIN {Person._meta.db_table} p ON p.id = v.person_id AND p.deleted_at IS NULL
             WHERE v.deleted_at IS NULL AND v.name_key <> ''
        ),
        small_blocks AS (
            SELECT block FROM keys GROUP BY block
            HAVING count(DISTINCT person_id) BETWEEN 2 AND %(block_limit)s
        ),
        small_keys AS (
            SELECT key FROM keys GROUP BY key
            HAVING count(DISTINCT person_id) BETWEEN 2 AND %(block_limit)s
        ),
        candidates AS (
            SELECT a.person_id AS first_id, b.person_id AS second_id,
                   similarity(a.key, b.key) AS similarity
              FROM keys a JOIN keys b ON a.block = b.block AND a.person_id < b.person_id
             WHERE a.block IN (SELECT block FROM small_blocks)
            UNION ALL
            SELECT a.person_id, b.person_id, 1.0
              FROM keys a JOIN keys b ON a.key = b.key AND a.person_id < b.person_id
             WHERE a.key IN (SELECT key FROM small_keys)
        ),
        pairs AS (
            SELECT first_id, second_id, max(similarity) AS similarity
              FROM candidates GROUP BY first_id, second_id
            HAVING max(similarity) >= %(threshold)s
        )
        SELECT pairs.first_id, pairs.second_id, pairs.similarity,
               p1.display_name AS first_name, p2.display_name AS second_name,
               extract(year FROM p1.birth_date)::int AS first_birth_year,
               extract(year FROM p2.birth_date)::int AS second_birth_year,
               pairs.similarity + CASE
                   WHEN p1.birth_date IS NULL OR p2.birth_date IS NULL THEN 0
                   WHEN extract(year FROM p1.birth_date) = extract(year FROM p2.birth_date) THEN 0.2
                   ELSE -0.3 END AS score
          FROM pairs
          JOIN {Person._meta.db_table} p1 ON p1.id = pairs.first_id
          JOIN {Person._meta.db_table} p2 ON p2.id = pairs.second_id
         ORDER BY score DESC, pairs.first_id, pairs.second_id
         LIMIT %(limit)s
    """
    params = {"limit": limit, "threshold": threshold, "block_limit": block_limit}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
