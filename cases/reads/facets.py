"""How many persons each filter value of the public case list would give."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractYear

from cases.choices import PersonStatus
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    NameVariant,
    Organization,
    Person,
    Statement,
    Withdrawal,
)
from cases.reads.facet_rows import (
    DETENTION,
    DETENTION_STAGE,
    FACET_TABLE,
    FACET_VALUES,
    PERSON_FACETS,
    STORED_FACETS,
    visible_detentions,
)
from cases.reads.search import _AnyOf as SearchMatch  # the persons a name search found
from cases.reads.search import search_persons
from cases.reads.status import (
    PENDING_TABLE,
    STATUS_TABLE,
    StatusAmong,
    status_count_sql,
    stored_counts_sql,
    with_status,
)
from cases.visibility import Reader, visible
from interventions.models import Intervention
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from places.models import CustodyPeriod, Facility
from sources.models import Citation, Source
from trials.models import Trial, TrialDefendant

# A change the change times see drops the counts at once; the timeout bounds the
# ones they cannot see: a row deleted outright that no withdrawal records (a
# citation, a charge), a citation moved to another fact, an occupation or a call's
# person linked without saving the person or the statement. Counting everything
# again costs seconds at 100,000 persons, so not more often than this.
FACETS_CACHE_SECONDS = 600

FACETS = ("status", "legal_stage", "occupation", "allegation", "organization", "arrest_year")
# ... and `total`: how many persons the filters give (the list's paginator count)
COUNTS = (*FACETS, "total")


# What each count reads, table by table, so that an edit drops only the counts it
# can change. Every count reads the persons (their level and trash). A fact is
# visible only when cited (cases.visibility, rule 3), so a count of facts reads
# their citations, told apart by the kind of fact they cite (`cited`), and the
# sources.
def cited(*facts: str) -> tuple[str, ...]:
    """The citations of these kinds of fact (Citation fields), and the sources."""
    return (*(f"{Citation._meta.db_table}:{fact}" for fact in facts), Source._meta.db_table)


def _tables(*models) -> tuple[str, ...]:
    return tuple(model._meta.db_table for model in models)


# A person is counted by their level, trash and gender (the filter): an edit of
# anything else (a summary, a birth date) changes no count but the occupations'
# (a person's occupations have no change time of their own: saving the person
# stands for it). The person's history (django-pghistory's events, written by
# triggers on every write path) tells which edits changed the counted fields.
PERSONS_COUNTED = "cases_person:counted"
_COUNTED_FIELDS = ("visibility", "deleted_at", "gender")
# the person events read: when none of them changed a counted field, the oldest
# read stands for the persons' version (never missed, at worst counted again)
_PERSON_EVENTS_READ = 200


# (a legal stage's vocabulary entry says whether it deprives of liberty)
_STATUS_TABLES = (*_tables(Detention, CaseEvent, Statement, LegalStage),
                  *cited("detention", "case_event", "statement"))  # fmt: skip
_DETENTION_TABLES = (*_tables(Detention, Charge), *cited("detention"))
FACET_TABLES: dict[str, tuple[str, ...]] = {
    "status": _STATUS_TABLES,
    "legal_stage": (*_tables(Detention), *cited("detention")),
    "arrest_year": (*_tables(Detention), *cited("detention")),
    "occupation": _tables(Person),  # saving the person stands for its occupations
    "allegation": (*_tables(Allegation, Detention), *cited("allegation", "detention")),
    "organization": (*_tables(Affiliation, Organization), *cited("affiliation")),
    "total": (),  # the persons, under the filters given
}
# ... and what each filter given reads (the counts are taken under the others).
_LIST_TABLES = (*_tables(PrisonerList, Edition, ListEntry), *cited("edition"))
# a custody period is visible with its detention and facility, each cited
# (places.reads); the current place is chosen by its sources' dates
_PLACE_TABLES = (*_tables(CustodyPeriod, Facility, Detention),
                 *cited("custody_period", "facility", "detention"))  # fmt: skip
_INTERVENTION_TABLES = (*_tables(Intervention, Organization), *cited("intervention"))
# a defendant of a visible trial (cited, its court visible when it has one)
_TRIAL_TABLES = (*_tables(Trial, TrialDefendant, Organization, Detention), *cited("trial"))
FILTER_TABLES: dict[str, tuple[str, ...]] = {
    "q": _tables(Person, NameVariant),  # a name: any change of a person
    **dict.fromkeys(
        ("legal_stage", "charge", "arrested_after", "arrested_before", "arrest_year"),
        _DETENTION_TABLES,
    ),
    "occupation": _tables(Person),
    "gender": (),  # a counted field of the person
    "organization": FACET_TABLES["organization"],
    "allegation": FACET_TABLES["allegation"],
    "released": FACET_TABLES["legal_stage"],
    "in_detention_on": FACET_TABLES["legal_stage"],
    **dict.fromkeys(("status", "status_as_of_after", "status_as_of_before"), _STATUS_TABLES),
    "list": _LIST_TABLES,
    "list_edition": _LIST_TABLES,
    "group": _tables(CaseGroup, CaseGroupMember),
    **dict.fromkeys(("facility", "held_at", "region"), _PLACE_TABLES),
    # a visible intervention (cited, its body visible when it has one) of the
    # person's; a person linked without saving the intervention is the timeout's
    **dict.fromkeys(("intervention_kind", "intervention_outcome"), _INTERVENTION_TABLES),
    "trial": _TRIAL_TABLES,
}
_VERSIONED = (Person, NameVariant, Affiliation, Organization, Detention, Charge, CaseEvent,
              Allegation, Statement, Citation, Source, LegalStage,
              PrisonerList, Edition, ListEntry, CaseGroup, CaseGroupMember,
              CustodyPeriod, Facility, Intervention, Trial, TrialDefendant)  # fmt: skip
_CITED_FACTS = ("detention", "case_event", "allegation", "affiliation", "statement", "edition",
                "custody_period", "facility", "intervention", "trial")  # fmt: skip
# A kind of citation's change time is read among the newest citations only; when
# none of the kind is among them, the newest citation's time stands for it (a
# change of any citation then changes it too: never missed, at worst counted again).
_CITATIONS_READ = 1000
_WITHDRAWALS = "withdrawals"
_ALL_TABLES = (*_tables(*_VERSIONED), *(f"{Citation._meta.db_table}:{f}" for f in _CITED_FACTS),
               PERSONS_COUNTED)  # fmt: skip


def table_versions() -> dict[str, str]:
    """The newest change time of each table the counts read (each read from its
    updated_at index), of each kind of citation, and of the withdrawals the
    triggers write when a record is deleted, put in the trash or restricted:
    one query."""
    citations = Citation._meta.db_table
    names, parts = [], []
    for model in _VERSIONED:
        names.append(model._meta.db_table)
        parts.append(f"(SELECT max(updated_at) FROM {model._meta.db_table})")
    # every kind of citation from one read of the newest citations (a read of
    # them for each kind was 1,000 rows ten times, 3 of the query's 5 ms)
    columns = [Citation._meta.get_field(fact).column for fact in _CITED_FACTS]
    newest = (
        "SELECT "
        + ", ".join(
            f"max(updated_at) FILTER (WHERE {column} IS NOT NULL) AS {column}" for column in columns
        )
        + f" FROM (SELECT updated_at, {', '.join(columns)} FROM {citations}"
        f" ORDER BY updated_at DESC LIMIT {_CITATIONS_READ}) newest"
    )
    for fact, column in zip(_CITED_FACTS, columns, strict=True):
        names.append(f"{citations}:{fact}")
        parts.append(f"COALESCE(newest.{column}, (SELECT max(updated_at) FROM {citations}))")
    person_events = apps.get_model("cases", "PersonEvent")._meta.db_table
    counted = ", ".join(f"e.{field}" for field in _COUNTED_FIELDS)
    names.append(PERSONS_COUNTED)
    parts.append(
        # an insert or a delete counts, an update when a counted field differs from
        # the person's event before
        f"COALESCE((SELECT e.pgh_id FROM (SELECT pgh_id, pgh_obj_id, pgh_label,"
        f" {', '.join(_COUNTED_FIELDS)} FROM {person_events}"
        f" ORDER BY pgh_id DESC LIMIT {_PERSON_EVENTS_READ}) e WHERE e.pgh_label <> 'update'"
        f" OR (SELECT ROW({counted.replace('e.', 'before.')}) FROM {person_events} before"
        " WHERE before.pgh_obj_id = e.pgh_obj_id AND before.pgh_id < e.pgh_id"
        f" ORDER BY before.pgh_id DESC LIMIT 1) IS DISTINCT FROM ROW({counted})"
        " ORDER BY e.pgh_id DESC LIMIT 1)::text,"
        f" 'before ' || (SELECT min(pgh_id) FROM (SELECT pgh_id FROM {person_events}"
        f" ORDER BY pgh_id DESC LIMIT {_PERSON_EVENTS_READ}) e))"
    )
    names.append(_WITHDRAWALS)
    # by id: the withdrawals of one transaction share their time
    parts.append(f"(SELECT max(id) FROM {Withdrawal._meta.db_table})")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"{part}::text" for part in parts) + f" FROM ({newest}) newest"
        )
        row = cursor.fetchone()
    return {name: value or "" for name, value in zip(names, row, strict=True)}


def data_version() -> str:
    """Changes whenever a case record is saved, deleted or withdrawn: a digest of
    every one of `table_versions` (not their maximum: they are times and ids,
    which do not compare as text). One query."""
    return hashlib.sha256(json.dumps(table_versions(), sort_keys=True).encode()).hexdigest()


def facet_tables(name: str, data: dict[str, list[str]]) -> list[str]:
    """The tables whose changes can change the counts `name` under the filters
    `data`: the persons, the counts' own, each filter's, and the withdrawals (a
    deletion or restriction anywhere, rarer than an edit, drops every count). A
    filter not in FILTER_TABLES reads every table (`updated_since` does)."""
    tables = {PERSONS_COUNTED, *FACET_TABLES[name]}
    for filter_name in data:
        tables.update(FILTER_TABLES.get(filter_name, _ALL_TABLES))
    return [*sorted(tables), _WITHDRAWALS]


def facet_keys(filterset, versions: dict[str, str]) -> dict[str, str]:
    """The cache key of each filter's counts: the reader, the filters given and the
    change times (`versions`, from `table_versions`) of the tables they read."""
    data = {name: sorted(values) for name, values in filterset.data.lists()}
    return {
        name: "person-facets:"
        + hashlib.sha256(
            json.dumps(
                [
                    filterset.reader.value,
                    name,
                    data,
                    [versions[table] for table in facet_tables(name, data)],
                ]  # fmt: skip
            ).encode()
        ).hexdigest()
        for name in COUNTS
    }


def person_facets(filterset) -> dict[str, dict]:
    """For the public case list: each filter value with the number of persons it
    would give, counted under every other filter applied (a value's count does not
    depend on the other values chosen for the same filter). `filterset` is a bound,
    valid PersonFilterSet.

    Each filter's counts are cached apart, keyed by the filters and by the change
    times of the tables they read (`facet_tables`), at most FACETS_CACHE_SECONDS:
    saving an affiliation drops the organization counts and no other. The counts
    not cached are counted together in one statement. 2 queries when something
    is to count, else 1 (the change times), besides the cache's own (a read, and a
    write of what was counted, with the database cache) and a search's, read
    once for every count. `total` is how many persons the
    filters give."""
    keys = facet_keys(filterset, table_versions())
    cached = cache.get_many(list(keys.values()))
    facets = {name: cached[key] for name, key in keys.items() if key in cached}
    missing = [name for name in COUNTS if name not in facets]
    if missing:
        counted = count_facets(filterset, missing)
        cache.set_many({keys[name]: counted[name] for name in missing}, FACETS_CACHE_SECONDS)
        facets.update(counted)
    return facets


def day_value(day: datetime.date) -> int:
    """A day of arrest as the stored detentions hold it (cases.reads.facet_rows):
    YYYYMMDD, in the order of the days."""
    return day.year * 10_000 + day.month * 100 + day.day


# a stored detention's day when it has none (the least value), and past every day
NO_DAY, PAST_EVERY_DAY = 0, DETENTION_STAGE - 1


def _current_rows_sql(
    reader: Reader, columns: str, condition: tuple[str, list], before: tuple[str, list] = ("", [])
) -> tuple[tuple[str, list], tuple[str, list]]:
    """The two halves of the SQL giving `columns` of the reader's stored filter
    values `f` (cases.reads.facet_rows) WHERE `condition`, after the FROM items
    `before`, as the records give them now: the stored rows but those of the
    persons a writing transaction noted, and the noted persons' computed afresh
    (`cases_facets_pending`, none outside a writing transaction), as the stored
    status's halves (cases.reads.status)."""
    (where, where_params), (items, items_params) = condition, before
    stored = (
        f"SELECT {columns} FROM {items}{FACET_TABLE} f WHERE f.reader = %s AND {where}"
        f" AND f.person_id NOT IN (SELECT person_id FROM {PENDING_TABLE})"
    )
    pending = f"SELECT {columns} FROM {items}cases_facets_pending(%s) f WHERE {where}"
    params = [reader.value, *where_params]
    return (stored, [*items_params, *params]), (pending, [*items_params, *params])


