"""What the public pages show, assembled from the reads' rows (cases.reads):
vocabulary labels in the reader's language (what is said of one person, such as
a stage or an occupation, in the form of their gender), one timeline per person, and
numbered footnotes that tie every fact to its source, and the person's status
with the date and footnote of the newest source that gives it, and the lists
and case groups that name the person (the lists app's reads). Visibility is
already decided by the reads (cases.visibility); nothing here reads the
database on its own except `term_labels`."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, CharField, F, QuerySet, Value
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _lazy

from cases.models import (
    AllegationKind,
    AllegationStatus,
    CaseEventKind,
    LegalStage,
    Occupation,
    ReleaseReason,
    SourceKind,
    StatementKind,
)
from cases.partial_dates import PartialDate, Precision, birth_year_range
from cases.reads.citations import citations_of
from cases.reads.compiled import compiled
from cases.reads.history import person_history
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.reads.status import (
    CALL_FOR_RELEASE,
    CallReport,
    DatedStatus,
    current_since,
    dated_status,
    detention_report,
    newest,
    person_status,
)
from cases.visibility import Reader
from cases.vocabularies import TermLabels
from interventions.choices import (
    InterventionKind,
    InterventionOutcome,
    InterventionStatus,
    WgadCategory,
)
from lists.reads_person import PersonLists, person_lists
from officials.choices import InvolvementRole
from places.reads_pages import how_to_write
from sources.models import Source
from trials.choices import HearingStatus, TrialInstance

VOCABULARY_MODELS = {
    "occupation": Occupation,
    "legal_stage": LegalStage,
    "case_event": CaseEventKind,
    "release_reason": ReleaseReason,
    "allegation": AllegationKind,
    "allegation_status": AllegationStatus,
    "statement_kind": StatementKind,
    "source_kind": SourceKind,
}


def _vocabulary_terms() -> QuerySet:
    """Every vocabulary's terms, named by vocabulary, with whether a legal stage
    deprives of liberty: one union of a query per vocabulary."""
    queries = [
        model.objects.annotate(
            vocabulary=Value(name, output_field=CharField()),
            holds=F("in_detention")
            if model is LegalStage
            else Value(False, output_field=BooleanField()),
        )
        .order_by()
        .values("vocabulary", "code", "label", "sort_order", "holds")
        for name, model in VOCABULARY_MODELS.items()
    ]
    return queries[0].union(*queries[1:], all=True)


def term_labels() -> TermLabels:
    """Every vocabulary's labels by code, translated into the active language in
    the vocabulary's context (terms a researcher added show their English label
    until translated), and said of one person by `of_person`: one query for all
    vocabularies, in their sort order. The same query reads which legal stages
    deprive of liberty (`labels.stages_that_hold`, a set of codes)."""
    labels = TermLabels(VOCABULARY_MODELS)
    labels.stages_that_hold = set()
    # compiled once (cases.reads.compiled): building the union of eight querysets
    # cost more than reading it
    rows = compiled(("term_labels",), _vocabulary_terms).rows()
    for row in sorted(rows, key=lambda r: (r["vocabulary"], r["sort_order"], r["label"])):
        labels.add(row["vocabulary"], row["code"], row["label"])
        if row["holds"]:
            labels.stages_that_hold.add(row["code"])
    return labels


def sentence_text(months: int | None) -> str:
    """ "5 years and 6 months", in the reader's language."""
    if not months:
        return ""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if rest:
        parts.append(ngettext("%(n)d month", "%(n)d months", rest) % {"n": rest})
    return gettext(" and ").join(parts)


# The kinds of case event whose ordered length is a sentence; for the others
# (pre-trial detention ordered or extended, house arrest) it is a term.
SENTENCE_KINDS = {"sentenced"}


def reported_age_text(age: int, reported_on: PartialDate) -> str:
    """ "34, as reported in March 2024 (born 1989 or 1990)": an age a source gave,
    when, and the birth years it allows (never a birth date)."""
    first, last = birth_year_range(age, reported_on)
    if first == last:
        born = gettext("born %(year)s") % {"year": first}
    else:
        born = gettext("born %(first)s or %(last)s") % {"first": first, "last": last}
    if reported_on.precision == Precision.DAY:
        text = gettext("%(age)s, as reported on %(date)s (%(born)s)")
    else:
        text = gettext("%(age)s, as reported in %(date)s (%(born)s)")
    return text % {"age": age, "date": reported_on, "born": born}


