"""Everything about one person, each fact with its citations, in date order."""

from __future__ import annotations

import datetime
import itertools

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Affiliation, Allegation, Detention, PaceAssessment, Person, Statement
from cases.reads.citations import citations_of
from cases.reads.compiled import compiled, slot
from cases.reads.rows import (
    ALLEGATION_FIELDS,
    DETENTION_FIELDS,
    PERSON_FIELDS,
    STATEMENT_FIELDS,
    _grouped,
    _partial,
    _ref,
    allegation_rows,
    detention_rows,
    person_rows,
    source_rows,
    sources_of,
    statement_rows,
    strip_private_keys,
)
from cases.visibility import Reader, visible
from interventions.choices import WgadCategory
from interventions.models import Intervention
from officials.models import INVOLVEMENT_TARGETS, Involvement
from sources.models import Source
from trials.choices import HearingStatus
from trials.models import Hearing, Trial, TrialDefendant
from trials.reads import court_today, is_upcoming

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


# An involvement's columns in the history (InvolvementHistorySerializer): never
# its internal notes; the reply's source only when the reader may see it.
INVOLVEMENT_HISTORY_FIELDS = (
    "id", "uuid", "official__uuid", "official__slug", "official__name", "role",
    *(f"{target}__uuid" for target in INVOLVEMENT_TARGETS),
    "description", "reply", "reply_on", "reply_on_precision", "reply_source__uuid",
    "reply_source_visible", "updated_at",
)  # fmt: skip
# A defendant's columns, with their trial's (TrialHistorySerializer): never the
# trial's internal notes.
DEFENDANT_HISTORY_FIELDS = (
    "trial_id", "person_id", "person__uuid", "person__slug", "person__display_name",
    "trial__uuid", "trial__slug", "trial__title", "trial__number", "trial__court__uuid",
    "trial__court__slug", "trial__court__name", "trial__instance", "trial__opened_on",
    "trial__opened_on_precision", "trial__closed_on", "trial__closed_on_precision",
    "trial__time_zone", "trial__summary", "charges", "detention__uuid", "trial__updated_at",
)  # fmt: skip
HEARING_HISTORY_FIELDS = (
    "id", "uuid", "trial_id", "held_on", "held_on_precision", "starts_at", "court_room",
    "status", "what_happened", "updated_at",
)  # fmt: skip


def involvement_history_rows(rows: list[dict]) -> list[dict]:
    """Involvements read with INVOLVEMENT_HISTORY_FIELDS as the history gives
    them (`_id` kept for the citations): the official as a reference, the fact
    as its kind (one of officials.models.INVOLVEMENT_TARGETS) and UUID, the
    reply's date as a PartialDate and its source's UUID, null when the reader
    may not see that source."""
    result = []
    for row in rows:
        kind = next(t for t in INVOLVEMENT_TARGETS if row[f"{t}__uuid"] is not None)
        result.append(
            {
                "_id": row["id"],
                "uuid": row["uuid"],
                "official": _ref(row, "official", "slug", "name"),
                "role": row["role"],
                "fact": {"kind": kind, "uuid": row[f"{kind}__uuid"]},
                "description": row["description"],
                "reply": row["reply"],
                "reply_on": _partial(row["reply_on"], row["reply_on_precision"]),
                "reply_source": row["reply_source__uuid"] if row["reply_source_visible"] else None,
                "updated_at": row["updated_at"],  # for the page's "last updated"
            }
        )
    return result


def next_hearing(hearings: list[dict], time_zone: str, now: datetime.datetime) -> dict | None:
    """A trial's next hearing (as trials.reads.next_hearing): the first of its
    hearings (in date order) still to come in the court's time zone, not
    cancelled."""
    today = court_today(Trial(time_zone=time_zone), now)
    return next(
        (
            h
            for h in hearings
            if is_upcoming(h["held_on"], today) and h["status"] != HearingStatus.CANCELLED
        ),
        None,
    )