def detention_rows_sql(
    reader: Reader,
    columns: str,
    *,
    stages: list[int] | None,
    days: list[tuple[int, int]] | None,
) -> tuple[tuple[str, list], tuple[str, list]]:
    """The halves (`_current_rows_sql`) giving `columns` (of `f.value`,
    `f.person_id`) of the reader's stored detentions
    (cases.reads.facet_rows.DETENTION) of the legal stages `stages` (ids; None:
    any stage or none) arrested on a day of `days` (ranges of `day_value`, both
    ends in; None: any day or none): a range of the index of the stored rows for
    each stage and range of days, a stage not given being every stage of the
    vocabulary, and none."""
    if stages is None:
        stage_ids, stage_params = "SELECT 0 UNION ALL SELECT id FROM cases_legalstage", []
    else:
        stage_ids, stage_params = "SELECT unnest(%s::bigint[])", [stages]
    if days is None:
        days = [(NO_DAY, PAST_EVERY_DAY)]
    ranges = (
        f"(SELECT s.id * {DETENTION_STAGE} + d.lo, s.id * {DETENTION_STAGE} + d.hi"
        f" FROM ({stage_ids}) s (id), unnest(%s::bigint[], %s::bigint[]) d (lo, hi)) r (lo, hi), "
    )
    ranges_params = [*stage_params, [lo for lo, _hi in days], [hi for _lo, hi in days]]
    condition = f"f.facet = '{DETENTION}' AND f.value BETWEEN r.lo AND r.hi", []
    return _current_rows_sql(reader, columns, condition, (ranges, ranges_params))


