"""The FollowTheMoney export at 100,000 persons (issue 17): a section of `make
bench` (bench.run calls `ftm_section`), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench .venv/bin/python -m bench.ftm
    (or BENCH_ONLY=ftm .venv/bin/python -m bench.run)

Streams GET /api/v1/export/ftm/ in process (django.test.Client, the app's
middleware included, DEBUG off), as the public and as a partner, reading the
response block by block as a client would (each line parsed as JSON), and
prints entities per second and the process's memory: its resident size
(/proc/self/statm) before the request, after a tenth of the entities, at the end
and at its peak (sampled at every block), so a stream whose memory grows with
the database shows. Goals, each MET or NOT MET (never fatal):

- at least 5,000 entities a second;
- peak memory growth under 100 MB while streaming (the peak less the memory
  before the request).

tracemalloc is not used: it slows Python several times over and would make the
rate meaningless; resident size counts everything the process holds, the
database driver's buffers included."""

from __future__ import annotations

import os
import time

import orjson

RATE_GOAL = 5_000  # entities a second
MEMORY_GOAL_MB = 100.0
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def resident_mb() -> float:
    """The process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_MB


def stream(client, headers: dict) -> dict:
    """Stream the export once; the count, the time and memory samples."""
    baseline = resident_mb()
    samples: list[tuple[int, float]] = []  # (entities so far, resident MB)
    count = 0
    started = time.perf_counter()
    response = client.get("/api/v1/export/ftm/", **headers)
    assert response.status_code == 200 and response.streaming, response.status_code
    for block in response.streaming_content:
        for line in block.splitlines():
            orjson.loads(line)
            count += 1
        samples.append((count, resident_mb()))
    response.close()
    seconds = time.perf_counter() - started
    tenth = next((mb for n, mb in samples if n >= count / 10), baseline)
    return {
        "count": count,
        "seconds": seconds,
        "baseline": baseline,
        "tenth": tenth,
        "end": samples[-1][1] if samples else baseline,
        "peak": max((mb for _n, mb in samples), default=baseline),
    }


def ftm_section(client, persons: int) -> None:
    from access.services import token_issue
    from cases.api.throttles import PartnerRateThrottle

    print()
    print(f"FollowTheMoney export (GET /api/v1/export/ftm/), {persons:,} persons ...")
    throttle_rates = PartnerRateThrottle.THROTTLE_RATES
    PartnerRateThrottle.THROTTLE_RATES = {**throttle_rates, "partner": "1000000000/minute"}
    token, raw = token_issue(name="bench: ftm export")
    results = {}
    try:
        for name, headers in (
            ("public", {}),
            ("partner", {"HTTP_AUTHORIZATION": f"Bearer {raw}"}),
        ):
            result = results[name] = stream(client, headers)
            rate = result["count"] / result["seconds"]
            print(
                f"  {name}: {result['count']:,} entities in {result['seconds']:.1f} s "
                f"({rate:,.0f} entities/s); memory {result['baseline']:.0f} MB before, "
                f"{result['tenth']:.0f} MB after 10%, {result['end']:.0f} MB at 100%, "
                f"peak {result['peak']:.0f} MB"
            )
    finally:
        PartnerRateThrottle.THROTTLE_RATES = throttle_rates
        token.delete()

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    print("  Goals:")
    for name, result in results.items():
        rate = result["count"] / result["seconds"]
        growth = result["peak"] - result["baseline"]
        print(f"    {name}, at least {RATE_GOAL:,} entities/s: {rate:,.0f} -> "
              f"{verdict(rate >= RATE_GOAL)}")  # fmt: skip
        print(f"    {name}, peak memory growth under {MEMORY_GOAL_MB:g} MB: {growth:.1f} MB "
              f"(10% -> 100%: {result['end'] - result['tenth']:+.1f} MB) -> "
              f"{verdict(growth < MEMORY_GOAL_MB)}")  # fmt: skip


if __name__ == "__main__":
    from bench.run import run_section_alone

    run_section_alone("ftm")
