"""manage.py backup and restore (casebook.backup): the seed data round-trips through an
encrypted archive with every table's rows intact; the encrypted file shows nothing
and opens with plain gpg; a wrong passphrase, a manipulated file, a database that is
not empty, a restore failing halfway and a failed dump leave nothing behind; secrets
stay off command lines; production refuses an unencrypted backup.

pg_dump and pg_restore are other processes and see only committed data, hence
transactional tests (pytest-django empties every table after each one)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from casebook.backup import (
    PASSPHRASE_ENV,
    connect,
    count_tables,
    database_fingerprints,
    pg_tool,
    table_fingerprints,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PASSPHRASE = "correct horse battery staple"
SEED_PERSON = "Bakhtiyar Hajiyev"


@pytest.fixture
def seeded(vocabularies, django_user_model):
    """The seed cases (with their history events and context) and a staff account."""
    call_command("load_seed", stdout=io.StringIO())
    django_user_model.objects.create_superuser("backup-admin", "b@example.org", "pw-unused-1")


@pytest.fixture
def empty_database():
    """A new database on the test server, dropped afterwards whatever happened."""
    name = f"{connection.settings_dict['NAME']}_restore"
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with connect(database="postgres") as admin:
        admin.execute(statement)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect(database="postgres") as admin:
            admin.execute(statement)


def backup(tmp_path: Path, *args: str) -> tuple[Path, str]:
    """Run `manage.py backup` into `tmp_path`; the file written and the output."""
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path), *args, stdout=out)
    (path,) = tmp_path.glob("casebook-*.dump*")
    return path, out.getvalue()


def test_seed_data_round_trips_through_an_encrypted_backup(
    seeded, empty_database, tmp_path, monkeypatch
):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    path, _ = backup(tmp_path)
    assert path.name.endswith(".dump.gpg")

    out = io.StringIO()
    call_command("restore", str(path), "--database", empty_database, "--verify", stdout=out)

    source = table_fingerprints(connection)
    restored = database_fingerprints(database=empty_database)
    assert sorted(restored) == sorted(source)
    # the partner feed's epoch is renewed after the comparison (--verify passed): tokens
    # handed out after the backup must not be read against the restored positions
    assert "Partner change feed: new epoch" in out.getvalue()
    assert restored["public.sync_epoch"] != source["public.sync_epoch"]
    for table in set(source) - {"public.sync_epoch"}:
        assert restored[table] == source[table], table
    # so that an empty comparison cannot pass: cases, sources, history, staff, migrations
    for table in [
        "public.cases_person",
        "public.cases_detention",
        "public.sources_source",
        "public.sources_citation",
        "public.cases_personevent",
        "public.pghistory_context",
        "public.auth_user",
        "public.django_migrations",
    ]:
        assert source[table][0] > 0, table
    rows = sum(count for count, _ in source.values())
    assert f"{len(source)} tables, {rows:,} rows" in out.getvalue()
    assert "Verified" in out.getvalue()

    # the next id of every table continues where the source's did
    query = "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
    with connect(database=connection.settings_dict["NAME"]) as conn:
        source_sequences = conn.execute(query).fetchall()
    with connect(database=empty_database) as conn:
        restored_sequences = conn.execute(query).fetchall()
        assert restored_sequences == source_sequences
        # the history triggers came back too: a change to a restored person is recorded
        conn.execute("UPDATE cases_person SET display_name = display_name || ' (edited)'")
        assert (
            conn.execute("SELECT count(*) FROM cases_personevent").fetchone()[0]
            > (restored["public.cases_personevent"][0])
        )


def test_encrypted_backup_shows_nothing_and_opens_with_plain_gpg(
    seeded, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    (tmp_path / "encrypted").mkdir()
    path, output = backup(tmp_path / "encrypted")
    data = path.read_bytes()
    assert b"PGDMP" not in data
    assert SEED_PERSON.encode() not in data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"SHA-256: {hashlib.sha256(data).hexdigest()}" in output
    assert f"Size: {len(data):,} bytes" in output

    # docs/backups.md: gpg alone, without Casebook, with a fresh home directory
    assert shutil.which("gpg"), "gpg is missing: install Debian's gnupg"
    gnupg_home = tmp_path / "gnupg"
    gnupg_home.mkdir(mode=0o700)
    decrypted = subprocess.run(
        [
            "gpg",
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase-fd",
            "0",
            "--decrypt",
            str(path),
        ],  # fmt: skip
        input=PASSPHRASE.encode(),
        capture_output=True,
        env={**os.environ, "GNUPGHOME": str(gnupg_home)},
        check=True,
    ).stdout
    assert decrypted.startswith(b"PGDMP")
    script = subprocess.run(
        [pg_tool("pg_restore"), "--data-only", "--file=-"],
        input=decrypted,
        capture_output=True,
        check=True,
    ).stdout
    assert SEED_PERSON.encode() in script

    monkeypatch.delenv(PASSPHRASE_ENV)
    settings.DEBUG = True  # development: unencrypted allowed (pytest-django turns DEBUG off)
    (tmp_path / "plain").mkdir()
    plain, output = backup(tmp_path / "plain")
    assert plain.name.endswith(".dump")
    assert plain.read_bytes().startswith(b"PGDMP")
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600
    assert "NOT encrypted" in output


def test_production_refuses_an_unencrypted_backup(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match=f"{PASSPHRASE_ENV}.*--allow-unencrypted"):
        call_command("backup", "--output", str(tmp_path), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []

    path, _ = backup(tmp_path, "--allow-unencrypted")
    assert path.read_bytes().startswith(b"PGDMP")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_or_missing_passphrase_restores_nothing(empty_database, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    path, _ = backup(tmp_path)

    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase")
    with pytest.raises(CommandError) as failure:
        call_command("restore", str(path), "--database", empty_database, stdout=io.StringIO())
    message = str(failure.value)
    assert str(path) in message
    assert "wrong passphrase" in message
    assert PASSPHRASE_ENV in message
    assert count_tables(database=empty_database) == 0

    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(CommandError, match=f"{path} is encrypted: set {PASSPHRASE_ENV}"):
        call_command("restore", str(path), "--database", empty_database, stdout=io.StringIO())
    assert count_tables(database=empty_database) == 0


def test_a_manipulated_encrypted_backup_restores_nothing(empty_database, tmp_path, monkeypatch):
    """gpg checks the integrity code at the end of the file, after it has streamed
    every byte (here: all of them as written) to pg_restore."""
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    path, _ = backup(tmp_path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(data)

    with pytest.raises(CommandError, match="(?s)damaged.*Nothing was restored"):
        call_command("restore", str(path), "--database", empty_database, stdout=io.StringIO())
    assert count_tables(database=empty_database) == 0


def test_a_restore_failing_halfway_leaves_the_database_empty(
    empty_database, settings, tmp_path, monkeypatch
):
    """A type left in the target (not a table: the database counts as empty) has the
    name of a table the archive creates after most others."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    settings.DEBUG = True
    path, _ = backup(tmp_path)
    with connect(database=empty_database) as conn:
        conn.execute("CREATE TYPE sources_source AS (leftover int)")

    with pytest.raises(CommandError, match="pg_restore failed.*sources_source"):
        call_command("restore", str(path), "--database", empty_database, stdout=io.StringIO())
    assert count_tables(database=empty_database) == 0