def _stored_persons_sql(filterset, left_out: tuple[str, ...]) -> tuple[str, list] | None:
    """The SQL of the ids of the persons the filters given but `left_out` give
    (each once), read from the stored values alone (each of a person the reader may see),
    when every such filter is stored: the detention filters but a charge,
    occupation, allegation and organization. None when another is given, or
    none: their persons are read from the persons' table."""
    reader, cleaned = filterset.reader, filterset.form.cleaned_data
    given = {name for name, value in cleaned.items() if value and name not in left_out}
    detention_filters = set(type(filterset).DETENTION_FILTERS)
    if not given or not given <= detention_filters | set(PERSON_FACETS):
        return None
    halves = []
    if given & detention_filters:
        terms = filterset.detention_values(leave_out=left_out)
        if terms is None:
            return None
        stages, days = terms
        halves.append(detention_rows_sql(reader, "f.person_id", stages=stages, days=days))
    for name in sorted(given & set(PERSON_FACETS)):
        values = [term.pk for term in cleaned[name]]
        condition = "f.facet = %s AND f.value = ANY(%s::bigint[])", [name, values]
        halves.append(_current_rows_sql(reader, "f.person_id", condition))
    parts, params = [], []
    for (stored, stored_params), (pending, pending_params) in halves:
        parts.append(f"SELECT DISTINCT person_id FROM ({stored} UNION ALL {pending}) p")
        params += [*stored_params, *pending_params]
    return " INTERSECT ".join(parts), params