def trial_history_rows(
    defendants: list[dict], hearings: list[dict], person: Person, now: datetime.datetime
) -> list[dict]:
    """The trials the person is a defendant in (TrialHistorySerializer), from
    every visible defendant of those trials (DEFENDANT_HISTORY_FIELDS, in the
    trials' order) and their visible hearings (HEARING_HISTORY_FIELDS, in date
    order): the person's charges, the co-defendants, the hearings and the next."""
    by_trial = _grouped(
        [
            {
                "_id": h["id"],
                "trial_id": h["trial_id"],
                "uuid": h["uuid"],
                "held_on": _partial(h["held_on"], h["held_on_precision"]),
                "starts_at": h["starts_at"],
                "court_room": h["court_room"],
                "status": h["status"],
                "what_happened": h["what_happened"],
                "updated_at": h["updated_at"],
            }
            for h in hearings
        ],
        "trial_id",
    )
    trials: dict[int, dict] = {}
    others: dict[int, list[dict]] = {}
    for row in defendants:
        if row["person_id"] != person.pk:
            others.setdefault(row["trial_id"], []).append(
                _ref(row, "person", "slug", "display_name")
            )
            continue
        trial_hearings = by_trial.get(row["trial_id"], [])
        trials[row["trial_id"]] = {
            "_id": row["trial_id"],
            "uuid": row["trial__uuid"],
            "slug": row["trial__slug"],
            "title": row["trial__title"],
            "number": row["trial__number"],
            "court": _ref(row, "trial__court", "slug", "name"),
            "instance": row["trial__instance"],
            "opened_on": _partial(row["trial__opened_on"], row["trial__opened_on_precision"]),
            "closed_on": _partial(row["trial__closed_on"], row["trial__closed_on_precision"]),
            "time_zone": row["trial__time_zone"],
            "summary": row["trial__summary"],
            "charges": row["charges"],
            "detention": row["detention__uuid"],
            "hearings": trial_hearings,
            "next_hearing": next_hearing(trial_hearings, row["trial__time_zone"], now),
            "updated_at": max(
                [row["trial__updated_at"], *(h["updated_at"] for h in trial_hearings)]
            ),
        }
    for trial_id, trial in trials.items():
        trial["co_defendants"] = others.get(trial_id, [])
    return list(trials.values())


