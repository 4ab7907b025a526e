"""The benchmark's places section (bench.places) at a tiny size: `BENCH_ONLY=places
python -m bench.run` on a fresh database of 300 persons seeds facilities and
custody periods (bench.seed) that keep the issue's shape, times every address,
finds the raw SQL's rows equal to the views' and each facility's held-now count
equal to its persons filter, and states every goal. Times are printed, never
asserted."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from bench.facility_names import BOUNDS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LABELS = (
    "API /facilities/ (first page, 100)",
    "API /facilities/?page_size=500 (every facility)",
    "API /persons/?facility=<largest>",
    "API /persons/?status=held&facility=<largest>",
    "API /persons/?facility=<median>",
    "API /persons/?status=held&facility=<median>",
    "page /facilities/ (every facility, counts, map)",
    "page /facilities/<largest>/",
    "page /facilities/<median>/",
)
GOALS = (
    "API facility list, p95 under 50 ms",
    "API facility list, within 3x of raw SQL",
    "API persons by facility, p95 under 50 ms",
    "API persons by facility, within 3x of raw SQL",
    "page /facilities/ (every facility, counts, map), p95 under 60 ms",
)


def _database(name: str):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname=name, autocommit=True
    )


@pytest.fixture(scope="module")
def bench_run():
    """The section run once on its own small database (the runner seeds only a
    database whose name holds "bench"), dropped afterwards."""
    name = f"casebook_places_{uuid.uuid4().hex[:8]}_bench"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        CASEBOOK_DB_NAME=name,
        BENCH_PERSONS="300",
        BENCH_ONLY="places",
        BENCH_ITERATIONS="3",
        BENCH_WARMUP="1",
    )
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        yield name, result
    finally:
        with _database("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_section_times_every_address_and_states_every_goal(bench_run):
    _name, result = bench_run
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "Places of detention at 300 persons" in result.stdout, output[-3000:]
    lines = result.stdout.splitlines()
    for label in LABELS:
        row = next((line for line in lines if label in line and "|" in line), None)
        assert row is not None, (label, output[-3000:])
        assert "error" not in row, row
    for goal in GOALS:
        verdict = next((line for line in lines if goal in line), "")
        assert verdict.endswith(("-> MET", "-> NOT MET")), (goal, output[-3000:])
    # the raw SQL reads the views' rows; held now equals the persons filter
    assert "WARNING" not in output, output[-3000:]
    # BENCH_ONLY=places: that section alone, not the endpoints' table or others
    assert "Timing" not in result.stdout
    assert "Name search at" not in result.stdout


def test_the_seeded_places_have_the_issue_shape(bench_run):
    name, result = bench_run
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    with _database(name) as conn:
        (facilities, public, cited, placed, names, cyrillic) = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE visibility = 'public'),"
            " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sources_citation c"
            "  WHERE c.facility_id = f.id AND c.visibility = 'public')),"
            " count(*) FILTER (WHERE latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s),"
            " (SELECT count(*) FROM places_facilityname),"
            " (SELECT count(*) FROM places_facilityname WHERE name ~ '[А-Яа-я]')"
            " FROM places_facility f",
            [*BOUNDS[0], *BOUNDS[1]],
        ).fetchone()
        assert facilities >= 200
        assert facilities * 0.85 <= public < facilities  # most public, some not
        assert cited >= facilities * 0.9
        assert placed == facilities  # every one inside Azerbaijan's bounding box
        assert cyrillic == facilities and names == 2 * facilities  # Azerbaijani and Russian
        # consecutive custody periods of a detention are transfers: each ends on the
        # day the next begins; only the last may be open, and only while held
        periods = conn.execute(
            "SELECT cp.detention_id, cp.held_from, cp.held_until, d.released_on, ls.in_detention"
            " FROM places_custodyperiod cp JOIN cases_detention d ON d.id = cp.detention_id"
            " LEFT JOIN cases_legalstage ls ON ls.id = d.legal_stage_id"
            " ORDER BY cp.detention_id, cp.held_from, cp.id"
        ).fetchall()
        by_detention: dict[int, list[tuple]] = {}
        for row in periods:
            by_detention.setdefault(row[0], []).append(row)
        for rows in by_detention.values():
            assert 1 <= len(rows) <= 3
            for earlier, later in zip(rows, rows[1:], strict=False):
                assert earlier[2] is not None and earlier[2] == later[1]
            last = rows[-1]
            assert (last[2] is None) == (last[3] is None and bool(last[4]))
        held, with_place = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM places_custodyperiod"
            "  cp WHERE cp.detention_id = d.id AND cp.held_until IS NULL))"
            " FROM cases_detention d JOIN cases_legalstage ls ON ls.id = d.legal_stage_id"
            " WHERE d.released_on IS NULL AND d.arrested_on IS NOT NULL AND ls.in_detention"
            " AND ls.code <> 'house-arrest'"
        ).fetchone()
        assert held > 0 and with_place >= held * 0.8  # most held persons' places are known
        transfers = sum(1 for rows in by_detention.values() if len(rows) > 1)
        assert transfers >= len(by_detention) * 0.3
        # every seeded row is in the history, once
        for table in ("places_facility", "places_facilityname", "places_custodyperiod"):
            rows, events = conn.execute(
                f"SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM {table}event)"
            ).fetchone()
            assert rows == events > 0, table