def test_restore_into_a_database_with_tables_is_refused_and_changes_nothing(
    empty_database, settings, tmp_path, monkeypatch
):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    settings.DEBUG = True
    path, _ = backup(tmp_path)
    with connect(database=empty_database) as conn:
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES ('kept')")
    before = database_fingerprints(database=empty_database)

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), "--database", empty_database, stdout=io.StringIO())
    assert f"Database '{empty_database}' is not empty: 1 table(s) found" in str(refused.value)
    assert "create one" in str(refused.value)
    assert database_fingerprints(database=empty_database) == before

    # by default into the configured database, which has every table already
    configured = connection.settings_dict["NAME"]
    source = table_fingerprints(connection)
    with pytest.raises(CommandError, match=f"Database '{configured}' is not empty: {len(source)}"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert table_fingerprints(connection) == source


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE], ids=["plain", "encrypted"])
def test_a_failed_backup_leaves_no_file(passphrase, settings, tmp_path, monkeypatch):
    """pg_dump writes half an archive, then fails."""
    settings.DEBUG = True
    if passphrase:
        monkeypatch.setenv(PASSPHRASE_ENV, passphrase)
    else:
        monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text(
        "#!/bin/sh\n"
        "out=/dev/stdout\n"
        'while [ $# -gt 0 ]; do [ "$1" = --file ] && out=$2; shift; done\n'
        "printf 'PGDMP half an archive' > \"$out\"\n"
        "echo 'pg_dump: error: connection to server lost' >&2\n"
        "exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PG_BIN_DIR", str(bin_dir))
    backups = tmp_path / "backups"
    backups.mkdir()

    with pytest.raises(CommandError, match="No backup written: pg_dump failed.*connection"):
        call_command("backup", "--output", str(backups), stdout=io.StringIO())
    assert list(backups.iterdir()) == []


def test_secrets_never_reach_a_command_line(settings, tmp_path, monkeypatch):
    """pg_dump gets the database password in its environment, gpg the passphrase
    through a pipe; neither is in an argv (which every user of the machine can read)."""
    settings.DEBUG = True
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "database-secret")
    log = tmp_path / "log"
    log.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in {
        "pg_dump": (
            'out=/dev/stdout; for a in "$@"; do [ "$prev" = --file ] && out=$a; prev=$a; done\n'
            "printf 'PGDMP fake' > \"$out\"\n"
        ),
        "gpg": (
            'for a in "$@"; do [ "$prev" = --passphrase-fd ] && fd=$a; prev=$a; done\n'
            'head -n 1 "/dev/fd/$fd" > "$FAKE_LOG/gpg.passphrase"\n'
            'echo "$GNUPGHOME" > "$FAKE_LOG/gpg.home"\n'
            "cat\n"
        ),
    }.items():
        fake = bin_dir / name
        fake.write_text(
            f'#!/bin/sh\nprintf "%s\\n" "$@" >> "$FAKE_LOG/{name}.argv"\n'
            f'env >> "$FAKE_LOG/{name}.env"\n{script}'
        )
        fake.chmod(0o755)
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("PG_BIN_DIR", str(bin_dir))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    (tmp_path / "plain").mkdir()
    backup(tmp_path / "plain")
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    (tmp_path / "encrypted").mkdir()
    backup(tmp_path / "encrypted")

    for name in ["pg_dump", "gpg"]:
        argv = (log / f"{name}.argv").read_text()
        env = (log / f"{name}.env").read_text()
        assert "database-secret" not in argv, name
        assert PASSPHRASE not in argv, name
        assert PASSPHRASE not in env, name
    assert (log / "pg_dump.env").read_text().count("PGPASSWORD=database-secret\n") == 2
    assert "database-secret" not in (log / "gpg.env").read_text()
    assert (log / "gpg.passphrase").read_text() == PASSPHRASE + "\n"
    gpg_home = Path((log / "gpg.home").read_text().strip())
    assert gpg_home != Path.home() / ".gnupg"
    assert not gpg_home.exists()