def with_detention(
    queryset: QuerySet,
    *,
    reader: Reader,
    stages: list[int] | None,
    days: list[tuple[int, int]] | None,
) -> QuerySet:
    """The persons of `queryset` with a detention the reader may see of one of
    `stages` arrested on a day of `days` (`detention_rows_sql`), read from the
    stored detentions: two hashed lookups (`StatusAmong`, as the status filter),
    which the list page checks as it walks its order's index, no query of its
    own. (An EXISTS over the records looked each person's detentions, their
    citations and sources up.)"""
    halves = detention_rows_sql(reader, "f.person_id", stages=stages, days=days)
    # each person once: a detention filter over every stage (a range of days, or
    # released=true with arrested_before) was estimated at 1.3 million rows, a
    # person for each stage and detention, too many to hash, and the lookup then
    # ran through all of them for each person (minutes, under make load)
    halves = tuple((f"SELECT DISTINCT person_id FROM ({sql}) h", params) for sql, params in halves)
    return queryset.filter(StatusAmong(F("pk"), halves))


def _detention_counts_sql(
    name: str, reader: Reader, among: tuple[str, list] | None, *, stages, days
) -> tuple[str, list]:
    """The counts of `name` (legal_stage or arrest_year) under the other detention
    filters (`stages`, `days`: `detention_rows_sql`), of the persons `among` (the
    SQL of their ids) or of all the reader may see, in the rows of
    `count_facets`' statement: the persons of each stage or year of one and the
    same stored detention."""
    (stored, stored_params), (pending, pending_params) = detention_rows_sql(
        reader, "f.value, f.person_id", stages=stages, days=days
    )
    persons, persons_params = among or ("", [])
    within = f" WHERE r.person_id IN ({persons})" if among else ""
    if name == "legal_stage":
        key = f"r.value / {DETENTION_STAGE}"
        shown = "JOIN cases_legalstage v ON v.id = k.key", "v.code"
    else:
        key = f"mod(r.value, {DETENTION_STAGE}) / 10000"
        shown = "", "k.key::text"
        within += f"{' AND' if among else ' WHERE'} mod(r.value, {DETENTION_STAGE}) <> {NO_DAY}"
    join, column = shown
    sql = (
        f"SELECT %s::text, {column}, NULL::text, count(*), 0::bigint FROM ("
        f" SELECT DISTINCT {key} AS key, r.person_id FROM ({stored} UNION ALL {pending})"
        f" r (value, person_id){within}) k {join} GROUP BY {column}"
    )
    return sql, [name, *stored_params, *pending_params, *persons_params]