@dataclass(frozen=True)
class Mark:
    """A footnote mark in the text, with the id its footnote's back link returns to."""

    number: int
    ref: str


@dataclass
class Footnotes:
    """Numbers citations in the order the page shows them. A footnote is a
    source, a locator and the excerpt that supports the fact; the same one cited
    for several facts is one footnote, marked at each, with a back link to each."""

    sources: dict  # uuid -> source row (confidential ones already masked)
    notes: list[dict] = field(default_factory=list)
    _numbers: dict = field(default_factory=dict)  # (source, locator, excerpt) -> number

    def cite(self, citations: list[dict]) -> list[Mark]:
        marks, marked = [], set()
        for citation in citations:
            source = self.sources.get(citation["source"])
            if source is None:  # not visible to this reader: nothing to point to
                continue
            key = (citation["source"], citation["locator"], citation["excerpt"])
            if key not in self._numbers:
                self.notes.append(
                    {**citation, "number": len(self.notes) + 1, "source": source, "refs": []}
                )
                self._numbers[key] = len(self.notes)
            number = self._numbers[key]
            if number in marked:
                continue  # one mark per footnote on one fact
            marked.add(number)
            marks.append(self.again(number))
        return marks

    def again(self, number: int) -> Mark:
        """One more mark of footnote `number`, with a back link of its own."""
        refs = self.notes[number - 1]["refs"]
        refs.append(f"ref-{number}" if not refs else f"ref-{number}-{len(refs) + 1}")
        return Mark(number, refs[-1])


# What a person-level citation's claim may name, by the first such word in each
# of its parts ("named as detained; occupation (journalist)"), and the fact of
# the page it is marked on. Gender is recorded but not shown on the page.
CLAIM_WORDS = {
    "name": "name", "named": "name", "names": "name", "spelling": "name", "identity": "name",
    "identified": "name",
    "born": "birth", "birth": "birth", "age": "birth",
    "citizenship": "citizenship", "citizen": "citizenship", "nationality": "citizenship",
    "occupation": "occupation", "occupations": "occupation", "profession": "occupation",
    "affiliation": "affiliations", "affiliations": "affiliations", "membership": "affiliations",
    "summary": "summary", "background": "summary", "biography": "summary",
    "gender": "gender",
}  # fmt: skip
# The person's facts in reading order; claims naming none of the shown facts are
# listed in the summary as written ("other"), before the affiliations. The status
# line, under the name, is footnoted to the sources that date it (`status_basis`).
FACTS = (
    "name", "status", "birth", "citizenship", "occupation", "summary", "other", "affiliations",
)  # fmt: skip


def claim_facts(claim: str) -> list[str]:
    """The facts a claim names: the first known word of each part, in order."""
    facts: list[str] = []
    for part in claim.split(";"):
        for word in re.findall(r"[^\W\d_]+", part.lower()):
            if word in CLAIM_WORDS:
                if CLAIM_WORDS[word] not in facts:
                    facts.append(CLAIM_WORDS[word])
                break
    return facts


def person_claims(
    citations: list[dict], shown: set[str], notes: Footnotes, status_citations: list[dict] = ()
):
    """Numbers the person-level citations, and those that date the status line,
    in the reading order of the facts they support. Returns the marks of each
    shown fact and the claims that name no shown fact, to be listed with their
    own words."""
    placed = []
    for index, citation in enumerate(citations):
        facts = [f for f in claim_facts(citation["claim"]) if f in shown]
        placed.append((FACTS.index(facts[0] if facts else "other"), index, citation, facts))
    for index, citation in enumerate(status_citations):
        placed.append((FACTS.index("status"), index, citation, ["status"]))
    marks: dict[str, list[Mark]] = {fact: [] for fact in FACTS}
    others = []
    for _rank, _index, citation, facts in sorted(placed, key=lambda p: p[:2]):
        for mark in notes.cite([citation]):
            for position, fact in enumerate(facts):
                marks[fact].append(mark if position == 0 else notes.again(mark.number))
            if not facts:
                others.append({"claim": citation["claim"], "notes": [mark]})
    return marks, others


