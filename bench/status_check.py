"""Whether the stored status (cases.reads.status, kept by triggers) is the status
rule computed afresh, for every reader, on the benchmark database:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.status_check

bench.run may call `check_stored_status()` after seeding (the seeding loads rows
with the triggers off and calls cases.reads.status.rebuild_stored_status)."""

from __future__ import annotations

import time


def check_stored_status() -> dict[str, int]:
    """For each reader: the persons whose stored row differs from the computed one
    (either way; none when they agree), printed with the time the rule took."""
    from django.db import connection

    from cases.reads.status import STORED_READERS, computed_status_sql, status_sql

    differing = {}
    for reader in STORED_READERS:
        stored, stored_params = status_sql(reader=reader)
        computed, computed_params = computed_status_sql(reader=reader)
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
            f"  stored status = the rule computed, {reader.value}: {rows:,} persons with a"
            f" status, {differing[reader.value]:,} differing ({seconds:.1f} s) {verdict}"
        )
    return differing


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    django.setup()
    check_stored_status()