def _without(filterset, names: tuple[str, ...]):
    """The filterset with the filters `names` left out, its other values as
    already cleaned (a new filterset would look each vocabulary value up again,
    a query per filter and count)."""
    form = copy.copy(filterset.form)
    form.cleaned_data = {
        key: None if key in names else value for key, value in filterset.form.cleaned_data.items()
    }
    others = copy.copy(filterset)
    others._form = form  # django-filter's FilterSet.form reads it from here
    return others


def _searched_already(filterset) -> list[int] | None:
    """The ids of the persons the filterset's name search found, when its queryset
    was read already (the list page reads it before the counts; django-filter
    keeps it as `_qs`): taken from its conditions, so that it does not run again.
    None when not found there."""
    queryset = getattr(filterset, "_qs", None)
    if queryset is None:
        return None
    nodes = [queryset.query.where]
    while nodes:
        node = nodes.pop()
        # a condition given as an expression is `expression = TRUE`
        condition = getattr(node, "lhs", node)
        if isinstance(condition, SearchMatch):
            return condition.values
        nodes.extend(getattr(node, "children", ()))
    return None


def _stored_counts_sql(
    reader, names: list[str], among: tuple[str, list] | None, *, limit_organizations: int
) -> tuple[str, list]:
    """The counts of the filters `names` (of STORED_FACETS) from the stored values
    (cases.reads.facet_rows) of the persons `among` (the SQL of their ids) or of
    all the reader may see (`stored_counts_sql`), in the rows of `count_facets`'
    statement: each value shown by its code (an organization by its slug, with
    its name: the most frequent first, ranked, up to `limit_organizations`)."""
    counted, params = stored_counts_sql(
        FACET_TABLE,
        "cases_facets_pending",
        "facet, value",
        reader=reader,
        among=among,
        where=("facet = ANY(%s)", [list(names)]),
    )
    labelled = {facet: FACET_VALUES[facet] for facet in names if facet in FACET_VALUES}
    joins = "".join(
        f" LEFT JOIN {table} v_{facet} ON c.facet = '{facet}' AND v_{facet}.id = c.value"
        for facet, (table, _column) in labelled.items()
    )
    shown = "".join(f"v_{facet}.{column}, " for facet, (_table, column) in labelled.items())
    organization = "v_organization.name" if "organization" in labelled else "NULL::text"
    sql = f"""
        SELECT facet, shown, name, n, rank FROM (
            SELECT c.facet, COALESCE({shown}c.value::text) AS shown, {organization} AS name, c.n,
                CASE WHEN c.facet = 'organization' THEN row_number() OVER (
                    PARTITION BY c.facet ORDER BY c.n DESC, {organization}) ELSE 0 END AS rank
            FROM ({counted}) c{joins}) counted
        WHERE rank <= %s"""
    return sql, [*params, limit_organizations]


