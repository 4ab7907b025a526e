"""Which persons a name matches, in any spelling the reader may see."""

from __future__ import annotations

import json

from django.db import connection, connections
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value
from django.utils.functional import cached_property

from cases.models import NameVariant, Person
from cases.search import search_key
from cases.visibility import Reader, own_level_sql

WORDS_TABLE = "cases_search_word"  # migration 0025
# `seen_by` of WORDS_TABLE: the first reader who may see a name; a reader sees
# the names up to their own (cases.visibility's levels nest)
SEEN_BY = {Reader.PUBLIC: 0, Reader.PARTNER: 1, Reader.STAFF: 2}


def search_persons(queryset: QuerySet[Person], query: str, *, reader: Reader) -> QuerySet[Person]:
    """Persons of `queryset` whose name or any name variant the reader may see
    matches `query` in any spelling, annotated with `score` (0 to 1), best first.

    The search runs once, when this is called (`person_matches`); the queryset
    returned holds the persons found by their ids and scores, so counting it,
    paging it and filtering it further compare no names again.

    A hidden variant never matches: it would tell a public reader which person
    bears an alias the researchers keep internal."""
    key = search_key(query)  # SearchQueryError beyond the bounds every search shares
    matches = person_matches(key, reader=reader) if key else {}
    if not matches:
        # nothing to match (punctuation, symbols) or no one: the score the callers
        # order by all the same
        return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
    return (
        queryset.filter(_AnyOf(F("pk"), list(matches)))
        .annotate(score=_ScoreOf(F("pk"), matches))
        .order_by("-score", "display_name", "pk")
    )


class _FoundIds(Func):
    """What the two nodes of the persons found share: Django's `identity` (which
    compares and hashes expressions: an ordering by the score asks for it) would
    walk the ids and scores one by one (26,000 calls for the 2,607 persons of
    "Xədi"); they are compared whole here."""

    @cached_property
    def identity(self):
        return (type(self), self.source_expressions[0], self._found())

    def _found(self):
        raise NotImplementedError


class _AnyOf(_FoundIds):
    """`column = ANY(%s::bigint[])`, the ids one parameter (an IN list would be a
    parameter each), written as one array literal: Django's cursor writes a list
    parameter out element by element in Python, a text once. As an index
    condition the index looks the values up; the filter counts
    (cases.reads.facets) find the persons of a search by this node."""

    output_field = BooleanField()

    def __init__(self, expression, values: list):
        super().__init__(expression)
        self.values = values

    def _found(self):
        return tuple(self.values)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", [*params, _array_literal(self.values)]


