"""Places of detention at 100,000 persons (issue 16): a section of `make bench`
(bench.run calls `places_section`), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.places
    (or BENCH_ONLY=places .venv/bin/python -m bench.run)

On the benchmark's data set (bench.seed: ~250 facilities, custody periods for
most held persons), in process (django.test.Client, DEBUG off, the public
reader), each address timed side by side with hand-written SQL that reads the
same rows (view, raw, view, raw...):

- the facility list `/api/v1/facilities/` (its first page of 100, and every
  facility at once), each with its other names, held-now count and citations;
- the persons held now at a facility, `/api/v1/persons/?facility=<slug>` and
  `?status=held&facility=<slug>` (the facility's `held_now`), at the facility
  holding the most persons and at a facility of median size;
- the pages `/facilities/` (every facility with its count and the map) and
  `/facilities/<slug>/` (who is held there now and who was, the allegations).

The API's rows are checked against the raw SQL's (the same persons or
facilities, names, custody periods and counts); a facility's `held_now` must
equal the persons its `?status=held&facility=` returns. Prints median and p95
server time, queries per request, the raw SQL's median and the ratio, and one
line per goal (MET / NOT MET; never fatal):

- API lists (facilities, persons by facility): p95 under 50 ms and within 3x of
  their raw SQL (the name search's and the list API's budget);
- pages: p95 under 60 ms, the case list page's goal.

BENCH_ITERATIONS (default 40) and BENCH_WARMUP (default 5) as in bench.run; an
address slower than 250 ms is timed fewer times (at least 3, its first request
the warm-up), within BENCH_PLACES_BUDGET seconds (default 30) for it and its raw
SQL (the `timed` column says how many)."""

from __future__ import annotations

import json
import time
from functools import partial

from bench import raw
from bench.raw import CUSTODY_JOINS, PUBLIC, VISIBLE_CUSTODY, cited

API_P95_MS = 50.0
API_RATIO = 3.0
PAGE_P95_MS = 60.0
SLOW_MS = 250.0  # an address slower than this is timed within the section's budget

# The current places and statuses as the database stores them per reader
# (cases.reads.status), read as the views read them: a person's stored place at
# one of %(facilities)s, joined to their stored status when held now is asked
# (bench.status_check holds the stored places to the rule computed afresh).
# Outside a writing transaction no person is noted: the stored rows are all.


def held_now_sql(*, held: bool = True) -> str:
    """(person_id, facility_id, custody_id) of the persons whose current place is
    at one of %(facilities)s, held now (`held`) or whatever their status."""
    status = (
        " JOIN cases_person_status st ON st.person_id = pl.person_id"
        f" AND st.reader = {PUBLIC} AND st.status = 'held'"
    )
    return (
        "SELECT pl.person_id, pl.facility_id, pl.custody_id FROM cases_person_place pl"
        f"{status if held else ''} WHERE pl.reader = {PUBLIC}"
        " AND pl.facility_id = ANY(%(facilities)s)"
    )


def placed_at(cur, facility_ids: list[int]) -> dict:
    """The parameters of `held_now_sql`."""
    return {"facilities": facility_ids}


def raw_held_now(cur, facility_ids: list[int]) -> dict[int, int]:
    """{facility id: persons held there now}, by hand: 1 query."""
    return dict(
        cur.execute(
            f"SELECT facility_id, count(*) FROM ({held_now_sql()}) held GROUP BY facility_id",
            placed_at(cur, facility_ids),
        ).fetchall()
    )


def raw_persons_at(cur, facility_id: int, *, held: bool) -> dict:
    """/api/v1/persons/?page_size=100&facility=<id> (and &status=held), by hand: the
    first page of the persons whose current place is there, by UUID, and its rows."""
    return raw.person_page(
        cur,
        where=f"AND p.id IN (SELECT person_id FROM ({held_now_sql(held=held)}) placed)",
        params=placed_at(cur, [facility_id]),
    )


FACILITY_COLUMNS = (
    "f.id, f.uuid, f.slug, f.name, k.code, o.slug, o.visibility, o.deleted_at, f.country, "
    "f.region, f.locality, f.latitude, f.longitude, f.postal_address, f.address_confirmed_on, "
    "f.address_confirmed_on_precision, f.letter_language, f.letter_rules, f.parcel_rules, "
    "f.rules_confirmed_on, f.rules_confirmed_on_precision, f.description, f.updated_at"
)
VISIBLE_FACILITY = f"f.visibility = {PUBLIC} AND {cited('f', 'facility_id')}"


