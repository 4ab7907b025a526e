"""Everything about one person, each fact with its citations, in date order."""

from __future__ import annotations

import itertools

from django.db.models import F, Q

from cases.models import Affiliation, Allegation, Detention, PaceAssessment, Person, Statement
from cases.reads.citations import citations_of
from cases.reads.rows import (
    ALLEGATION_FIELDS,
    DETENTION_FIELDS,
    PERSON_FIELDS,
    SOURCE_FIELDS,
    STATEMENT_FIELDS,
    _grouped,
    _partial,
    _ref,
    allegation_rows,
    detention_rows,
    person_rows,
    source_rows,
    statement_rows,
    strip_private_keys,
)
from cases.visibility import Reader, visible
from sources.models import Source


def person_history(person: Person, *, reader: Reader) -> dict:
    """Everything about one visible person, each fact with its visible
    citations, in date order, and the transfers between their places of
    detention (PersonHistorySerializer): a fixed number of queries whatever the
    length of the history."""
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
        cite=False,  # citations_of below: one query for every fact
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
        cite=False,
    )
    statements = statement_rows(
        list(
            visible(Statement.objects.filter(persons=person), reader)
            .order_by(F("issued_on").asc(nulls_first=True), "id")
            .values(*STATEMENT_FIELDS)
        ),
        reader=reader,
        cite=False,
    )
    events = [event for d in detentions for event in d["events"]]
    custody_periods = [period for d in detentions for period in d["custody_periods"]]
    citations = citations_of(
        reader,
        person=[person.pk],
        affiliation=[a["id"] for a in affiliations],
        detention=[d["_id"] for d in detentions],
        case_event=[e["_id"] for e in events],
        custody_period=[c["_id"] for c in custody_periods],
        allegation=[a["_id"] for a in allegations],
        statement=[s["_id"] for s in statements],
    )
    for detention in detentions:
        detention["pace_criteria"] = pace.get(detention["_id"], [])
        detention["citations"] = citations["detention"].get(detention["_id"], [])
        for event in detention["events"]:
            event["citations"] = citations["case_event"].get(event["_id"], [])
        for period in detention["custody_periods"]:
            period["citations"] = citations["custody_period"].get(period["_id"], [])
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
        "transfers": custody_transfers(detentions),
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


def custody_transfers(detentions: list[dict]) -> list[dict]:
    """The transfers of detention rows (`detention_rows`, their custody periods
    in order): each two consecutive custody periods of one detention, from the
    first's facility to the second's on the second's `held_from`
    (TransferSerializer). Only the periods the rows hold, so only those the
    reader may see."""
    return [
        {
            "detention": detention["uuid"],
            "transferred_on": later["held_from"],
            "from_facility": earlier["facility"],
            "from_facility_name": earlier["facility_name"],
            "to_facility": later["facility"],
            "to_facility_name": later["facility_name"],
            "custody_period": later["uuid"],
        }
        for detention in detentions
        for earlier, later in itertools.pairwise(detention["custody_periods"])
    ]
