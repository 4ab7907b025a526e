"""Where a person stands now (held, released, not recorded) and as of when: the
rule in SQL and in Python, side by side; tests/test_status_rule.py holds them
together.

The rule, over what the reader may see:

- Each detention says held (no release date, a stage that deprives of liberty),
  released (a release date, or a released, pardoned or acquitted stage) or
  unknown (no stage and no release: the 2015 articles name persons "in jail"
  then, which says nothing of now). Its *report date* is the publication date
  of the newest dated source cited for it or for one of its case events; a
  released detention has none when that source is older than its release date
  (a source cannot report a release that came after it).
- A call for release (a statement of kind `call-for-release` naming the person)
  says held when it was made. Its report date is its own date when recorded,
  else that of the newest dated source cited for it.
- A more specific source says otherwise when one of the person's detentions is
  released and that release is not known to be older than the call: its newest
  source or its release date may fall on or after the call's date (the period
  of either ends on or after the call's begins), or either side has no date.
  The call then says nothing.
- The person is held when any detention or standing call says so, else released
  when any detention says so, else unknown when any detention says so; with
  none of these (no detention, or only a stage such as in exile) no status.
- The status is *as of* the newest report date among the facts that say it
  (None when none of them has a dated source). Dates compare as partial dates:
  by first day, then precision ("2024" before "2024-01" before "2024-01-01").
- A held status is *current* when its report date begins in or after the month
  STATUS_STALE_MONTHS before this one; otherwise (or with no date) the pages
  say "last reported ..." and do not count it as in detention now.

A confidential source's date is not used for a reader who may not see it: it
could identify an interview."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import BooleanField, Case, F, Func, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from cases.choices import STATUS_CONTEXTS, PersonStatus
from cases.models import CaseEvent, Detention, Person, Statement
from cases.partial_dates import PartialDate, Precision
from cases.partial_dates import from_columns as _partial
from cases.reads.facet_rows import (
    FACET_INDEXES,
    FACET_TABLE,
    FACET_TABLE_SQL,
    computed_facet_rows_sql,
)
from cases.visibility import Reader, own_level_q, own_level_sql, visibility_q, visible
from cases.vocabularies import TermLabels, person_form
from sources.models import Citation

RELEASED_STAGES = ("released", "pardoned", "acquitted")
CALL_FOR_RELEASE = "call-for-release"

# --- the rule in Python ---------------------------------------------------------------


@dataclass(frozen=True)
class DetentionReport:
    """What one detention says of its person now, and when it was last reported."""

    key: object  # the detention's id or UUID: which fact the page footnotes
    held: bool
    released: bool
    unknown: bool
    reported: PartialDate | None
    released_on: PartialDate | None = None


@dataclass(frozen=True)
class CallReport:
    """A call for the person's release: held when it was made."""

    key: object  # the statement's id or UUID
    reported: PartialDate | None


@dataclass(frozen=True)
class DatedStatus:
    code: str  # a PersonStatus, or "" when nothing gives one
    as_of: PartialDate | None
    basis: tuple = field(default=())  # the reports that say it, newest first


def detention_report(
    key, *, released_on: PartialDate | None, stage: str | None, stage_holds: bool | None,
    reported: PartialDate | None,
) -> DetentionReport:  # fmt: skip
    """A detention's three flags, as the SQL below computes them. A source older
    than the release cannot report it: a released detention whose newest source
    is older than its release date has no report date (the release was entered
    without the source that gives it)."""
    if released_on is not None and reported is not None and reported.end < released_on.start:
        reported = None
    return DetentionReport(
        key=key,
        held=released_on is None and bool(stage_holds),
        released=released_on is not None or stage in RELEASED_STAGES,
        unknown=released_on is None and not stage,
        reported=reported,
        released_on=released_on,
    )


def newest(dates: Iterable[PartialDate | None]) -> PartialDate | None:
    """The newest of these dates (PartialDate's order), None when none is known."""
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _not_older(date: PartialDate | None, than: PartialDate) -> bool:
    return date is not None and date.end >= than.start


def call_stands(call: CallReport, detentions: list[DetentionReport]) -> bool:
    """Whether a call for release still says held: no release is on record that
    is not known to be older than the call (a more specific source)."""
    for d in detentions:
        if not d.released:
            continue
        if call.reported is None or (d.reported is None and d.released_on is None):
            return False
        if _not_older(d.reported, call.reported) or _not_older(d.released_on, call.reported):
            return False
    return True


def dated_status(detentions: list[DetentionReport], calls: list[CallReport]) -> DatedStatus:
    """The person's status and its date, from the detentions and calls the reader
    may see (the SQL rule `status_sql`, in Python)."""
    held = [d for d in detentions if d.held] + [c for c in calls if call_stands(c, detentions)]
    for code, says in (
        (PersonStatus.HELD, held),
        (PersonStatus.RELEASED, [d for d in detentions if d.released]),
        (PersonStatus.UNKNOWN, [d for d in detentions if d.unknown]),
    ):
        if says:
            basis = sorted(says, key=lambda r: (r.reported is not None, r.reported), reverse=True)
            return DatedStatus(code, newest(r.reported for r in says), tuple(basis))
    return DatedStatus("", None)