def raw_facility_list(cur, size: int = 100) -> dict:
    """/api/v1/facilities/?page_size=<size>, by hand: the first page of visible
    facilities by UUID, their public other names, held-now counts and citations
    (places.reads.facility_rows): 4 queries."""
    rows = cur.execute(
        f"SELECT {FACILITY_COLUMNS} FROM places_facility f "
        "LEFT JOIN places_facilitykind k ON k.id = f.kind_id "
        "LEFT JOIN cases_organization o ON o.id = f.operator_id "
        f"WHERE {VISIBLE_FACILITY} ORDER BY f.uuid LIMIT %s",
        [size + 1],
    ).fetchall()[:size]
    ids = [r[0] for r in rows]
    names = cur.execute(
        "SELECT facility_id, name, language FROM places_facilityname "
        f"WHERE facility_id = ANY(%s) AND visibility = {PUBLIC} ORDER BY facility_id, language, name",
        [ids],
    ).fetchall()
    held = raw_held_now(cur, ids)
    citations = cur.execute(
        "SELECT c.facility_id, s.uuid, s.is_confidential, c.claim, c.locator, c.excerpt, "
        "c.confidence FROM sources_citation c JOIN sources_source s ON s.id = c.source_id "
        f"WHERE c.facility_id = ANY(%s) AND c.visibility = {PUBLIC} AND s.visibility = {PUBLIC} "
        "ORDER BY c.id",
        [ids],
    ).fetchall()
    slug_of = {r[0]: r[2] for r in rows}
    return {
        "facilities": len(rows),
        "slugs": [r[2] for r in rows],
        "names": len(names),
        "held_now": {slug_of[fid]: n for fid, n in held.items() if n},
        "citations": len(citations),
    }


def raw_facility_page(cur, facility_id: int) -> dict:
    """What /facilities/<slug>/ reads, by hand: the facility, its other names and
    operator, who is held there now, every visible custody period there with its
    person, the allegations reported there with their persons, the citations of
    all these and their sources: 7 queries."""
    facility = cur.execute(
        f"SELECT {FACILITY_COLUMNS} FROM places_facility f "
        "LEFT JOIN places_facilitykind k ON k.id = f.kind_id "
        "LEFT JOIN cases_organization o ON o.id = f.operator_id "
        f"WHERE f.id = %s AND {VISIBLE_FACILITY}",
        [facility_id],
    ).fetchone()
    names = cur.execute(
        "SELECT name, language FROM places_facilityname "
        f"WHERE facility_id = %s AND visibility = {PUBLIC} ORDER BY language, name",
        [facility_id],
    ).fetchall()
    now = cur.execute(held_now_sql(), placed_at(cur, [facility_id])).fetchall()
    periods = cur.execute(
        "SELECT cp.id, cp.held_from, cp.held_from_precision, cp.held_until, "
        "cp.held_until_precision, cp.note, cp_p.id, cp_p.slug, cp_p.display_name "
        f"FROM places_custodyperiod cp{CUSTODY_JOINS} "
        f"WHERE cp.facility_id = %s AND {VISIBLE_CUSTODY} "
        "ORDER BY cp.held_from DESC NULLS LAST, cp.id DESC",
        [facility_id],
    ).fetchall()
    allegations = cur.execute(
        "SELECT a.id, k.code, a.started_on, a.started_on_precision, a.ended_on, "
        "a.ended_on_precision, a.description, pp.slug, pp.display_name, a.victim_description "
        "FROM cases_allegation a JOIN cases_allegationkind k ON k.id = a.kind_id "
        "LEFT JOIN cases_person pp ON pp.id = a.person_id "
        "LEFT JOIN cases_detention ad ON ad.id = a.detention_id "
        f"WHERE a.facility_id = %s AND a.visibility = {PUBLIC} AND {cited('a', 'allegation_id')} "
        f"AND (pp.id IS NULL OR pp.visibility = {PUBLIC}) "
        f"AND (ad.id IS NULL OR (ad.visibility = {PUBLIC} AND {cited('ad', 'detention_id')})) "
        "ORDER BY a.started_on NULLS FIRST, a.id",
        [facility_id],
    ).fetchall()
    citations = cur.execute(
        "SELECT c.facility_id, c.custody_period_id, c.allegation_id, s.uuid, s.is_confidential, "
        "c.claim, c.locator, c.excerpt, c.confidence FROM sources_citation c "
        "JOIN sources_source s ON s.id = c.source_id "
        "WHERE (c.facility_id = %s OR c.custody_period_id = ANY(%s) OR c.allegation_id = ANY(%s)) "
        f"AND c.visibility = {PUBLIC} AND s.visibility = {PUBLIC} ORDER BY c.id",
        [facility_id, [p[0] for p in periods], [a[0] for a in allegations]],
    ).fetchall()
    sources = cur.execute(
        "SELECT s.id, s.uuid, s.title, pub.name, s.url, s.published_on, s.published_on_precision "
        "FROM sources_source s LEFT JOIN cases_organization pub ON pub.id = s.publisher_id "
        "WHERE s.uuid = ANY(%s)",
        [list({c[3] for c in citations})],
    ).fetchall()
    return {
        "facility": facility is not None,
        "names": len(names),
        "held_now": len(now),
        "custody_periods": len(periods),
        "allegations": len(allegations),
        "citations": len(citations),
        "sources": len(sources),
    }


