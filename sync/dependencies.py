"""Which served records a changed row can alter: its own record, the records
that embed it (a person's detentions and charges, a detention's events and
custody periods, a person's current place, a statement's persons, a facility's
other names, every fact's citations), the records whose visibility depends on
it (everything under a person; every fact a citation or its source supports; a
custody period, hidden with its facility), the records that name it (a
statement naming a person, an allegation's reporter or facility, a detention's
arresting authority, the court that decided one of its events, a source's
publisher, a facility's operator), and the facilities whose number held now
changes with a person's status or current place (`_held_elsewhere`). Trials and officials: a trial's row
lists its defendants, hearings and involvements (judges, prosecutors); an
official's row their other names, positions and involvements, each with the
fact it is in (a detention, case event, allegation or trial, its person, a
trial's defendants) and the source of a reply. An involvement is hidden with its
official and its fact; an alleged perpetrator's, for the public, unless two
publishers' sources cite it (a source's publisher is in its rows: a change of
the source re-sends what it supports).

The answer may be larger than what changed: the compaction compares each
record with what the feed holds and sends only real changes. It must never be
smaller; the model-based test (tests/test_change_feed_model.py) holds it to
that, comparing a mirror kept by the feed with a fresh pull after every sync."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from cases.choices import PersonStatus
from cases.models import Allegation, CaseEvent, Detention, Person, Statement
from interventions.models import Intervention
from officials.models import Involvement, Position
from places.models import CustodyPeriod, Facility
from places.reads import held_places
from sources.models import Citation, ReportedCount, Source
from sync.models import Entry
from sync.reads import READER_CLASSES
from sync.records import KINDS
from trials.models import Hearing, Trial, TrialDefendant

Affected = dict[str, set[int]]

_STATEMENT_PERSONS = Statement.persons.through
_PERSON_OCCUPATIONS = Person.occupations.through
_INTERVENTION_PERSONS = Intervention.persons.through

# A change of a vocabulary term re-sends the records using it.
_VOCABULARIES = {
    "cases_legalstage": ("detention", "legal_stage_id"),
    "cases_releasereason": ("detention", "release_reason_id"),
    "cases_allegationkind": ("allegation", "kind_id"),
    "cases_allegationstatus": ("allegation", "status_id"),
    "cases_statementkind": ("statement", "kind_id"),
    "cases_sourcekind": ("source", "kind_id"),
    "places_facilitykind": ("facility", "kind_id"),
}


def affected_records(changes: Iterable[tuple[str, int, dict]]) -> Affected | None:
    """The records (kind -> ids) the changed rows (table, row id, refs) can
    alter; None when everything must be rebuilt (the `*` change)."""
    found: Affected = defaultdict(set)
    by_table: dict[str, set[int]] = defaultdict(set)
    for table, row_id, refs in changes:
        if table == "*":
            return None
        by_table[table].add(row_id)
        _add_refs(found, table, refs)
    for table, ids in by_table.items():
        _add_rows(found, table, ids)
    _expand(found)
    return found


# For a row of each table: where each key it holds leads ("detention+": the
# detention and what hangs on it, expanded by _expand).
_REFS: dict[str, dict[str, str]] = {
    "cases_namevariant": {"person_id": "person"},
    "cases_person_occupations": {"person_id": "person"},
    "cases_detention": {"person_id": "person"},
    "cases_charge": {"detention_id": "detention+"},
    "cases_caseevent": {"detention_id": "detention+"},
    "cases_statement_persons": {"statement_id": "statement", "person_id": "person"},
    "sources_citation": {
        "person_id": "person",
        "detention_id": "detention+",
        "case_event_id": "caseevent",
        "allegation_id": "allegation",
        "statement_id": "statement+",  # a cited call for release counts in its persons' status
        "reported_count_id": "reported-count",
        "facility_id": "facility+",
        "custody_period_id": "custodyperiod",
        "intervention_id": "intervention",
        "official_id": "official+",  # an official hidden hides their involvements in trials
        "position_id": "position",
        "involvement_id": "involvement",
        "trial_id": "trial+",
        "hearing_id": "hearing",
    },
    "places_facilityname": {"facility_id": "facility"},
    # a custody period: in its detention's row and its person's (current place),
    # and counted in its facility's number held now
    "places_custodyperiod": {"detention_id": "detention+", "facility_id": "facility"},
    # an intervention's row lists the persons it is on behalf of
    "interventions_intervention_persons": {"intervention_id": "intervention"},
    # a trial's row lists its defendants (an involvement in the trial names them
    # too: "trial+") and its hearings
    "trials_trialdefendant": {"trial_id": "trial+"},
    "trials_hearing": {"trial_id": "trial"},
    # an official's row lists their other names, positions and involvements; a
    # trial's row its judges and prosecutors (involvements in it)
    "officials_officialname": {"official_id": "official"},
    "officials_position": {"official_id": "official"},
    "officials_involvement": {"official_id": "official", "trial_id": "trial"},
}


def _add_refs(found: Affected, table: str, refs: dict) -> None:
    """The records a row belonged to, before or after the statement (the row
    may since have moved or gone)."""
    for key, target in _REFS.get(table, {}).items():
        if refs.get(key):
            found[target].add(int(refs[key]))


def _add_rows(found: Affected, table: str, ids: set[int]) -> None:
    if table == "cases_person":
        found["person+"] |= ids
    elif table == "cases_organization":
        found["organization"] |= ids
        found["detention"] |= _ids(Detention, arresting_authority_id__in=ids)
        # a detention's events embed the court or body that decided them
        found["detention"] |= set(
            CaseEvent.objects.filter(organization_id__in=ids).values_list("detention_id", flat=True)
        )
        found["allegation"] |= _ids(Allegation, perpetrator_organization_id__in=ids)
        found["statement+"] |= _ids(Statement, issuer_organization_id__in=ids)
        found["source"] |= _ids(Source, publisher_id__in=ids)
        found["reported-count"] |= _ids(ReportedCount, publisher_id__in=ids)
        found["facility"] |= _ids(Facility, operator_id__in=ids)
        found["intervention"] |= _ids(Intervention, body_id__in=ids)
        # a court hides its trials; a position names its organization
        found["trial+"] |= _ids(Trial, court_id__in=ids)
        found["official"] |= set(
            Position.objects.filter(organization_id__in=ids).values_list("official_id", flat=True)
        )
    elif table == "cases_detention":
        found["detention+"] |= ids
    elif table in (
        "cases_charge",
        "cases_namevariant",
        "cases_person_occupations",
        "cases_statement_persons",
        "places_facilityname",
        "interventions_intervention_persons",
        "trials_trialdefendant",
        "trials_hearing",
        "officials_officialname",
        "officials_position",
        "officials_involvement",
    ):
        pass  # _REFS: the records it belongs to
    elif table == "cases_caseevent":
        found["caseevent"] |= ids
    elif table == "cases_allegation":
        found["allegation"] |= ids
    elif table == "cases_statement":
        found["statement+"] |= ids
    elif table == "sources_source":
        found["source"] |= ids
        found["citation"] |= _ids(Citation, source_id__in=ids)
        # an involvement names the source of the official's reply when it may be seen
        found["involvement"] |= _ids(Involvement, reply_source_id__in=ids)
    elif table == "sources_citation":
        found["citation"] |= ids
    elif table == "sources_reportedcount":
        found["reported-count"] |= ids
    elif table == "places_facility":
        found["facility+"] |= ids
    elif table == "places_custodyperiod":
        found["custodyperiod"] |= ids
    elif table == "interventions_intervention":
        found["intervention"] |= ids
    elif table == "trials_trial":
        found["trial+"] |= ids
    elif table == "officials_official":
        found["official+"] |= ids
    elif table == "cases_occupation":
        found["person"] |= set(
            _PERSON_OCCUPATIONS.objects.filter(occupation_id__in=ids).values_list(
                "person_id", flat=True
            )
        )
    elif table == "cases_caseeventkind":
        found["detention+"] |= set(
            CaseEvent.objects.filter(kind_id__in=ids).values_list("detention_id", flat=True)
        )
    elif table in _VOCABULARIES:
        kind, column = _VOCABULARIES[table]
        found[f"{kind}+" if kind in ("detention", "statement") else kind] |= _ids(
            KINDS[kind].model, **{f"{column}__in": ids}
        )
    else:
        raise ValueError(f"sync.dependencies has no rule for the watched table {table}")


def _ids(model, **condition) -> set[int]:
    return set(model.objects.filter(**condition).values_list("pk", flat=True))


def _expand_accountability(found: Affected) -> None:
    """Trials, officials and involvements, once the facts of a case are marked:
    an involvement is in its official's row and, for a trial, in the trial's
    (its judges and prosecutors); it is hidden with the fact it is in (an
    allegation, a detention or its events, a trial), and describes that fact."""
    if found.get("allegation"):
        found["involvement"] |= _ids(Involvement, allegation_id__in=found["allegation"])
    trials = found.pop("trial+", set())
    if trials:
        # a trial hidden hides the involvements in it; they describe it
        found["trial"] |= trials
        found["involvement"] |= _ids(Involvement, trial_id__in=trials)
    officials = found.pop("official+", set())
    if officials:
        # the judges and prosecutors of a trial name the official, shown with them
        found["official"] |= officials
        found["involvement"] |= _ids(Involvement, official_id__in=officials)
    involvements = found.pop("involvement", set())
    if involvements:
        for official_id, trial_id in Involvement.objects.filter(pk__in=involvements).values_list(
            "official_id", "trial_id"
        ):
            found["official"].add(official_id)
            if trial_id:
                found["trial"].add(trial_id)


def _expand(found: Affected) -> None:
    """From the marked rows ("person+": the person and what hangs on them) to the
    served records, in the order that lets each step add to the next."""
    citations = found.pop("citation", set())
    if citations:
        for row in Citation.objects.filter(pk__in=citations).values(
            "person_id", "detention_id", "case_event_id", "allegation_id", "statement_id",
            "reported_count_id", "facility_id", "custody_period_id", "intervention_id",
            "official_id", "position_id", "involvement_id", "trial_id", "hearing_id",
        ):  # fmt: skip
            _add_refs(found, "sources_citation", {k: v for k, v in row.items() if v})
    custody = found.pop("custodyperiod", set())
    if custody:
        for row in CustodyPeriod.objects.filter(pk__in=custody).values(
            "detention_id", "facility_id"
        ):
            _add_refs(found, "places_custodyperiod", row)
    facilities = found.pop("facility+", set())
    if facilities:
        # its name and slug are in the custody periods and allegations naming it,
        # and a custody period is hidden with it
        found["facility"] |= facilities
        found["detention+"] |= set(
            CustodyPeriod.objects.filter(facility_id__in=facilities).values_list(
                "detention_id", flat=True
            )
        )
        found["allegation"] |= _ids(Allegation, facility_id__in=facilities)
    positions = found.pop("position", set())
    if positions:
        found["official"] |= set(
            Position.objects.filter(pk__in=positions).values_list("official_id", flat=True)
        )
    hearings = found.pop("hearing", set())
    if hearings:
        found["trial"] |= set(
            Hearing.objects.filter(pk__in=hearings).values_list("trial_id", flat=True)
        )
    events = found.pop("caseevent", set())
    if events:
        found["detention+"] |= set(
            CaseEvent.objects.filter(pk__in=events).values_list("detention_id", flat=True)
        )
    persons = found.pop("person+", set())
    if persons:
        found["person"] |= persons
        found["detention+"] |= _ids(Detention, person_id__in=persons)
        found["allegation"] |= set(
            Allegation.objects.filter(
                Q(person_id__in=persons) | Q(reported_by_id__in=persons)
            ).values_list("pk", flat=True)
        )
        # a statement naming the person lists them; one they issued is hidden with them
        found["statement"] |= set(
            _STATEMENT_PERSONS.objects.filter(person_id__in=persons).values_list(
                "statement_id", flat=True
            )
        )
        found["statement+"] |= _ids(Statement, issuer_person_id__in=persons)
        # an intervention lists the persons it is on behalf of that the reader may see
        found["intervention"] |= set(
            _INTERVENTION_PERSONS.objects.filter(person_id__in=persons).values_list(
                "intervention_id", flat=True
            )
        )
        # a trial lists its defendants that the reader may see
        found["trial+"] |= set(
            TrialDefendant.objects.filter(person_id__in=persons).values_list("trial_id", flat=True)
        )
    detentions = found.pop("detention+", set())
    if detentions:
        found["detention"] |= detentions
        found["person"] |= set(
            Detention.objects.filter(pk__in=detentions).values_list("person_id", flat=True)
        )
        found["allegation"] |= _ids(Allegation, detention_id__in=detentions)
        # a defendant is hidden with the detention the trial belongs to
        found["trial+"] |= set(
            TrialDefendant.objects.filter(detention_id__in=detentions).values_list(
                "trial_id", flat=True
            )
        )
        # an involvement is hidden with the fact it is in, and is described by it
        found["involvement"] |= set(
            Involvement.objects.filter(
                Q(detention_id__in=detentions)
                | Q(case_event__detention_id__in=detentions)
                | Q(allegation__detention_id__in=detentions)
            ).values_list("pk", flat=True)
        )
    statements = found.pop("statement+", set())
    if statements:
        # a call for release is part of its persons' status
        found["statement"] |= statements
        found["person"] |= set(
            _STATEMENT_PERSONS.objects.filter(statement_id__in=statements).values_list(
                "person_id", flat=True
            )
        )
    _expand_accountability(found)
    if found.get("person"):
        found["facility"] |= _held_elsewhere(found["person"])
    for kind in list(found):
        found[kind].discard(0)
        if not found[kind]:
            del found[kind]


def _held_elsewhere(persons: set[int]) -> set[int]:
    """The facilities whose number held now the marked `persons` can change: for
    each reader class, where each person counted as held in the feed's own record
    of them (status held, current place) and where they count now, wherever the
    two differ. A facility's number counts the persons held whose current place
    is there (places.reads.held_now_sql); any change of either marked the person,
    and the feed's records are the state its last compaction rendered, with the
    facilities' numbers of that same state. So a facility where no marked person
    came or went holds its number: a summary edit, or any edit leaving a person
    held where they were, re-counts nothing. One query per reader class (the
    stored places and statuses: places.reads.held_places) and one for the
    feed's records."""
    ids = sorted(persons)
    before: dict[tuple[str, int], int] = {}
    with connection.cursor() as cursor:
        # a facility renamed since has its old slug no more: it is marked by its own change
        cursor.execute(
            f"SELECT e.reader, e.record_id, f.id FROM {Entry._meta.db_table} e"
            f" JOIN {Facility._meta.db_table} f ON f.slug = e.record -> 'current_facility' ->> 'slug'"
            " WHERE e.kind = 'person' AND e.op = 'upsert' AND e.record_id = ANY(%s)"
            " AND e.record ->> 'status' = %s",
            [ids, PersonStatus.HELD.value],
        )
        for reader_class, person_id, facility_id in cursor.fetchall():
            before[reader_class, person_id] = facility_id
    moved: set[int] = set()
    for reader, reader_class in READER_CLASSES.items():
        now = held_places(ids, reader=reader)
        for person_id in ids:
            was, is_ = before.get((reader_class, person_id)), now.get(person_id)
            if was != is_:
                moved |= {was, is_} - {None}
    return moved
