"""The load test: `make load`, or

    .venv/bin/python -m load.run

Serves the site under gunicorn, as in production (DEBUG off, persistent
database connections, static files through whitenoise from collectstatic), on
the benchmark database, and drives it with locust, headless (load/locustfile.py):
readers of the public pages, feeds and partner API in steps of more users, and
one researcher saving an edit in the admin every few seconds. Prints requests
per second, p50/p95/p99 per kind of request, the errors, and the highest
throughput at which p95 stays under LOAD_P95_MS. See docs/load.md.

Environment (all optional):
  CASEBOOK_DB_NAME   the database, default casebook_bench; its name must contain
                     "bench" (bench.seed empties the case tables of a database it seeds)
  LOAD_PERSONS       persons in the data set, default 100000: seeded as `make bench`
                     seeds it (bench.seed.ensure_dataset) unless the database holds it
  LOAD_SECONDS       length of the measured run, default 180, split evenly between the steps
  LOAD_WARMUP        seconds before it at the first step's readers, not counted, default 10
  LOAD_USERS         readers in each step, default 2,4,8,16,32,48
  LOAD_WAIT          seconds a reader waits between requests, default 0.5-1.5
  LOAD_EDIT_SECONDS  seconds between the researcher's edits, default 5
  LOAD_WORKERS, LOAD_THREADS  gunicorn's workers and threads per worker, default
                     3 and 2 (two cores; PostgreSQL and locust share them)
  LOAD_P95_MS        the latency goal, default 200
  LOAD_PORT          the port gunicorn listens on, default a free one
  LOAD_OUT           where results go, default .casebook/load/
"""

from __future__ import annotations

import datetime
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOAD_DB_DEFAULT = "casebook_bench"
RESEARCHER_USERNAME = "load-test-researcher"
# what the run changes in the database, undone at the end (load.run.cleanup)
EDITED_PERSONS = 12

# Production settings for every process of the run. TLS is a proxy's job: locust
# speaks plain HTTP to gunicorn, so no redirect to https and no Secure-only cookies.
PRODUCTION = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    # the API's throttling would answer 429 to a load generator from one address
    "API_ANON_RATE": "1000000000/minute",
    "API_PARTNER_RATE": "1000000000/minute",
    "LOG_LEVEL": "WARNING",
}


class LoadError(Exception):
    """The run could not be made; the message says why."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def settings_from_environment() -> dict:
    users = os.environ.get("LOAD_USERS", "").strip() or "2,4,8,16,32,48"
    steps = [int(part) for part in users.split(",") if part.strip()]
    wait = (os.environ.get("LOAD_WAIT", "").strip() or "0.5-1.5").split("-")
    seconds = _env_float("LOAD_SECONDS", 180)
    if not steps or min(steps) < 1:
        raise LoadError(f"LOAD_USERS must list readers per step, e.g. 4,8,16; got {users!r}")
    return {
        "persons": _env_int("LOAD_PERSONS", 100_000),
        "seconds": seconds,
        "steps": steps,
        "step_seconds": seconds / len(steps),
        "warmup_seconds": _env_float("LOAD_WARMUP", 10),
        "wait_min": float(wait[0]),
        "wait_max": float(wait[-1]),
        "edit_seconds": _env_float("LOAD_EDIT_SECONDS", 5),
        "workers": _env_int("LOAD_WORKERS", 3),
        "threads": _env_int("LOAD_THREADS", 2),
        "p95_ms": _env_float("LOAD_P95_MS", 200),
        "port": _env_int("LOAD_PORT", 0),
        "out": Path(os.environ.get("LOAD_OUT", "").strip() or ROOT / ".casebook" / "load"),
    }


def prepare_environment() -> None:
    if os.environ.get("DATABASE_URL", "").strip():
        raise LoadError(
            "DATABASE_URL is set. The load test seeds its data set as the benchmark does, "
            "which empties the case tables: it runs only on the embedded server's benchmark "
            "database. Unset DATABASE_URL."
        )
    name = os.environ.setdefault("CASEBOOK_DB_NAME", LOAD_DB_DEFAULT)
    if "bench" not in name:
        raise LoadError(
            f"CASEBOOK_DB_NAME={name!r}. Seeding empties the case tables of its database; use "
            f"a database whose name contains 'bench' (default {LOAD_DB_DEFAULT})."
        )
    os.environ.update(PRODUCTION)
    # one key for this process and gunicorn's: the researcher's session is signed with it
    os.environ.setdefault("SECRET_KEY", "load-" + secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    # STATIC_ROOT is filled by collectstatic below; whitenoise warns until then
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


# --- the database: data set, token, researcher ---------------------------------------------


def database_prepare(config: dict, log=print) -> dict:
    """Migrate, seed unless the data set is there, collect the static files, and
    write what locust needs (the plan). Returns the plan and what cleanup undoes."""
    from django.core.management import call_command
    from django.db import connection

    from bench.seed import ensure_dataset

    started = time.perf_counter()
    log(f"Database {connection.settings_dict['NAME']}: migrating ...")
    call_command("migrate", interactive=False, verbosity=0)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")
    ensure_dataset(config["persons"], log=log)
    static_files_collect(log=log)
    return plan_build(config)


def static_files_collect(log=print) -> None:
    """collectstatic, as an image build runs it (production serves the hashed,
    compressed files of its manifest), unless the manifest is newer than every
    static file: compressing them all takes minutes on two busy cores."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        newest = max(
            (
                Path(storage.path(path)).stat().st_mtime
                for finder in get_finders()
                for path, storage in finder.list([])
            ),
            default=0,
        )
        if newest < manifest.stat().st_mtime:
            log(f"Static files already collected in {settings.STATIC_ROOT}.")
            return
    started = time.perf_counter()
    log(f"Collecting static files into {settings.STATIC_ROOT} (hashed and compressed) ...")
    call_command("collectstatic", interactive=False, verbosity=0)
    log(f"  collected in {time.perf_counter() - started:.1f} s")