def current_since(today: datetime.date | None = None) -> PartialDate:
    """The first month whose reports still count as current: STATUS_STALE_MONTHS
    before this one (in December 2026, with 12, December 2025)."""
    today = today or datetime.date.today()
    months = today.year * 12 + today.month - 1 - settings.STATUS_STALE_MONTHS
    return PartialDate(datetime.date(months // 12, months % 12 + 1, 1), Precision.MONTH)


def is_current(as_of: PartialDate | None, since: PartialDate) -> bool:
    """A report is current when its period begins in or after `since`: a status
    with no dated source is never current."""
    return as_of is not None and as_of.start >= since.start


# --- the evidence of the rows: the reports of given persons, in Python ----------------


def status_reports(
    person_ids: list[int], detentions: list[dict], *, reader: Reader
) -> dict[int, tuple[list[DetentionReport], list[CallReport]]]:
    """The reports of each person, for `dated_status`, from the rows' detention
    dicts (visible already, with "id", "person_id", "released_on",
    "released_on_precision", "legal_stage__code", "legal_stage__in_detention"):
    two queries, the calls for release and every visible citation's source date."""
    calls = list(
        Statement.persons.through.objects.filter(
            visibility_q(Statement, reader, prefix="statement__"),
            person_id__in=person_ids,
            statement__kind__code=CALL_FOR_RELEASE,
        ).values(
            "person_id", "statement_id", "statement__issued_on", "statement__issued_on_precision"
        )
    )
    detention_ids = [d["id"] for d in detentions]
    # One UNION ALL of a part per kind of fact, each led by its own index: an OR
    # of them in one WHERE read every citation (20-25 ms a page at 10,000 persons).
    # A case event's parents are the visible detentions named here, and it is
    # cited (rule 3) by the visible citation read: its own level is all to check.
    parts = []
    if detention_ids:
        parts.append(Q(detention_id__in=detention_ids))
        parts.append(
            Q(case_event__detention_id__in=detention_ids) & own_level_q(reader, "case_event__")
        )
    if calls:
        parts.append(Q(statement_id__in={c["statement_id"] for c in calls}))
    dated = [
        _citation_dates(visible(Citation.objects.filter(part), reader).order_by(), reader)
        for part in parts
    ]
    dates: dict[tuple[str, int], list[PartialDate | None]] = {}
    if dated:
        for row in dated[0].union(*dated[1:], all=True):
            key = ("call", row["statement_id"]) if row["statement_id"] else ("detention", row["d"])
            dates.setdefault(key, []).append(_partial(row["src_date"], row["src_precision"]))
    reports: dict[int, tuple[list, list]] = {pk: ([], []) for pk in person_ids}
    for d in detentions:
        reports[d["person_id"]][0].append(
            detention_report(
                d["id"],
                released_on=_partial(d["released_on"], d["released_on_precision"]),
                stage=d["legal_stage__code"],
                stage_holds=d["legal_stage__in_detention"],
                reported=newest(dates.get(("detention", d["id"]), [])),
            )
        )
    for c in calls:
        issued = _partial(c["statement__issued_on"], c["statement__issued_on_precision"])
        reported = issued or newest(dates.get(("call", c["statement_id"]), []))
        reports[c["person_id"]][1].append(CallReport(c["statement_id"], reported))
    return reports


def _citation_dates(citations: QuerySet, reader: Reader) -> QuerySet:
    """The citations' rows: the detention (directly or through a case event) or
    statement they support, and their source's date, left out for a confidential
    source outside the admin (a date can identify an interview)."""
    date, precision = F("source__published_on"), F("source__published_on_precision")
    if reader is not Reader.STAFF:
        date = Case(When(source__is_confidential=True, then=Value(None)), default=date)
        precision = Case(When(source__is_confidential=True, then=Value(None)), default=precision)
    return citations.values(
        "statement_id",
        d=Coalesce("detention_id", "case_event__detention_id"),
        src_date=date,
        src_precision=precision,
    )


# --- the rule in SQL ------------------------------------------------------------------


class _AnyOf(Func):
    """`column = ANY(%s)`, the ids one array parameter (an IN list would be a
    parameter each: tens of thousands for a status filter), looked up by hashing:
    the list page walks its order's index and stops at a page."""

    output_field = BooleanField()
    template = "{column} = ANY(%s)"

    def __init__(self, expression, values: list):
        super().__init__(expression)
        self.values = values

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return self.template.format(column=sql), [*params, self.values]


class _AmongIds(_AnyOf):
    """`column IN (SELECT unnest(%s))`: a join from the ids, each looked up by its
    index (`= ANY` read every person's detentions, filtering them by the array)."""

    template = "{column} IN (SELECT unnest(%s::bigint[]))"


_DAY_ZERO = "DATE '0001-01-01'"  # report dates are packed as [days since, precision]


def _period_end_after(date: str, precision: str) -> str:
    """SQL: the day after the last day of a partial date's period."""
    return (
        f"({date} + CASE {precision} WHEN {Precision.YEAR:d} THEN interval '1 year'"
        f" WHEN {Precision.MONTH:d} THEN interval '1 month' ELSE interval '1 day' END)"
    )


_NO_STATUS = (
    "SELECT NULL::bigint AS person_id, NULL::text AS status, NULL::date AS as_of,"
    " NULL::integer AS as_of_precision WHERE FALSE"
)


def computed_status_sql(
    *, reader: Reader, persons: QuerySet | list[int] | None = None, dated: bool = True
) -> tuple[str, list]:
    """SQL computing one row per person that has a status (`person_id`, `status`,
    `as_of`, `as_of_precision`) from the records, over what the reader may see,
    optionally only for `persons`: the rule of the module's docstring. The
    database runs it (the functions `install_stored_status` writes) to keep the
    stored status; the reads use `status_sql`, which reads what it stored.

    With `dated=False` the status is the same but `as_of` is NULL: only the
    detentions of persons with a call for release have their sources' dates read
    (a call stands or not by them); what a detention says needs no date."""
    try:
        return _status_sql(reader, persons, dated)
    except EmptyResultSet:  # `persons` filtered by an empty list: nobody has a status
        return _NO_STATUS, []


def _status_sql(
    reader: Reader, persons: QuerySet | list[int] | None, dated: bool
) -> tuple[str, list]:
    detentions = visible(Detention.objects.all(), reader)
    calls = Statement.persons.through.objects.filter(
        visibility_q(Statement, reader, prefix="statement__"),
        visibility_q(Person, reader, prefix="person__"),
        statement__kind__code=CALL_FOR_RELEASE,
    )
    if isinstance(persons, list):  # ids: one array parameter, its length known to the planner
        detentions = detentions.filter(_AmongIds(F("person_id"), persons))
        # the links of these persons first (a CTE below): from the calls for release,
        # PostgreSQL read every call's links and persons (35 ms at 100,000 persons)
        calls = calls.filter(pk=RawSQL("call_link.id", []))
    elif persons is not None:
        detentions = detentions.filter(person__in=persons.order_by().values("pk"))
        calls = calls.filter(person__in=persons.order_by().values("pk"))
    detention_sql, detention_params = (
        detentions.order_by()
        .values(
            d_id=F("id"), d_person=F("person_id"), d_released=F("released_on"),
            d_released_precision=F("released_on_precision"), d_stage=F("legal_stage_id"),
            d_stage_code=F("legal_stage__code"), d_stage_holds=F("legal_stage__in_detention"),
        )
        .query.sql_with_params()
    )  # fmt: skip
    call_sql, call_params = (
        calls.order_by()
        .values(
            c_person=F("person_id"), c_statement=F("statement_id"),
            c_issued=F("statement__issued_on"), c_issued_precision=F("statement__issued_on_precision"),
        )
        .query.sql_with_params()
    )  # fmt: skip
    # The citations' dates are read from the facts they support: from each visible
    # detention to its citations and to its case events' citations, from each call
    # to the statement's citations, all through indexed keys. Reading every
    # citation and keeping those of the facts (a CTE of all the citations' dates)
    # cost 1.5 s at 100,000 persons whatever the persons asked for.
    cited = visible(Citation.objects.all(), reader).filter(source__published_on__isnull=False)
    if reader is not Reader.STAFF:
        cited = cited.filter(source__is_confidential=False)
    cited_sql, cited_params = (
        cited.order_by()
        .values(
            "detention_id", "case_event_id", "statement_id",
            src_date=F("source__published_on"), src_precision=F("source__published_on_precision"),
        )
        .query.sql_with_params()
    )  # fmt: skip
    # A case event's detention is checked by the join to `det`, and a visible
    # citation of it makes it cited (rule 3): its own level is all to check.
    event_level, event_params = own_level_sql(reader, "e")
    packed = f"max(ARRAY[c.src_date - {_DAY_ZERO}, c.src_precision])"
    released = ", ".join(f"'{code}'" for code in RELEASED_STAGES)
    call_end = _period_end_after
    # a source whose period ends before the release's begins cannot report it
    older_than_release = (
        f"det.d_released IS NOT NULL AND {_period_end_after('r.src_date', 'r.src_precision')}"
        " <= det.d_released"
    )
    as_of = (
        f"{_DAY_ZERO} + packed[1] AS as_of, packed[2] AS as_of_precision"
        if dated
        else "NULL::date AS as_of, NULL::integer AS as_of_precision"
    )
    links, link_params, call_from = "", [], call_sql
    if isinstance(persons, list):
        links = (
            f" call_link AS MATERIALIZED (SELECT id FROM {Statement.persons.through._meta.db_table}"
            " WHERE person_id IN (SELECT unnest(%s::bigint[]))),"
        )
        link_params = [persons]
        call_from = f"SELECT c.* FROM call_link, LATERAL ({call_sql}) c"
    sql = f"""
        WITH det AS ({detention_sql}),{links}
        call AS ({call_from}),
        det_dated AS (SELECT d_id FROM det{"" if dated else " WHERE d_person IN (SELECT c_person FROM call)"}),
        det_packed AS (
            SELECT d AS id, max(packed) AS packed FROM (
                SELECT det.d_id AS d, {packed} AS packed
                FROM det_dated det JOIN ({cited_sql}) c ON c.detention_id = det.d_id
                GROUP BY det.d_id
                UNION ALL
                SELECT det.d_id, {packed}
                FROM det_dated det JOIN {CaseEvent._meta.db_table} e ON e.detention_id = det.d_id
                JOIN ({cited_sql}) c ON c.case_event_id = e.id
                WHERE {event_level} GROUP BY det.d_id) x
            GROUP BY d),
        det_reported AS (
            SELECT id, {_DAY_ZERO} + packed[1] AS src_date, packed[2] AS src_precision
            FROM det_packed),
        call_reported AS (
            SELECT s.id, {_DAY_ZERO} + s.packed[1] AS src_date, s.packed[2] AS src_precision
            FROM (SELECT c.statement_id AS id, {packed} AS packed
                FROM (SELECT DISTINCT c_statement FROM call) call
                JOIN ({cited_sql}) c ON c.statement_id = call.c_statement
                GROUP BY c.statement_id) s),
        det_facts AS (
            SELECT det.d_person AS person_id,
                det.d_released IS NULL AND COALESCE(det.d_stage_holds, FALSE) AS held,
                det.d_released IS NOT NULL OR COALESCE(det.d_stage_code IN ({released}), FALSE)
                    AS released,
                det.d_released IS NULL AND det.d_stage IS NULL AS unknown,
                CASE WHEN {older_than_release} THEN NULL ELSE r.src_date END AS reported,
                CASE WHEN {older_than_release} THEN NULL ELSE r.src_precision END
                    AS reported_precision,
                det.d_released AS released_on, det.d_released_precision AS released_precision
            FROM det LEFT JOIN det_reported r ON r.id = det.d_id),
        calls AS (
            SELECT call.c_person AS person_id,
                CASE WHEN call.c_issued IS NOT NULL THEN call.c_issued ELSE r.src_date END
                    AS reported,
                CASE WHEN call.c_issued IS NOT NULL THEN call.c_issued_precision
                    ELSE r.src_precision END AS reported_precision
            FROM call LEFT JOIN call_reported r ON r.id = call.c_statement),
        standing_calls AS (
            SELECT * FROM calls c WHERE NOT EXISTS (
                SELECT 1 FROM det_facts d WHERE d.person_id = c.person_id AND d.released AND (
                    c.reported IS NULL
                    OR (d.reported IS NULL AND d.released_on IS NULL)
                    OR {call_end("d.reported", "d.reported_precision")} > c.reported
                    OR {call_end("d.released_on", "d.released_precision")} > c.reported))),
        facts AS (
            SELECT person_id, held, released, unknown, reported, reported_precision
            FROM det_facts
            UNION ALL
            SELECT person_id, TRUE, FALSE, FALSE, reported, reported_precision
            FROM standing_calls),
        flags AS (
            SELECT person_id,
                bool_or(held) AS held, bool_or(released) AS released, bool_or(unknown) AS unknown,
                max(ARRAY[reported - {_DAY_ZERO}, reported_precision])
                    FILTER (WHERE held AND reported IS NOT NULL) AS held_at,
                max(ARRAY[reported - {_DAY_ZERO}, reported_precision])
                    FILTER (WHERE released AND reported IS NOT NULL) AS released_at,
                max(ARRAY[reported - {_DAY_ZERO}, reported_precision])
                    FILTER (WHERE unknown AND reported IS NOT NULL) AS unknown_at
            FROM facts GROUP BY person_id),
        statuses AS (
            SELECT person_id,
                CASE WHEN held THEN 'held' WHEN released THEN 'released'
                    WHEN unknown THEN 'unknown' END AS status,
                CASE WHEN held THEN held_at WHEN released THEN released_at
                    ELSE unknown_at END AS packed
            FROM flags WHERE held OR released OR unknown)
        SELECT person_id, status, {as_of} FROM statuses"""
    return sql, [
        *detention_params, *link_params, *call_params, *cited_params, *cited_params,
        *event_params,
        *cited_params,
    ]  # fmt: skip


def status_condition_sql(
    statuses: list[str] | None = None,
    after: PartialDate | None = None,
    before: PartialDate | None = None,
) -> tuple[str, list]:
    """The WHERE of status rows for the filters: a status among `statuses`, as of
    a date beginning on or after `after` and on or before the end of `before` (a
    status with no date matches neither date)."""
    conditions, params = ["TRUE"], []
    if statuses:
        conditions.append("status = ANY(%s)")
        params.append([str(s) for s in statuses])
    if after:
        conditions.append("as_of >= %s")
        params.append(after.start)
    if before:
        conditions.append("as_of <= %s")
        params.append(before.end)
    return " AND ".join(conditions), params


# --- the stored status -----------------------------------------------------------------
#
# Computing the rule for 100,000 persons takes a second or more (most of it reading
# every detention's citations and sources), and the case list's status counts and
# filter need everyone's. So the database keeps each person's status, per reader,
# in STATUS_TABLE, and keeps it up to date itself. Statement-level triggers on
# every table the rule reads (so every write path: the admin, bulk writes, imports,
# merges, the trash, raw SQL) note the persons a statement touched in PENDING_TABLE;
# when the transaction commits, a deferred trigger computes their status again
# (once, however many statements touched them) with `computed_status_sql` itself,
# written into SQL functions by `install_stored_status`.
#
# Concurrent writers: the persons noted are the transaction's own (keyed by its
# id), so two transactions touching one person never wait for each other on
# them. A statement works its persons out from what it sees, which a transaction
# not yet committed may change (a detention moved to another person while this
# one withdraws its citation): so the triggers also keep the rows themselves
# (FACTS_TABLE: the ids of the rows written, the old rows as they were), and
# the commit works their persons out again from what is committed then, holding
# a lock that makes the commits' refreshes take turns: whichever commits last
# sees the other's writes, and refreshes every person either touched. Until then (inside the
# writing transaction: a researcher's own save, a test) the reads compute the
# status of the noted persons afresh (`status_sql`), so what they give is the rule
# at every moment. A TRUNCATE of a table the rule reads recomputes everyone. The
# rule does not read the current date (whether a held status is current is decided
# when it is read, `current_since`), so the stored rows do not age.
#
# The same triggers and commit keep the values of the case list's filters that
# each person's visible records give (cases.reads.facet_rows: stages and years of
# arrest of the visible detentions, kinds of the visible allegations, occupations,
# organizations of the visible affiliations), per reader, in FACET_TABLE: the
# tables they read are watched too, and a person noted gets both computed again.
#
# And they keep each person's current place of detention per reader in
# PLACE_TABLE: the custody period and facility the rule of places.reads
# (`current_custody_sql`) gives, written by that function itself, so that "held
# now at X" (the persons filter `?status=held&facility=X`, the facility pages'
# lists and counts, the change feed's) is an index scan of the place with the
# stored status beside it, not the rule run for the ~12,500 persons with an open
# custody period at the busiest facility of the benchmark (0.3 s). The tables
# that rule reads (custody periods, facilities, their citations) are watched
# too. A place is stored whatever the status: `?facility=X` alone reads it.
#
# The functions hold the rule's SQL as this code writes it: a change of the rule,
# of the filter values stored (or of cases.visibility) ships with a migration that
# calls `install_stored_status` again, and tests/test_status_stored.py fails until
# it does.

STATUS_TABLE = "cases_person_status"
PENDING_TABLE = "cases_person_status_pending"
COMMITS_TABLE = "cases_person_status_commit"  # a row per writing transaction, until it commits
FACTS_TABLE = "cases_person_status_fact"  # the rows a writing transaction wrote, until it commits
PLACE_TABLE = "cases_person_place"  # the current place, per reader and person
# "placed at X for reader R" reads the second index in order
PLACE_TABLE_SQL = (
    f'CREATE TABLE IF NOT EXISTS {PLACE_TABLE} (reader text COLLATE "C" NOT NULL,'
    " person_id bigint NOT NULL, custody_id bigint NOT NULL, facility_id bigint NOT NULL,"
    " PRIMARY KEY (person_id, reader))",
    f"CREATE INDEX IF NOT EXISTS {PLACE_TABLE}_facility ON {PLACE_TABLE}"
    " (reader, facility_id, person_id) INCLUDE (custody_id)",
)
STORED_READERS = tuple(Reader)
# A transaction touching more persons than this has their rows computed by
# statements planned for them (hash joins: 0.1 ms a person at 100,000) rather
# than by the generic plan that looks each person up (0.5 ms).
MANY_ABOVE = 10_000
_LOCK = 20_2  # the advisory lock of the stored status (issue 20, item 2)
# the noted rows of the transaction running (none before it writes: no id yet)
_OWN = "transaction_id = txid_current_if_assigned()"


# A stored row whose person is not noted: one hashed look-up (the noted persons
# are a transaction's few, none outside one; the key cannot be NULL). As NOT
# EXISTS, PostgreSQL rescanned the noted persons for each row, which was two
# thirds of reading the 48,000 held persons' rows of the benchmark.
_NOT_NOTED = f"s.person_id NOT IN (SELECT person_id FROM {PENDING_TABLE})"


def _stored_and_pending(
    reader: Reader,
    persons: QuerySet | list[int] | None,
    columns: str,
    where: tuple[str, list] = ("TRUE", []),
) -> tuple[tuple[str, list], tuple[str, list]] | None:
    """The two halves of the status rows (`columns` of them, WHERE `where`): the
    stored rows but those of the persons noted, and the noted persons' rows
    computed; None when `persons` is a filter that names nobody."""
    among, among_params = "", []
    if isinstance(persons, list):
        among, among_params = " AND person_id = ANY(%s)", [persons]
    elif persons is not None:
        try:
            persons_sql, among_params = persons.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return None
        among = f" AND person_id IN ({persons_sql})"
    condition, condition_params = where
    stored = (
        f"SELECT {columns} FROM {STATUS_TABLE} s WHERE reader = %s AND ({condition}){among}"
        f" AND {_NOT_NOTED}"
    )
    pending = f"SELECT {columns} FROM cases_status_pending(%s) WHERE ({condition}){among}"
    params = [*condition_params, *among_params]
    return (stored, [reader.value, *params]), (pending, [reader.value, *params])


def status_sql(
    *, reader: Reader, persons: QuerySet | list[int] | None = None, dated: bool = True
) -> tuple[str, list]:
    """SQL giving one row per person that has a status (`person_id`, `status`,
    `as_of`, `as_of_precision`), over what the reader may see, optionally only for
    `persons`: the rows `computed_status_sql` gives, read from the stored rows, and
    computed for the persons a transaction not yet committed has touched (none
    outside a writing transaction: no rule to compute then). With `dated=False`
    `as_of` is NULL, as `computed_status_sql` gives it."""
    as_of = "as_of, as_of_precision" if dated else "NULL::date, NULL::integer"
    halves = _stored_and_pending(reader, persons, f"person_id, status, {as_of}")
    if halves is None:
        return _NO_STATUS, []
    (stored, stored_params), (pending, pending_params) = halves
    columns = "person_id, status, as_of, as_of_precision"
    return (
        f"SELECT {columns} FROM ({stored} UNION ALL {pending}) stored ({columns})",
        [*stored_params, *pending_params],
    )


def place_sql(
    *,
    reader: Reader,
    persons: list[int] | None = None,
    where: tuple[str, list] = ("TRUE", []),
    held: bool = False,
) -> tuple[str, list]:
    """SQL giving one row per person with a current place (`person_id`,
    `custody_id`, `facility_id`: places.reads' `current_custody_sql`, whatever
    their status), over what the reader may see, of `persons` or of everyone,
    WHERE `where` (on those columns), and only of those whose status is held
    when `held`: read from the stored rows, and computed for the persons a
    transaction not yet committed has touched, as `status_sql`. "Held now at X"
    reads X's stored places by their index and the held statuses by theirs."""
    stored, stored_params = f"{PLACE_TABLE} s", []
    pending, pending_params = "cases_places_pending(%s) s", [reader.value]
    if held:
        stored += (
            f" JOIN {STATUS_TABLE} st ON st.person_id = s.person_id AND st.reader = %s"
            " AND st.status = %s"
        )
        stored_params = [reader.value, PersonStatus.HELD.value]
        pending += (
            " JOIN cases_status_pending(%s) st ON st.person_id = s.person_id AND st.status = %s"
        )
        pending_params += [reader.value, PersonStatus.HELD.value]
    condition, condition_params = where
    among, among_params = ("", []) if persons is None else (" AND person_id = ANY(%s)", [persons])
    columns = "person_id, custody_id, facility_id"
    kept = f"WHERE ({condition}){among}"
    return (
        f"SELECT {columns} FROM (SELECT s.person_id, s.custody_id, s.facility_id FROM {stored}"
        " WHERE s.reader = %s"
        f" AND {_NOT_NOTED}) s"
        f" {kept} UNION ALL SELECT {columns} FROM (SELECT s.person_id, s.custody_id,"
        f" s.facility_id FROM {pending}) s {kept}",
        [*stored_params, reader.value, *condition_params, *among_params, *pending_params,
         *condition_params, *among_params],
    )  # fmt: skip


def stored_counts_sql(
    table: str,
    pending: str,
    columns: str,
    *,
    reader: Reader,
    among: tuple[str, list] | None = None,
    where: tuple[str, list] = ("TRUE", []),
) -> tuple[str, list]:
    """SQL counting the persons of each value of `columns` in the stored rows of
    `table` (STATUS_TABLE or FACET_TABLE) WHERE `where`, of the persons `among`
    (the SQL of their ids) or of all the reader may see, as the rule gives them
    now: the stored rows counted in the order of their index, less the stored
    rows of the persons a writing transaction noted, plus theirs computed afresh
    by the function `pending` (none outside a writing transaction). Rows of
    `columns` and `n`, none with no person. (As the stored rows but those noted,
    the counts were a lookup in the noted persons for each of 100,000 rows.)"""
    condition, condition_params = where
    persons, persons_params = among or ("", [])

    def within(column: str) -> str:
        return f" AND {column} IN ({persons})" if among else ""

    grouped = ", ".join(f"c.{column.strip()}" for column in columns.split(","))
    sql = f"""
        SELECT {columns}, sum(n)::bigint AS n FROM (
            SELECT {columns}, count(*) AS n FROM {table}
            WHERE reader = %s AND ({condition}){within("person_id")} GROUP BY {columns}
            UNION ALL
            SELECT {grouped}, -count(*) FROM {table} c
            JOIN {PENDING_TABLE} p ON p.person_id = c.person_id
            WHERE c.reader = %s AND ({condition}){within("c.person_id")} GROUP BY {grouped}
            UNION ALL
            SELECT {columns}, count(*) FROM {pending}(%s)
            WHERE ({condition}){within("person_id")} GROUP BY {columns}
        ) counted GROUP BY {columns} HAVING sum(n) > 0"""
    half = [reader.value, *condition_params, *persons_params]
    return sql, [*half, *half, *half]


def status_count_sql(
    *, reader: Reader, persons: QuerySet | list[int] | None = None
) -> tuple[str, list]:
    """SQL counting the persons of each status (`status`, `n`), of `persons` or of
    all the reader may see, from the stored rows (`stored_counts_sql`)."""
    among = None
    if isinstance(persons, list):
        among = ("SELECT unnest(%s::bigint[])", [persons])
    elif persons is not None:
        try:
            among = persons.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return "SELECT NULL::text, 0::bigint WHERE FALSE", []
    return stored_counts_sql(
        STATUS_TABLE, "cases_status_pending", "status", reader=reader, among=among
    )


class _RefreshedIds(list):
    """Stands for the ids of the persons to compute (the functions' variable
    `refreshed_ids`) where `computed_status_sql` takes a list of persons."""


def _inlined(sql: str, params: list, connection) -> str:
    """`sql` with its parameters written in as literals, but `_RefreshedIds`,
    written as the functions' variable."""
    pieces = sql.split("%s")
    if "%%" in sql or len(pieces) != len(params) + 1:
        raise ValueError("the status rule's SQL holds a % that is no parameter")
    written = [pieces[0]]
    for param, piece in zip(params, pieces[1:], strict=True):
        if isinstance(param, _RefreshedIds):
            written.append("refreshed_ids")
        else:
            written.append(connection.ops.compose_sql("%s", [param]))
        written.append(piece)
    return "".join(written)


def _rule(connection, reader: Reader, persons: list | None) -> str:
    sql, params = computed_status_sql(reader=reader, persons=persons)
    return (
        f"SELECT {connection.ops.compose_sql('%s', [reader.value])}, person_id, status,"
        f" as_of, as_of_precision FROM ({_inlined(sql, params, connection)}) s"
    )


def _stored_rows_sql(connection, persons: list | None) -> str:
    """The INSERT of every reader's status rows, of `persons` or of everyone."""
    return (
        f"INSERT INTO {STATUS_TABLE} (reader, person_id, status, as_of, as_of_precision)\n"
        + "\nUNION ALL\n".join(_rule(connection, reader, persons) for reader in STORED_READERS)
    )


def _place_rows(connection, reader: Reader, persons: list | None) -> str:
    # places.reads reads the stored status (its held-now lists): imported when the
    # functions are written, not with this module
    from places.reads import current_custody_sql

    sql, params = current_custody_sql(reader=reader, persons=persons)
    return (
        f"SELECT {connection.ops.compose_sql('%s', [reader.value])}, c.person_id, c.custody_id,"
        f" c.facility_id FROM ({_inlined(sql, params, connection)}) c"
    )


def _stored_places_sql(connection, persons: list | None) -> str:
    """The INSERT of every reader's current places, of `persons` or of everyone."""
    return (
        f"INSERT INTO {PLACE_TABLE} (reader, person_id, custody_id, facility_id)\n"
        + "\nUNION ALL\n".join(
            _place_rows(connection, reader, persons) for reader in STORED_READERS
        )
    )


def _facet_rows(connection, reader: Reader, persons: list | None) -> str:
    sql, params = computed_facet_rows_sql(reader, persons)
    return (
        f"SELECT {connection.ops.compose_sql('%s', [reader.value])}, f.facet, f.value, f.who"
        f" FROM ({_inlined(sql, params, connection)}) f (facet, value, who)"
    )


def _stored_facets_sql(connection, persons: list | None) -> str:
    """The INSERT of every reader's filter values, of `persons` or of everyone."""
    return f"INSERT INTO {FACET_TABLE} (reader, facet, value, person_id)\n" + "\nUNION ALL\n".join(
        _facet_rows(connection, reader, persons) for reader in STORED_READERS
    )


def _by_reader(connection, rows) -> str:
    """PL/pgSQL returning `rows(reader)`'s query for the function's `reader`."""
    return "\n    ".join(
        f"{'IF' if n == 0 else 'ELSIF'} reader = {connection.ops.compose_sql('%s', [r.value])}"
        f" THEN RETURN QUERY {rows(r)};"
        for n, r in enumerate(STORED_READERS)
    )


def _pending_body(by_reader: str) -> str:
    """The body of a function giving the noted persons' rows computed afresh, the
    query `by_reader` returns for the function's reader (`_by_reader`)."""
    return f"""
#variable_conflict use_column
DECLARE
    refreshed_ids bigint[];
BEGIN
    SELECT array_agg(p.person_id) INTO refreshed_ids FROM {PENDING_TABLE} p WHERE p.{_OWN};
    IF refreshed_ids IS NULL THEN
        RETURN;
    END IF;
    {by_reader}
    END IF;
END"""


def stored_status_functions(connection) -> dict[str, tuple[str, str]]:
    """Each SQL function of the stored status and filter values, by its name: its
    arguments and options, and its body, the rule as `computed_status_sql` and
    the values as `computed_facet_rows_sql` write them now."""
    pending = _by_reader(
        connection,
        lambda r: (
            "SELECT s.person_id, s.status, s.as_of, s.as_of_precision"
            f" FROM ({_rule(connection, r, _RefreshedIds())}) s"
        ),
    )
    pending_places = _by_reader(
        connection,
        lambda r: (
            "SELECT c.person_id, c.custody_id, c.facility_id"
            f" FROM ({_place_rows(connection, r, _RefreshedIds())}) c"
        ),
    )
    pending_facets = _by_reader(
        connection,
        lambda r: (
            "SELECT f.facet, f.value, f.person_id"
            f" FROM ({_facet_rows(connection, r, _RefreshedIds())}) f (reader, facet, value, person_id)"
        ),
    )
    refresh = f"""DELETE FROM {STATUS_TABLE} WHERE person_id = ANY(refreshed_ids);
    {_stored_rows_sql(connection, _RefreshedIds())};
    DELETE FROM {PLACE_TABLE} WHERE person_id = ANY(refreshed_ids);
    {_stored_places_sql(connection, _RefreshedIds())};
    DELETE FROM {FACET_TABLE} WHERE person_id = ANY(refreshed_ids);
    {_stored_facets_sql(connection, _RefreshedIds())};"""
    return {
        # everyone again: `exclusive` (a load with the triggers off, a TRUNCATE)
        # empties the tables and builds the values' indexes after; else the rows
        # are replaced as any write does, the reads reading the old ones meanwhile
        "cases_status_rebuild": (
            "(exclusive boolean DEFAULT true) RETURNS void SET maintenance_work_mem = '256MB'",
            f"""
BEGIN
    PERFORM pg_advisory_xact_lock({_LOCK});
    DELETE FROM {PENDING_TABLE} WHERE {_OWN};
    DELETE FROM {FACTS_TABLE} WHERE {_OWN};
    IF NOT exclusive THEN
        DELETE FROM {STATUS_TABLE};
        {_stored_rows_sql(connection, None)};
        DELETE FROM {PLACE_TABLE};
        {_stored_places_sql(connection, None)};
        DELETE FROM {FACET_TABLE};
        {_stored_facets_sql(connection, None)};
        RETURN;
    END IF;
    -- every row is written again: no dead half left for the reads to skip
    TRUNCATE {STATUS_TABLE}, {PLACE_TABLE}, {FACET_TABLE};
    {_stored_rows_sql(connection, None)};
    {_stored_places_sql(connection, None)};
    -- the filter values' indexes built after them (cases.reads.facet_rows)
    DROP INDEX {", ".join(FACET_INDEXES)};
    {_stored_facets_sql(connection, None)};
    {"; ".join(FACET_INDEXES.values())};
END""",
        ),
        # planned once per connection (planning the rule took 25 ms a reader, running
        # it for one person 1 ms): the ids do not change the plan that suits a few
        # persons, their rows read by their keys
        "cases_status_refresh": (
            "(refreshed_ids bigint[]) RETURNS void SET plan_cache_mode = force_generic_plan",
            f"""
BEGIN
    -- the caller holds the lock (cases_status_committing)
    IF cardinality(refreshed_ids) > {MANY_ABOVE} THEN
        PERFORM cases_status_refresh_many(refreshed_ids);
        RETURN;
    END IF;
    {refresh}
END""",
        ),
        # many persons (a case sheet's commit): the same statements planned for the
        # ids given, which reads the tables through hash joins where the generic
        # plan looks each person up; only their rows are written again (replacing
        # everyone's took 57 s after a 100,000-row case sheet)
        "cases_status_refresh_many": (
            "(refreshed_ids bigint[]) RETURNS void SET plan_cache_mode = force_custom_plan",
            f"""
BEGIN
    {refresh}
END""",
        ),
        # the rows of the persons noted and not yet stored (a writing transaction's)
        "cases_status_pending": (
            "(reader text) RETURNS TABLE (person_id bigint, status text, as_of date,"
            " as_of_precision integer) STABLE ROWS 10",
            _pending_body(pending),
        ),
        # the current places of the persons noted and not yet stored
        "cases_places_pending": (
            "(reader text) RETURNS TABLE (person_id bigint, custody_id bigint, facility_id bigint)"
            " STABLE ROWS 10",
            _pending_body(pending_places),
        ),
        # the filter values of the persons noted and not yet stored
        "cases_facets_pending": (
            "(reader text) RETURNS TABLE (facet text, value bigint, person_id bigint)"
            " STABLE ROWS 50",
            _pending_body(pending_facets),
        ),
    }


# The tables the rule and the filter values read, and for each: the columns whose
# change can change a status or a value (None: any write), and the persons its
# rows concern, read FROM `{rows}` (the rows, named r: a transition table or the
# rows that changed).
_DETENTION_PERSONS = "SELECT d.person_id FROM {rows} JOIN cases_detention d ON d.id = r.{column}"
_STATEMENT_PERSONS = (
    "SELECT l.person_id FROM {rows} JOIN cases_statement_persons l ON l.statement_id = r.{column}"
)
# an allegation is hidden with its detention, which may be another person's
_ALLEGATION_PERSONS = (
    "SELECT a.person_id FROM {rows} JOIN cases_allegation a ON a.{key} = r.{column}"
)
_AFFILIATION_PERSONS = (
    "SELECT f.person_id FROM {rows} JOIN cases_affiliation f ON f.{key} = r.{column}"
)
# the persons whose current place can be at a facility: those with an open period there
_FACILITY_PERSONS = (
    "SELECT d.person_id FROM {rows} JOIN places_custodyperiod cp ON cp.facility_id = r.{column}"
    " AND cp.held_until IS NULL JOIN cases_detention d ON d.id = cp.detention_id"
)
_CITATION_PERSONS = " UNION ALL ".join(
    (
        _DETENTION_PERSONS.format(rows="{rows}", column="detention_id"),
        "SELECT d.person_id FROM {rows} JOIN places_custodyperiod cp ON cp.id = r.custody_period_id"
        " JOIN cases_detention d ON d.id = cp.detention_id",
        _FACILITY_PERSONS.format(rows="{rows}", column="facility_id"),
        "SELECT d.person_id FROM {rows} JOIN cases_caseevent e ON e.id = r.case_event_id"
        " JOIN cases_detention d ON d.id = e.detention_id",
        _STATEMENT_PERSONS.format(rows="{rows}", column="statement_id"),
        _ALLEGATION_PERSONS.format(rows="{rows}", key="id", column="allegation_id"),
        _ALLEGATION_PERSONS.format(rows="{rows}", key="detention_id", column="detention_id"),
        _AFFILIATION_PERSONS.format(rows="{rows}", key="id", column="affiliation_id"),
    )
)
_LEVEL = ("visibility", "deleted_at")
_WATCHED: dict[str, tuple[tuple[str, ...] | None, str]] = {
    # a person's level and trash: their status and values, the calls they issued,
    # and the allegations about their detentions
    "cases_person": (
        _LEVEL,
        "SELECT r.id FROM {rows} UNION ALL"
        " SELECT l.person_id FROM {rows} JOIN cases_statement i ON i.issuer_person_id = r.id"
        " JOIN cases_statement_persons l ON l.statement_id = i.id UNION ALL"
        " SELECT a.person_id FROM {rows} JOIN cases_detention d ON d.person_id = r.id"
        " JOIN cases_allegation a ON a.detention_id = d.id",
    ),
    "cases_detention": (
        (
            "person_id",
            "released_on",
            "released_on_precision",
            "legal_stage_id",
            "arrested_on",
            *_LEVEL,
        ),
        "SELECT r.person_id FROM {rows} UNION ALL "
        + _ALLEGATION_PERSONS.format(rows="{rows}", key="detention_id", column="id"),
    ),  # fmt: skip
    "cases_caseevent": (
        ("detention_id", *_LEVEL),
        _DETENTION_PERSONS.format(rows="{rows}", column="detention_id"),
    ),
    "cases_statement": (
        (
            "kind_id",
            "issued_on",
            "issued_on_precision",
            "issuer_organization_id",
            "issuer_person_id",
            *_LEVEL,
        ),
        _STATEMENT_PERSONS.format(rows="{rows}", column="id"),
    ),  # fmt: skip
    "cases_statement_persons": (None, "SELECT r.person_id FROM {rows}"),
    "cases_allegation": (
        ("person_id", "detention_id", "kind_id", *_LEVEL),
        "SELECT r.person_id FROM {rows}",
    ),
    "cases_affiliation": (
        ("person_id", "organization_id", *_LEVEL),
        "SELECT r.person_id FROM {rows}",
    ),
    "cases_person_occupations": (None, "SELECT r.person_id FROM {rows}"),
    "sources_citation": (
        (
            "source_id",
            "detention_id",
            "case_event_id",
            "statement_id",
            "allegation_id",
            "affiliation_id",
            "custody_period_id",
            "facility_id",
            *_LEVEL,
        ),
        _CITATION_PERSONS,
    ),  # fmt: skip
    # a source's date, confidentiality, level and trash: every fact citing it
    # (its citations planned apart, OFFSET 0: merged into the joins below, the
    # planner read every citation in statement or affiliation order for a merge
    # join it expected to stop early, 0.4 s for each source saved)
    "sources_source": (
        ("published_on", "published_on_precision", "is_confidential", *_LEVEL),
        _CITATION_PERSONS.format(
            rows="(SELECT c.* FROM {rows} JOIN sources_citation c ON c.source_id = r.id OFFSET 0) r"
        ),
    ),
    # an organization's level and trash: the calls it issued, its affiliations
    "cases_organization": (
        _LEVEL,
        "SELECT l.person_id FROM {rows} JOIN cases_statement i ON i.issuer_organization_id = r.id"
        " JOIN cases_statement_persons l ON l.statement_id = i.id UNION ALL "
        + _AFFILIATION_PERSONS.format(rows="{rows}", key="organization_id", column="id"),
    ),
    # the current place (places.reads): an open period, which began when, at which
    # facility, of which detention, at its level; a facility's level and trash
    "places_custodyperiod": (
        ("detention_id", "facility_id", "held_from", "held_until", *_LEVEL),
        _DETENTION_PERSONS.format(rows="{rows}", column="detention_id"),
    ),
    "places_facility": (_LEVEL, _FACILITY_PERSONS.format(rows="{rows}", column="id")),
    "cases_legalstage": (
        ("code", "in_detention"),
        "SELECT d.person_id FROM {rows} JOIN cases_detention d ON d.legal_stage_id = r.id",
    ),
    "cases_statementkind": (
        ("code",),
        "SELECT l.person_id FROM {rows} JOIN cases_statement i ON i.kind_id = r.id"
        " JOIN cases_statement_persons l ON l.statement_id = i.id",
    ),
}
# The tables whose persons are found only through the rows that refer to them
# (citations of a source, statements and affiliations of an organization, custody
# periods at a facility, detentions at a legal stage, calls of a kind): an insert
# into them notes no person (saving 80,000 new sources looked for their citations
# in every citation, 3.5 s of a 100,000-row case sheet), and its kept rows let the
# commit find any that rows inserted before them in the transaction refer to.
_REFERRED_ONLY = frozenset(
    {"sources_source", "cases_organization", "places_facility", "cases_legalstage",
     "cases_statementkind"}
)  # fmt: skip
# a TRUNCATE of these (the tests' flush) recomputes everyone; the others cannot be
# truncated without them
_TRUNCATED = ("cases_person", "cases_detention", "cases_statement_persons", "sources_citation",
              "cases_person_occupations")  # fmt: skip


_DIRECT = "SELECT r.person_id FROM {rows}"


def _facts_kept(table: str) -> bool:
    """Whether the rows written to `table` are kept for the commit to work their
    persons out again: when the persons are read through other rows (a
    citation's detention's person), which another transaction may change."""
    return _WATCHED[table][1] != _DIRECT


def _facts_of(table: str) -> str:
    """The rows of `table` the running transaction wrote, named r: as they are
    now (those that are still there) and as they were (those it changed or
    deleted), from the arrays the commit read them into (`_facts_read`). Read
    from FACTS_TABLE itself, whose statistics never see a transaction's rows,
    the planner took thousands of them for one and walked every citation once
    per row: a 10,000-row case sheet's commit took 6 minutes. Arrays make each
    step an index lookup by id."""
    new, old = _fact_arrays(table)
    return (
        f"(SELECT t.* FROM {table} t WHERE t.id = ANY({new})"
        f" UNION ALL SELECT o.* FROM unnest({old}) f(old),"
        f" jsonb_populate_record(NULL::{table}, f.old) o) r"
    )


def _fact_arrays(table: str) -> tuple[str, str]:
    """The names of the commit's variables holding the ids of the rows of `table`
    the transaction wrote and the old rows it changed or deleted."""
    return f"new_{table}", f"old_{table}"


def _facts_read() -> tuple[str, str]:
    """The commit's declarations of the fact arrays, and the statement that
    reads the transaction's kept rows into them (one pass over its facts)."""
    kept = [table for table in _WATCHED if _facts_kept(table)]
    declarations, columns, into = [], [], []
    for table in kept:
        new, old = _fact_arrays(table)
        declarations += [f"{new} bigint[];", f"{old} jsonb[];"]
        columns += [
            f"coalesce(array_agg(f.id) FILTER (WHERE f.watched = '{table}' AND f.id IS NOT NULL),"
            " '{}')",
            f"coalesce(array_agg(f.old) FILTER (WHERE f.watched = '{table}' AND f.old IS NOT NULL),"
            " '{}')",
        ]
        into += [new, old]
    read = (
        f"SELECT {', '.join(columns)} INTO {', '.join(into)}"
        f" FROM {FACTS_TABLE} f WHERE f.transaction_id = txid_current();"
    )
    return "\n            ".join(declarations), read


def _watch_function(table: str) -> str:
    columns, persons = _WATCHED[table]
    if columns is None:
        changed, was = "new_rows r", "old_rows r"
        pairs = "old_rows o JOIN new_rows n ON n.id = o.id"
    else:
        differ = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in columns)
        pairs = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE {differ}"
        changed = f"(SELECT n.* FROM {pairs}) r"
        was = changed.replace("SELECT n.*", "SELECT o.*")
    kept = {"INSERT": "", "DELETE": "", "UPDATE": ""}
    if _facts_kept(table):
        into = f"INSERT INTO {FACTS_TABLE} (watched, id, old)"
        kept = {
            "INSERT": f"{into} SELECT '{table}', r.id, NULL FROM new_rows r;",
            "DELETE": f"{into} SELECT '{table}', NULL, to_jsonb(r) FROM old_rows r;",
            "UPDATE": f"{into} SELECT '{table}', n.id, to_jsonb(o) FROM {pairs};",
        }
        kept = {
            event: f"{sql}\n        GET DIAGNOSTICS facts = ROW_COUNT;"
            for event, sql in kept.items()
        }
    inserted = (
        "-- nothing can refer to rows this statement inserted but rows inserted"
        " before them in this\n        -- transaction (deferred keys), which noted"
        " their persons: the commit works them out again"
        if table in _REFERRED_ONLY
        else f"SELECT array_agg(DISTINCT p) INTO persons FROM"
        f" ({persons.format(rows='new_rows r')}) x(p) WHERE p IS NOT NULL;"
    )
    return f"""
CREATE OR REPLACE FUNCTION cases_status_{table}_changed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    persons bigint[];
    facts bigint := 0;
BEGIN
    IF TG_OP = 'INSERT' THEN
        {inserted}
        {kept["INSERT"]}
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT p) INTO persons FROM ({persons.format(rows="old_rows r")}) x(p) WHERE p IS NOT NULL;
        {kept["DELETE"]}
    ELSE
        SELECT array_agg(DISTINCT p) INTO persons FROM (
            {persons.format(rows=changed)} UNION ALL {persons.format(rows=was)}) x(p) WHERE p IS NOT NULL;
        {kept["UPDATE"]}
    END IF;
    IF persons IS NOT NULL THEN
        INSERT INTO {PENDING_TABLE} (person_id) SELECT DISTINCT unnest(persons)
            ON CONFLICT DO NOTHING;
    END IF;
    IF persons IS NOT NULL OR facts > 0 THEN
        INSERT INTO {COMMITS_TABLE} (transaction_id) VALUES (txid_current())
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$body$;"""


# The transaction's own noted persons and kept rows (created here rather than by a
# migration of their own: migration 0022 installs the code of its day, which
# reads them)
_BOOKKEEPING = (
    f"ALTER TABLE {PENDING_TABLE} ADD COLUMN IF NOT EXISTS"
    " transaction_id bigint NOT NULL DEFAULT txid_current()",
    f"ALTER TABLE {PENDING_TABLE} DROP CONSTRAINT IF EXISTS {PENDING_TABLE}_pkey",
    f"ALTER TABLE {PENDING_TABLE} ADD PRIMARY KEY (person_id, transaction_id)",
    f"CREATE INDEX IF NOT EXISTS {PENDING_TABLE}_transaction ON {PENDING_TABLE} (transaction_id)",
    # unlogged: its rows live as long as their transaction, and only its commit reads them
    f"CREATE UNLOGGED TABLE IF NOT EXISTS {FACTS_TABLE} (transaction_id bigint NOT NULL"
    " DEFAULT txid_current(), watched text NOT NULL, id bigint, old jsonb)",
    f"CREATE INDEX IF NOT EXISTS {FACTS_TABLE}_transaction ON {FACTS_TABLE}"
    " (transaction_id, watched)",
    # the rebuild without arguments, before it took `exclusive`
    "DROP FUNCTION IF EXISTS cases_status_rebuild()",
)


def _resolved_again() -> str:
    """The persons of the rows the running transaction wrote, worked out again
    (UNION ALL each watched table's whose rows are kept)."""
    return "".join(
        f" UNION ALL {_WATCHED[table][1].format(rows=_facts_of(table))}"
        for table in _WATCHED
        if _facts_kept(table)
    )


def _install_statements(connection) -> list[str]:
    """The statements that create or replace the stored status's functions (the
    rule and the filter values as this code writes them) and triggers, and its
    tables of filter values and bookkeeping when missing."""
    statements = [FACET_TABLE_SQL, *FACET_INDEXES.values(), *PLACE_TABLE_SQL, *_BOOKKEEPING]
    fact_arrays, facts_read = _facts_read()
    statements += [
        f"CREATE OR REPLACE FUNCTION {name}{options} LANGUAGE plpgsql AS $body${body}$body$"
        for name, (options, body) in stored_status_functions(connection).items()
    ]
    statements += [
        "CREATE OR REPLACE FUNCTION cases_status_truncated() RETURNS trigger LANGUAGE plpgsql"
        " AS $body$ BEGIN PERFORM cases_status_rebuild(); RETURN NULL; END $body$",
        # at the commit of a transaction that noted persons: their status, once;
        # the commits take turns, and each works the persons of the rows it
        # wrote out again from what is committed when its turn comes
        f"""CREATE OR REPLACE FUNCTION cases_status_committing() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        DECLARE
            noted bigint[];
            {fact_arrays}
        BEGIN
            PERFORM pg_advisory_xact_lock({_LOCK});
            {facts_read}
            SELECT array_agg(DISTINCT p) INTO noted FROM (
                SELECT person_id FROM {PENDING_TABLE} WHERE transaction_id = txid_current()
                {_resolved_again()}) x(p) WHERE p IS NOT NULL;
            DELETE FROM {PENDING_TABLE} WHERE transaction_id = txid_current();
            DELETE FROM {FACTS_TABLE} WHERE transaction_id = txid_current();
            IF noted IS NOT NULL THEN
                PERFORM cases_status_refresh(noted);
            END IF;
            DELETE FROM {COMMITS_TABLE} WHERE transaction_id = NEW.transaction_id;
            RETURN NULL;
        END
        $body$""",
        f"DROP TRIGGER IF EXISTS status_commit ON {COMMITS_TABLE}",
        f"CREATE CONSTRAINT TRIGGER status_commit AFTER INSERT ON {COMMITS_TABLE}"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cases_status_committing()",
    ]
    for table in _WATCHED:
        statements.append(_watch_function(table))
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"status_{event.lower()}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION cases_status_{table}_changed()"
            )
    for table in _TRUNCATED:
        statements.append(f"DROP TRIGGER IF EXISTS status_truncate ON {table}")
        statements.append(
            f"CREATE TRIGGER status_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION cases_status_truncated()"
        )
    return statements


