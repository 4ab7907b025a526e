"""How many persons each filter value of the public case list would give."""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from cases.choices import PersonStatus
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    NameVariant,
    Person,
    Statement,
    Withdrawal,
)
from cases.reads.search import search_persons
from cases.reads.status import status_counts, with_status
from cases.visibility import visible
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from sources.models import Citation, Source

FACETS_CACHE_SECONDS = 120


def data_version() -> str:
    """Changes whenever a case record is saved, deleted or withdrawn: the newest
    change time of the case tables (each read from its updated_at index) and of
    the withdrawals the triggers write. One query."""
    tables = [
        model._meta.db_table
        for model in (Person, NameVariant, Affiliation, Detention, Charge, CaseEvent,
                      Allegation, Statement, Citation, Source,
                      # the persons filters list, list_edition and group read these
                      PrisonerList, Edition, ListEntry, CaseGroup, CaseGroupMember)
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

    cleaned = filterset.form.cleaned_data
    status_filters = type(filterset).STATUS_FILTERS
    with_statuses = persons
    if any(cleaned.get(name) for name in status_filters):
        # the status rows are read once too; every count but the status's own reuses them
        with_statuses = with_status(
            persons,
            reader=reader,
            statuses=cleaned.get("status"),
            after=cleaned.get("status_as_of_after"),
            before=cleaned.get("status_as_of_before"),
        )

    def persons_without(name: str) -> QuerySet:
        data = filterset.data.copy()
        left_out = (name, "q") if name == "status" else (name, "q", *status_filters)
        for key in left_out:
            data.pop(key, None)
        base = persons if name == "status" else with_statuses
        others = type(filterset)(data, base, reader=reader)
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
    status = status_counts(reader=reader, persons=persons_without("status"))
    return {
        "status": {code: status[code] for code in PersonStatus.values},
        "legal_stage": stage,
        "occupation": occupation,
        "organization": {
            o["organization__slug"]: (o["organization__name"], o["n"]) for o in organizations
        },
        "allegation": allegation,
        "arrest_year": {str(y): n for y, n in sorted(year.items(), reverse=True)},
    }