@dataclass
class TimelineEntry:
    kind: str  # detention, custody, event, release, allegation, statement, intervention
    date: PartialDate | None
    item: dict
    notes: list[int]
    order: int = 0
    after: tuple | None = None  # an event never comes before its detention's arrest

    @property
    def sort_key(self) -> tuple:
        """Entries follow the last day of their period: a fact known only to its
        month ("March 2024") comes after the facts dated to a day of that month,
        since it may have happened on any of them, and a year after its months.
        On one day, the more precise first, then the arrest, custody (held at,
        transferred), case events, release, allegations, statements and
        interventions."""
        if self.date is None:
            key = (True, datetime.date.max, 0, self.order)
        else:
            key = (False, self.date.end, -self.date.precision, self.order)
        return max(key, self.after) if self.after else key


KIND_ORDER = {
    "detention": 0, "custody": 1, "event": 2, "release": 3, "allegation": 4, "statement": 5,
    "intervention": 6, "trial": 7, "hearing": 8,
}  # fmt: skip

INTERVENTION_DATES = (
    ("submitted_on", _lazy("Submitted:")),
    ("communicated_on", _lazy("Communicated to the government:")),
    ("government_replied_on", _lazy("The government replied:")),
    ("decided_on", _lazy("Decided:")),
)


def intervention_item(intervention: dict) -> tuple[PartialDate | None, dict]:
    """Where an intervention stands on the timeline (the date of its decision,
    else of its submission) and what the page says of it: its kind, status and
    outcome in the reader's language, the Working Group's categories found with
    their meaning, and its other dates (those it is not placed at)."""
    placed_at = intervention["decided_on"] or intervention["submitted_on"]
    placed_by = "decided_on" if intervention["decided_on"] else "submitted_on"
    return placed_at, {
        **intervention,
        "kind_label": _choice_label(InterventionKind, intervention["kind"]),
        "status_label": _choice_label(InterventionStatus, intervention["status"]),
        "outcome_label": _choice_label(InterventionOutcome, intervention["outcome"]),
        "categories": [
            {"code": code, "label": _choice_label(WgadCategory, code)}
            for code in intervention["wgad_categories"]
        ],
        "other_dates": [
            {"label": label, "date": intervention[name]}
            for name, label in INTERVENTION_DATES
            if intervention[name] and not (placed_at and name == placed_by)
        ],
    }


def trial_sections(trials: list[dict], notes: Footnotes) -> list[dict]:
    """The trials the person is a defendant in, for the page's "Trial" section,
    footnoted in reading order: each trial, then its next hearing."""
    result = []
    for trial in trials:
        upcoming = trial["next_hearing"]
        result.append({
            **trial,
            "instance_label": _choice_label(TrialInstance, trial["instance"]),
            "notes": notes.cite(trial["citations"]),
            "next_hearing": upcoming and {
                **upcoming,
                "status_label": _choice_label(HearingStatus, upcoming["status"]),
                "notes": notes.cite(upcoming["citations"]),
            },
        })  # fmt: skip
    return result


def hearing_item(hearing: dict, trial: dict) -> dict:
    """A hearing as the timeline tells it: with its trial and court."""
    return {
        **hearing,
        "status_label": _choice_label(HearingStatus, hearing["status"]),
        "trial": {k: trial[k] for k in ("slug", "title", "number", "court", "time_zone")},
    }


def involvement_facts(history: dict, labels: TermLabels) -> dict:
    """What the page calls each fact an involvement may be in, by its UUID: the
    arrest and its date, a case event's kind and date, an allegation's kind, a
    trial's title (all of them rows of the history, so visible to the reader)."""
    facts = {}
    for d in history["detentions"]:
        facts[d["uuid"]] = (
            gettext("the arrest of %(date)s") % {"date": d["arrested_on"]}
            if d["arrested_on"]
            else gettext("the arrest")
        )
        for e in d["events"]:
            kind = labels["case_event"].get(e["kind"] or "", "") or gettext("a case event")
            facts[e["uuid"]] = (
                gettext("%(kind)s, %(date)s") % {"kind": kind, "date": e["occurred_on"]}
                if e["occurred_on"]
                else kind
            )
    for a in history["allegations"]:
        facts[a["uuid"]] = gettext("the allegation: %(kind)s") % {
            "kind": labels["allegation"].get(a["kind"] or "", "") or a["kind"]
        }
    for t in history["trials"]:
        facts[t["uuid"]] = gettext("the trial: %(title)s") % {"title": t["title"]}
    return facts


