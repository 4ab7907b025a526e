"""What the public pages show, assembled from the selectors' rows: vocabulary
labels in the reader's language, one timeline per person, and numbered
footnotes that tie every fact to its source. Visibility is already decided by
the selectors (cases.visibility); nothing here reads the database on its own
except `term_labels`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Value
from django.utils.translation import gettext, ngettext

from cases.choices import PersonStatus
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
from cases.partial_dates import PartialDate
from cases.selectors import RELEASED_STAGES, person_history
from cases.visibility import Reader

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


def term_labels() -> dict[str, dict[str, str]]:
    """Every vocabulary's labels by code, translated into the active language
    (terms a researcher added show their English label until translated): one
    query for all vocabularies, in their sort order."""
    queries = [
        model.objects.annotate(vocabulary=Value(name, output_field=CharField()))
        .order_by()
        .values_list("vocabulary", "code", "label", "sort_order")
        for name, model in VOCABULARY_MODELS.items()
    ]
    labels: dict[str, dict[str, str]] = {name: {} for name in VOCABULARY_MODELS}
    rows = queries[0].union(*queries[1:], all=True)
    for vocabulary, code, label, _order in sorted(rows, key=lambda r: (r[0], r[3], r[2])):
        labels[vocabulary][code] = gettext(label)
    return labels


def partial(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value else None


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


@dataclass
class Footnotes:
    """Numbers citations in the order the page shows them. Each citation is one
    footnote: its source, locator and the excerpt that supports the fact."""

    sources: dict  # uuid -> source row (confidential ones already masked)
    notes: list[dict] = field(default_factory=list)

    def cite(self, citations: list[dict]) -> list[int]:
        numbers = []
        for citation in citations:
            source = self.sources.get(citation["source"])
            if source is None:  # not visible to this reader: nothing to point to
                continue
            self.notes.append({**citation, "number": len(self.notes) + 1, "source": source})
            numbers.append(len(self.notes))
        return numbers


@dataclass
class TimelineEntry:
    kind: str  # detention, event, release, allegation, statement
    date: PartialDate | None
    item: dict
    notes: list[int]
    order: int = 0

    @property
    def sort_key(self) -> tuple:
        # undated entries last; on the same day the arrest before its events
        undated = self.date is None
        start = self.date.start if self.date else datetime.date.max
        return (undated, start, self.order)


KIND_ORDER = {"detention": 0, "event": 1, "release": 2, "allegation": 3, "statement": 4}


def person_page(person, *, reader: Reader) -> dict:
    """Everything the public person page shows, footnoted: the selectors' history
    (a fixed number of queries) plus the vocabulary labels (one). Footnotes are
    numbered in reading order: summary, affiliations, then the timeline."""
    history = person_history(person, reader=reader)
    labels = term_labels()
    notes = Footnotes({source["uuid"]: source for source in history["sources"]})
    row = history["person"]

    claims = []
    for citation in history["citations"]:
        for number in notes.cite([citation]):
            claims.append({"claim": citation["claim"], "notes": [number]})
    affiliations = [
        {**a, "started": partial(a["started_on"]), "ended": partial(a["ended_on"]),
         "notes": notes.cite(a["citations"])}
        for a in history["affiliations"]
    ]  # fmt: skip

    entries: list[tuple[TimelineEntry, list[dict]]] = []

    def add(kind: str, date: str | None, item: dict, citations: list[dict]) -> None:
        entries.append((TimelineEntry(kind, partial(date), item, [], KIND_ORDER[kind]), citations))

    detentions = []
    for d in history["detentions"]:
        d = {
            **d,
            "stage_label": labels["legal_stage"].get(d["legal_stage"] or "", ""),
            "release_reason_label": labels["release_reason"].get(d["release_reason"] or "", ""),
            "sentence": sentence_text(d["sentence_months"]),
            "arrested": partial(d["arrested_on"]),
            "released": partial(d["released_on"]),
        }
        detentions.append(d)
        add("detention", d["arrested_on"], d, d["citations"])
        for event in d["events"]:
            event = {
                **event,
                "kind_label": labels["case_event"].get(event["kind"] or "", ""),
                "sentence": sentence_text(event["sentence_months"]),
            }
            add("event", event["occurred_on"], event, event["citations"])
        if d["released_on"]:
            add("release", d["released_on"], d, [])
    for a in history["allegations"]:
        a = {
            **a,
            "kind_label": labels["allegation"].get(a["kind"] or "", ""),
            "status_label": labels["allegation_status"].get(a["status"] or "", ""),
            "ended": partial(a["ended_on"]),
        }
        add("allegation", a["started_on"], a, a["citations"])
    for s in history["statements"]:
        s = {**s, "kind_label": labels["statement_kind"].get(s["kind"] or "", "")}
        add("statement", s["issued_on"], s, s["citations"])
    entries.sort(key=lambda pair: pair[0].sort_key)
    for entry, citations in entries:
        entry.notes = notes.cite(citations)

    moments = [row["updated_at"]] + [
        item["updated_at"]
        for group in ("detentions", "allegations", "statements")
        for item in history[group]
        if item.get("updated_at")
    ]
    return {
        "person": row,
        "claims": claims,
        "occupations": [labels["occupation"].get(code, code) for code in row["occupations"]],
        "birth_date": partial(row["birth_date"]),
        "status": person_status(row, labels),
        "affiliations": affiliations,
        "detentions": detentions,
        "timeline": [entry for entry, _citations in entries],
        "footnotes": notes.notes,
        "sources": history["sources"],
        "last_updated": max(moments),
    }


def person_status(row: dict, labels: dict) -> dict:
    """The person's status line, by the same rules as the status filter and the
    home page's counts (cases.selectors.status_conditions), from a person row."""
    stage = labels["legal_stage"].get(row["current_legal_stage"] or "", "")
    detentions = row["detentions"]
    if row["in_detention"]:
        return {"code": PersonStatus.HELD, "label": gettext("In detention"), "stage": stage}
    if any(d["released_on"] or d["legal_stage"] in RELEASED_STAGES for d in detentions):
        # "Released: pardoned" says more than "Released"; "Released: released" does not
        shown = stage if row["current_legal_stage"] != "released" else ""
        return {"code": PersonStatus.RELEASED, "label": gettext("Released"), "stage": shown}
    if any(not d["released_on"] and not d["legal_stage"] for d in detentions):
        return {"code": PersonStatus.UNKNOWN, "label": gettext("Current status not recorded"),
                "stage": ""}  # fmt: skip
    return {"code": "", "label": stage, "stage": ""}


def labelled_persons(rows: list[dict], labels: dict) -> list[dict]:
    """Person list rows with their labels and dates ready for a template."""
    for row in rows:
        row["occupation_labels"] = [labels["occupation"].get(c, c) for c in row["occupations"]]
        row["status"] = person_status(row, labels)
        latest = row["detentions"][-1] if row["detentions"] else None
        row["arrested"] = partial(latest["arrested_on"]) if latest else None
        row["charges"] = [c for d in row["detentions"] for c in d["charges"]]
    return rows