def install_stored_status(connection) -> None:
    """Create or replace the stored status's functions and triggers, and its tables
    when missing; `rebuild_stored_status` then fills them."""
    with connection.cursor() as cursor:
        for statement in _install_statements(connection):
            cursor.execute(statement)


INSTALLED_TABLE = "cases_person_status_installed"  # the digest of what is installed


def install_if_changed(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Install the stored status as this code writes it, and compute everyone's
    again, when what the database holds was written by other code (a change of
    the rule, of the filter values or of cases.visibility): run after every
    `migrate` (cases.apps), so that no deployment keeps an older rule, which a
    migration to write would be easy to forget. True when it installed."""
    connection = connections[using]
    digest = hashlib.sha256("\n".join(_install_statements(connection)).encode()).hexdigest()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {INSTALLED_TABLE} (digest text NOT NULL)")
        # one migrate at a time installs
        cursor.execute(f"LOCK TABLE {INSTALLED_TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT digest FROM {INSTALLED_TABLE}")
        if cursor.fetchone() == (digest,):
            return False
        install_stored_status(connection)
        rebuild_stored_status(using)
        cursor.execute(f"DELETE FROM {INSTALLED_TABLE}")
        cursor.execute(f"INSERT INTO {INSTALLED_TABLE} (digest) VALUES (%s)", [digest])
    return True


def uninstall_stored_status(connection) -> None:
    """Drop the triggers, functions and table of filter values
    `install_stored_status` created."""
    with connection.cursor() as cursor:
        for table in _WATCHED:
            for event in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS status_{event} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS cases_status_{table}_changed()")
        for table in _TRUNCATED:
            cursor.execute(f"DROP TRIGGER IF EXISTS status_truncate ON {table}")
        cursor.execute(f"DROP TRIGGER IF EXISTS status_commit ON {COMMITS_TABLE}")
        cursor.execute("DROP FUNCTION IF EXISTS cases_status_committing()")
        cursor.execute("DROP FUNCTION IF EXISTS cases_status_truncated()")
        for name in stored_status_functions(connection):
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}")
        cursor.execute(
            f"DROP TABLE IF EXISTS {FACET_TABLE}, {PLACE_TABLE}, {FACTS_TABLE}, {INSTALLED_TABLE}"
        )


def rebuild_stored_status(using: str = "default") -> None:
    """Compute every person's stored status and filter values again, for every
    reader: after rows were loaded with the triggers off (the benchmark's seeding;
    a VACUUM of STATUS_TABLE and FACET_TABLE after lets the counts read their
    indexes alone). At 100,000 persons the filter values cost a little less than
    the status (side by side on a busy two-core machine: 6.8 s for their 1.5
    million rows and 3.7 s for their indexes, against 12.5 s)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT cases_status_rebuild()")
        cursor.execute(f"ANALYZE {STATUS_TABLE}, {PLACE_TABLE}, {FACET_TABLE}")


class StatusAmong(Func):
    """`column IN (the stored rows that match) OR column IN (the noted persons'
    rows that match)`: the status filter. Two hashed lookups, which the list
    page checks as it walks its order's index and stops at a page (as one IN
    over both halves, the persons were estimated at 200 and all 48,000 held ones
    read, then sorted: 300 ms at 100,000 persons)."""

    output_field = BooleanField()

    def __init__(self, expression, halves: tuple[tuple[str, list], tuple[str, list]]):
        super().__init__(expression)
        self.halves = halves

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        (stored, stored_params), (pending, pending_params) = self.halves
        return (
            f"({column} IN ({stored}) OR {column} IN ({pending}))",
            [*params, *stored_params, *params, *pending_params],
        )


def with_status(
    queryset: QuerySet,
    *,
    reader: Reader,
    statuses: list[str] | None = None,
    after: PartialDate | None = None,
    before: PartialDate | None = None,
) -> QuerySet:
    """The persons of `queryset` whose status and its date match (the filters
    `status`, `status_as_of_after`, `status_as_of_before`), read from the stored
    status: a condition of the queryset, no query of its own."""
    where = status_condition_sql(statuses, after, before)
    halves = _stored_and_pending(reader, None, "person_id", where)
    return queryset.filter(StatusAmong(F("pk"), halves))


def status_counts(
    *, reader: Reader, persons: QuerySet | None = None, since: PartialDate | None = None
) -> dict:
    """How many persons have each status (of `persons`, or of all the reader may
    see), the held split by whether their status is current (reported in or
    after `since`, by default `current_since()`), and the newest status date:
    one query."""
    since = since or current_since()
    sql, params = status_sql(reader=reader, persons=persons)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'held'),"
            " count(*) FILTER (WHERE status = 'released'),"
            " count(*) FILTER (WHERE status = 'unknown'),"
            " count(*) FILTER (WHERE status = 'held' AND as_of >= %s),"
            " count(*) FILTER (WHERE status = 'held' AND as_of < %s),"
            " count(*) FILTER (WHERE status = 'held' AND as_of IS NULL),"
            f" max(ARRAY[as_of - {_DAY_ZERO}, as_of_precision]) FILTER (WHERE as_of IS NOT NULL)"
            f" FROM ({sql}) s",
            [since.start, since.start, *params],
        )
        held, released, unknown, current, earlier, undated, latest = cursor.fetchone()
    return {
        PersonStatus.HELD: held,
        PersonStatus.RELEASED: released,
        PersonStatus.UNKNOWN: unknown,
        "held_current": current,
        "held_earlier": earlier,
        "held_undated": undated,
        "since": since,
        "latest": (
            PartialDate(datetime.date(1, 1, 1) + datetime.timedelta(days=latest[0]), latest[1])
            if latest
            else None
        ),
    }


