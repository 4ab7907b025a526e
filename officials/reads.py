"""What the officials app answers: which officials a name finds (in any spelling,
by the same name keys as persons and facilities), the rows of the official list
(current positions, how many involvements the reader may see), and the records
of one or more officials as the API and the official's page read them: other
names, positions and involvements, each with its fact of a case and its
citations, every one through cases.visibility (an alleged perpetrator's
involvement is public only on two publishers' sources: the policy's rule 3).

The official's page, footnoted, is officials.pages.official_page (footnotes are
numbered by cases.pages.Footnotes, a layer above the reads)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.partial_dates import from_columns as _partial
from cases.reads.citations import citations_of
from cases.search import search_key
from cases.visibility import Reader, own_level_q, visible, visible_levels
from officials.models import INVOLVEMENT_TARGETS, Involvement, Official, OfficialName, Position
from places.reads import _words_begin_words
from trials.models import TrialDefendant

# --- finding an official by any spelling of any of their names ------------------------


def search_officials(
    query: str, reader: Reader, queryset: QuerySet[Official] | None = None
) -> QuerySet[Official]:
    """The officials (of `queryset`, else every official the reader may see)
    whose name, or another name the reader may see, matches `query` in any
    spelling or script (cases.search name keys, as facilities are found: every
    word of the query begins a word of one name; when no official has the
    words, a name similar by trigrams). A hidden other name never matches.
    Raises cases.search.SearchQueryError beyond the bounds every search shares."""
    if queryset is None:
        queryset = visible(Official.objects.all(), reader)
    key = search_key(query)
    if not key:
        return queryset.none()
    words = key.split()
    names = OfficialName.objects.filter(own_level_q(reader), official=OuterRef("pk"))
    by_words = _words_begin_words(words) | Q(Exists(names.filter(_words_begin_words(words))))
    similar = Q(name_key__trigram_word_similar=key) | Q(
        Exists(names.filter(name_key__trigram_word_similar=key))
    )
    # uncorrelated: PostgreSQL reads it once
    anyone_by_words = Exists(visible(Official.objects.filter(by_words), reader))
    return queryset.filter(by_words | (similar & ~anyone_by_words))


# --- the list's rows ---------------------------------------------------------------


def official_list_rows(officials: list[Official], *, reader: Reader) -> list[dict]:
    """The officials of one list page (visible ones) with their current
    positions (visible, with no end date: title and organization) and the
    number of their involvements the reader may see: 2 queries."""
    ids = [o.pk for o in officials]
    if not ids:
        return []
    current: dict[int, list[dict]] = {}
    positions = (
        visible(Position.objects.filter(official_id__in=ids, ended_on__isnull=True), reader)
        .order_by("official_id", "-started_on", "id")
        .values("official_id", "title", "organization__slug", "organization__name")
    )
    for row in positions:
        current.setdefault(row.pop("official_id"), []).append(
            {
                "title": row["title"],
                "organization": {
                    "slug": row["organization__slug"],
                    "name": row["organization__name"],
                },
            }
        )
    counts = dict(
        visible(Involvement.objects.filter(official_id__in=ids), reader)
        .order_by()
        .values("official_id")
        .annotate(n=Count("id"))
        .values_list("official_id", "n")
    )
    return [
        {
            "official": o,
            "slug": o.slug,
            "name": o.name,
            "positions": current.get(o.pk, []),
            "involvements": counts.get(o.pk, 0),
        }
        for o in officials
    ]


# --- the records of officials: names, positions, involvements -------------------------

OFFICIAL_FIELDS = (
    "id", "uuid", "slug", "name", "birth_date", "birth_date_precision", "nationality",
    "identifiers", "description", "updated_at",
)  # fmt: skip

_PERSON = ("uuid", "slug", "display_name")
INVOLVEMENT_FIELDS = (
    "id", "uuid", "official_id", "role", "description", "reply", "reply_on",
    "reply_on_precision", "reply_source_id", "reply_source__uuid",
    "reply_source__visibility", "reply_source__deleted_at",
    "detention__uuid", "detention__arrested_on", "detention__arrested_on_precision",
    *[f"detention__person__{f}" for f in _PERSON],
    "case_event__uuid", "case_event__kind__code", "case_event__kind__label",
    "case_event__occurred_on", "case_event__occurred_on_precision",
    *[f"case_event__detention__person__{f}" for f in _PERSON],
    "allegation__uuid", "allegation__kind__code", "allegation__kind__label",
    "allegation__started_on", "allegation__started_on_precision",
    "allegation__victim_description",
    *[f"allegation__person__{f}" for f in _PERSON],
    *[f"allegation__detention__person__{f}" for f in _PERSON],
    "trial__uuid", "trial__slug", "trial__title", "trial__number", "trial__opened_on",
    "trial__opened_on_precision",
)  # fmt: skip

# the date of each kind of fact, as (column, precision column)
_FACT_DATES = {
    "detention": "detention__arrested_on",
    "case_event": "case_event__occurred_on",
    "allegation": "allegation__started_on",
    "trial": "trial__opened_on",
}
# where each kind of fact names its person, first found wins
_FACT_PERSONS = {
    "detention": ("detention__person",),
    "case_event": ("case_event__detention__person",),
    "allegation": ("allegation__person", "allegation__detention__person"),
    "trial": (),
}


def _person(row: dict, prefix: str) -> dict | None:
    if row[f"{prefix}__uuid"] is None:
        return None
    return {
        "uuid": row[f"{prefix}__uuid"],
        "slug": row[f"{prefix}__slug"],
        "name": row[f"{prefix}__display_name"],
    }


def _fact(row: dict, defendants: dict[int, list[dict]]) -> dict:
    """The fact of a case an involvement is in, from its row: its kind, uuid,
    code (the case event's or allegation's kind), English label (the vocabulary's,
    for a page to translate), date, the person it concerns (visible: the
    involvement is visible only with them), and for a trial its number, title,
    slug and visible defendants."""
    kind = next(target for target in INVOLVEMENT_TARGETS if row[f"{target}__uuid"] is not None)
    date_column = _FACT_DATES[kind]
    person = None
    for prefix in _FACT_PERSONS[kind]:
        person = person or _person(row, prefix)
    fact = {
        "kind": kind,
        "uuid": row[f"{kind}__uuid"],
        "code": row.get(f"{kind}__kind__code") or "",
        "label": row.get(f"{kind}__kind__label") or "",
        "date": _partial(row[date_column], row[f"{date_column}_precision"]),
        "person": person,
        "victim_description": row["allegation__victim_description"] or "",
        "trial": None,
        "defendants": [],
    }
    if kind == "trial":
        fact["trial"] = {
            "uuid": row["trial__uuid"],
            "slug": row["trial__slug"],
            "title": row["trial__title"],
            "number": row["trial__number"],
        }
        fact["defendants"] = defendants.get(row["trial_id"], [])
    return fact


def involvement_rows(official_ids: list[int], *, reader: Reader) -> list[dict]:
    """The involvements of `official_ids` the reader may see (their fact, its
    person and the official visible too; for the public, an alleged
    perpetrator's only on two publishers' sources), newest fact first: each
    with `official_id`, `uuid`, `role`, `description`, `fact` (see `_fact`),
    `reply` ({"text", "on", "source"} or None; the source's uuid only when
    the reader may see it) and `reply_source_id` (None unless visible).
    2 queries (1 without a trial among them)."""
    rows = list(
        visible(Involvement.objects.filter(official_id__in=official_ids), reader).values(
            *INVOLVEMENT_FIELDS, "trial_id"
        )
    )
    trial_ids = sorted({row["trial_id"] for row in rows if row["trial_id"] is not None})
    defendants: dict[int, list[dict]] = {}
    if trial_ids:
        for row in (
            visible(TrialDefendant.objects.filter(trial_id__in=trial_ids), reader)
            .order_by("trial_id", "person__display_name", "id")
            .values("trial_id", *[f"person__{f}" for f in _PERSON])
        ):
            defendants.setdefault(row["trial_id"], []).append(_person(row, "person"))
    levels = visible_levels(reader)
    result = []
    for row in rows:
        source_visible = (
            row["reply_source_id"] is not None
            and row["reply_source__visibility"] in levels
            and row["reply_source__deleted_at"] is None
        )
        reply = None
        if row["reply"].strip():
            reply = {
                "text": row["reply"],
                "on": _partial(row["reply_on"], row["reply_on_precision"]),
                "source": row["reply_source__uuid"] if source_visible else None,
            }
        result.append(
            {
                "id": row["id"],
                "uuid": row["uuid"],
                "official_id": row["official_id"],
                "role": row["role"],
                "description": row["description"],
                "fact": _fact(row, defendants),
                "reply": reply,
                "reply_source_id": row["reply_source_id"] if source_visible else None,
            }
        )
    return _newest_first(result)


def _newest_first(rows: list[dict]) -> list[dict]:
    """By the fact's date, newest first, the undated last; between equals, the
    involvement entered first."""
    dated = sorted(
        (r for r in rows if r["fact"]["date"]),
        key=lambda r: (-r["fact"]["date"].date.toordinal(), r["id"]),
    )
    undated = sorted((r for r in rows if not r["fact"]["date"]), key=lambda r: r["id"])
    return dated + undated


def name_rows(official_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The other names of `official_ids` the reader may see, by official: 1 query."""
    names: dict[int, list[dict]] = {}
    for row in (
        visible(OfficialName.objects.filter(official_id__in=official_ids), reader)
        .order_by("official_id", "language", "name", "id")
        .values("official_id", "name", "language")
    ):
        names.setdefault(row.pop("official_id"), []).append(row)
    return names


