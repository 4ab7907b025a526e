"""What sources' pages and API ask: which visible persons a source informs; the
counts others published, with their citations and Casebook's own count for the
same date."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cases.models import Affiliation, Allegation, CaseEvent, Detention, Person, Statement
from cases.partial_dates import PartialDate
from cases.reads.citations import citations_of
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.reads.status import RELEASED_STAGES
from cases.visibility import Reader, source_is_hidden_behind_confidentiality, visible
from sources.models import Citation, ReportedCount, Source


def persons_citing_source(source: Source, *, reader: Reader) -> list[dict]:
    """The visible persons with a visible fact citing `source`, for its page: one
    query. Empty for a confidential source outside the admin: which case an
    interview informs can point to the person interviewed."""
    if source_is_hidden_behind_confidentiality(source.is_confidential, reader):
        return []
    citations = visible(Citation.objects.filter(source=source), reader)
    through_fact = Q(Exists(citations.filter(person=OuterRef("pk"))))
    # each kind of fact a citation can support, and the path from it to its person
    for target, model, to_person in (
        ("detention", Detention, "person"),
        ("case_event", CaseEvent, "detention__person"),
        ("affiliation", Affiliation, "person"),
        ("allegation", Allegation, "person"),
        ("statement", Statement, "persons"),
    ):
        facts = visible(model.objects.filter(**{to_person: OuterRef(OuterRef("pk"))}), reader)
        through_fact |= Q(Exists(citations.filter(**{f"{target}__in": facts})))
    return list(
        visible(Person.objects.all(), reader)
        .filter(through_fact)
        .order_by("display_name")
        .values("uuid", "slug", "display_name")
    )


# --- counts reported by others ----------------------------------------------------

REPORTED_COUNT_FIELDS = (
    "id", "uuid", "publisher__uuid", "publisher__slug", "publisher__name", "as_of",
    "as_of_precision", "number", "approximate", "counted", "notes", "updated_at",
)  # fmt: skip


def reported_count_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Reported counts (ReportedCountSerializer) from `.values(*REPORTED_COUNT_FIELDS)`
    rows of visible counts, each with its visible citations: 1 query. The
    publisher needs no check of its own: a count is visible only with it."""
    citations = citations_of(reader, reported_count=[row["id"] for row in rows])
    return [
        {
            "uuid": row["uuid"],
            "publisher": {
                "uuid": row["publisher__uuid"],
                "slug": row["publisher__slug"],
                "name": row["publisher__name"],
            },
            "as_of": PartialDate(row["as_of"], row["as_of_precision"]),
            "number": row["number"],
            "approximate": row["approximate"],
            "counted": row["counted"],
            "notes": row["notes"],
            "citations": citations["reported_count"].get(row["id"], []),
            "updated_at": row["updated_at"],
            "_id": row["id"],
        }
        for row in rows
    ]


def held_on(day: datetime.date) -> Q:
    """The detentions under way on `day`, for detentions annotated with `began`
    (`with_beginning`): the period of the arrest, or of the detention's first
    dated case event when no arrest date is known ("in pre-trial detention since
    November 2023"), had begun (November 2023 counts from 1 November), and the
    release's had not (released in December 2023 no longer counts on 1 December).
    One with no release date counts until today, unless its stage says released
    (pardoned, acquitted): when is not known, so it is not counted. Detentions
    with neither an arrest date nor a dated event are left out."""
    released_undated = Q(released_on__isnull=True, legal_stage__code__in=RELEASED_STAGES)
    return (
        Q(began__lte=day)
        & (Q(released_on__isnull=True) | Q(released_on__gt=day))
        & ~released_undated
    )


def with_beginning(detentions, reader: Reader):
    """The detentions annotated with `began`: the arrest date, else the date of
    the first dated case event the reader may see."""
    first_event = (
        visible(CaseEvent.objects.filter(detention=OuterRef("pk")), reader)
        .filter(occurred_on__isnull=False)
        .order_by("occurred_on")
        .values("occurred_on")[:1]
    )
    return detentions.annotate(began=Coalesce("arrested_on", Subquery(first_event)))


def reported_counts_beside_own(*, reader: Reader) -> list[dict]:
    """The visible reported counts, newest first, each with its visible
    citations, the sources they cite (`sources`, confidential ones masked) and
    `held_here`: the persons Casebook's records visible to `reader` show held on
    the last day of the count's as-of period (`held_on`). 4 queries, whatever the
    number of counts."""
    counts = reported_count_rows(
        list(
            visible(ReportedCount.objects.all(), reader)
            .order_by(F("as_of").desc(), "id")
            .values(*REPORTED_COUNT_FIELDS)
        ),
        reader=reader,
    )
    if not counts:
        return []
    days = sorted({count["as_of"].end for count in counts})
    detentions = with_beginning(visible(Detention.objects.all(), reader), reader)
    held = visible(Person.objects.all(), reader).aggregate(
        **{
            f"held_{index}": Count(
                "pk", filter=Q(Exists(detentions.filter(held_on(day), person=OuterRef("pk"))))
            )
            for index, day in enumerate(days)
        }
    )
    cited = {c["source"] for count in counts for c in count["citations"]}
    sources = {
        source["uuid"]: source
        for source in source_rows(
            list(Source.objects.filter(uuid__in=cited).values(*SOURCE_FIELDS)), reader=reader
        )
    }
    for count in counts:
        day = count["as_of"].end
        count["held_on"] = day
        count["held_here"] = held[f"held_{days.index(day)}"]
        count["citations"] = [
            {**citation, "source": sources[citation["source"]]}
            for citation in count["citations"]
            if citation["source"] in sources
        ]
        del count["_id"]
    return counts
