"""Whether the stored status (cases.reads.status, kept by triggers) is the status
rule computed afresh, the stored current places (kept by the same triggers) the
current-place rule computed afresh (places.reads.current_custody_sql), and the
stored filter values (cases.reads.facet_rows, kept by the same triggers) the
values computed afresh, for every reader, on the benchmark database:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.status_check

bench.run may call `check_stored_status()`, `check_stored_places()` and
`check_stored_facets()` after
seeding (the seeding loads rows with the triggers off and calls
cases.reads.status.rebuild_stored_status)."""

from __future__ import annotations

import time


def _compare(label: str, what: str, sql_pairs) -> dict[str, int]:
    """For each reader: how many rows the stored SQL and the computed SQL do not
    share (either way; none when they agree), printed with the stored rows'
    count and the time the rule took. `sql_pairs(reader)` gives both, each SQL
    with its parameters."""
    from django.db import connection

    from cases.reads.status import STORED_READERS

    differing = {}
    for reader in STORED_READERS:
        (stored, stored_params), (computed, computed_params) = sql_pairs(reader)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (({stored}) EXCEPT ALL ({computed})"
                f" UNION ALL (({computed}) EXCEPT ALL ({stored}))) d",
                [*stored_params, *computed_params, *computed_params, *stored_params],
            )
            differing[reader.value] = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM ({stored}) s", stored_params)
            rows = cursor.fetchone()[0]
        seconds = time.perf_counter() - started
        verdict = "MET" if not differing[reader.value] else "NOT MET"
        print(
            f"  {label} = the rule computed, {reader.value}: {rows:,} {what},"
            f" {differing[reader.value]:,} differing ({seconds:.1f} s) {verdict}"
        )
    return differing


def check_stored_status() -> dict[str, int]:
    """For each reader: the persons whose stored row differs from the computed one
    (either way; none when they agree), printed with the time the rule took."""
    from cases.reads.status import computed_status_sql, status_sql

    return _compare(
        "stored status",
        "persons with a status",
        lambda reader: (status_sql(reader=reader), computed_status_sql(reader=reader)),
    )


def check_stored_places() -> dict[str, int]:
    """For each reader: the persons whose stored current place differs from the
    one the rule computes (either way; none when they agree), printed with the
    time the rule took."""
    from cases.reads.status import place_sql
    from places.reads import current_custody_sql

    def pairs(reader):
        rule, rule_params = current_custody_sql(reader=reader)
        computed = f"SELECT person_id, custody_id, facility_id FROM ({rule}) c"
        return place_sql(reader=reader), (computed, rule_params)

    return _compare("stored current place", "persons placed", pairs)


def check_stored_facets() -> dict[str, int]:
    """For each reader: the stored filter values that differ from the computed
    ones (either way), and the counts of the case list read from the stored rows
    that differ from the computed values counted (none when they agree), printed
    with the time they took."""
    from django.db import connection

    from cases.reads.facet_rows import (
        FACET_TABLE,
        FACET_VALUES,
        STORED_FACETS,
        computed_facet_rows_sql,
    )
    from cases.reads.facets import _stored_counts_sql
    from cases.reads.status import STORED_READERS

    with connection.cursor() as cursor:
        labels = {}
        for facet, (table, column) in FACET_VALUES.items():
            cursor.execute(f"SELECT id, {column} FROM {table}")
            labels[facet] = dict(cursor.fetchall())
    differing = {}
    for reader in STORED_READERS:
        stored = f"SELECT facet, value, person_id FROM {FACET_TABLE} WHERE reader = %s"
        computed, computed_params = computed_facet_rows_sql(reader)
        counted, counted_params = _stored_counts_sql(
            reader, list(STORED_FACETS), None, limit_organizations=10**6
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (({stored}) EXCEPT ALL ({computed})"
                f" UNION ALL (({computed}) EXCEPT ALL ({stored}))) d",
                [reader.value, *computed_params, *computed_params, reader.value],
            )
            rows = cursor.fetchone()[0]
            cursor.execute(f"SELECT facet, shown, n FROM ({counted}) s", counted_params)
            shown = {(facet, value): n for facet, value, n in cursor.fetchall()}
            cursor.execute(
                f"SELECT facet, value, count(*) FROM ({computed}) c GROUP BY facet, value",
                computed_params,
            )
            expected = {
                (facet, labels[facet][value] if facet in labels else str(value)): n
                for facet, value, n in cursor.fetchall()
            }
            cursor.execute(f"SELECT count(*) FROM {FACET_TABLE} WHERE reader = %s", [reader.value])
            total = cursor.fetchone()[0]
        counts = len(set(shown.items()) ^ set(expected.items()))
        differing[reader.value] = rows + counts
        seconds = time.perf_counter() - started
        verdict = "MET" if not differing[reader.value] else "NOT MET"
        print(
            f"  stored filter values = computed, {reader.value}: {total:,} values, {rows:,}"
            f" differing, counts of {len(shown)} values read from them, {counts} differing"
            f" ({seconds:.1f} s) {verdict}"
        )
    return differing


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    django.setup()
    check_stored_status()
    check_stored_places()
    check_stored_facets()
