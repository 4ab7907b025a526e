"""`make load`, briefly: gunicorn on a small seeded database, locust's readers
and the researcher for a few seconds; every kind of request is made and none
fails, and the run leaves nothing behind (token revoked, session ended, notes
restored, servers stopped), even when it is interrupted."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

# the readers' mix and the researcher's two requests (load/locustfile.py)
KINDS = {
    "page: person list",
    "page: person list, filtered",
    "page: name search",
    "page: person",
    "feed: updates",
    "feed: statements",
    "api: persons list (partner)",
    "api: name search (partner)",
    "api: person history (partner)",
    "api: person (anonymous)",
    "admin: person form",
    "admin: person save",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int, *, within: float = 0) -> bool:
    """Whether gunicorn answers on `port`, trying for up to `within` seconds (a
    busy two-core machine, its workers serving locust's readers, may keep a
    request waiting longer than one try allows)."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)


def _database(name: str):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname=name, autocommit=True
    )


def _environment(db_name: str, out: Path, port: int, seconds: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        LOAD_DB=db_name,
        CASEBOOK_DB_NAME=db_name,
        LOAD_PERSONS="300",
        LOAD_SECONDS=str(seconds),
        LOAD_WARMUP="2",
        LOAD_USERS="2,3",
        LOAD_WAIT="0.05-0.2",
        LOAD_EDIT_SECONDS="1",
        LOAD_WORKERS="2",
        LOAD_PORT=str(port),
        LOAD_OUT=str(out),
    )
    return env


def _left_behind(db_name: str) -> dict:
    with _database(db_name) as conn:
        return {
            "active tokens": conn.execute(
                "SELECT count(*) FROM access_partnertoken WHERE revoked_at IS NULL"
            ).fetchone()[0],
            "sessions": conn.execute("SELECT count(*) FROM django_session").fetchone()[0],
            "edited notes": conn.execute(
                "SELECT count(*) FROM cases_person WHERE internal_notes LIKE '%[load test]%'"
            ).fetchone()[0],
        }


@pytest.fixture(scope="module")
def load_db():
    """One small data set for both runs: the second finds it migrated and seeded."""
    name = f"casebook_load_{uuid.uuid4().hex[:8]}_bench"  # the runner seeds only *bench*
    yield name
    with _database("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_make_load_makes_every_kind_of_request_without_an_error(load_db, tmp_path):
    port = _free_port()
    result = subprocess.run(
        ["make", "--no-print-directory", "load"],
        cwd=ROOT,
        env=_environment(load_db, tmp_path, port, seconds=12),
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    made = {kind for kind, row in summary["kinds"].items() if row["requests"] > 0}
    assert made == KINDS, output[-3000:]
    assert summary["total"]["failures"] == 0, summary["errors"]
    assert summary["errors"] == {}
    assert [step["readers"] for step in summary["steps"]] == [2, 3]
    assert all(step["requests"] > 0 for step in summary["steps"])
    # the researcher's saves went through the admin and were recorded with who made them
    with _database(load_db) as conn:
        saved = conn.execute(
            "SELECT count(*) FROM cases_personevent e JOIN pghistory_context c "
            "ON c.id = e.pgh_context_id WHERE e.internal_notes LIKE '%[load test] edit%' "
            "AND c.metadata->>'url' LIKE '/admin/cases/person/%'"
        ).fetchone()[0]
    assert saved >= summary["kinds"]["admin: person save"]["requests"] >= 1
    # the table printed: a row per kind, the steps, the throughput under the p95 goal
    for kind in KINDS:
        assert kind in result.stdout
    assert "p95 under 200 ms" in result.stdout or "No step kept p95 under 200 ms" in result.stdout
    assert (tmp_path / "locust_stats.csv").exists()
    assert not _answers(port), "gunicorn still serving after the run"
    assert _left_behind(load_db) == {"active tokens": 0, "sessions": 0, "edited notes": 0}


def test_an_interrupted_run_stops_gunicorn_and_locust_and_cleans_up(load_db, tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "load.run"],
        cwd=ROOT,
        env=_environment(load_db, tmp_path, port, seconds=300),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = []
        for line in process.stdout:  # until locust has started
            lines.append(line)
            if line.startswith("locust:"):
                break
        assert _answers(port, within=30), "".join(lines)
        time.sleep(3)  # the readers and the researcher at work
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, "".join(lines) + output
    assert "interrupted" in output
    assert not _answers(port), "gunicorn still serving after Ctrl-C"
    assert _left_behind(load_db) == {"active tokens": 0, "sessions": 0, "edited notes": 0}
