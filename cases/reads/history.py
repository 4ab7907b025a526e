"""Everything about one person, each fact with its citations, in date order."""

from __future__ import annotations

import itertools

from django.db.models import F, Q
from django.db.models.functions import Coalesce

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
from interventions.choices import WgadCategory
from interventions.models import Intervention
from sources.models import Source

# An intervention's columns in the history (InterventionHistorySerializer); its
# internal notes are never read here, whoever reads.
INTERVENTION_HISTORY_FIELDS = (
    "id", "uuid", "kind", "title", "body__uuid", "body__slug", "body__name", "reference",
    "submitted_on", "submitted_on_precision", "communicated_on", "communicated_on_precision",
    "government_replied_on", "government_replied_on_precision", "decided_on",
    "decided_on_precision", "status", "outcome", "opinion_number", "wgad_categories",
    "articles_violated", "just_satisfaction", "outcome_summary", "released_after", "follow_up",
    "updated_at",
)  # fmt: skip
_CATEGORY_ORDER = [c.value for c in WgadCategory]
_INTERVENTION_DATES = ("submitted_on", "communicated_on", "government_replied_on", "decided_on")


def intervention_history_rows(rows: list[dict]) -> list[dict]:
    """Interventions read with INTERVENTION_HISTORY_FIELDS as the history gives
    them (InterventionHistorySerializer, `_id` kept for the citations): the body
    as a reference (`visible` already hid an intervention whose body the reader
    may not see), partial dates as PartialDate."""
    result = []
    for row in rows:
        item = {
            name: row[name]
            for name in INTERVENTION_HISTORY_FIELDS
            if name != "id" and not name.startswith("body__") and not name.endswith("_precision")
        }
        for name in _INTERVENTION_DATES:
            item[name] = _partial(row[name], row[f"{name}_precision"])
        item["_id"] = row["id"]
        item["body"] = _ref(row, "body", "slug", "name")
        item["outcome"] = row["outcome"] or None  # as the interventions API: null, not ""
        item["wgad_categories"] = sorted(row["wgad_categories"] or [], key=_CATEGORY_ORDER.index)
        result.append(item)
    return result


def person_history(person: Person, *, reader: Reader) -> dict:
    """Everything about one visible person, each fact with its visible
    citations, in date order (the visible interventions on their behalf by the
    date of their decision, else of their submission), and the transfers between their places of
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
    interventions = intervention_history_rows(
        list(
            visible(Intervention.objects.filter(persons=person), reader)
            # placed at its decision, else its submission (the person page's timeline)
            .order_by(
                Coalesce("decided_on", "submitted_on").asc(nulls_first=True),
                F("submitted_on").asc(nulls_first=True),
                "id",
            )
            .values(*INTERVENTION_HISTORY_FIELDS)
        )
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
        intervention=[i["_id"] for i in interventions],
    )
    for detention in detentions:
        detention["pace_criteria"] = pace.get(detention["_id"], [])
        detention["citations"] = citations["detention"].get(detention["_id"], [])
        for event in detention["events"]:
            event["citations"] = citations["case_event"].get(event["_id"], [])
        for period in detention["custody_periods"]:
            period["citations"] = citations["custody_period"].get(period["_id"], [])
    for row, kind in (
        (allegations, "allegation"),
        (statements, "statement"),
        (interventions, "intervention"),
    ):
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
        "interventions": strip_private_keys(interventions),
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
