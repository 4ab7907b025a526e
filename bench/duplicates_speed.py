"""Possible duplicates at scale (issue 20, item 4): a section of `make bench`,
or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.duplicates_speed

On the benchmark's database and data set (bench.seed): the admin's page of
possible duplicates (cases.reads.duplicates.possible_duplicates, the best 100
pairs, read from the pairs the triggers of migration 0017 keep) is timed
against the query it replaced, which compared every name key on each visit
(`naive_possible_duplicates`, kept here as the baseline); both must give the
same pairs. Also timed, in a transaction that is rolled back: what keeping the
pairs costs a write (renaming one person, adding a spelling, trashing a
person). Prints median and p95 of each; goals missed are reported (NOT MET),
never fatal."""

from __future__ import annotations

import os
import time

GOAL_SECONDS = 1.0
LIMIT = 100


def naive_possible_duplicates(
    *, limit: int = 100, threshold: float = 0.5, block_limit: int = 50
) -> list[dict]:
    """possible_duplicates as it was before migration 0017: every name key
    compared on each call (keys of one surname, or equal keys when the surname
    is shared by more than `block_limit` persons)."""
    from django.db import connection

    sql = """
        WITH keys AS (
            SELECT id AS person_id, name_key AS key, substring(name_key FROM '[^ ]+$') AS block
              FROM cases_person WHERE deleted_at IS NULL AND name_key <> ''
            UNION
            SELECT v.person_id, v.name_key, substring(v.name_key FROM '[^ ]+$')
              FROM cases_namevariant v
              JOIN cases_person p ON p.id = v.person_id AND p.deleted_at IS NULL
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
          JOIN cases_person p1 ON p1.id = pairs.first_id
          JOIN cases_person p2 ON p2.id = pairs.second_id
         ORDER BY score DESC, pairs.first_id, pairs.second_id
         LIMIT %(limit)s
    """
    params = {"limit": limit, "threshold": threshold, "block_limit": block_limit}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class _RolledBack(Exception):
    pass


def _timed(call, iterations: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(iterations):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return samples, result


def _ms(samples: list[float]) -> str:
    from bench.run import percentile

    ordered = sorted(samples)
    median = ordered[len(ordered) // 2]
    return f"median {median * 1000:8.1f} ms   p95 {percentile(samples, 0.95) * 1000:8.1f} ms"


def duplicates_section(persons: int) -> None:
    from django.db import connection, transaction

    from cases.reads.duplicates import possible_duplicates

    iterations = int(os.environ.get("BENCH_DUPLICATES_ITERATIONS", "").strip() or 20)
    naive_iterations = int(os.environ.get("BENCH_DUPLICATES_NAIVE_ITERATIONS", "").strip() or 3)
    print(f"\nPossible duplicates: the best {LIMIT} pairs of {persons:,} persons")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT cases_duplicate_catch_up()")  # a seeding left persons waiting
        caught_up = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM cases_duplicate_candidate")
        (rows,) = cursor.fetchone()
    if caught_up > 0.05:
        print(f"  pairs brought up to date after the last bulk write: {caught_up:.2f} s")
    possible_duplicates(limit=LIMIT)  # warm
    stored, pairs = _timed(lambda: possible_duplicates(limit=LIMIT), iterations)
    naive, naive_pairs = _timed(lambda: naive_possible_duplicates(limit=LIMIT), naive_iterations)
    same = pairs == naive_pairs
    ratio = sorted(naive)[len(naive) // 2] / sorted(stored)[len(stored) // 2]
    print(f"  stored pairs ({iterations} reads)      {_ms(stored)}   {len(pairs)} pairs")
    print(
        f"  old query, naive ({naive_iterations} reads)   {_ms(naive)}   {len(naive_pairs)} pairs"
    )
    print(f"  {ratio:,.0f}x faster; the same pairs as the old query: {'yes' if same else 'NO'};"
          f" stored rows (a pair per key or surname that makes it): {rows:,}")  # fmt: skip

    # what keeping the pairs costs a write, and the first read after a bulk write
    writes = {
        "rename one person": "UPDATE cases_person SET name_key = name_key || 'x', "
        "display_name = display_name || 'x' WHERE id = {id}",
        "a new birth date": "UPDATE cases_person SET birth_date = '1970-01-01', "
        "birth_date_precision = 3 WHERE id = {id}",
        "trash one person": "UPDATE cases_person SET deleted_at = now() WHERE id = {id}",
        "add a spelling": "INSERT INTO cases_namevariant (uuid, visibility, created_at, "
        "updated_at, name, language, kind, name_key, person_id) SELECT gen_random_uuid(), "
        "'internal', now(), now(), 'Bench ' || name_key, 'en', 'other', name_key || 'z', id "
        "FROM cases_person WHERE id = {id}",
    }
    timings: dict[str, list[float]] = {label: [] for label in writes}
    bulk = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM cases_person WHERE deleted_at IS NULL ORDER BY id LIMIT %s",
                [iterations * len(writes)],
            )
            ids = iter([pk for (pk,) in cursor.fetchall()])
            for _ in range(iterations):
                for label, sql in writes.items():
                    started = time.perf_counter()
                    cursor.execute(sql.format(id=int(next(ids))))
                    timings[label].append(time.perf_counter() - started)
            started = time.perf_counter()
            cursor.execute(
                "UPDATE cases_person SET name_key = name_key || 'y' WHERE id IN "
                "(SELECT id FROM cases_person WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1000)"
            )
            bulk["rename 1,000 persons in one statement"] = time.perf_counter() - started
            started = time.perf_counter()
            after_bulk = possible_duplicates(limit=LIMIT)
            bulk["the first read after it (brings them up to date)"] = time.perf_counter() - started
            started = time.perf_counter()
            possible_duplicates(limit=LIMIT)
            bulk["the next read"] = time.perf_counter() - started
            still_same = after_bulk == naive_possible_duplicates(limit=LIMIT)
            raise _RolledBack
    except _RolledBack:
        pass
    for label, samples in timings.items():
        print(f"  write: {label:<28} {_ms(samples)}")
    for label, seconds in bulk.items():
        print(f"  {label:<56} {seconds * 1000:8.1f} ms")
    print(f"  the same pairs as the old query after those writes: {'yes' if still_same else 'NO'}")

    median = sorted(stored)[len(stored) // 2]
    met = same and still_same and max(stored) < GOAL_SECONDS
    print(
        f"  goal: possible duplicates under 1 s at {persons:,} persons: "
        f"{'MET' if met else 'NOT MET'} (median {median * 1000:.1f} ms, slowest "
        f"{max(stored) * 1000:.1f} ms; old query {sorted(naive)[len(naive) // 2]:.2f} s)"
    )


if __name__ == "__main__":
    from bench.run import run_section_alone

    run_section_alone("duplicates")