def _array_literal(ids: list[int]) -> str:
    """The PostgreSQL array literal of integer ids: '{5,124,159}'."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


class _ScoreOf(_FoundIds):
    """The score of the person `column` names, looked up in one JSON object
    {id: score} (`(%s::jsonb ->> id::text)::float8`). A jsonb object keeps its
    keys sorted, so each row costs a binary search. A CASE with one
    `id = ANY(...)` branch per score compared every row with every id found
    (PostgreSQL searched such an array row by row): the page of "Xədi" (2,607
    persons found at 100,000) took three times as long to read."""

    output_field = FloatField()

    def __init__(self, expression, scores: dict[int, float]):
        super().__init__(expression)
        self.scores = scores

    def _found(self):
        return frozenset(self.scores.items())

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        scores = json.dumps({str(pk): score for pk, score in self.scores.items()})
        return f"(%s::jsonb ->> ({sql})::text)::double precision", [scores, *params]


def person_matches(
    key: str, *, reader: Reader, words_table: bool | None = None
) -> dict[int, float]:
    """{person id: score} of the persons whose name key, or the key of a name
    variant the reader may see, matches the search key `key`: one query.

    Two ways to match, the first that finds anyone wins:

    1. By words: every word of the key begins a word of the name ("gasanov"
       finds Gasanov and Gasanova, "gadi" finds Gadija), through the GIN index
       on `casebook_name_prefixes(name_key)` (migration 0016), or for a
       one-word key WORDS_TABLE (`_one_word_from_table`): either answers
       exactly, so no name is compared by trigrams. The score is the trigram
       word similarity; for a one-word key it follows from the match itself
       (the whole word: 1; a word it begins: (n - 1) / n for the n trigrams of
       the key, as `word_similarity` counts them) and is not computed row by row.
    2. By similarity, when no name has the words (a misspelling: "Bakhtyar"):
       every name whose trigram word similarity to the key reaches pg_trgm's
       threshold (0.6), through the trigram indexes. The person keys and the
       visible variant keys are two scans joined by UNION ALL: an OR of the two
       inside one WHERE makes PostgreSQL test every person instead.

    A person's score is the best of their name and their visible variants. For
    a reader other than staff, only persons of the reader's levels and not in
    the trash are returned (staff search the trash in the admin too).

    Staff search the GIN index because their search finds trashed persons,
    whom WORDS_TABLE does not hold; `words_table` chooses the way of a one-word
    key for a test comparing the two."""
    words = key.split()
    variant_level, variant_params = own_level_sql(reader)
    person_level, person_params = ("TRUE", []) if reader is Reader.STAFF else own_level_sql(reader)
    person, variant = Person._meta.db_table, NameVariant._meta.db_table
    if len(words) == 1:
        score = (
            "CASE WHEN string_to_array(name_key, ' ') @> %(words)s THEN 1.0::real "
            "ELSE (cardinality(show_trgm(%(key)s)) - 1)::real / cardinality(show_trgm(%(key)s)) END"
        )
    else:
        score = "word_similarity(%(key)s, name_key)"
    by_words = "casebook_name_prefixes(name_key) @> %(words)s"
    by_similarity = "%(key)s <%% name_key"
    params = {
        "key": key,
        "words": words,
        "variant_level": variant_params[0] if variant_params else None,
        "person_level": person_params[0] if person_params else None,
    }
    variant_where = variant_level.replace("%s", "%(variant_level)s")
    person_where = person_level.replace("%s", "%(person_level)s")

    def matching(condition: str, score: str) -> str:
        # The persons found by their own name are checked for the reader's level
        # in the rows the search reads anyway; only those found by a variant
        # alone are looked up again (for "Xədi": 480 lookups instead of 3,087).
        return f"""
            WITH names AS (
                SELECT id AS person_id, {score} AS score FROM {person}
                WHERE {condition} AND {person_where}
            ), variants AS (
                SELECT person_id, max({score}) AS score FROM {variant}
                WHERE {condition} AND {variant_where} GROUP BY person_id
            )
            SELECT names.person_id, GREATEST(names.score, variants.score) AS score FROM names
            LEFT JOIN variants ON variants.person_id = names.person_id
            UNION ALL
            SELECT variants.person_id, variants.score FROM variants
            JOIN {person} ON {person}.id = variants.person_id
            WHERE {person_where}
            AND NOT EXISTS (SELECT FROM names WHERE names.person_id = variants.person_id)
        """

    # only words of two letters or more are indexed (a one-letter word would
    # match nearly every name): a key with a shorter word is compared by similarity
    if not all(len(word) >= 2 for word in words):
        sql = matching(by_similarity, "word_similarity(%(key)s, name_key)")
    else:
        # one query: the similar names are read only if no name has the words
        # (an uncorrelated NOT EXISTS is a one-time filter in PostgreSQL)
        if words_table is None:
            words_table = reader is not Reader.STAFF
        if words_table and len(words) == 1:
            found = _one_word_from_table()
            params["seen_by"] = SEEN_BY[reader]
        else:
            found = matching(by_words, score)
        sql = f"""
            WITH by_words AS MATERIALIZED ({found})
            SELECT person_id, score FROM by_words
            UNION ALL
            SELECT * FROM ({matching(by_similarity, "word_similarity(%(key)s, name_key)")}) similar_names
            WHERE NOT EXISTS (SELECT FROM by_words)
        """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _one_word_from_table() -> str:
    """The persons `person_matches` finds by a one-word key, with their scores,
    read from WORDS_TABLE (migration 0025: the words of every name and the first
    reader who may see it) rather than from the persons and variants: its index
    answers alone (the score needs only whether a name has the word whole),
    where the prefix index of 0016 gave row ids and every name found was read to
    check its level and score it (2,213 persons and 6,493 variants for "Xədi":
    32 ms, 5.5 ms from the table). A key of several words is scored by
    `word_similarity` with each name found, read from its row either way, and
    its words together find few names: there the table was no quicker."""
    return f"""
        SELECT person_id, CASE WHEN bool_or(word = %(key)s) THEN 1.0::real
            ELSE (cardinality(show_trgm(%(key)s)) - 1)::real / cardinality(show_trgm(%(key)s))
            END AS score
        FROM {WORDS_TABLE} WHERE word ^@ %(key)s AND seen_by <= %(seen_by)s
        GROUP BY person_id
    """


def rebuild_search_words(using: str = "default") -> None:
    """Write WORDS_TABLE again from every name: after rows were loaded with its
    triggers off (the benchmark's seeding)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT cases_search_words_write(NULL)")
        cursor.execute(f"ANALYZE {WORDS_TABLE}")