def count_facets(filterset, names=COUNTS, *, limit_organizations: int = 30) -> dict[str, dict]:
    """The counts of the filters `names` (of COUNTS), uncached, in one statement:
    each filter's grouped count over the persons the other filters give, put
    together with UNION ALL (a search given is read once before, in a query of
    its own, and reused by every count). The counts read the stored status and
    filter values (cases.reads.status, cases.reads.facet_rows), the persons'
    ids their only join with the other filters; a status filter reads the
    stored status rows. The persons the other filters give are found once for
    the counts that share them, and from the stored values alone when those
    hold every such filter (a detention's stage and day, occupations,
    allegations, organizations): read from the records, each person's in
    several passes, the counts under legal_stage, occupation and
    arrested_after took 0.8 s at 100,000 persons."""
    reader = filterset.reader
    persons = visible(Person.objects.all(), reader)
    query = filterset.form.cleaned_data.get("q")
    searched = _searched_already(filterset)
    if query:
        # the search runs once; every count reuses the persons it found (those the
        # filterset's own search found, when the page has read its persons already)
        found = searched
        if found is None:
            found = list(
                search_persons(persons, query, reader=reader)
                .order_by()
                .values_list("pk", flat=True)
            )
        persons = persons.filter(SearchMatch(F("pk"), found))

    cleaned = filterset.form.cleaned_data
    status_filters = type(filterset).STATUS_FILTERS
    with_statuses = persons
    if any(cleaned.get(name) for name in status_filters):
        # every count but the status's own reads the stored status rows
        with_statuses = with_status(
            persons,
            reader=reader,
            statuses=cleaned.get("status"),
            after=cleaned.get("status_as_of_after"),
            before=cleaned.get("status_as_of_before"),
        )

    def persons_without(name: str, *also: str) -> QuerySet:
        left_out = (name, *also, "q") if name == "status" else (name, *also, "q", *status_filters)
        base = persons if name == "status" else with_statuses
        return _without(filterset, left_out).filter_queryset(base).order_by().values("pk")

    # the persons several counts are counted over, found once: a common table
    # expression each (`persons_<n>`), by their SQL and parameters
    shared: dict[str, tuple[str, str, list]] = {}

    def once(persons_sql: tuple[str, list]) -> tuple[str, list]:
        sql, sql_params = persons_sql
        name = f"persons_{len(shared)}"
        name, _sql, _params = shared.setdefault(repr(persons_sql), (name, sql, sql_params))
        return f"SELECT person_id FROM {name}", []

    def from_stored(left_out: tuple[str, ...], base: QuerySet) -> tuple[str, list] | None:
        """The SQL of the ids of the persons of `base` the filters but `left_out`
        give, from the stored values alone (`_stored_persons_sql`: no pass over
        every person the reader may see for each count) when they hold those
        filters and neither a search nor a status filter narrows `base`; else
        None."""
        if query or base is not persons:
            return None
        stored = _stored_persons_sql(filterset, left_out)
        return None if stored is None else once(stored)

    def among(name: str, *also: str) -> tuple[str, list]:
        """The SQL of the ids of the persons the filters but `name` and `also`
        give: `from_stored`, else `persons_without`'s. Raises EmptyResultSet
        when a filter names nothing the reader may see."""
        left_out = (name, *also, "q") if name == "status" else (name, *also, "q", *status_filters)
        stored = from_stored(left_out, persons if name == "status" else with_statuses)
        return stored or once(persons_without(name, *also).query.sql_with_params())

    def filtered_besides(*names: str) -> bool:
        """Whether any filter but `names` is given: without one, the persons are
        all those the reader may see, which a visible detention's person already
        is (cases.visibility checks a record's parents), so the counts of
        detentions and statuses skip joining them again."""
        return any(value for key, value in cleaned.items() if key not in names)

    def detentions_without(name: str) -> QuerySet:
        detentions = visible_detentions(reader).filter(
            filterset.detention_condition(leave_out=name)
        )
        if filtered_besides(name):
            detentions = detentions.filter(person__in=persons_without(name))
        return detentions

    def grouped(queryset: QuerySet, values: int = 1) -> tuple[str, list]:
        """A `.values(...).annotate(n=...)` queryset's SQL (`values` columns and
        the count), or no rows when a filter names nothing the reader may see."""
        try:
            return queryset.query.sql_with_params()
        except EmptyResultSet:
            return f"SELECT {'NULL::text, ' * values}0::bigint WHERE FALSE", []

    statements, params = [], []
    # A detention's stage or year counted under another detention filter is that
    # of a detention the filter matches (one episode): counted from the stored
    # detentions, or from the records under a charge, which those do not hold.
    # Every other count of STORED_FACETS reads the persons' stored values.
    computed = [
        name
        for name in ("legal_stage", "arrest_year")
        if name in names and filterset.detention_condition(leave_out=name)
    ]
    detention_filters = type(filterset).DETENTION_FILTERS
    for name in computed:
        terms = filterset.detention_values(leave_out=(name,))
        if terms is not None:
            # the detentions hold the detention filters; the persons, the others
            persons_sql = None
            if filtered_besides(*detention_filters):
                try:
                    persons_sql = among(name, *detention_filters)
                except EmptyResultSet:
                    continue  # a filter names nothing the reader may see: nobody to count
            stages, days = terms
            sql, part_params = _detention_counts_sql(
                name, reader, persons_sql, stages=stages, days=days
            )
            statements.append(sql)
            params += part_params
            continue
        detentions = detentions_without(name)
        if name == "legal_stage":
            detentions = detentions.filter(legal_stage__isnull=False).values(
                value=F("legal_stage__code")
            )
        else:
            detentions = detentions.filter(arrested_on__isnull=False).values(
                value=ExtractYear("arrested_on")
            )
        sql, part_params = grouped(detentions.annotate(n=Count("person", distinct=True)))
        statements.append(
            f"SELECT %s::text, t.value::text, NULL::text, t.n, 0::bigint FROM ({sql}) t(value, n)"
        )
        params += [name, *part_params]
    # the counts whose own filter is not given are counted over the same persons
    together: dict[str, list[str]] = {}
    for name in STORED_FACETS:
        if name in names and name not in computed:
            together.setdefault(name if cleaned.get(name) else "", []).append(name)
    for given, counted in together.items():
        persons_sql = None
        if filtered_besides(given):
            try:
                persons_sql = among(given)
            except EmptyResultSet:
                continue  # a filter names nothing the reader may see: nobody to count
        sql, part_params = _stored_counts_sql(
            reader, counted, persons_sql, limit_organizations=limit_organizations
        )
        statements.append(sql)
        params += part_params
    if "total" in names:
        stored = from_stored(("q", *status_filters), with_statuses)
        if stored is not None:
            sql, part_params = stored
        else:
            everyone = _without(filterset, ("q", *status_filters)).filter_queryset(with_statuses)
            sql, part_params = grouped(everyone.order_by().values("pk"), values=0)
        statements.append(
            f"SELECT %s::text, NULL::text, NULL::text, count(*), 0::bigint FROM ({sql}) t"
        )
        params += ["total", *part_params]
    if "status" in names:
        status_persons = None
        if filtered_besides("status"):
            # the search's persons as ids when no other filter is given: the status
            # is then read from their own detentions and calls
            others = [k for k, v in cleaned.items() if v and k not in ("q", *status_filters)]
            status_persons = found if query and not others else persons_without("status")
        stored = from_stored(("status", "q"), persons)
        if stored is not None:
            # the stored status of the persons the stored values give
            sql, part_params = stored_counts_sql(
                STATUS_TABLE, "cases_status_pending", "status", reader=reader, among=stored
            )
        else:
            sql, part_params = status_count_sql(reader=reader, persons=status_persons)
        statements.append(
            f"SELECT %s::text, s.status, NULL::text, s.n, 0::bigint FROM ({sql}) s(status, n)"
        )
        params += ["status", *part_params]

    counts: dict[str, dict] = {name: {} for name in names}
    statement = " UNION ALL ".join(f"({s})" for s in statements)
    if shared:
        ctes = [f"{name} (person_id) AS MATERIALIZED ({sql})" for name, sql, _p in shared.values()]
        statement = f"WITH {', '.join(ctes)} {statement}"
        params = [
            *(p for _name, _sql, shared_params in shared.values() for p in shared_params),
            *params,
        ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    organizations = []
    for facet, value, label, n, rank in rows:
        if facet == "organization":
            organizations.append((rank, value, label, n))
        else:
            counts[facet][value] = n
    if "total" in names:
        counts["total"] = counts["total"].get(None, 0)
    if "status" in names:
        counts["status"] = {code: counts["status"].get(code, 0) for code in PersonStatus.values}
    if "organization" in names:
        counts["organization"] = {slug: (name, n) for _rank, slug, name, n in sorted(organizations)}
    if "arrest_year" in names:
        years = counts["arrest_year"]
        counts["arrest_year"] = {y: years[y] for y in sorted(years, key=int, reverse=True)}
    return counts
