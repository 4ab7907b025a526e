"""Importing an edition of a political-prisoner list (issue 18): a section of
`make bench` (bench.run calls `lists_section` last), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench BENCH_PERSONS=10000 .venv/bin/python -m bench.lists

On the benchmark's database and data set (bench.seed): an edition of
BENCH_LIST_ROWS names (default 5,000), four in five of them persons on record
(half written as their display name, half as one of their other spellings, in
another script) and one in five names no one has, is imported with
lists.services.edition_import: first as a dry run, then for real, then the same
file again (which must change nothing). The real imports run in a transaction
that is rolled back, so the benchmark's data set is left as it was. Prints rows
per second of each run and the share of rows matched to a person on record
(expected: 80%); goals missed are reported (NOT MET), never fatal."""

from __future__ import annotations

import os
import random
import time

ROWS_DEFAULT = 5_000
MATCHED_SHARE = 0.8
GOAL_ROWS_PER_SECOND = 1_000  # a real import, with history and new persons
SYLLABLES = [consonant + vowel for consonant in "bdgklmnrstvz" for vowel in "aeio"]


class _RolledBack(Exception):
    pass


def _known_rows(count: int, rng: random.Random) -> list[dict]:
    """Persons whose spelling names only them (a name two persons share would be
    a row error, and a file with one writes nothing), as the list would write
    them: the display name for half, another spelling for the other half."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            WITH keys AS (
                SELECT name_key, count(DISTINCT person_id) AS persons FROM (
                    SELECT name_key, id AS person_id FROM cases_person
                     WHERE deleted_at IS NULL AND name_key <> ''
                    UNION ALL
                    SELECT name_key, person_id FROM cases_namevariant
                     WHERE deleted_at IS NULL AND name_key <> ''
                ) spellings GROUP BY name_key
            )
            SELECT p.id, p.display_name,
                   (SELECT v.name FROM cases_namevariant v JOIN keys k ON k.name_key = v.name_key
                     WHERE v.person_id = p.id AND v.deleted_at IS NULL AND k.persons = 1
                     ORDER BY v.id LIMIT 1)
              FROM cases_person p JOIN keys k ON k.name_key = p.name_key AND k.persons = 1
             WHERE p.deleted_at IS NULL
             ORDER BY random() LIMIT %s
            """,
            [count],
        )
        found = cursor.fetchall()
    rows = []
    for index, (_pk, display_name, variant) in enumerate(found):
        name = variant if index % 2 and variant else display_name
        rows.append({"name": name, "group": rng.choice(["Journalists", "Activists", "Other"])})
    return rows


def _new_rows(count: int, rng: random.Random) -> list[dict]:
    """Names no one on record has (checked by their name keys)."""
    from cases.models import NameVariant, Person
    from cases.search import name_key

    names: dict[str, str] = {}
    while len(names) < count * 2:
        name = " ".join(
            "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(2)
        )
        names.setdefault(name_key(name), name)
    taken = set(Person.objects.filter(name_key__in=names).values_list("name_key", flat=True))
    taken |= set(NameVariant.objects.filter(name_key__in=names).values_list("name_key", flat=True))
    free = [name for key, name in names.items() if key not in taken][:count]
    return [{"name": name, "group": "New in this edition"} for name in free]


def lists_section(persons: int) -> None:
    from django.db import transaction

    from lists.services import edition_import

    total = int(os.environ.get("BENCH_LIST_ROWS", "").strip() or ROWS_DEFAULT)
    rng = random.Random(18)
    known = _known_rows(round(total * MATCHED_SHARE), rng)
    rows = known + _new_rows(total - len(known), rng)
    rng.shuffle(rows)
    print(f"\nImporting an edition of a list: {len(rows):,} names against {persons:,} persons")
    arguments = {
        "prisoner_list_slug": "bench-list",
        "published_on": "2024-03-01",
        "title": "Benchmark list",
        "row_limit": None,
    }
    timings = {}
    start = time.perf_counter()
    dry = edition_import(rows=rows, dry_run=True, **arguments)
    timings["dry run"] = time.perf_counter() - start
    if not dry.ok:
        print(f"  WARNING: the file is refused: {dry.problems[:3]} {dry.errors[:3]}")
        return
    again = None
    try:
        with transaction.atomic():
            start = time.perf_counter()
            done = edition_import(rows=rows, **arguments)
            timings["import"] = time.perf_counter() - start
            start = time.perf_counter()
            again = edition_import(rows=rows, **arguments)
            timings["the same file again"] = time.perf_counter() - start
            raise _RolledBack
    except _RolledBack:
        pass
    for label, seconds in timings.items():
        print(f"  {label:<22} {seconds:7.2f} s  {len(rows) / seconds:8,.0f} rows/s")
    share = done.matched / done.rows
    print(
        f"  matched to a person on record: {done.matched:,} of {done.rows:,} ({share:.1%});"
        f" new persons {done.new_persons:,}; entries added {done.added:,}"
    )
    rate = len(rows) / timings["import"]
    expected = len(known) / len(rows)
    print(
        f"  goal: every name of a person on record matched ({len(known):,} names whose "
        f"spelling only one person has, {expected:.1%}): "
        f"{'MET' if abs(share - expected) < 1e-9 else 'NOT MET'}"
    )
    print(
        f"  goal: importing at least {GOAL_ROWS_PER_SECOND:,} rows/s: "
        f"{'MET' if rate >= GOAL_ROWS_PER_SECOND else 'NOT MET'} ({rate:,.0f})"
    )
    unchanged = again is not None and again.added == again.changed == again.removed == 0
    print(f"  goal: the same file again changes nothing: {'MET' if unchanged else 'NOT MET'}")


if __name__ == "__main__":
    from bench.run import _int_env, _prepare_environment

    _prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    from bench.seed import ensure_dataset

    call_command("migrate", interactive=False, verbosity=0)
    count = _int_env("BENCH_PERSONS", 100_000)
    ensure_dataset(count)
    lists_section(count)