def chosen_facilities(cur) -> list[tuple[int, str, int]]:
    """(id, slug, held now) of the public facility holding the most persons now
    and of the one of median size among those holding anyone."""
    ids = [
        r[0]
        for r in cur.execute(
            f"SELECT f.id FROM places_facility f WHERE {VISIBLE_FACILITY}"
        ).fetchall()
    ]
    held = sorted(raw_held_now(cur, ids).items(), key=lambda item: (-item[1], item[0]))
    if not held:
        return []
    picked = [held[0]] + ([held[len(held) // 2]] if len(held) > 1 else [])
    slugs = dict(
        cur.execute(
            "SELECT id, slug FROM places_facility WHERE id = ANY(%s)", [[p[0] for p in picked]]
        ).fetchall()
    )
    return [(fid, slugs[fid], n) for fid, n in picked]


def rows_carry_places(client) -> bool:
    """Whether the API's person rows carry custody periods and the current place
    (issue 16), so that bench.raw reads them too (bench.raw.ROWS_CARRY_PLACES)."""
    probe = client.get("/api/v1/persons/?page_size=1")
    if probe.status_code != 200:
        return False
    results = json.loads(probe.content)["results"]
    return bool(results) and "current_facility" in results[0]


def _check_facilities(body: dict, fetched: dict) -> list[str]:
    results = body["results"]
    seen = {
        "facilities": len(results),
        "slugs": [r["slug"] for r in results],
        "names": sum(len(r["names"]) for r in results),
        "held_now": {r["slug"]: r["held_now"] for r in results if r["held_now"]},
        "citations": sum(len(r["citations"]) for r in results),
    }
    return [k for k, v in seen.items() if fetched.get(k) != v]


def _check_persons(body: dict, fetched: dict) -> list[str]:
    results = body["results"]
    seen = {
        "persons": len(results),
        "slugs": [r["slug"] for r in results],
        "variants": sum(len(r["name_variants"]) for r in results),
        "detentions": sum(len(r["detentions"]) for r in results),
        "charges": sum(len(d["charges"]) for r in results for d in r["detentions"]),
    }
    if raw.ROWS_CARRY_PLACES:
        seen["custody_periods"] = sum(
            len(d["custody_periods"]) for r in results for d in r["detentions"]
        )
        seen["current_places"] = sum(1 for r in results if r["current_facility"])
    return [k for k, v in seen.items() if fetched.get(k) != v]


def places_section(client, persons: int) -> None:
    from django.core.cache import cache
    from django.db import connection

    from bench.run import _int_env, time_side_by_side

    iterations = _int_env("BENCH_ITERATIONS", 40)
    warmup = _int_env("BENCH_WARMUP", 5)
    budget = _int_env("BENCH_PLACES_BUDGET", 30)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    facilities = chosen_facilities(cursor)
    counts = cursor.execute(
        "SELECT (SELECT count(*) FROM places_facility), "
        f"(SELECT count(*) FROM places_facility f WHERE {VISIBLE_FACILITY}), "
        "(SELECT count(*) FROM places_custodyperiod), "
        "(SELECT count(*) FROM places_custodyperiod WHERE held_until IS NULL)"
    ).fetchone()
    print(
        f"\nPlaces of detention at {persons:,} persons: {counts[0]:,} facilities ({counts[1]:,} "
        f"public), {counts[2]:,} custody periods ({counts[3]:,} open); {warmup} warm-up + "
        f"{iterations} timed requests per address, side by side with their raw SQL"
    )
    raw.ROWS_CARRY_PLACES = rows_carry_places(client)

    cases = [
        ("API", "API /facilities/ (first page, 100)", "/api/v1/facilities/",
         partial(raw_facility_list, cursor, 100), _check_facilities),
        ("API", "API /facilities/?page_size=500 (every facility)",
         "/api/v1/facilities/?page_size=500", partial(raw_facility_list, cursor, 500),
         _check_facilities),
    ]  # fmt: skip
    for size, (fid, slug, held) in zip(("largest", "median"), facilities, strict=False):
        for query, held_only in (
            (f"facility={slug}", False),
            (f"status=held&facility={slug}", True),
        ):
            cases.append(
                ("API", f"API /persons/?{query.replace(slug, f'<{size}>')} ({held:,} held)",
                 f"/api/v1/persons/?page_size=100&{query}",
                 partial(raw_persons_at, cursor, fid, held=held_only), _check_persons)
            )  # fmt: skip
    cases.append(
        ("page", "page /facilities/ (every facility, counts, map)", "/facilities/",
         partial(raw_facility_list, cursor, 1000), None)
    )  # fmt: skip
    for size, (fid, slug, held) in zip(("largest", "median"), facilities, strict=False):
        cases.append(
            ("page", f"page /facilities/<{size}>/ ({held:,} held now)", f"/facilities/{slug}/",
             partial(raw_facility_page, cursor, fid), None)
        )  # fmt: skip

    warnings: list[str] = []
    results = []
    for kind, label, url, raw_call, check in cases:
        cache.clear()
        queries = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(counted):
            response = client.get(url)
        first_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            warnings.append(f"{label}: HTTP {response.status_code} {response.content[:120]!r}")
            results.append((kind, label, None, None, 0))
            continue
        if check is not None:
            differing = check(json.loads(response.content), raw_call())
            if differing:
                warnings.append(
                    f"{label}: raw SQL rows differ from the view ({', '.join(differing)})"
                )
        # an address answering in seconds is timed fewer times (the first request
        # was its warm-up), within BENCH_PLACES_BUDGET seconds or 3 requests
        times, warm = iterations, warmup
        if first_ms > SLOW_MS:
            times = max(3, min(iterations, int(budget * 1000 / 2 / first_ms)))
            warm = 0
        timing, raw_timing = time_side_by_side(
            [partial(client.get, url)], [raw_call], iterations=times, warmup=warm
        )
        results.append((kind, label, timing, raw_timing, len(queries)))

    # held now: the facility's count is its persons filter's (the rule)
    for _fid, slug, held in facilities:
        body = json.loads(client.get(f"/api/v1/facilities/{slug}/").content)
        shown = json.loads(
            client.get(f"/api/v1/persons/?page_size=500&status=held&facility={slug}").content
        )
        listed = len(shown.get("results", []))
        if body.get("held_now") != held or (held <= 500 and listed != held):
            warnings.append(
                f"held now at {slug}: API {body.get('held_now')}, persons filter {listed} "
                f"(first 500), raw SQL {held}"
            )

    _report(results, warnings)


def _report(results, warnings) -> None:
    header = ("address", "queries", "timed", "median ms", "p95 ms", "raw median ms", "ratio")
    rows = []
    for _kind, label, timing, raw_timing, queries in results:
        if timing is None:
            rows.append((label, "error", "", "", "", "", ""))
            continue
        rows.append((label, str(queries), str(len(timing.samples)), f"{timing.median:.1f}",
                     f"{timing.p95:.1f}", f"{raw_timing.median:.1f}",
                     f"{timing.median / raw_timing.median:.1f}x"))  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, None, *rows]:
        if row is None:
            print("  " + "-+-".join("-" * w for w in widths))
            continue
        print("  " + " | ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)
        ))  # fmt: skip

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print("  Goals:")
    measured = [r for r in results if r[2] is not None]
    api = [r for r in measured if r[0] == "API"]
    facility_lists = [r for r in api if "/facilities/" in r[1]]
    person_lists = [r for r in api if "/persons/" in r[1]]
    for name, group in (("facility list", facility_lists), ("persons by facility", person_lists)):
        if not group:
            print(f"    API {name}: not measured")
            continue
        slowest = max(group, key=lambda r: r[2].p95)
        print(f"    API {name}, p95 under {API_P95_MS:g} ms: worst {slowest[2].p95:.1f} ms "
              f"({slowest[1]}) -> {verdict(slowest[2].p95 < API_P95_MS)}")  # fmt: skip
        worst = max(group, key=lambda r: r[2].median / r[3].median)
        ratio = worst[2].median / worst[3].median
        print(f"    API {name}, within {API_RATIO:g}x of raw SQL: worst {ratio:.1f}x "
              f"({worst[1]}) -> {verdict(ratio <= API_RATIO)}")  # fmt: skip
    pages = [r for r in measured if r[0] == "page"]
    for _kind, label, timing, _raw, _queries in pages:
        print(f"    {label}, p95 under {PAGE_P95_MS:g} ms: {timing.p95:.1f} ms "
              f"(median {timing.median:.1f}) -> {verdict(timing.p95 < PAGE_P95_MS)}")  # fmt: skip
    if not pages:
        print("    pages: not measured")
    for warning in warnings:
        print(f"  WARNING: {warning}")


if __name__ == "__main__":
    from bench.run import run_section_alone

    run_section_alone("places")