def person_history(person: Person, *, reader: Reader, now: datetime.datetime | None = None) -> dict:
    """Everything about one visible person, each fact with its visible
    citations, in date order (the visible interventions on their behalf by the
    date of their decision, else of their submission), the transfers between their places of
    detention, the officials' involvements in the facts of their case and the
    trials they are a defendant in, with their hearings and the next as of `now`
    (PersonHistorySerializer): a fixed number of queries whatever the length of
    the history."""
    now = now or timezone.now()
    pk = person.pk
    (person_row,) = person_rows(
        compiled(
            ("history.person",),
            lambda: Person.objects.filter(pk=slot("person")).values(*PERSON_FIELDS),
        ).rows(person=pk),
        reader=reader,
    )
    affiliations = compiled(
        ("history.affiliations", reader),
        lambda: visible(Affiliation.objects.filter(person_id=slot("person")), reader)
        .order_by(F("started_on").asc(nulls_first=True), "id")
        .values(
            "id", "uuid", "organization__uuid", "organization__slug", "organization__name",
            "role", "started_on", "started_on_precision", "ended_on", "ended_on_precision",
        ),
    ).rows(person=pk)  # fmt: skip
    detentions = detention_rows(
        compiled(
            ("history.detentions", reader),
            lambda: (
                visible(Detention.objects.filter(person_id=slot("person")), reader)
                .order_by(F("arrested_on").asc(nulls_first=True), "id")
                .values(*DETENTION_FIELDS)
            ),
        ).rows(person=pk),
        reader=reader,
        cite=False,  # citations_of below: one query for every fact
    )
    pace = _grouped(
        compiled(
            ("history.pace", reader),
            lambda: (
                visible(PaceAssessment.objects.filter(detention__person_id=slot("person")), reader)
                .order_by("detention_id", "criterion")
                .values("detention_id", "criterion", "justification")
            ),
        ).rows(person=pk),
        "detention_id",
    )
    allegations = allegation_rows(
        compiled(
            ("history.allegations", reader),
            lambda: (
                visible(
                    Allegation.objects.filter(
                        Q(person_id=slot("person")) | Q(reported_by_id=slot("person"))
                    ),
                    reader,
                )
                .order_by(F("started_on").asc(nulls_first=True), "id")
                .values(*ALLEGATION_FIELDS)
            ),
        ).rows(person=pk),
        reader=reader,
        cite=False,
    )
    statements = statement_rows(
        compiled(
            ("history.statements", reader),
            lambda: (
                visible(Statement.objects.filter(persons=slot("person")), reader)
                .order_by(F("issued_on").asc(nulls_first=True), "id")
                .values(*STATEMENT_FIELDS)
            ),
        ).rows(person=pk),
        reader=reader,
        cite=False,
    )
    interventions = intervention_history_rows(
        compiled(
            ("history.interventions", reader),
            lambda: (
                visible(Intervention.objects.filter(persons=slot("person")), reader)
                # placed at its decision, else its submission (the person page's timeline)
                .order_by(
                    Coalesce("decided_on", "submitted_on").asc(nulls_first=True),
                    F("submitted_on").asc(nulls_first=True),
                    "id",
                )
                .values(*INTERVENTION_HISTORY_FIELDS)
            ),
        ).rows(person=pk)
    )

    # the person's trials: as a subquery, so that each query below runs once
    # whether or not the person is tried
    def their_trials():
        return visible(TrialDefendant.objects.filter(person_id=slot("person")), reader).values(
            "trial_id"
        )

    defendants = compiled(
        ("history.defendants", reader),
        lambda: (
            visible(TrialDefendant.objects.filter(trial__in=their_trials()), reader)
            .order_by(
                F("trial__opened_on").asc(nulls_first=True),
                "trial_id",
                "person__display_name",
                "id",
            )
            .values(*DEFENDANT_HISTORY_FIELDS)
        ),
    ).rows(person=pk)
    hearings = compiled(
        ("history.hearings", reader),
        lambda: (
            visible(Hearing.objects.filter(trial__in=their_trials()), reader)
            .order_by("held_on", F("starts_at").asc(nulls_first=True), "id")
            .values(*HEARING_HISTORY_FIELDS)
        ),
    ).rows(person=pk)
    trials = trial_history_rows(defendants, hearings, person, now)
    involvements = involvement_history_rows(
        compiled(
            ("history.involvements", reader),
            lambda: (
                visible(
                    Involvement.objects.filter(
                        Q(detention__person_id=slot("person"))
                        | Q(case_event__detention__person_id=slot("person"))
                        | Q(allegation__person_id=slot("person"))
                        | Q(allegation__reported_by_id=slot("person"))
                        | Q(trial__in=their_trials())
                    ),
                    reader,
                )
                .annotate(
                    reply_source_visible=Exists(
                        visible(Source.objects.filter(pk=OuterRef("reply_source_id")), reader)
                    )
                )
                .order_by("official__name", "official_id", "id")
                .values(*INVOLVEMENT_HISTORY_FIELDS)
            ),
        ).rows(person=pk)
    )
    events = [event for d in detentions for event in d["events"]]
    custody_periods = [period for d in detentions for period in d["custody_periods"]]
    citations = citations_of(
        reader,
        person=[pk],
        affiliation=[a["id"] for a in affiliations],
        detention=[d["_id"] for d in detentions],
        case_event=[e["_id"] for e in events],
        custody_period=[c["_id"] for c in custody_periods],
        allegation=[a["_id"] for a in allegations],
        statement=[s["_id"] for s in statements],
        intervention=[i["_id"] for i in interventions],
        involvement=[i["_id"] for i in involvements],
        trial=[t["_id"] for t in trials],
        hearing=[h["_id"] for t in trials for h in t["hearings"]],
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
        (involvements, "involvement"),
        (trials, "trial"),
        ([h for t in trials for h in t["hearings"]], "hearing"),
    ):
        for item in row:
            item["citations"] = citations[kind].get(item["_id"], [])
    history = {
        "person": person_row,
        "citations": citations["person"].get(pk, []),
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
        "involvements": strip_private_keys(involvements),
        "trials": strip_private_keys(trials),
        "transfers": custody_transfers(detentions),
        "sources": source_rows(
            # the replies' sources are listed with the cited ones
            sources_of(
                citations["source_uuids"]
                | {i["reply_source"] for i in involvements if i["reply_source"]}
            ),
            reader=reader,
        ),
    }
    for detention in detentions:
        strip_private_keys(detention["events"])
    for trial in trials:
        strip_private_keys(trial["hearings"])
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
