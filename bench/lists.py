"""Importing an edition of a political-prisoner list (issue 18): a section of
`make bench` (bench.run calls `lists_section` last), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench BENCH_PERSONS=10000 .venv/bin/python -m bench.lists

On the benchmark's database and data set (bench.seed): an edition of
BENCH_LIST_ROWS names (default 5,000), four in five of them persons on record
(half written as their display name, half in Cyrillic, found by the name key)
and one in five names no one has, is imported with
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


CYRILLIC = str.maketrans("bdgklmnrstvzaeio", "бдгклмнрствзаеио")


def _syllable_names(count: int, rng: random.Random) -> list[str]:
    """Made-up names no one on record has (checked by their name keys)."""
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
    return [name for key, name in names.items() if key not in taken][:count]


def _known_rows(count: int, rng: random.Random) -> list[dict]:
    """Rows naming `count` persons on record, each by a spelling only that person
    has: the display name for half, the name in Cyrillic for the other half (found
    by the name key). The synthetic data set draws names from small pools, so at
    100,000 persons few names are a single person's; the benchmark gives `count`
    persons chosen at random a name of their own first, inside the transaction
    that is rolled back."""
    from django.db import connection

    from cases.search import name_key

    names = _syllable_names(count, rng)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "SELECT id FROM cases_person WHERE deleted_at IS NULL AND NOT is_unnamed "
            "ORDER BY random() LIMIT %s",
            [len(names)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        cursor.execute(
            "UPDATE cases_person p SET display_name = n.name, name_key = n.key "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS n(id, name, key) "
            "WHERE p.id = n.id",
            [ids, names[: len(ids)], [name_key(name) for name in names[: len(ids)]]],
        )
    rows = []
    for index, name in enumerate(names[: len(ids)]):
        spelling = name.lower().translate(CYRILLIC).title() if index % 2 else name
        rows.append({"name": spelling, "group": rng.choice(["Journalists", "Activists", "Other"])})
    return rows


def _new_rows(count: int, rng: random.Random) -> list[dict]:
    """Names no one on record has."""
    return [{"name": name, "group": "New in this edition"} for name in _syllable_names(count, rng)]


def lists_section(persons: int) -> None:
    from django.db import transaction

    from lists.services import edition_import

    total = int(os.environ.get("BENCH_LIST_ROWS", "").strip() or ROWS_DEFAULT)
    rng = random.Random(18)
    print(f"\nImporting an edition of a list: {total:,} names against {persons:,} persons")
    arguments = {
        "prisoner_list_slug": "bench-list",
        "published_on": "2024-03-01",
        "title": "Benchmark list",
        "row_limit": None,
    }
    timings = {}
    dry = done = again = None
    try:
        with transaction.atomic():
            known = _known_rows(round(total * MATCHED_SHARE), rng)
            rows = known + _new_rows(total - len(known), rng)
            rng.shuffle(rows)
            start = time.perf_counter()
            dry = edition_import(rows=rows, dry_run=True, **arguments)
            timings["dry run"] = time.perf_counter() - start
            if not dry.ok:
                raise _RolledBack
            start = time.perf_counter()
            done = edition_import(rows=rows, **arguments)
            timings["import"] = time.perf_counter() - start
            start = time.perf_counter()
            again = edition_import(rows=rows, **arguments)
            timings["the same file again"] = time.perf_counter() - start
            raise _RolledBack
    except _RolledBack:
        pass
    if done is None:
        print(f"  WARNING: the file is refused: {dry.problems[:3]} {dry.errors[:3]}")
        return
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
        f"  goal: every name of a person on record matched ({len(known):,} names, half in "
        f"another script, {expected:.1%}): "
        f"{'MET' if abs(share - expected) < 1e-9 else 'NOT MET'}"
    )
    print(
        f"  goal: importing at least {GOAL_ROWS_PER_SECOND:,} rows/s: "
        f"{'MET' if rate >= GOAL_ROWS_PER_SECOND else 'NOT MET'} ({rate:,.0f})"
    )
    unchanged = again is not None and again.added == again.changed == again.removed == 0
    print(f"  goal: the same file again changes nothing: {'MET' if unchanged else 'NOT MET'}")


if __name__ == "__main__":
    from bench.run import run_section_alone

    run_section_alone("lists")
