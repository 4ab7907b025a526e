"""The case-sheet import benchmark, the second half of `make bench`:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.import_run

Environment: BENCH_PERSONS (the data set imported into, as bench.run; default
100000), BENCH_IMPORT_ROWS (sheet sizes, default "10000,100000"),
BENCH_BASELINE_ROWS (rows the baseline imports at most, default 2000),
BENCH_BASELINE_SECONDS (the baseline's time budget per run, default 60).

Synthetic case sheets (CSV, a fixed random seed) are imported into the benchmark
database, which holds the API benchmark's data set (bench.seed), so persons are
matched against 100,000 stored persons. About a tenth of the rows name a stored
person by the Russian spelling of a name variant; the rest are new persons, some
named in later rows by their Azerbaijani spelling. Each measurement runs in its
own process, so its peak memory (the high-water mark of the resident set) is its
own, and inside a transaction that is rolled back, so the data set stays as it
was. For each size: the preview, the write (case_sheet_import: read, check and
write), the work its commit would do (the deferred triggers: the stored status of
the persons it touched; run before the rollback, and counted in the goal), and
the same file imported again (nothing to change). The baseline is the
same sheet through django-import-export's default row-by-row import
(bench.import_naive), timed on the first BENCH_BASELINE_ROWS rows or as many as
it imports in BENCH_BASELINE_SECONDS: its rows per second are extrapolated to the
whole file, which flatters it (it slows down as tables grow). Goals that are
missed are reported, never fatal. BENCH_IMPORT_ROWS=100000 times the largest sheet
alone."""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.names import AZERBAIJANI_FIRST_NAMES, AZERBAIJANI_SURNAMES, feminine
from bench.run import _int_env, _prepare_environment

RANDOM_SEED = 5  # issue 5
GOAL_WRITE_ROWS_PER_SECOND = 5000
GOAL_BASELINE_RATIO = 10
BASELINE_SECONDS = 60  # the baseline's time budget, per run
BASELINE_BATCH = 20  # rows per import_data call of the baseline

ARTICLES = [
    "206.3.2 (smuggling by a group of persons by prior agreement)",
    "221.3 (hooliganism with weapons)",
    "233 (organizing actions that violate public order)",
    "234.4.3 (illegal possession of narcotics for sale)",
    "192.3.2 (illegal entrepreneurship)",
    "193-1.3.1 (legalization of property obtained by crime)",
    "213.2.1 (tax evasion)",
    "283.1 (incitement of hatred)",
    "274",
    "147.1",
]
STAGES = ["pre-trial detention", "convicted", "on-trial", "house arrest", "released",
          "pardoned", "on appeal"]  # fmt: skip
RELEASE_REASONS = ["pardon", "sentence served", "acquitted", "amnesty", "released-on-bail"]
OCCUPATIONS = ["journalist", "activist", "human rights defender", "blogger", "opposition-politician",
               "religious believer", "student", "academic"]  # fmt: skip
ALLEGATIONS = ["torture", "ill-treatment", "hunger strike", "denial of medical care",
               "denial-of-access-to-a-lawyer", "arbitrary detention"]  # fmt: skip
ORGANIZATIONS = ["Abzas Media", "Meydan TV", "Toplum TV", "Popular Front Party of Azerbaijan",
                 "Musavat Party", "Institute for Reporting Freedom and Safety"]  # fmt: skip
FACILITIES = ["Baku Pre-Trial Detention Centre No. 1", "Penitentiary Institution No. 13",
              "Penitentiary Institution No. 17", "Kurdakhani pre-trial detention centre", ""]  # fmt: skip
CITIES = ["Baku", "Ganja", "Sumgayit", "Lankaran", "Shaki", ""]
AZ_MONTHS = ["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr",
             "oktyabr", "noyabr", "dekabr"]  # fmt: skip


