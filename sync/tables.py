"""The tables the change feed watches, each with the columns naming the records
a row belongs to (logged in `Change.refs`, before and after every statement).
Every table a served record's row or its visibility reads is here; a new table
of that kind joins this list and sync.dependencies (tests/test_change_feed.py
checks that each has its triggers and a dependency rule)."""

WATCHED: dict[str, tuple[str, ...]] = {
    "cases_person": (),
    "cases_namevariant": ("person_id",),
    "cases_person_occupations": ("person_id",),
    "cases_organization": (),
    "cases_detention": ("person_id",),
    "cases_charge": ("detention_id",),
    "cases_caseevent": ("detention_id",),
    "cases_allegation": (),
    "cases_statement": (),
    "cases_statement_persons": ("statement_id", "person_id"),
    "sources_source": (),
    "sources_citation": (
        "source_id",
        "person_id",
        "detention_id",
        "case_event_id",
        "allegation_id",
        "statement_id",
        "reported_count_id",
        "facility_id",
        "custody_period_id",
        "intervention_id",
        "official_id",
        "position_id",
        "involvement_id",
        "trial_id",
        "hearing_id",
    ),  # fmt: skip
    "sources_reportedcount": (),
    # the places app: facilities (with their other names) and custody periods
    "places_facility": (),
    "places_facilityname": ("facility_id",),
    "places_custodyperiod": ("detention_id", "facility_id"),
    # the interventions app: interventions and the persons each is on behalf of
    "interventions_intervention": (),
    "interventions_intervention_persons": ("intervention_id", "person_id"),
    # the trials app: trials with their defendants and hearings
    "trials_trial": (),
    "trials_trialdefendant": ("trial_id",),
    "trials_hearing": ("trial_id",),
    # the officials app: officials with their other names, positions and
    # involvements (an involvement in a trial is in the trial's row too)
    "officials_official": (),
    "officials_officialname": ("official_id",),
    "officials_position": ("official_id",),
    "officials_involvement": ("official_id", "trial_id"),
    # vocabularies: their codes are in the rows
    "cases_occupation": (),
    "cases_legalstage": (),
    "cases_releasereason": (),
    "cases_caseeventkind": (),
    "cases_allegationkind": (),
    "cases_allegationstatus": (),
    "cases_statementkind": (),
    "cases_sourcekind": (),
    "places_facilitykind": (),
}
