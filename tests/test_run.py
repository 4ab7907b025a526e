"""What `make run` does, end to end: migrate, load the seed cases, create the
local admin, serve; a second run reuses the database and data already there."""

import os
import signal
import socket
import subprocess
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _serve_once(port: int, db_name: str) -> str:
    """`make run PORT=...`, wait until it answers, check the admin, stop it."""
    env = {**os.environ, "DEBUG": "1", "CASEBOOK_DB_NAME": db_name}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so the server and its autoreloader stop together
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, _body = _get(f"http://127.0.0.1:{port}/admin/login/")
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.5)
        else:
            pytest.fail("the development server did not answer within 120 s")
        assert status == 200
        home_status, location = _get(f"http://127.0.0.1:{port}/")
        assert home_status in (200, 302)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as a person stops it
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    return output


def test_make_run_prepares_the_database_and_serves_the_admin():
    db_name = f"casebook_runcheck_{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    try:
        port = _free_port()
        first = _serve_once(port, db_name)
        assert f"http://127.0.0.1:{port}/" in first, "served on the PORT given to make"
        assert "Database migrated." in first
        assert "Seed cases loaded: created:" in first
        assert "18 persons" in first
        assert "user 'admin', password 'casebook-dev'" in first

        second = _serve_once(_free_port(), db_name)
        assert "created:" not in second, "the second run found the data of the first"
        assert "unchanged:" in second
        assert "unless you changed it" in second
    finally:
        with psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or None,
            user=db["USER"],
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
