"""The API and public pages benchmark: `make bench` (or `make bench BENCH_PERSONS=10000`).

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.run

Environment: BENCH_PERSONS (default 100000), BENCH_RESEED=1 (seed again),
BENCH_ITERATIONS (timed requests per endpoint, default 40), BENCH_WARMUP
(default 5), BENCH_EXPLAIN=1 (print EXPLAIN ANALYZE of each list's page query),
BENCH_ONLY=list,history,page,counts (only the endpoints whose kind or label names
one of these, and `counts`: the filter counts uncached; no other section), or
names of sections: BENCH_ONLY=places (only that section: search, duplicates,
feed, lists, places, ftm).

Runs in process against the real views (django.test.Client, the app's
middleware included, no HTTP server), on a separate database that it migrates
and seeds (bench.seed) unless it already holds the requested data set. Prints
server time (median, p95) and SQL queries per endpoint, the same rows read
with hand-written SQL (bench.raw), and a naive DRF baseline (bench.naive).
Goals that are missed are reported, never fatal."""

from __future__ import annotations

import datetime
import json
import math
import os
import statistics
import sys
import time
import warnings
from functools import partial
from urllib.parse import quote

BENCH_DB_DEFAULT = "casebook_bench"


def _prepare_environment() -> None:
    if os.environ.get("DATABASE_URL", "").strip():
        sys.exit(
            "bench: DATABASE_URL is set. The benchmark empties the tables of its database, so it "
            "runs only on the embedded server's benchmark database: unset DATABASE_URL."
        )
    name = os.environ.setdefault("CASEBOOK_DB_NAME", BENCH_DB_DEFAULT)
    if "bench" not in name:
        sys.exit(
            f"bench: CASEBOOK_DB_NAME={name!r}. The benchmark empties the tables of its database; "
            f"use a database whose name contains 'bench' (default {BENCH_DB_DEFAULT})."
        )
    os.environ.setdefault("DEBUG", "1")
    # one in-process client sends thousands of requests: the anonymous rate limit
    # (120/minute) would answer 429 after the first two endpoints
    os.environ["API_ANON_RATE"] = "1000000000/minute"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
    # whitenoise looks for collected static files, which the benchmark does not need
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def run_section_alone(name: str) -> None:
    """`python -m bench.<section>`: one section of SECTIONS on the benchmark
    database (made first if missing), without the endpoints' timings; the same
    as `BENCH_ONLY=<name> make bench`."""
    _prepare_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bench.seed import ensure_dataset

    call_command("migrate", interactive=False, verbosity=0)
    count = _int_env("BENCH_PERSONS", 100_000)
    ensure_dataset(count)
    settings.DEBUG = False  # as in production: no query log kept
    _run_sections([name], Client(), count)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Timing:
    def __init__(self, samples: list[float]):
        self.samples = samples
        self.median = statistics.median(samples)
        self.p95 = percentile(samples, 0.95)


def time_calls(calls, *, iterations: int, warmup: int) -> Timing:
    """Milliseconds per call; `calls` is a list of callables used in turn."""
    for i in range(warmup):
        calls[i % len(calls)]()
    samples = []
    for i in range(iterations):
        started = time.perf_counter()
        calls[i % len(calls)]()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(samples)


def time_side_by_side(calls, raw_calls, *, iterations: int, warmup: int) -> tuple[Timing, Timing]:
    """Milliseconds per call of the view and of its raw SQL, taken in turn (view,
    raw, view, ...), so that both meet the same load on a shared machine and
    their ratio holds even when the machine's load changes during the run."""
    for i in range(warmup):
        calls[i % len(calls)]()
        raw_calls[i % len(raw_calls)]()
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(iterations):
        for kind, chosen in enumerate((calls, raw_calls)):
            started = time.perf_counter()
            chosen[i % len(chosen)]()
            samples[kind].append((time.perf_counter() - started) * 1000)
    return Timing(samples[0]), Timing(samples[1])


