"""Name search at 100,000 persons (issue 20, item 1): a section of `make bench`
(bench.run calls `search_section`), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.search_speed

Times every benchmark query `q` (full names in three scripts, partial names, a
common surname alone) on the API (`/api/v1/persons/?page_size=100&q=...`), on the
public list page (`/persons/?q=...`) and on the list page with a filter
(`&status=held`), in process (django.test.Client, DEBUG off, facet counts warm
in the cache as a visitor after the first finds them). Prints median and p95
server time per request, the raw SQL of the same search (raw_search: the
persons found, their first page and its children by hand, no ORM, no
rendering), timed in turn with the request so that both meet the same load,
and the ratio; then the search alone (`search_alone`: the persons found, how
many, the first page of their ids: what a `q` adds to a request), the same
addresses without `q`, and one line per goal: p95 at most GOAL_MS.
BENCH_ITERATIONS (default 40) and BENCH_WARMUP (default 5) as in bench.run."""

from __future__ import annotations

from urllib.parse import quote

GOAL_MS = 15.0
QUERIES = [
    ("Bəxtiyar Hacıyev", "full name, Azerbaijani"),
    ("Сергей Иванов", "full name, Russian"),
    ("Leyla Mammadova", "full name, English"),
    ("Ismayil", "partial name"),
    ("Xədi", "partial first name"),
    ("Гасанов", "common surname alone"),
]


def raw_search(cursor, key: str) -> dict:
    """The search of cases.reads.search by hand, for the public reader: the
    persons whose name or public variant has every word of the key at the start
    of a word (one word: scored 1 for the whole word, (n - 1) / n for a word it
    begins), the persons found by their name checked in the rows read, those
    found by a variant alone looked up; their first page of 100 by score and
    UUID, and the page's children; a key no name has falls back to the trigram
    search (bench.raw.search)."""
    from bench import raw

    words = key.split()
    score = (
        "CASE WHEN string_to_array(name_key, ' ') @> %(words)s THEN 1.0::real "
        "ELSE (cardinality(show_trgm(%(key)s)) - 1)::real / cardinality(show_trgm(%(key)s)) END"
        if len(words) == 1
        else "word_similarity(%(key)s, name_key)"
    )
    public = "visibility = 'public' AND deleted_at IS NULL"
    rows = cursor.execute(
        "WITH names AS ("
        f"  SELECT id AS person_id, {score} AS score FROM cases_person"
        f"  WHERE casebook_name_prefixes(name_key) @> %(words)s AND {public}"
        "), variants AS ("
        f"  SELECT person_id, max({score}) AS score FROM cases_namevariant"
        f"  WHERE casebook_name_prefixes(name_key) @> %(words)s AND {public}"
        "  GROUP BY person_id"
        "), found AS ("
        "  SELECT n.person_id, GREATEST(n.score, v.score) AS score FROM names n"
        "  LEFT JOIN variants v ON v.person_id = n.person_id"
        "  UNION ALL SELECT v.person_id, v.score FROM variants v"
        "  WHERE NOT EXISTS (SELECT FROM names n WHERE n.person_id = v.person_id)"
        f") SELECT {raw.PERSON_COLUMNS}, m.score FROM found m"
        " JOIN cases_person p ON p.id = m.person_id"
        " WHERE p.visibility = 'public' AND p.deleted_at IS NULL"
        " ORDER BY m.score DESC, p.uuid LIMIT 101",
        {"key": key, "words": words},
    ).fetchall()[:100]
    if not rows:
        return raw.search(cursor, key)
    return {
        "persons": len(rows),
        "slugs": [r[2] for r in rows],
        **raw.person_children(cursor, [r[0] for r in rows]),
    }


