"""Which pairs of persons may be one person entered twice (for the researchers)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Prefetch

from cases.models import NameVariant, Person
from cases.reads.search import search_persons
from cases.visibility import Reader, visible


def possible_duplicates(
    *, limit: int = 100, threshold: float = 0.5, block_limit: int = 50
) -> list[dict]:
    """Pairs of persons (not in the trash) whose names or name variants have
    alike name keys, best first: the best key similarity of the pair, raised
    by 0.2 when both birth years are known and agree, lowered by 0.3 when they
    differ.

    Comparing every key with every other is quadratic (minutes at 100,000
    persons), so keys are compared within blocks: the same surname (the key's
    last word). A block shared by more than `block_limit` persons is a common
    surname, not a sign of duplicates; its members are compared only when
    their whole keys are equal."""
    sql = f"""
        WITH keys AS (
            SELECT id AS person_id, name_key AS key, substring(name_key FROM '[^ ]+$') AS block
              FROM {Person._meta.db_table} WHERE deleted_at IS NULL AND name_key <> ''
            UNION
            SELECT v.person_id, v.name_key, substring(v.name_key FROM '[^ ]+$')
              FROM {NameVariant._meta.db_table} v
              JOIN {Person._meta.db_table} p ON p.id = v.person_id AND p.deleted_at IS NULL
             WHERE v.deleted_at IS NULL AND v.name_key <> ''
        ),
        small_blocks AS (
            SELECT block FROM keys GROUP BY block
            HAVING count(DISTINCT person_id) BETWEEN 2 AND %(block_limit)s
        ),
        small_keys AS (
            SELECT key FROM keys GROUP BY key
            HAVING count(DISTINCT person_id) BETWEEN 2 AND %(block_limit)s
        ),
        candidates AS (
            SELECT a.person_id AS first_id, b.person_id AS second_id,
                   similarity(a.key, b.key) AS similarity
              FROM keys a JOIN keys b ON a.block = b.block AND a.person_id < b.person_id
             WHERE a.block IN (SELECT block FROM small_blocks)
            UNION ALL
            SELECT a.person_id, b.person_id, 1.0
              FROM keys a JOIN keys b ON a.key = b.key AND a.person_id < b.person_id
             WHERE a.key IN (SELECT key FROM small_keys)
        ),
        pairs AS (
            SELECT first_id, second_id, max(similarity) AS similarity
              FROM candidates GROUP BY first_id, second_id
            HAVING max(similarity) >= %(threshold)s
        )
        SELECT pairs.first_id, pairs.second_id, pairs.similarity,
               p1.display_name AS first_name, p2.display_name AS second_name,
               extract(year FROM p1.birth_date)::int AS first_birth_year,
               extract(year FROM p2.birth_date)::int AS second_birth_year,
               pairs.similarity + CASE
                   WHEN p1.birth_date IS NULL OR p2.birth_date IS NULL THEN 0
                   WHEN extract(year FROM p1.birth_date) = extract(year FROM p2.birth_date) THEN 0.2
                   ELSE -0.3 END AS score
          FROM pairs
          JOIN {Person._meta.db_table} p1 ON p1.id = pairs.first_id
          JOIN {Person._meta.db_table} p2 ON p2.id = pairs.second_id
         ORDER BY score DESC, pairs.first_id, pairs.second_id
         LIMIT %(limit)s
    """
    params = {"limit": limit, "threshold": threshold, "block_limit": block_limit}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# How alike a name typed for a new person must be to a recorded name or spelling
# (trigram word similarity of the name keys, 0 to 1) to be shown as maybe the same.
LIKELY_SAME_SCORE = 0.6


def likely_same_persons(names: list[str], *, limit: int = 5) -> list[Person]:
    """Persons (not in the trash) whose name or a spelling is like one of
    `names`, best first: the case-entry page warns of them as a new person's
    name is typed, and before a new person is saved. Raises SearchQueryError
    for a text no search accepts."""
    found: dict[int, Person] = {}
    for name in names:
        matches = (
            search_persons(visible(Person.objects.all(), Reader.STAFF), name, reader=Reader.STAFF)
            .filter(score__gte=LIKELY_SAME_SCORE)
            .prefetch_related(
                Prefetch("name_variants", NameVariant.objects.filter(deleted_at__isnull=True))
            )[:limit]
        )
        for person in matches:
            found.setdefault(person.pk, person)
    return sorted(found.values(), key=lambda person: -person.score)[:limit]