def main() -> None:
    _prepare_environment()
    import django

    django.setup()

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches

    from bench import raw
    from bench.places import rows_carry_places
    from bench.search_speed import raw_search  # the search as cases.reads.search does it
    from bench.seed import ensure_dataset
    from cases.search import name_key

    persons = _int_env("BENCH_PERSONS", 100_000)
    reseed = os.environ.get("BENCH_RESEED", "").strip() not in ("", "0")
    iterations = _int_env("BENCH_ITERATIONS", 40)
    warmup = _int_env("BENCH_WARMUP", 5)
    explain = os.environ.get("BENCH_EXPLAIN", "").strip() not in ("", "0")

    print(f"Benchmark database: {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    dataset = ensure_dataset(persons, reseed=reseed)

    # measure as in production: no query log kept (DEBUG off), the naive views routed
    settings.DEBUG = False
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    client = Client()
    # person rows with custody periods (issue 16): the raw SQL reads them too
    raw.ROWS_CARRY_PLACES = rows_carry_places(client)

    connection.ensure_connection()
    cursor = connection.connection.cursor()  # psycopg cursor on Django's connection

    def one(sql: str, params=()):
        return cursor.execute(sql, params).fetchone()[0]

    def term_id(table: str, code: str) -> int:
        return one(f"SELECT id FROM cases_{table} WHERE code = %s", [code])

    # persons with an average history: public, 2 public detentions, an allegation, a statement
    history_slugs = [
        row[0]
        for row in cursor.execute(
            "SELECT p.slug FROM cases_person p WHERE p.visibility = 'public' "
            "AND (SELECT count(*) FROM cases_detention d WHERE d.person_id = p.id "
            "     AND d.visibility = 'public') = 2 "
            "AND EXISTS (SELECT 1 FROM cases_allegation a WHERE a.person_id = p.id) "
            "AND EXISTS (SELECT 1 FROM cases_statement_persons sp WHERE sp.person_id = p.id) "
            "ORDER BY p.id LIMIT 10"
        ).fetchall()
    ]
    if not history_slugs:  # a tiny data set
        history_slugs = [
            r[0] for r in cursor.execute(
                "SELECT slug FROM cases_person WHERE visibility = 'public' ORDER BY id LIMIT 10"
            ).fetchall()
        ]  # fmt: skip

    stage, occupation, kind = "convicted", "journalist", "torture"
    filter_cases = [
        (
            f"filters: legal_stage={stage}, occupation={occupation}, arrested_after=2020",
            f"legal_stage={stage}&occupation={occupation}&arrested_after=2020",
            lambda: raw.filtered(cursor, stage_id=term_id("legalstage", stage),
                                 after=datetime.date(2020, 1, 1),
                                 occupation_id=term_id("occupation", occupation)),
        ),
        (
            "filters: legal_stage=pre-trial-detention, allegation=torture, arrested_after=2022-06",
            "legal_stage=pre-trial-detention&allegation=torture&arrested_after=2022-06",
            lambda: raw.filtered(cursor, stage_id=term_id("legalstage", "pre-trial-detention"),
                                 after=datetime.date(2022, 6, 1),
                                 allegation_kind_id=term_id("allegationkind", kind)),
        ),
    ]  # fmt: skip
    searches = [
        ("Bəxtiyar Hacıyev", "Azerbaijani spelling"),
        ("Гасанов", "Russian spelling, surname"),
        ("Leyla Mammadova", "English spelling"),
        ("Сергей Иванов", "Russian spelling"),
        ("Ismayil", "partial name"),
        ("Xədi", "partial first name"),
    ]

    cases = [
        {
            "label": "list ?page_size=100",
            "urls": ["/api/v1/persons/?page_size=100"],
            "raw": lambda: raw.plain_list(cursor),
            "naive": "/bench/naive/persons/",
            "kind": "list",
            "goal": "api_list",
        }
    ]
    for text, note in searches:
        cases.append(
            {
                "label": f"q={text} ({note})",
                "urls": [f"/api/v1/persons/?page_size=100&q={quote(text)}"],
                "raw": partial(raw_search, cursor, name_key(text)),
                "kind": "q",
            }
        )
    for label, query, raw_call in filter_cases:
        cases.append(
            {
                "label": label,
                "urls": [f"/api/v1/persons/?page_size=100&{query}"],
                "raw": raw_call,
                "kind": "filter",
            }  # fmt: skip
        )
    cases.append(
        {
            "label": f"history (/persons/<slug>/history/, {len(history_slugs)} persons)",
            "urls": [f"/api/v1/persons/{slug}/history/" for slug in history_slugs],
            "raw": None,
            "raw_calls": [partial(raw.history, cursor, slug) for slug in history_slugs],
            "kind": "history",
            "goal": "history",
        }
    )

    # the public HTML pages (server-rendered, with the filter counts of the list)
    cases.append(
        {
            "label": "page: case list /persons/ (25 rows, 6 filter groups with counts)",
            "urls": ["/persons/"],
            "raw": lambda: raw.plain_list(cursor),
            "kind": "page",
            "goal": "page",
        }
    )
    _label, page_filters, page_filters_raw = filter_cases[0]
    cases.append(
        {
            "label": "page: case list /persons/ with filters (legal_stage, occupation, arrested_after)",
            "urls": [f"/persons/?{page_filters}"],
            "raw": page_filters_raw,
            "kind": "page",
            "goal": "page_filtered",
        }
    )
    cases.append(
        {
            "label": "page: case list /persons/, filter counts not cached",
            "urls": ["/persons/"],
            "raw": lambda: raw.plain_list(cursor),
            "kind": "page",
            "uncached": True,
            "goal": "page_uncached",
        }
    )
    cases.append(
        {
            "label": "page: case list /persons/?q=Гасанов&status=held",
            "urls": [f"/persons/?q={quote('Гасанов')}&status=held"],
            "raw": partial(raw_search, cursor, name_key("Гасанов")),
            "kind": "page",
        }
    )
    cases.append(
        {
            "label": f"page: person /persons/<slug>/ ({len(history_slugs)} persons)",
            "urls": [f"/persons/{slug}/" for slug in history_slugs],
            "raw": None,
            "raw_calls": [partial(raw.history, cursor, slug) for slug in history_slugs],
            "kind": "page",
            "goal": "person_page",
        }
    )

    only = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
    # BENCH_ONLY=page,list,counts: the cases whose kind or label names one of these
    # (`counts`: the filter counts uncached); the other sections are left out, unless
    # named (BENCH_ONLY=places: that section alone)
    sections = [part for part in only if part in SECTIONS]
    only = [part for part in only if part not in SECTIONS]
    if only or sections:
        cases = [c for c in cases if any(part in (c["kind"], c["label"]) or part in c["label"]
                                         for part in only)]  # fmt: skip
    if sections and not only:
        _run_sections(sections, client, persons)
        return

    warnings: list[str] = []
    print(
        f"Timing {len(cases)} endpoints: {warmup} warm-up + {iterations} timed requests each "
        "(django.test.Client, in process) ..."
    )
    for case in cases:
        urls = case["urls"]
        # correctness and query count first (not timed)
        if case.get("uncached"):
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[0])
        case["queries"] = len(queries.captured_queries)
        case["page_sql"] = queries.captured_queries[0]["sql"] if queries.captured_queries else ""
        if response.status_code != 200:
            warnings.append(
                f"{case['label']}: HTTP {response.status_code} {response.content[:200]!r}"
            )
            case["timing"] = None
            continue
        calls = [partial(client.get, url) for url in urls]
        if case.get("uncached"):
            calls = [lambda url=url: (cache.clear(), client.get(url)) for url in urls]
        raw_calls = case.get("raw_calls") or [case["raw"]]
        case["timing"], case["raw_timing"] = time_side_by_side(
            calls, raw_calls, iterations=iterations, warmup=warmup
        )
        if case["kind"] != "page":  # pages are HTML; the API's rows are checked
            _check_same_rows(case, json.loads(response.content), raw_calls[0](), warnings)
        if case.get("naive"):
            with CaptureQueriesContext(connection) as queries:
                client.get(case["naive"])
            case["naive_queries"] = len(queries.captured_queries)
            case["naive_timing"] = time_calls(
                [partial(client.get, case["naive"])],
                iterations=max(10, iterations // 2),
                warmup=2,
            )
            with CaptureQueriesContext(connection) as queries:
                client.get("/bench/naive-prefetch/persons/")
            case["prefetch_queries"] = len(queries.captured_queries)
            case["prefetch_timing"] = time_calls(
                [lambda: client.get("/bench/naive-prefetch/persons/")],
                iterations=max(10, iterations // 2),
                warmup=2,
            )
        print(f"  {case['label']}: median {case['timing'].median:.1f} ms")

    facet_timings = {}
    if not only or "counts" in only:
        facet_timings = _facet_timings(
            page_filters, iterations=max(5, iterations // 4), warmup=min(warmup, 2)
        )

    counts = {
        table: one(f"SELECT count(*) FROM {table}")
        for table in ("cases_person", "cases_namevariant", "cases_detention", "cases_charge",
                      "cases_caseevent", "cases_allegation", "cases_person_occupations",
                      "cases_statement", "cases_statement_persons", "cases_affiliation",
                      "cases_paceassessment", "sources_source", "sources_citation",
                      "cases_issuedslug", "cases_organization", "places_facility",
                      "places_facilityname", "places_custodyperiod")
    }  # fmt: skip
    _report(cases, counts, dataset, iterations, warmup, warnings, one, facet_timings)

    if explain:
        for case in cases:
            if case["kind"] in ("q", "filter", "list") and case.get("page_sql"):
                print(f"\nEXPLAIN ANALYZE, page query of {case['label']}:")
                for (line,) in cursor.execute(
                    "EXPLAIN (ANALYZE, BUFFERS) " + case["page_sql"]
                ).fetchall():
                    print("   ", line)

    if only and not sections:
        return
    _run_sections(sections or SECTIONS, client, persons)


SECTIONS = ("search", "duplicates", "feed", "lists", "places", "ftm")


def _run_sections(names, client, persons: int) -> None:
    from bench.duplicates_speed import duplicates_section  # possible duplicates (issue 20)
    from bench.feed import feed_section  # the change feed (issue 14)
    from bench.ftm import ftm_section  # the FollowTheMoney export (issue 17)
    from bench.lists import lists_section  # importing an edition of a list (issue 18)
    from bench.places import places_section  # places of detention (issue 16)
    from bench.search_speed import search_section  # name search (issue 20)

    run = {
        "search": lambda: search_section(client, persons),
        "duplicates": lambda: duplicates_section(persons),
        "feed": lambda: feed_section(client, persons),
        "lists": lambda: lists_section(persons),
        "places": lambda: places_section(client, persons),
        "ftm": lambda: ftm_section(client, persons),
    }
    for name in SECTIONS:
        if name in names:
            run[name]()


def _check_same_rows(case: dict, body: dict, fetched: dict, warnings: list[str]) -> None:
    """The raw SQL must read what the view returns."""
    if case["kind"] == "history":
        person = body["person"]
        seen = {
            "variants": len(person["name_variants"]),
            "hist_detentions": len(body["detentions"]),
            "hist_charges": sum(len(d["charges"]) for d in body["detentions"]),
            "citations": len(body["citations"])
            + sum(len(a["citations"]) for a in body["affiliations"])
            + sum(len(d["citations"]) for d in body["detentions"])
            + sum(len(e["citations"]) for d in body["detentions"] for e in d["events"])
            + sum(len(a["citations"]) for a in body["allegations"])
            + sum(len(s["citations"]) for s in body["statements"]),
            "events": sum(len(d["events"]) for d in body["detentions"]),
            "allegations": len(body["allegations"]),
            "statements": len(body["statements"]),
            "sources": len(body["sources"]),
        }
    else:
        results = body["results"]
        seen = {
            "persons": len(results),
            "slugs": [r["slug"] for r in results],
            "variants": sum(len(r["name_variants"]) for r in results),
            "occupations": sum(len(r["occupations"]) for r in results),
            "detentions": sum(len(r["detentions"]) for r in results),
            "charges": sum(len(d["charges"]) for r in results for d in r["detentions"]),
        }
    differing = [k for k, v in seen.items() if fetched.get(k) != v]
    if differing:
        details = ", ".join(
            f"{k}: view {_short(seen[k])} / raw {_short(fetched.get(k))}" for k in differing
        )
        warnings.append(f"{case['label']}: raw SQL rows differ from the view ({details})")


def _short(value):
    return f"{len(value)} items" if isinstance(value, list) else value


def _facet_timings(filters: str, *, iterations: int, warmup: int) -> dict[str, Timing]:
    """The list page's filter counts counted without their cache
    (cases.reads.facets.count_facets): all of them, unfiltered and under
    `filters`, and the part an edit makes count again (a person saved: the
    occupation counts; an affiliation saved: the organization counts; a detention
    saved: the four that read detentions)."""
    from django.http import QueryDict

    from cases.filtersets import PersonFilterSet
    from cases.listing import READER
    from cases.models import Person
    from cases.reads.facets import COUNTS, count_facets, table_versions
    from cases.visibility import visible

    def bound(query: str) -> PersonFilterSet:
        filterset = PersonFilterSet(
            QueryDict(query), visible(Person.objects.all(), READER), reader=READER
        )
        filterset.is_valid()
        return filterset

    parts = {
        "all": ("", COUNTS),
        "filtered": (filters, COUNTS),
        "person saved (not its level, trash or gender)": ("", ("occupation",)),
        "affiliation saved": ("", ("organization",)),
        "detention saved": ("", ("status", "legal_stage", "arrest_year", "allegation")),
    }
    print(f"Timing the filter counts uncached: {warmup} warm-up + {iterations} timed each ...")
    timings = {
        name: time_calls(
            [lambda query=query, names=names: count_facets(bound(query), names)],
            iterations=iterations,
            warmup=warmup,
        )
        for name, (query, names) in parts.items()
    }
    timings["change times"] = time_calls([table_versions], iterations=iterations, warmup=warmup)
    return timings


def _report(cases, counts, dataset, iterations, warmup, warnings, one, facet_timings) -> None:
    header = ["endpoint", "median ms", "p95 ms", "queries", "raw SQL median ms", "ratio to raw",
              "naive median ms", "naive/ours"]  # fmt: skip
    rows = []
    for case in cases:
        t = case.get("timing")
        if t is None:
            rows.append([case["label"], "error", "", "", "", "", "", ""])
            continue
        r = case["raw_timing"]
        naive = case.get("naive_timing")
        rows.append(
            [
                case["label"],
                f"{t.median:.1f}",
                f"{t.p95:.1f}",
                str(case["queries"]),
                f"{r.median:.1f}",
                f"{t.median / r.median:.1f}x",
                f"{naive.median:.1f}" if naive else "",
                f"{naive.median / t.median:.1f}x" if naive else "",
            ]
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return " | ".join(
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
            for i, c in enumerate(cells)
        )

    related = sum(v for k, v in counts.items() if k != "cases_person")
    version = one("SHOW server_version")
    print()
    print(f"Casebook API benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, PostgreSQL {version}, "
          f"{os.cpu_count()} CPUs; {warmup} warm-up + {iterations} timed requests per endpoint, "
          "server time in process (DEBUG off), public reader")  # fmt: skip
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print()
    short = {k.split("_", 1)[1]: v for k, v in counts.items()}
    print(
        f"Data set: {counts['cases_person']:,} persons, {related:,} related rows ("
        + ", ".join(f"{k} {v:,}" for k, v in short.items() if k != "person")
        + "); "
        + ("reused, " if dataset.get("reused") else "")
        + f"seeded in {dataset['seconds']:.1f} s."
    )
    for case in cases:
        if case.get("naive_timing"):
            n, p = case["naive_timing"], case["prefetch_timing"]
            print(
                f"Naive baseline (DRF ReadOnlyModelViewSet, nested ModelSerializers, "
                f"PageNumberPagination 100, no prefetch; children unfiltered by visibility): "
                f"median {n.median:.1f} ms, p95 {n.p95:.1f} ms, {case['naive_queries']} queries. "
                f"With prefetch_related: median {p.median:.1f} ms, p95 {p.p95:.1f} ms, "
                f"{case['prefetch_queries']} queries ({p.median / case['timing'].median:.1f}x ours)."
            )

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print()
    print("Goals:")
    seeded = dataset["seconds"]
    print(f"  seeding the data set, every row in the history, under 120 s: {seeded:.0f} s"
          f"{' (when it was seeded)' if dataset.get('reused') else ''} -> {verdict(seeded < 120)}")  # fmt: skip
    goals = {c["goal"]: c for c in cases if c.get("goal") and c.get("timing")}

    def ratio_goal(name: str, text: str, limit: float) -> None:
        case = goals.get(name)
        if case:
            t, r = case["timing"].median, case["raw_timing"].median
            print(f"  {text} within {limit:g}x of raw SQL: {t / r:.1f}x ({t:.1f} vs {r:.1f} ms "
                  f"median) -> {verdict(t / r <= limit)}")  # fmt: skip

    def p95_goal(name: str, text: str, limit: float) -> None:
        case = goals.get(name)
        if case:
            t = case["timing"]
            print(f"  {text} p95 under {limit:g} ms: {t.p95:.1f} ms (median {t.median:.1f}) -> "
                  f"{verdict(t.p95 < limit)}")  # fmt: skip

    ratio_goal("api_list", "API persons list (?page_size=100)", 1.5)
    plain = goals.get("api_list", {})
    if plain:
        lists = [c for c in cases if c["kind"] in ("q", "filter") and c.get("timing")]
        if lists:
            worst = max(lists, key=lambda c: c["timing"].median / c["raw_timing"].median)
            print(f"      (other lists: worst {worst['timing'].median / worst['raw_timing'].median:.1f}x, "
                  f"{worst['label']})")  # fmt: skip
        speedup = plain["naive_timing"].median / plain["timing"].median
        print(
            f"  at least 5x faster than the naive baseline: {speedup:.1f}x -> {verdict(speedup >= 5)}"
        )
    ratio_goal("person_page", "person page /persons/<slug>/", 2)
    ratio_goal("history", "API history /persons/<slug>/history/", 2)
    p95_goal("page", "list page /persons/ (counts cached)", 60)
    p95_goal("page_filtered", "list page /persons/ with filters (counts cached)", 60)
    if facet_timings:
        everything = facet_timings["all"]
        print(f"  filter counts uncached under 150 ms: median {everything.median:.1f} ms, "
              f"p95 {everything.p95:.1f} -> {verdict(everything.median < 150)}")  # fmt: skip
        filtered = facet_timings["filtered"]
        print(f"  filter counts uncached under filters (legal_stage, occupation, arrested_after) "
              f"under 150 ms: median {filtered.median:.1f} ms, p95 {filtered.p95:.1f} -> "
              f"{verdict(filtered.median < 150)}")  # fmt: skip
        for name, t in facet_timings.items():
            if name not in ("all", "filtered"):
                print(f"      ({name}: median {t.median:.1f} ms, p95 {t.p95:.1f})")
    uncached = goals.get("page_uncached")
    if uncached:
        t = uncached["timing"]
        print(f"      (list page with every count uncached: median {t.median:.1f} ms, "
              f"p95 {t.p95:.1f})")  # fmt: skip
    qs = [c for c in cases if c["kind"] == "q" and c.get("timing")]
    if qs:
        worst = max(qs, key=lambda c: c["timing"].p95)
        print(f"  q p95 under 50 ms: worst p95 {worst['timing'].p95:.1f} ms ({worst['label']}) -> "
              f"{verdict(worst['timing'].p95 < 50)}")  # fmt: skip
    print("  (pages: raw SQL reads the API list's 100 rows, a search's rows or a person's "
          "history; the page adds filter counts, labels and HTML)")  # fmt: skip
    for warning in warnings:
        print(f"WARNING: {warning}")


if __name__ == "__main__":
    main()