def search_alone(text: str) -> int:
    """What a `q` adds to a request, for the public reader: the persons found
    (cases.reads.search), how many, and the ids of the first page of 100 by
    score and UUID (the API's order)."""
    from cases.models import Person
    from cases.reads.search import search_persons
    from cases.visibility import Reader, visible

    found = search_persons(visible(Person.objects.all(), Reader.PUBLIC), text, reader=Reader.PUBLIC)
    list(found.order_by("-score", "uuid").values_list("pk", flat=True)[:101])
    return found.count()


def _counted(call):
    """What `call` returns, and how many queries it ran."""
    from django.db import connection

    queries = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        result = call()
    return result, len(queries)


def search_section(client, persons: int) -> None:
    from functools import partial

    from django.db import connection

    from bench.run import _int_env, time_calls, time_side_by_side
    from cases.search import name_key

    iterations = _int_env("BENCH_ITERATIONS", 40)
    warmup = _int_env("BENCH_WARMUP", 5)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    print(
        f"\nName search at {persons:,} persons: {warmup} warm-up + {iterations} timed "
        f"requests per address (goal: p95 at most {GOAL_MS:g} ms)"
    )
    print(f"  {'address':<58} {'queries':>7} {'median':>8} {'p95':>8} {'raw p95':>8} {'ratio':>6}")
    results = []
    for text, note in QUERIES:
        q = quote(text)
        raw_call = partial(raw_search, cursor, name_key(text))
        for kind, url in (
            ("API", f"/api/v1/persons/?page_size=100&q={q}"),
            ("page", f"/persons/?q={q}"),
            ("page, filtered", f"/persons/?q={q}&status=held"),
        ):
            response, queries = _counted(partial(client.get, url))
            if response.status_code != 200:
                print(f"  WARNING {url}: HTTP {response.status_code}")
                continue
            timing, raw_timing = time_side_by_side(
                [partial(client.get, url)], [raw_call], iterations=iterations, warmup=warmup
            )
            ratio = timing.p95 / raw_timing.p95 if raw_timing.p95 else float("inf")
            label = f"{kind}: {text} ({note})"
            print(
                f"  {label:<58} {queries:>7} {timing.median:>6.1f}ms"
                f" {timing.p95:>6.1f}ms {raw_timing.p95:>6.1f}ms {ratio:>5.1f}x"
            )
            results.append((kind, text, timing))
        found, queries = _counted(partial(search_alone, text))
        timing = time_calls([partial(search_alone, text)], iterations=iterations, warmup=warmup)
        label = f"search alone: {text} ({found:,} found)"
        print(f"  {label:<58} {queries:>7} {timing.median:>6.1f}ms {timing.p95:>6.1f}ms")
    # the same addresses without a search: what a request costs before any name is compared
    floors = {}
    for kind, label, url in (
        ("API", "API without q", "/api/v1/persons/?page_size=100"),
        ("page", "page without q", "/persons/"),
        ("page, filtered", "page without q, filtered", "/persons/?status=held"),
    ):
        client.get(url)
        timing = time_calls([partial(client.get, url)], iterations=iterations, warmup=warmup)
        floors[kind] = timing
        print(
            f"  {label + ' (for comparison)':<58} {'':>7} {timing.median:>6.1f}ms {timing.p95:>6.1f}ms"
        )
    for kind in ("API", "page", "page, filtered"):
        timings = [(text, t) for k, text, t in results if k == kind]
        if not timings:
            continue
        text, worst = max(timings, key=lambda item: item[1].p95)
        verdict = "MET" if worst.p95 <= GOAL_MS else "NOT MET"
        where = {
            "API": "/api/v1/persons/?q=...",
            "page": "/persons/?q=...",
            "page, filtered": "/persons/?q=...&status=held",
        }[kind]
        print(
            f"  goal: name search p95 at most {GOAL_MS:g} ms for every q, {where}: {verdict} "
            f"(worst {worst.p95:.1f} ms, q={text}; without q {floors[kind].p95:.1f} ms)"
        )


if __name__ == "__main__":
    from bench.run import run_section_alone

    run_section_alone("search")
