"""The kinds of record the feed serves, each as its API list builds its rows, so
a record in the feed is exactly the row of its list endpoint for that reader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from cases.models import Allegation, Detention, Organization, Person, Statement
from cases.reads.rows import (
    ALLEGATION_FIELDS,
    DETENTION_FIELDS,
    ORGANIZATION_FIELDS,
    PERSON_FIELDS,
    SOURCE_FIELDS,
    STATEMENT_FIELDS,
    allegation_rows,
    detention_rows,
    organization_rows,
    person_rows,
    source_rows,
    statement_rows,
)
from interventions.models import Intervention
from interventions.reads import INTERVENTION_FIELDS, intervention_rows
from officials.models import Official
from officials.reads import OFFICIAL_FIELDS, official_api_rows
from places.models import Facility
from places.reads import FACILITY_FIELDS, facility_rows
from sources.models import ReportedCount, Source
from sources.reads import REPORTED_COUNT_FIELDS, reported_count_rows
from trials.models import Trial
from trials.reads import TRIAL_FIELDS, trial_rows


@dataclass(frozen=True)
class Kind:
    name: str  # as in the API's paths, in the singular
    model: type
    fields: tuple[str, ...]
    # cases.reads.rows.<kind>_rows; places.reads.facility_rows with its number held
    # now counted in the compaction's snapshot, not read from a cache keyed by
    # change times that a bulk update() leaves as they were
    build: object


# parents before children, so a mirror being filled meets a reference's target first
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("organization", Organization, ORGANIZATION_FIELDS, organization_rows),
        Kind("source", Source, SOURCE_FIELDS, source_rows),
        Kind("facility", Facility, FACILITY_FIELDS, partial(facility_rows, cached=False)),
        Kind("person", Person, PERSON_FIELDS, person_rows),
        Kind("detention", Detention, DETENTION_FIELDS, detention_rows),
        Kind("allegation", Allegation, ALLEGATION_FIELDS, allegation_rows),
        Kind("statement", Statement, STATEMENT_FIELDS, statement_rows),
        Kind("reported-count", ReportedCount, REPORTED_COUNT_FIELDS, reported_count_rows),
        Kind("intervention", Intervention, INTERVENTION_FIELDS, intervention_rows),
        # with its defendants, judges and prosecutors (involvements) and hearings
        Kind("trial", Trial, TRIAL_FIELDS, trial_rows),
        # with their other names, positions and involvements (each with its fact)
        Kind("official", Official, OFFICIAL_FIELDS, official_api_rows),
    )
}