def _partial(day: datetime.date, rng: random.Random) -> str:
    """A date written as researchers write it, at a random precision and format."""
    r = rng.random()
    if r < 0.15:
        return str(day.year)
    if r < 0.3:
        return f"{day.year}-{day.month:02d}"
    if r < 0.4:
        return day.strftime("%B %Y")
    if r < 0.45:
        return day.strftime("%b %Y")
    if r < 0.5:
        return f"{AZ_MONTHS[day.month - 1]} {day.year}"
    if r < 0.75:
        return day.isoformat()
    if r < 0.9:
        return day.strftime("%d.%m.%Y")
    return f"{day.day} {day.strftime('%B %Y')}"


def _sentence(rng: random.Random) -> str:
    years, months = rng.randrange(1, 12), rng.choice([0, 0, 6, 3])
    style = rng.random()
    if style < 0.4:
        return f"{years} years" + (f" {months} months" if months else "")
    if style < 0.7:
        return f"{years}y{months}m" if months else f"{years}y"
    return f"{years * 12 + months} months"


def generate_sheet(path: Path, rows: int, existing: list[tuple[str, str]]) -> dict:
    """Write a case sheet of `rows` rows; `existing` gives (display name, Russian
    spelling) of stored persons to name. Returns what the sheet holds."""
    rng = random.Random(RANDOM_SEED)
    firsts = AZERBAIJANI_FIRST_NAMES
    surnames = AZERBAIJANI_SURNAMES
    # double-barrelled surnames: never a stored person's name, and no two alike
    combos = rng.sample(range(len(firsts) * len(surnames) ** 2), rows)
    stats = {"rows": 0, "existing_rows": 0, "second_spelling_rows": 0}
    urls = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["person", "name_variants", "gender", "birth_year", "occupations",
                         "affiliations", "arrested_on", "arrest_place", "charges", "legal_stage",
                         "sentence", "facility", "released_on", "release_reason", "allegations",
                         "sources", "notes"])  # fmt: skip
        person_number = 0
        while stats["rows"] < rows:
            person_number += 1
            if existing and rng.random() < 0.1:
                display, russian = existing.pop()
                spellings = (russian, display, russian)
                first_row_variants = display
                stats["existing_rows"] += 1
                detentions = 1
                gender = ""
                stored = True
            else:
                combo = combos[person_number % len(combos)]
                first = firsts[combo % len(firsts)]
                one = surnames[(combo // len(firsts)) % len(surnames)]
                two = surnames[combo // (len(firsts) * len(surnames)) % len(surnames)]
                if first[3] == "female":
                    one, two = tuple(map(feminine, one)), tuple(map(feminine, two))
                spellings = tuple(f"{first[i]} {one[i]}-{two[i]}" for i in range(3))
                first_row_variants = f"{spellings[1]}|{spellings[2]}"
                detentions = rng.choices([1, 2, 3], [50, 35, 15])[0]
                gender = first[3]
                stored = False
            years = sorted(rng.sample(range(2005, 2025), detentions))
            for number, year in enumerate(years):
                if stats["rows"] >= rows:
                    break
                first_row = number == 0
                person = spellings[0]
                if not first_row and rng.random() < 0.3:
                    person = spellings[1]  # the same person under a second spelling
                    stats["second_spelling_rows"] += 1
                arrested = datetime.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
                released = ""
                reason = ""
                stage = rng.choice(STAGES)
                # a stored person's release is entered in the admin with its source (the
                # evidence rule: an import cannot publish a release of a public detention),
                # and so is the custody of a stored detention (the data set records where
                # its detentions are held; a row that matched one at another facility
                # would be refused)
                if not stored and (stage in ("released", "pardoned") or rng.random() < 0.2):
                    released = _partial(arrested + datetime.timedelta(days=rng.randrange(30, 900)),
                                        rng)  # fmt: skip
                    reason = rng.choice(RELEASE_REASONS)
                if rng.random() < 0.2:
                    url = f"https://example.org/bench/source-{rng.randrange(max(urls, 1))}"
                else:
                    urls += 1
                    url = f"https://example.org/bench/source-{urls}"
                writer.writerow([
                    person,
                    first_row_variants if first_row else "",
                    gender if first_row else "",
                    str(rng.randrange(1950, 2000)) if first_row and rng.random() < 0.6 else "",
                    "|".join(rng.sample(OCCUPATIONS, rng.choice([1, 1, 2]))) if first_row else "",
                    rng.choice(ORGANIZATIONS) if first_row and rng.random() < 0.3 else "",
                    _partial(arrested, rng),
                    rng.choice(CITIES),
                    "|".join(rng.sample(ARTICLES, rng.choice([1, 1, 2, 3]))),
                    stage,
                    _sentence(rng) if stage == "convicted" or rng.random() < 0.2 else "",
                    "" if stored else rng.choice(FACILITIES),
                    released,
                    reason,
                    "|".join(rng.sample(ALLEGATIONS, rng.choice([0, 0, 1, 2]))),
                    url,
                    "Synthetic benchmark row." if rng.random() < 0.1 else "",
                ])  # fmt: skip
                stats["rows"] += 1
    return stats


def _existing_persons(limit: int) -> list[tuple[str, str]]:
    """Stored persons whose display name and a Russian spelling are theirs alone."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # the planner guesses 200 owner keys and nests two loops over them; there
        # are ~300,000, which took over ten minutes: hash joins take seconds
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(
            """
            WITH owners AS (
                SELECT name_key, count(DISTINCT pid) AS n FROM (
                    SELECT name_key, id AS pid FROM cases_person WHERE deleted_at IS NULL
                    UNION ALL
                    SELECT name_key, person_id FROM cases_namevariant WHERE deleted_at IS NULL) x
                GROUP BY name_key)
            SELECT DISTINCT ON (p.id) p.display_name, v.name
            FROM cases_person p
            JOIN owners o1 ON o1.name_key = p.name_key AND o1.n = 1
            JOIN cases_namevariant v ON v.person_id = p.id AND v.language = 'ru'
                 AND v.deleted_at IS NULL
            JOIN owners o2 ON o2.name_key = v.name_key AND o2.n = 1
            WHERE p.deleted_at IS NULL ORDER BY p.id, v.id LIMIT %s
            """,
            [limit],
        )
        return cursor.fetchall()


# --- one measurement, in its own process ---------------------------------------------------


def _memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(mode: str, path: Path, rows: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    settings.DEBUG = False  # no query log kept, as in production
    connection.ensure_connection()
    start_kb = _memory_kb("VmRSS")
    out: dict = {"mode": mode}
    with transaction.atomic():
        if mode == "preview":
            from cases.case_sheet import case_sheet_preview

            started = time.perf_counter()
            result = case_sheet_preview(file=path, row_limit=0, error_limit=20)
            out["seconds"] = time.perf_counter() - started
            out.update(rows=result.rows, errors=[str(e) for e in result.errors],
                       counts=result.counts, phases=result.seconds)  # fmt: skip
        elif mode == "import":
            from cases.case_sheet import case_sheet_import

            started = time.perf_counter()
            result = case_sheet_import(file=path, row_limit=0, error_limit=20)
            out["seconds"] = time.perf_counter() - started
            out.update(rows=result.rows, errors=[str(e) for e in result.errors],
                       counts=result.counts, phases=result.seconds, written=result.written)  # fmt: skip
            started = time.perf_counter()
            with connection.cursor() as cursor:
                # the work the write leaves to its commit (deferred triggers: the stored
                # status of the persons it touched), done now, as the commit would
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            out["commit_seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            again = case_sheet_import(file=path, row_limit=0, error_limit=20)
            out["again_seconds"] = time.perf_counter() - started
            out["again_changes"] = again.changes_anything
            out["again_summary"] = again.summary()
        else:  # the baseline: django-import-export, row by row
            out.update(_baseline(path, rows, dry_run=(mode == "baseline-preview")))
        transaction.set_rollback(True)  # the data set stays as it was
    out["start_mb"] = start_kb / 1024
    out["peak_mb"] = _memory_kb("VmHWM") / 1024
    return out


def _baseline(path: Path, rows: int, *, dry_run: bool) -> dict:
    """The baseline on the sheet's first `rows` rows, BASELINE_BATCH rows to an
    import_data call, until they are done or BENCH_BASELINE_SECONDS have gone (at
    100,000 persons a row takes it about a second, most of it in two statements:
    the slug check of each new person and the stored status's trigger on each new
    source): its rate is the rows it imported over the time they took."""
    import tablib

    from bench.import_naive import NaiveCaseSheetResource

    budget = _int_env("BENCH_BASELINE_SECONDS", BASELINE_SECONDS)
    with path.open(encoding="utf-8") as sheet:
        reader = csv.reader(sheet)
        header = next(reader)
        sample = [row for _number, row in zip(range(rows), reader, strict=False)]
    resource = NaiveCaseSheetResource()
    done, seconds, errors = 0, 0.0, []
    while done < len(sample) and seconds < budget:
        data = tablib.Dataset(*sample[done : done + BASELINE_BATCH], headers=header)
        started = time.perf_counter()
        result = resource.import_data(data, dry_run=dry_run, raise_errors=False)
        seconds += time.perf_counter() - started
        errors += [
            f"row {done + number}: {problems[0].error!r}"
            for number, problems in result.row_errors()
        ]
        done += len(data)
    return {"seconds": seconds, "rows": done, "errors": errors[:5]}


def _run_measure(mode: str, path: Path, rows: int) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_run", "--measure", mode, str(path), str(rows)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- the benchmark ---------------------------------------------------------------------------


def main() -> None:
    _prepare_environment()
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
        return
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.seed import ensure_dataset

    persons = _int_env("BENCH_PERSONS", 100_000)
    sizes = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "10000,100000").split(",") if n]
    baseline_rows = _int_env("BENCH_BASELINE_ROWS", 2000)

    print(f"Case-sheet import benchmark, database {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    ensure_dataset(persons)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    existing = _existing_persons(max(sizes) // 10 + 100)
    connection.close()  # each measurement opens its own

    results = []
    with tempfile.TemporaryDirectory(prefix="casebook-bench-") as folder:
        for size in sizes:
            path = Path(folder) / f"case_sheet_{size}.csv"
            started = time.perf_counter()
            stats = generate_sheet(path, size, list(reversed(existing)))
            print(f"  {size:,} rows: sheet written in {time.perf_counter() - started:.1f} s "
                  f"({path.stat().st_size / 1e6:.1f} MB; {stats['existing_rows']:,} rows name a "
                  f"stored person, {stats['second_spelling_rows']:,} a person of an earlier row "
                  "by a second spelling)")  # fmt: skip
            preview = _run_measure("preview", path, size)
            print(f"    preview {preview['seconds']:.1f} s")
            write = _run_measure("import", path, size)
            print(f"    import {write['seconds']:.1f} s (+{write['commit_seconds']:.1f} s at its "
                  f"commit), again {write['again_seconds']:.1f} s")  # fmt: skip
            for run in (preview, write):
                if run["errors"]:
                    print(f"    WARNING: the sheet has errors: {run['errors'][:3]}")
            results.append((size, stats, preview, write))
        baseline_path = Path(folder) / f"case_sheet_{sizes[0]}.csv"
        base_preview = _run_measure("baseline-preview", baseline_path, baseline_rows)
        base_write = _run_measure("baseline-import", baseline_path, baseline_rows)
        print(f"    baseline (a sample: the first rows it gets through in "
              f"{_int_env('BENCH_BASELINE_SECONDS', BASELINE_SECONDS)} s): dry run "
              f"{base_preview['rows']:,} rows in {base_preview['seconds']:.1f} s, import "
              f"{base_write['rows']:,} rows in {base_write['seconds']:.1f} s")  # fmt: skip
        for run in (base_preview, base_write):
            if run["errors"]:
                print(f"    WARNING: baseline row errors: {run['errors'][:3]}")
    _report(results, base_preview, base_write, version)


def _report(results, base_preview, base_write, version: str) -> None:
    base_preview_rate = base_preview["rows"] / base_preview["seconds"]
    base_write_rate = base_write["rows"] / base_write["seconds"]
    header = ["sheet", "preview rows/s", "preview s", "preview peak MB", "write rows/s",
              "write s (read+check+write)", "commit s", "write peak MB", "again s",
              "write vs baseline"]  # fmt: skip
    table = []
    for size, _stats, preview, write in results:
        write_rate = size / write["seconds"]
        phases = write["phases"]
        table.append([
            f"{size:,} rows",
            f"{size / preview['seconds']:,.0f}",
            f"{preview['seconds']:.1f}",
            f"{preview['peak_mb']:.0f} (+{preview['peak_mb'] - preview['start_mb']:.0f})",
            f"{write_rate:,.0f}",
            f"{write['seconds']:.1f} ({phases['read']:.1f}+{phases['check']:.1f}"
            f"+{phases['write']:.1f})",
            f"{write['commit_seconds']:.1f}",
            f"{write['peak_mb']:.0f} (+{write['peak_mb'] - write['start_mb']:.0f})",
            f"{write['again_seconds']:.1f}",
            f"{write_rate / base_write_rate:.0f}x",
        ])  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    print()
    print(f"Case-sheet import, {datetime.datetime.now():%Y-%m-%d %H:%M}, PostgreSQL {version}, "
          f"{os.cpu_count()} CPUs; into the benchmark data set, each run in its own process and "
          "rolled back")  # fmt: skip
    print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(header)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
    print()
    print("Peak MB: the process's resident-set high-water mark (in brackets, its growth over "
          "the process before the import).")  # fmt: skip
    print(f"Baseline (django-import-export ModelResource, row by row, bench/import_naive.py): "
          f"dry run {base_preview_rate:,.0f} rows/s ({base_preview['rows']:,} rows), import "
          f"{base_write_rate:,.0f} rows/s ({base_write['rows']:,} rows), peak "
          f"{base_write['peak_mb']:.0f} MB; timed on a sample, the first rows of the smallest "
          "sheet, and extrapolated to every size.")  # fmt: skip

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    largest, _stats, preview, write = results[-1]
    write_rate = largest / write["seconds"]
    committed_rate = largest / (write["seconds"] + write["commit_seconds"])
    growth = [w["peak_mb"] for _s, _st, _p, w in results]
    print()
    print("Goals:")
    print(
        f"  write at least {GOAL_WRITE_ROWS_PER_SECOND:,} rows/s at {largest:,} rows, the work "
        f"at its commit included: {committed_rate:,.0f} rows/s ({write_rate:,.0f} rows/s "
        f"without the {write['commit_seconds']:.1f} s at its commit) -> "
        f"{verdict(committed_rate >= GOAL_WRITE_ROWS_PER_SECOND)}"
    )
    if len(results) > 1:
        small, large = growth[0], growth[-1]
        print(f"  memory does not grow with the file: peak {small:.0f} MB at "
              f"{results[0][0]:,} rows, {large:.0f} MB at {largest:,} rows -> "
              f"{verdict(large <= small * 1.25 + 20)}")  # fmt: skip
    ratio = write_rate / base_write_rate
    print(
        f"  at least {GOAL_BASELINE_RATIO}x the baseline: {ratio:.0f}x -> "
        f"{verdict(ratio >= GOAL_BASELINE_RATIO)}"
    )
    print(
        f"  importing the same file again changes nothing: "
        f"{verdict(not any(w['again_changes'] for _s, _st, _p, w in results))}"
    )


if __name__ == "__main__":
    main()