def involvement_items(history: dict, labels: TermLabels, notes: Footnotes) -> list[dict]:
    """The officials involved in the person's case, for the page's "Officials
    involved" section, each footnoted to its citations and its reply to the
    reply's source (when the reader may see it)."""
    facts = involvement_facts(history, labels)
    items = []
    for involvement in history["involvements"]:
        reply_source = involvement["reply_source"]
        items.append({
            **involvement,
            "role_label": _choice_label(InvolvementRole, involvement["role"]),
            "fact_text": facts.get(involvement["fact"]["uuid"], ""),
            "notes": notes.cite(involvement["citations"]),
            "reply_notes": notes.cite(
                [{"source": reply_source, "claim": "", "locator": "", "excerpt": "",
                  "confidence": "high"}]
            ) if reply_source else [],
        })  # fmt: skip
    return items


def _choice_label(choices, code: str) -> str:
    """A choice's label in the reader's language; a code no longer among the
    choices as it is; nothing for no code."""
    if not code:
        return ""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def custody_items(periods: list[dict]) -> list[dict]:
    """A detention's custody periods (in the order of places: held_from, then
    id) as the timeline tells them: the first "held at A", each later one
    "transferred from A to B" on its start."""
    items = []
    previous = None
    for period in periods:
        items.append({**period, "transferred_from": previous})
        previous = {"slug": period["facility"], "name": period["facility_name"]}
    return items


def within(a: PartialDate | None, b: PartialDate | None) -> bool:
    """Whether two partial dates can name the same day (one period holds the other);
    an unknown date agrees with any."""
    if a is None or b is None:
        return True
    return (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)


def finer(a: PartialDate | None, b: PartialDate | None) -> PartialDate | None:
    if a is None or b is None:
        return a or b
    return a if a.precision >= b.precision else b


def status_basis(history: dict, holding: set[str]) -> tuple[DatedStatus, list[dict]]:
    """The person's status by the rule of cases.reads.status, from their history
    (the same facts, citations and source dates the rows read), and the citations
    that date it: the first citation of each newest source among the facts that
    say it (of each source, for a call dated by itself). With no dated source
    there is no date to footnote, and no citation."""
    dates = {source["uuid"]: source["published_on"] for source in history["sources"]}

    def reported(citations):
        return newest(dates.get(c["source"]) for c in citations)

    cited, detentions, calls, self_dated = {}, [], [], set()
    for d in history["detentions"]:
        citations = d["citations"] + [c for e in d["events"] for c in e["citations"]]
        cited[d["uuid"]] = citations
        detentions.append(
            detention_report(
                d["uuid"], released_on=d["released_on"], stage=d["legal_stage"],
                stage_holds=d["legal_stage"] in holding, reported=reported(citations),
            )
        )  # fmt: skip
    for s in history["statements"]:
        if s["kind"] == CALL_FOR_RELEASE:
            cited[s["uuid"]] = s["citations"]
            if s["issued_on"]:
                self_dated.add(s["uuid"])  # dated by itself: each of its sources reports it
            calls.append(CallReport(s["uuid"], s["issued_on"] or reported(s["citations"])))
    status = dated_status(detentions, calls)
    if status.as_of is None:
        return status, []
    citations = []
    for r in status.basis:
        if r.reported != status.as_of:
            continue
        # one footnote per source and fact: the source's first excerpt for it
        first = {}
        for c in cited[r.key]:
            if r.key in self_dated or dates.get(c["source"]) == status.as_of:
                first.setdefault(c["source"], c)
        citations.extend(first.values())
    return status, citations


def release_citations(detention: dict, release_events: list[dict], sources: dict) -> list[dict]:
    """What the release line cites: the release events' citations, or else the
    detention's own, less those of sources older than the release (a source
    cannot report a release before it happened; an undated one may)."""
    if release_events:
        return [c for e in release_events for c in e["citations"]]
    released = detention["released_on"]
    return [
        c
        for c in detention["citations"]
        if (sources.get(c["source"]) or {}).get("published_on") is None
        or sources[c["source"]]["published_on"].end >= released.start
    ]