# --- the status line of the pages ---------------------------------------------------------


def person_status(row: dict, labels: TermLabels, since: PartialDate | None = None) -> dict:
    """The person's status line, from a person row's `status` and `status_as_of`
    (the rule above): the label, the stage where it says more, the date it was
    last reported, and whether it is current (for a held status). The label and
    the stage are said of this one person, in the form of their gender (`gender`:
    ru "Лишена свободы: осуждена" of a woman, "Лишён(а) свободы: осуждён(а)" when
    none is recorded)."""
    since = since or current_since()
    gender = row["gender"]
    stage = labels.of_person("legal_stage", row["current_legal_stage"], gender)
    code, as_of = row["status"] or "", row["status_as_of"]
    line = {"code": code, "stage": "", "as_of": as_of, "current": True, "stale": False}
    if code == PersonStatus.HELD:
        current = is_current(as_of, since)
        # the latest detention's stage, unless a call holds the person after its release
        latest = row["detentions"][-1] if row["detentions"] else None
        held_there = latest and latest["released_on"] is None
        held_there = held_there and row["current_legal_stage"] not in RELEASED_STAGES
        return {
            **line, "label": person_form("In detention", gender, STATUS_CONTEXTS),
            "stage": stage if held_there else "", "current": current, "stale": not current,
        }  # fmt: skip
    if code == PersonStatus.RELEASED:
        # "Released: pardoned" says more than "Released"; "Released: released" does not
        shown = stage if row["current_legal_stage"] != "released" else ""
        return {**line, "label": person_form("Released", gender, STATUS_CONTEXTS), "stage": shown}
    if code == PersonStatus.UNKNOWN:
        return {**line, "label": gettext("Current status not recorded")}
    return {**line, "label": stage}