def position_rows(official_ids: list[int], *, reader: Reader) -> dict[int, list[dict]]:
    """The positions of `official_ids` the reader may see (cited, their
    organization visible), the latest first, by official: 1 query."""
    positions: dict[int, list[dict]] = {}
    for row in (
        visible(Position.objects.filter(official_id__in=official_ids), reader)
        .order_by("official_id", "-started_on", "-id")
        .values(
            "official_id", "id", "uuid", "title", "organization__uuid", "organization__slug",
            "organization__name", "started_on", "started_on_precision", "ended_on",
            "ended_on_precision",
        )
    ):  # fmt: skip
        positions.setdefault(row["official_id"], []).append(
            {
                "id": row["id"],
                "uuid": row["uuid"],
                "title": row["title"],
                "organization": {
                    "uuid": row["organization__uuid"],
                    "slug": row["organization__slug"],
                    "name": row["organization__name"],
                },
                "started_on": _partial(row["started_on"], row["started_on_precision"]),
                "ended_on": _partial(row["ended_on"], row["ended_on_precision"]),
            }
        )
    return positions


def official_records(officials: list[dict], *, reader: Reader) -> dict:
    """For official rows (`.values(*OFFICIAL_FIELDS)` of visible officials): their
    other names, positions and involvements the reader may see, and the visible
    citations of the officials, positions and involvements (cases.reads.citations:
    confidential excerpts masked). 5 queries (4 without a trial involvement)."""
    ids = [row["id"] for row in officials]
    positions = position_rows(ids, reader=reader)
    involvements = involvement_rows(ids, reader=reader)
    citations = citations_of(
        reader,
        official=ids,
        position=[p["id"] for rows in positions.values() for p in rows],
        involvement=[i["id"] for i in involvements],
    )
    by_official: dict[int, list[dict]] = {}
    for involvement in involvements:
        by_official.setdefault(involvement["official_id"], []).append(involvement)
    return {
        "names": name_rows(ids, reader=reader),
        "positions": positions,
        "involvements": by_official,
        "citations": citations,
    }