def list_sections(on_lists: PersonLists, notes: Footnotes) -> tuple[list[dict], list[dict]]:
    """The lists naming the person and their case groups, for the page, footnoted
    in reading order: on each list, the edition since which it names them, the
    list's latest edition, and the last edition naming them when it is neither."""
    lists = []
    for standing in on_lists.lists:
        first, latest, last = standing.first, standing.latest, standing.last
        last_shown = not standing.in_latest and last.uuid != first.uuid
        lists.append({
            "title": standing.title,
            "slug": standing.slug,
            "first": first,
            "first_notes": notes.cite(first.citations),
            "first_is_latest": first.uuid == latest.uuid,
            "in_latest": standing.in_latest,
            "latest": latest,
            "latest_notes": [] if first.uuid == latest.uuid else notes.cite(latest.citations),
            "last": last if last_shown else None,
            "last_notes": notes.cite(last.citations) if last_shown else [],
            "group": standing.group,
        })  # fmt: skip
    groups = [
        {"name": g.name, "slug": g.slug, "role": g.role, "notes": notes.cite(g.citations)}
        for g in on_lists.groups
    ]
    return lists, groups


def person_page(person, *, reader: Reader, today: datetime.date | None = None) -> dict:
    """Everything the public person page shows, footnoted: the person's history
    (a fixed number of queries), the lists and case groups naming them (a fixed
    number, lists.reads_person) plus the vocabulary labels and the holding stages
    (one each). Footnotes are numbered in reading order: the person's facts and
    status, affiliations, lists and case groups, the trials and their next
    hearings, the timeline, the officials involved."""
    history = person_history(person, reader=reader)
    on_lists = person_lists(person, reader=reader)
    labels = term_labels()
    sources = {source["uuid"]: source for source in history["sources"]}
    list_sources = [s for s in on_lists.sources if s["uuid"] not in sources]
    notes = Footnotes({**sources, **{s["uuid"]: s for s in list_sources}})
    status, status_citations = status_basis(history, labels.stages_that_hold)
    row = history["person"]
    birth_date = row["birth_date"]
    # an age a source gave stands in for the birth date it does not give
    reported_age = (
        reported_age_text(row["reported_age"], row["reported_age_on"])
        if birth_date is None and row["reported_age"] is not None and row["reported_age_on"]
        else ""
    )
    gender = row["gender"]
    occupations = [labels.of_person("occupation", code, gender) for code in row["occupations"]]

    shown = {"name"} | {
        fact
        for fact, value in (
            ("birth", birth_date or reported_age), ("citizenship", row.get("citizenship")),
            ("occupation", occupations), ("summary", row.get("summary")),
            ("affiliations", history["affiliations"]),
        )
        if value
    }  # fmt: skip
    fact_marks, claims = person_claims(history["citations"], shown, notes, status_citations)
    affiliations = [{**a, "notes": notes.cite(a["citations"])} for a in history["affiliations"]]
    lists, case_groups = list_sections(on_lists, notes)
    # how to write: only to a person held now, at their current place (places.reads)
    writing = how_to_write(person, reader=reader) if status.code == "held" else None
    writing_notes = []
    if writing:
        custody_citations = [
            c
            for d in history["detentions"]
            for p in d.get("custody_periods", [])
            if p["uuid"] == writing.custody_uuid
            for c in p["citations"]
        ]
        facility_citations = citations_of(reader, facility=[writing.facility_id])
        missing = facility_citations["source_uuids"] - notes.sources.keys()
        if missing:
            facility_sources = source_rows(
                list(Source.objects.filter(uuid__in=missing).values(*SOURCE_FIELDS)),
                reader=reader,
            )
            list_sources += facility_sources
            notes.sources.update({s["uuid"]: s for s in facility_sources})
        writing_notes = notes.cite(
            custody_citations + facility_citations["facility"].get(writing.facility_id, [])
        )

    trials = trial_sections(history["trials"], notes)

    entries: list[tuple[TimelineEntry, list[dict]]] = []

    def add(kind, date, item, citations, after=None) -> TimelineEntry:
        entry = TimelineEntry(kind, date, item, [], KIND_ORDER[kind], after)
        entries.append((entry, citations))
        return entry

    detentions = []
    for d in history["detentions"]:
        d = {
            **d,
            # the person's stage in this detention, in the form of their gender
            "stage_label": labels.of_person("legal_stage", d["legal_stage"], gender),
            "release_reason_label": labels["release_reason"].get(d["release_reason"] or "", ""),
            "sentence": sentence_text(d["sentence_months"]),
        }
        detentions.append(d)
        events = []
        for event in d["events"]:
            events.append({
                **event,
                "kind_label": labels["case_event"].get(event["kind"] or "", ""),
                "sentence": sentence_text(event["sentence_months"]),
                "is_sentence": event["kind"] in SENTENCE_KINDS,
            })  # fmt: skip
        # The arrest is told once: a detention's "arrested" event on the same
        # day is part of its arrest entry, and a "released" event of its release.
        arrest_events = [
            e for e in events
            if e["kind"] == "arrested" and within(e["occurred_on"], d["arrested_on"])
        ]  # fmt: skip
        release_events = [
            e for e in events
            if e["kind"] == "released" and d["released_on"]
            and within(e["occurred_on"], d["released_on"])
        ]  # fmt: skip
        arrest_date = d["arrested_on"]
        for e in arrest_events:
            arrest_date = finer(arrest_date, e["occurred_on"])
        d["arrest_events"], d["release_events"] = arrest_events, release_events
        arrest = add(
            "detention", arrest_date, d,
            d["citations"] + [c for e in arrest_events for c in e["citations"]],
        )  # fmt: skip
        after = arrest.sort_key
        for period in custody_items(d.get("custody_periods", [])):
            add("custody", period["held_from"], period, period["citations"], after)
        for event in events:
            if event not in arrest_events and event not in release_events:
                add("event", event["occurred_on"], event, event["citations"], after)
        if d["released_on"]:
            release_date = d["released_on"]
            for e in release_events:
                release_date = finer(release_date, e["occurred_on"])
            add(
                "release", release_date, d,
                release_citations(d, release_events, sources), after,
            )  # fmt: skip
    for a in history["allegations"]:
        a = {
            **a,
            "kind_label": labels["allegation"].get(a["kind"] or "", ""),
            "status_label": labels["allegation_status"].get(a["status"] or "", ""),
        }
        add("allegation", a["started_on"], a, a["citations"])
    for s in history["statements"]:
        s = {**s, "kind_label": labels["statement_kind"].get(s["kind"] or "", "")}
        add("statement", s["issued_on"], s, s["citations"])
    for i in history["interventions"]:
        placed_at, item = intervention_item(i)
        add("intervention", placed_at, item, i["citations"])
    for t in history["trials"]:
        if t["opened_on"]:
            add("trial", t["opened_on"], t, t["citations"])
        for h in t["hearings"]:
            add("hearing", h["held_on"], hearing_item(h, t), h["citations"])
    entries.sort(key=lambda pair: pair[0].sort_key)
    for entry, citations in entries:
        entry.notes = notes.cite(citations)
    involvements = involvement_items(history, labels, notes)

    moments = [row["updated_at"]] + [
        item["updated_at"]
        for group in (
            "detentions",
            "allegations",
            "statements",
            "interventions",
            "trials",
            "involvements",
        )
        for item in history[group]
        if item.get("updated_at")
    ]
    if on_lists.updated_at:
        moments.append(on_lists.updated_at)
    return {
        "person": row,
        "claims": claims,
        "fact_marks": fact_marks,
        "occupations": occupations,
        "birth_date": birth_date,
        "reported_age": reported_age,
        "status": person_status(
            {**row, "status": status.code, "status_as_of": status.as_of},
            labels,
            current_since(today),
        ),
        "affiliations": affiliations,
        "lists": lists,
        "case_groups": case_groups,
        "how_to_write": writing,
        "how_to_write_notes": writing_notes,
        "detentions": detentions,
        "trials": trials,
        "timeline": [entry for entry, _citations in entries],
        "involvements": involvements,
        "footnotes": notes.notes,
        "sources": history["sources"] + list_sources,
        "last_updated": max(moments),
    }


def labelled_persons(
    rows: list[dict], labels: TermLabels, today: datetime.date | None = None
) -> list[dict]:
    """Person list rows with their labels (in the form of each person's gender),
    status line and dates ready for a template."""
    since = current_since(today)
    for row in rows:
        row["occupation_labels"] = [
            labels.of_person("occupation", c, row["gender"]) for c in row["occupations"]
        ]
        row["status_line"] = person_status(row, labels, since)
        latest = row["detentions"][-1] if row["detentions"] else None
        row["arrested"] = latest["arrested_on"] if latest else None
        row["charges"] = [c for d in row["detentions"] for c in d["charges"]]
    return rows
