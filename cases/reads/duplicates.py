"""Which pairs of persons may be one person entered twice (for the researchers)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Prefetch

from cases.models import NameVariant, Person
from cases.reads.search import search_persons
from cases.visibility import Reader, visible

# Kept in step with the triggers of migration 0017 (the stored pairs are those
# of this bound and threshold).
BLOCK_LIMIT = 50
PAIR_THRESHOLD = 0.5


def possible_duplicates(*, limit: int = 100, threshold: float = PAIR_THRESHOLD) -> list[dict]:
    """Pairs of persons (not in the trash) whose names or name variants have
    alike name keys, best first: the best key similarity of the pair, raised
    by 0.2 when both birth years are known and agree, lowered by 0.3 when they
    differ.

    Keys are compared within blocks: the same surname (the key's last word). A
    block shared by more than BLOCK_LIMIT persons is a common surname, not a
    sign of duplicates; its members are paired only when their whole keys are
    equal (and such a key is shared by at most BLOCK_LIMIT persons).

    The pairs are stored, one row per pair and per key or block that makes it,
    with its score, and kept up to date by triggers on every write to persons
    and spellings (migration 0017); the best row of each pair is read here, so
    the page costs an index scan however many persons there are. A bulk write
    (more than a hundred persons in one statement) leaves its persons to be
    brought up to date here, before the read: after a large import the first
    read pays for it."""
    if threshold < PAIR_THRESHOLD:
        raise ValueError(f"pairs less alike than {PAIR_THRESHOLD} are not kept")
    sql = f"""
        SELECT best.first_id, best.second_id, best.similarity,
               p1.display_name AS first_name, p2.display_name AS second_name,
               extract(year FROM p1.birth_date)::int AS first_birth_year,
               extract(year FROM p2.birth_date)::int AS second_birth_year,
               best.score
          FROM (
            SELECT DISTINCT ON (c.score, c.first_id, c.second_id)
                   c.first_id, c.second_id, c.similarity, c.score
              FROM cases_duplicate_candidate c
             WHERE c.similarity >= %(threshold)s
               AND NOT EXISTS (
                   SELECT 1 FROM cases_duplicate_candidate better
                    WHERE better.first_id = c.first_id AND better.second_id = c.second_id
                      AND better.similarity > c.similarity)
             ORDER BY c.score DESC, c.first_id, c.second_id
             LIMIT %(limit)s
          ) best
          JOIN {Person._meta.db_table} p1 ON p1.id = best.first_id
          JOIN {Person._meta.db_table} p2 ON p2.id = best.second_id
         ORDER BY best.score DESC, best.first_id, best.second_id
    """
    with connection.cursor() as cursor:
        # a bulk write left its persons for the next read: bring them up to date
        cursor.execute("SELECT cases_duplicate_catch_up()")
        cursor.execute(sql, {"limit": limit, "threshold": threshold})
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