def official_api_rows(rows: list[dict], *, reader: Reader) -> list[dict]:
    """Officials as the API gives them (officials.api.serializers.OfficialSerializer)
    from `.values(*OFFICIAL_FIELDS)` rows of visible officials: their other names,
    positions and involvements the reader may see, each with its citations
    (`official_records`: 5 queries whatever the number of rows, 4 without a
    trial). Never a photo, its provenance or internal notes."""
    if not rows:
        return []
    records = official_records(rows, reader=reader)
    citations = records["citations"]
    result = []
    for row in rows:
        pk = row["id"]
        result.append(
            {
                "uuid": row["uuid"],
                "slug": row["slug"],
                "name": row["name"],
                "names": records["names"].get(pk, []),
                "birth_date": _partial(row["birth_date"], row["birth_date_precision"]),
                "nationality": row["nationality"],
                "identifiers": row["identifiers"],
                "description": row["description"],
                "positions": [
                    {
                        "uuid": p["uuid"],
                        "title": p["title"],
                        "organization": p["organization"],
                        "started_on": p["started_on"],
                        "ended_on": p["ended_on"],
                        "citations": citations["position"].get(p["id"], []),
                    }
                    for p in records["positions"].get(pk, [])
                ],
                "involvements": [
                    {
                        "uuid": i["uuid"],
                        "role": i["role"],
                        "fact": {
                            "kind": i["fact"]["kind"],
                            "uuid": i["fact"]["uuid"],
                            "date": i["fact"]["date"],
                            "person": i["fact"]["person"]["slug"] if i["fact"]["person"] else None,
                            "trial": i["fact"]["trial"]["slug"] if i["fact"]["trial"] else None,
                        },
                        "description": i["description"],
                        "citations": citations["involvement"].get(i["id"], []),
                        "reply": i["reply"],
                    }
                    for i in records["involvements"].get(pk, [])
                ],
                "citations": citations["official"].get(pk, []),
                "updated_at": row["updated_at"],
                "_id": pk,
            }
        )
    return result