def plan_build(config: dict) -> dict:
    """The addresses the readers ask for, a partner token, and the researcher's
    session, in the database this process is connected to."""
    from django.db import connection
    from django.utils import timezone

    from access.services import token_issue
    from bench.names import AZERBAIJANI_SURNAMES, RUSSIAN_SURNAMES

    with connection.cursor() as cur:
        cur.execute(
            "SELECT slug, visibility, display_name FROM cases_person "
            "WHERE visibility IN ('public', 'partners') AND deleted_at IS NULL "
            "ORDER BY md5(slug) LIMIT 2000"
        )
        rows = cur.fetchall()
    public = [slug for slug, visibility, _name in rows if visibility == "public"]
    if not public:
        raise LoadError("The data set has no public person to read.")
    # full names as written, a surname alone, the benchmark's partial names
    names = [name for _slug, visibility, name in rows[:60] if visibility == "public"]
    # surnames alone, in each of their spellings (English, Azerbaijani, Russian)
    names += [spellings[i % 3] for i, spellings in enumerate(AZERBAIJANI_SURNAMES[:12])]
    names += [spellings[2] for spellings in RUSSIAN_SURNAMES[:6]] + ["Ismayil", "Xədi", "Гасанов"]
    filters = [
        "status=held",
        "legal_stage=convicted&occupation=journalist&arrested_after=2020",
        "legal_stage=pre-trial-detention&allegation=torture&arrested_after=2022-06",
        "gender=female&status=held",
        "arrest_year=2023",
        "occupation=journalist",
        "released=true&arrested_before=2015",
    ]
    token, raw_token = token_issue(
        name=f"Load test {timezone.now():%Y-%m-%d %H:%M}",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    edited = list(researcher_persons().values_list("id", "internal_notes"))
    session_key, cookie_name = researcher_sign_in()
    return {
        "steps": config["steps"],
        "step_seconds": config["step_seconds"],
        "warmup_seconds": config["warmup_seconds"],
        "wait_min": config["wait_min"],
        "wait_max": config["wait_max"],
        "edit_seconds": config["edit_seconds"],
        "public_slugs": public,
        "partner_slugs": [slug for slug, _visibility, _name in rows],
        "names": [quote(name) for name in names],
        "filters": filters,
        "partner_token": raw_token,
        "researcher": {
            "cookie_name": cookie_name,
            "session": session_key,
            "person_ids": [pk for pk, _notes in edited],
        },
        # for cleanup, not for locust
        "_token_id": token.pk,
        "_notes": {str(pk): notes for pk, notes in edited},
    }


def researcher_persons():
    """Public persons the admin lets a researcher save as they are: none of the facts
    on their form (detentions, affiliations) is shared without evidence for its
    level, which the evidence rule would refuse (the data set has a few such)."""
    from cases.evidence import published_without_support
    from cases.models import Affiliation, Detention, Person

    candidates = list(
        Person.objects.filter(visibility="public", deleted_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[: EDITED_PERSONS * 4]
    )
    persons = Person.objects.filter(pk__in=candidates)
    for model in (Detention, Affiliation):
        blocked = published_without_support(model).filter(person_id__in=candidates)
        persons = persons.exclude(pk__in=blocked.values("person_id"))
    return persons.order_by("id")[:EDITED_PERSONS]


def researcher_sign_in() -> tuple[str, str]:
    """A researcher's session signed in with both factors, as the admin requires
    (the same steps as tests.factories.staff_sign_in): (session key, cookie name)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access.roles import RESEARCHER, roles_apply

    roles_apply()
    user, created = get_user_model().objects.get_or_create(
        username=RESEARCHER_USERNAME, defaults={"is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=RESEARCHER))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Load test", confirmed=True)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session.session_key, settings.SESSION_COOKIE_NAME


def cleanup(plan: dict, log=print) -> None:
    """Undo what the run wrote: revoke its token, end the researcher's session,
    put back the notes the researcher edited."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    from access.models import PartnerToken
    from access.services import token_revoke
    from cases.models import Person

    connection.close()  # idle for the whole run; the server may have closed it
    token = PartnerToken.objects.filter(pk=plan["_token_id"]).first()
    if token is not None:
        token_revoke(token=token)
    Session.objects.filter(session_key=plan["researcher"]["session"]).delete()
    for pk, notes in plan["_notes"].items():
        Person.objects.filter(pk=int(pk)).exclude(internal_notes=notes).update(internal_notes=notes)
    log("Revoked the run's partner token, ended the researcher's session, restored the notes.")


# --- the processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """This process's database as a DATABASE_URL, so that gunicorn's workers connect
    as production does (persistent connections) to the embedded server this process keeps up."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"


def gunicorn_start(config: dict, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("CASEBOOK_DB_NAME", None)
    command = [
        sys.executable, "-m", "gunicorn", "casebook.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={config['workers']}",
        "--worker-class=gthread",
        f"--threads={config['threads']}",
        "--error-logfile=-",
        "--log-level=warning",
    ]  # fmt: skip
    log = open(log_path, "wb")
    # a session of its own: Ctrl-C reaches this process, which stops the server in order
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until_serving(process: subprocess.Popen, url: str, *, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"gunicorn stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise LoadError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def locust_run(config: dict, host: str, plan_path: Path, results_path: Path) -> subprocess.Popen:
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_RESULTS": str(results_path)}
    command = [
        sys.executable, "-m", "locust",
        "-f", str(ROOT / "load" / "locustfile.py"),
        "--headless",
        f"--host={host}",
        f"--csv={config['out'] / 'locust'}",
        "--only-summary",
        # at the end, requests under way finish (and count) rather than being cut off
        "--stop-timeout=30",
        "--loglevel=WARNING",
    ]  # fmt: skip
    log = open(config["out"] / "locust.log", "wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen | None, *, grace: float = 20) -> None:
    """SIGTERM to the process group this run started, SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# --- the figures ---------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarise(results: dict, *, p95_ms: float) -> dict:
    """Per kind over the whole run, per step over all kinds, and the highest step
    whose p95 stays under p95_ms. The warm-up's requests are left out of the
    figures; its failures count with the errors."""
    steps, step_seconds = results["steps"], results["step_seconds"]
    by_kind: dict[str, list[float]] = {kind: [] for kind in results["kinds"]}
    failures_by_kind: dict[str, int] = {}
    counted = {str(index) for index in range(len(steps))}
    for step, failures in results["failures"].items():  # the warm-up's, the last moment's
        if step not in counted:
            for kind, count in failures.items():
                failures_by_kind[kind] = failures_by_kind.get(kind, 0) + count
    step_rows = []
    for index, readers in enumerate(steps):
        samples = results["samples"].get(str(index), {})
        failures = results["failures"].get(str(index), {})
        times = [ms for values in samples.values() for ms in values]
        for kind, values in samples.items():
            by_kind.setdefault(kind, []).extend(values)
        for kind, count in failures.items():
            failures_by_kind[kind] = failures_by_kind.get(kind, 0) + count
        step_rows.append(
            {
                "readers": readers,
                "requests": len(times),
                "rps": len(times) / step_seconds,
                "p50": percentile(times, 0.50) if times else None,
                "p95": percentile(times, 0.95) if times else None,
                "p99": percentile(times, 0.99) if times else None,
                "failures": sum(failures.values()),
            }
        )
    seconds = step_seconds * len(steps)
    kinds = {
        kind: {
            "requests": len(values),
            "rps": len(values) / seconds,
            "p50": percentile(values, 0.50) if values else None,
            "p95": percentile(values, 0.95) if values else None,
            "p99": percentile(values, 0.99) if values else None,
            "failures": failures_by_kind.get(kind, 0),
        }
        for kind, values in by_kind.items()
    }
    everything = [ms for values in by_kind.values() for ms in values]
    under = [
        row
        for row in step_rows
        if row["p95"] is not None and row["p95"] < p95_ms and not row["failures"]
    ]
    best = max(under, key=lambda row: row["rps"]) if under else None
    return {
        "seconds": seconds,
        "kinds": kinds,
        "total": {
            "requests": len(everything),
            "rps": len(everything) / seconds if seconds else 0,
            "p50": percentile(everything, 0.50) if everything else None,
            "p95": percentile(everything, 0.95) if everything else None,
            "p99": percentile(everything, 0.99) if everything else None,
            "failures": sum(failures_by_kind.values()),
        },
        "steps": step_rows,
        "p95_goal_ms": p95_ms,
        "best_under_goal": best,
        "errors": results["errors"],
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def report(summary: dict, config: dict) -> str:
    lines = [
        f"Load test: {summary['seconds']:.0f} s, gunicorn {config['workers']} workers x "
        f"{config['threads']} threads, {config['persons']:,} persons, one researcher saving "
        f"every {config['edit_seconds']:g} s",
        "",
        f"{'kind of request':<32} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}",
    ]
    rows = [*summary["kinds"].items(), ("all", summary["total"])]
    for kind, row in rows:
        if kind == "all":
            lines.append("-" * 80)
        lines.append(
            f"{kind:<32} {row['requests']:>8} {row['rps']:>7.1f} {_ms(row['p50']):>7} "
            f"{_ms(row['p95']):>7} {_ms(row['p99']):>7} {row['failures']:>6}"
        )
    lines += ["", f"{'step':>4} {'readers':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
                  f"{'p99 ms':>7} {'errors':>6}"]  # fmt: skip
    goal = summary["p95_goal_ms"]
    for index, row in enumerate(summary["steps"], start=1):
        mark = f"p95 < {goal:.0f} ms" if row["p95"] is not None and row["p95"] < goal else ""
        lines.append(
            f"{index:>4} {row['readers']:>7} {row['rps']:>7.1f} {_ms(row['p50']):>7} "
            f"{_ms(row['p95']):>7} {_ms(row['p99']):>7} {row['failures']:>6}  {mark}"
        )
    best = summary["best_under_goal"]
    lines.append("")
    if best:
        lines.append(
            f"Throughput with p95 under {goal:.0f} ms: {best['rps']:.1f} requests/s "
            f"({best['readers']} readers, p95 {best['p95']:.0f} ms)."
        )
    else:
        lines.append(f"No step kept p95 under {goal:.0f} ms without errors.")
    lines.append(f"Errors: {summary['total']['failures']}")
    for what, count in sorted(summary["errors"].items(), key=lambda item: -item[1])[:10]:
        lines.append(f"  {count} x {what}")
    return "\n".join(lines)


# --- the run -------------------------------------------------------------------------------


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a pipe
    try:
        config = settings_from_environment()
        prepare_environment()
    except LoadError as error:
        print(f"load: {error}", file=sys.stderr)
        return 2

    # SIGTERM (e.g. from make's caller) ends the run like Ctrl-C: everything is stopped
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    import django

    django.setup()

    out: Path = config["out"]
    out.mkdir(parents=True, exist_ok=True)
    plan_path, results_path = out / "plan.json", out / "results.json"
    results_path.unlink(missing_ok=True)
    plan = server = crowd = None
    try:
        plan = database_prepare(config)
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        from django.db import connection

        connection.close()
        port = config["port"] or free_port()
        host = f"http://127.0.0.1:{port}"
        print(f"Starting gunicorn on {host} ({config['workers']} workers x "
              f"{config['threads']} threads) ...")  # fmt: skip
        server = gunicorn_start(config, port, out / "gunicorn.log")
        wait_until_serving(server, host + "/robots.txt")
        steps = ", ".join(str(users) for users in config["steps"])
        print(f"locust: {config['warmup_seconds']:.0f} s warm-up, then {config['seconds']:.0f} s: "
              f"readers per step {steps} ({config['step_seconds']:.0f} s each), "
              "one researcher ...")  # fmt: skip
        crowd = locust_run(config, host, plan_path, results_path)
        deadline = time.monotonic() + config["warmup_seconds"] + config["seconds"] + 120
        while crowd.poll() is None:
            if server.poll() is not None:
                raise LoadError(f"gunicorn stopped during the run (exit {server.returncode})")
            if time.monotonic() > deadline:
                raise LoadError("locust ran past its time")
            time.sleep(0.5)
        if not results_path.exists():
            raise LoadError(
                f"locust wrote no results (exit {crowd.returncode}; see {out / 'locust.log'})"
            )
    except KeyboardInterrupt:
        print("\nload: interrupted; stopping locust and gunicorn.", file=sys.stderr)
        return 130
    except LoadError as error:
        print(f"load: {error} (gunicorn's log: {out / 'gunicorn.log'})", file=sys.stderr)
        return 1
    finally:
        stop(crowd)
        stop(server)
        if plan is not None:
            try:
                cleanup(plan)
            except Exception as error:
                print(f"load: cleanup failed: {error}", file=sys.stderr)

    summary = summarise(json.loads(results_path.read_text()), p95_ms=config["p95_ms"])
    summary["config"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    text = report(summary, config)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print()
    print(text)
    print(f"\nlocust's CSV files, summary.json and gunicorn.log: {out}")
    return 1 if summary["total"]["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
