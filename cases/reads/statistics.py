"""How many persons: the home page's headline numbers and the statistics."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery

from cases.choices import PersonStatus
from cases.models import Allegation, AllegationKind, Detention, LegalStage, Occupation, Person
from cases.partial_dates import PartialDate
from cases.reads.status import current_since, status_counts
from cases.visibility import Reader, visible


def case_statistics(
    *,
    reader: Reader,
    first_month: datetime.date,
    last_month: datetime.date,
    since: PartialDate | None = None,
) -> dict:
    """Headline counts and the monthly series of persons held (StatsSerializer),
    over what the reader may see. The held are counted by the status rule
    (cases.reads.status) and split by how current their status is (reported in
    or after `since`, by default `current_since()`). A person counts as held at
    the end of a month when a detention's arrest period began by then and its
    release period had not begun; detentions without an arrest date are left out
    of the series."""
    persons = visible(Person.objects.all(), reader)
    detentions = visible(Detention.objects.all(), reader)
    status = status_counts(reader=reader, since=since)
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
        "in_detention_now": status["held_current"],
        "held_any_date": status[PersonStatus.HELD],
        "held_reported_since": status["since"].isoformat(),
        "held_reported_recently": status["held_current"],
        "held_reported_earlier": status["held_earlier"],
        "held_undated": status["held_undated"],
        "status_reported_latest": status["latest"],
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


def headline_counts(*, reader: Reader, since: PartialDate | None = None) -> dict:
    """The home page's numbers over what the reader may see: persons; persons in
    detention now (held, reported in or after `since`: `current_since()` by
    default), held when last reported before it, held on undated sources only,
    released, and with no current status (cases.reads.status); persons with at
    least one allegation of torture; and the newest status date, to say how
    current the numbers are. Two queries."""
    since = since or current_since()
    torture = Exists(
        visible(Allegation.objects.filter(person=OuterRef("pk"), kind__code="torture"), reader)
    )
    counts = visible(Person.objects.all(), reader).aggregate(
        persons=Count("pk"), torture_alleged=Count("pk", filter=Q(torture))
    )
    status = status_counts(reader=reader, since=since)
    return {
        **counts,
        "in_detention_now": status["held_current"],
        "held_earlier": status["held_earlier"],
        "held_undated": status["held_undated"],
        "released": status[PersonStatus.RELEASED],
        "status_unknown": status[PersonStatus.UNKNOWN],
        "since": since,
        "latest": status["latest"],
    }
