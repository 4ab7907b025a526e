"""The change feed benchmark (issue 14): a section of `make bench` (bench.run
calls `feed_section` after its table), or on its own:

    DEBUG=1 CASEBOOK_DB_NAME=casebook_bench BENCH_PERSONS=10000 .venv/bin/python -m bench.feed

BENCH_FEED=incremental runs parts 3 and 4 only, on a feed an earlier run built
(minutes saved at 100,000 persons): the pending changes are compacted first and
each reader's token is taken at the feed's end, as a reader who had pulled it all.

On the benchmark's database and data set (bench.seed), in process
(django.test.Client, the app's middleware included), DEBUG off:

1. Full build: the feed emptied (with the change rows the seed's COPY left),
   then `feed_rebuild()`, what `manage.py sync_feed --rebuild` and a new
   deployment run; then the same rebuild over the built feed (every record
   compared, nothing to write).
2. Read throughput: a full pull of GET /api/v1/changes/?page_size=1000 (the
   feed's maximum) for the public and for a partner, against the same records
   pulled through the list endpoints (page_size=500, their maximum).
   Every upsert of the feed is compared with its list row (same records, same
   fields; every kind the feed serves, each with its list); a difference is a
   WARNING. Time is server time plus JSON parsing of
   each response, the client's bookkeeping excluded.
3. Incremental: 100 person summary edits, then 100 detentions moved from
   public to internal, each a queryset update() in its own transaction (no
   service, as bulk code and raw SQL write); then the next sync of each reader
   from its token: the public's first request runs the compaction, the
   partner's finds it done. Entries written are counted in sync_entry. The
   edits are reverted afterwards (the withdrawal rows they recorded deleted)
   and the feed brought up to date; their history events stay.
4. Write cost: single-row UPDATEs of persons (raw SQL, statement time inside a
   transaction, so no commit dilutes the trigger's share) with the triggers as
   deployed, with `sync_update` disabled (ALTER TABLE ... DISABLE TRIGGER: its
   transition tables may still be captured) and with it dropped (no sync
   trigger at all, the goal's baseline), in alternating blocks of 50 on
   distinct rows; then a bulk UPDATE of 10,000 persons each way. Everything
   runs in transactions that are rolled back: the triggers are never changed
   outside them, whatever fails, and nothing is written.

Goals missed are reported (NOT MET), never fatal."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

FEED_PAGE_SIZE = 1000
LIST_PAGE_SIZE = 500
LISTS = {  # feed kind -> list endpoint
    "organization": "organizations",
    "source": "sources",
    "person": "persons",
    "detention": "detentions",
    "allegation": "allegations",
    "statement": "statements",
    "reported-count": "reported-counts",
    "facility": "facilities",
    "intervention": "interventions",
    "trial": "trials",
    "official": "officials",
}
EDITS = 100
WRITES = 1000  # single-row UPDATEs per mode
WRITE_BLOCK = 50
BULK_ROWS = 10_000
BULK_REPEATS = 3
WATCHED_TABLE = "cases_person"

GOAL_CHANGES_PER_SECOND = 5_000
GOAL_SYNC_SECONDS = 1.0
GOAL_TRIGGER_SHARE = 0.5


class BenchError(Exception):
    """A request the section needs did not answer as documented."""


@dataclass
class Pull:
    pages: list[float] = field(default_factory=list)  # ms per request, JSON parsed
    changes: int = 0
    kinds: Counter = field(default_factory=Counter)  # (kind, op) -> count
    token: str | None = None

    @property
    def seconds(self) -> float:
        return sum(self.pages) / 1000


def _get(client, url: str, headers: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url, **headers)
    body = response.json() if response.status_code == 200 else None
    elapsed = (time.perf_counter() - started) * 1000
    if body is None:
        raise BenchError(f"{url}: HTTP {response.status_code} {response.content[:200]!r}")
    return elapsed, body


def pull_feed(client, headers: dict, *, after: str | None = None, keep: dict | None = None):
    """Follow the feed from `after` (a full pull without it) until `next` is null."""
    url = f"/api/v1/changes/?page_size={FEED_PAGE_SIZE}" + (f"&after={after}" if after else "")
    pull = Pull()
    while url:
        ms, body = _get(client, url, headers)
        pull.pages.append(ms)
        for change in body["results"]:
            pull.kinds[change["kind"], change["op"]] += 1
            if keep is not None:
                keep[change["kind"], change["uuid"]] = change["record"]
        pull.changes += len(body["results"])
        pull.token = body["token"]
        url = body["next"]
    return pull


def pull_lists(client, headers: dict, feed: dict) -> tuple[Pull, list[str]]:
    """Every row of the lists, each compared (untimed) with the feed's record."""
    from sync.records import KINDS

    pull = Pull()
    differing: Counter = Counter()
    examples: list[str] = []
    problems = []
    if set(KINDS) - set(LISTS):
        problems.append(f"feed kinds with no list to compare: {', '.join(set(KINDS) - set(LISTS))}")
    for kind, path in LISTS.items():
        url = f"/api/v1/{path}/?page_size={LIST_PAGE_SIZE}"
        while url:
            ms, body = _get(client, url, headers)
            pull.pages.append(ms)
            for row in body["results"]:
                pull.kinds[kind, "upsert"] += 1
                record = feed.pop((kind, row["uuid"]), None)
                if record != row:
                    differing[kind] += 1
                    if len(examples) < 3:
                        if record is None:
                            examples.append(f"{kind} {row['uuid']} listed, not in the feed")
                        else:
                            keys = sorted(k for k in {*row, *record} if row.get(k) != record.get(k))
                            examples.append(f"{kind} {row['uuid']} differs in {', '.join(keys)}")
            pull.changes += len(body["results"])
            url = body["next"]
    if differing:
        problems.append(
            "feed records differ from the list rows: "
            + ", ".join(f"{k} {n:,}" for k, n in differing.items())
            + f" (e.g. {'; '.join(examples)})"
        )
    upserts = Counter(kind for (kind, _uuid), record in feed.items() if record is not None)
    if upserts:
        problems.append(
            "feed upserts of records no list shows: "
            + ", ".join(f"{k} {n:,}" for k, n in upserts.items())
        )
    return pull, problems


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


def _kinds(pull: Pull) -> str:
    return ", ".join(f"{kind} {op} {n:,}" for (kind, op), n in sorted(pull.kinds.items())) or "none"


def _verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


# --- 1. full build ---------------------------------------------------------------------


def full_build(cursor) -> dict:
    from sync.models import Change, Entry
    from sync.services import feed_new_epoch, feed_rebuild

    pending = Change.objects.count()
    cursor.execute(f"TRUNCATE {Change._meta.db_table}, {Entry._meta.db_table}")
    feed_new_epoch()  # tokens of the emptied feed are refused (410)
    started = time.perf_counter()
    written = feed_rebuild()
    seconds = time.perf_counter() - started
    by_reader = dict(
        cursor.execute(
            f"SELECT reader, count(*) FROM {Entry._meta.db_table} GROUP BY reader ORDER BY reader"
        ).fetchall()
    )
    started = time.perf_counter()
    again = feed_rebuild()
    return {
        "pending": pending,
        "seconds": seconds,
        "written": written,
        "by_reader": by_reader,
        "recheck_seconds": time.perf_counter() - started,
        "recheck_written": again,
    }


# --- 3. incremental --------------------------------------------------------------------


def feed_end_tokens() -> dict[str, str]:
    """Each reader's token at the end of the feed brought up to date: where a
    reader who pulled it all would be (BENCH_FEED=incremental)."""
    from cases.visibility import Reader
    from sync.models import Entry
    from sync.reads import Token, reader_epoch
    from sync.services import feed_compact

    if not Entry.objects.exists():
        raise BenchError("BENCH_FEED=incremental: the feed is empty; run the whole section once")
    feed_compact()
    tokens = {}
    for name, reader in (("public", Reader.PUBLIC), ("partner", Reader.PARTNER)):
        top = Entry.objects.order_by("-position").values_list("position", flat=True).first()
        tokens[name] = str(Token(reader_epoch(reader), top))
    return tokens


def _sync_round(client, readers: dict, tokens: dict, edit) -> dict:
    from django.db.models import Count, Max

    from sync.models import Change, Entry

    before = Entry.objects.aggregate(top=Max("position"))["top"] or 0
    started = time.perf_counter()
    edit()
    edit_seconds = time.perf_counter() - started
    pending = Change.objects.count()
    pulls = {}
    for name, headers in readers.items():  # the first reader's first request compacts
        pulls[name] = pull_feed(client, headers, after=tokens[name])
        tokens[name] = pulls[name].token
    written = {
        row["reader"]: row["n"]
        for row in Entry.objects.filter(position__gt=before)
        .values("reader")
        .annotate(n=Count("id"))
    }
    return {"edit_seconds": edit_seconds, "pending": pending, "pulls": pulls, "written": written}


def incremental(client, cursor, readers: dict, tokens: dict) -> dict:
    from django.db.models import F, TextField, Value
    from django.db.models.functions import Concat

    from cases.models import Detention, Person, Withdrawal
    from sync.services import feed_compact

    # the last public records: the main table's history persons are the first ones
    persons = list(
        Person.objects.filter(visibility="public", deleted_at__isnull=True)
        .order_by("-id")
        .values_list("id", "summary")[:EDITS]
    )
    detentions = list(
        Detention.objects.filter(
            visibility="public",
            deleted_at__isnull=True,
            person__visibility="public",
            person__deleted_at__isnull=True,
        )
        .order_by("-id")
        .values_list("id", flat=True)[:EDITS]
    )
    last_withdrawal = Withdrawal.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def edit_summaries():
        for pk, _summary in persons:
            Person.objects.filter(pk=pk).update(
                summary=Concat(F("summary"), Value(" (edited)"), output_field=TextField())
            )

    def hide_detentions():
        for pk in detentions:
            Detention.objects.filter(pk=pk).update(visibility="internal")

    rounds = {}
    try:
        rounds[f"{len(persons)} person summary edits"] = _sync_round(
            client, readers, tokens, edit_summaries
        )
        rounds[f"{len(detentions)} detentions public -> internal"] = _sync_round(
            client, readers, tokens, hide_detentions
        )
    finally:
        cursor.execute(
            f"UPDATE {Person._meta.db_table} p SET summary = v.summary"
            " FROM unnest(%s::bigint[], %s::text[]) AS v(id, summary) WHERE p.id = v.id",
            [[pk for pk, _ in persons], [summary for _, summary in persons]],
        )
        Detention.objects.filter(pk__in=detentions).update(visibility="public")
        Withdrawal.objects.filter(id__gt=last_withdrawal).delete()
        started = time.perf_counter()
        reverted = feed_compact()
        revert = {"seconds": time.perf_counter() - started, "written": reverted}
    return {"rounds": rounds, "revert": revert}


# --- 4. write cost ---------------------------------------------------------------------


def write_cost(cursor) -> dict:
    from django.db import transaction

    (trigger_sql,) = cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
        " WHERE tgrelid = %s::regclass AND tgname = 'sync_update'",
        [WATCHED_TABLE],
    ).fetchone()
    modes = {
        "as deployed": ("", ""),
        "sync_update disabled": (
            f"ALTER TABLE {WATCHED_TABLE} DISABLE TRIGGER sync_update",
            f"ALTER TABLE {WATCHED_TABLE} ENABLE TRIGGER sync_update",
        ),
        "sync_update dropped": (f"DROP TRIGGER sync_update ON {WATCHED_TABLE}", trigger_sql),
    }
    ids = [row[0] for row in cursor.execute(f"SELECT id FROM {WATCHED_TABLE} ORDER BY id")]
    update = f"UPDATE {WATCHED_TABLE} SET summary = summary || '.' WHERE id = %s"
    single = {mode: [] for mode in modes}
    row = 0
    with transaction.atomic():
        order = list(modes)
        for block in range(WRITES // WRITE_BLOCK):
            for mode in order[block % 3 :] + order[: block % 3]:  # each first in turn
                off, on = modes[mode]
                if off:
                    cursor.execute(off)
                for _ in range(WRITE_BLOCK):
                    pk = ids[row % len(ids)]
                    row += 1
                    started = time.perf_counter()
                    cursor.execute(update, [pk])
                    single[mode].append((time.perf_counter() - started) * 1000)
                if on:
                    cursor.execute(on)
        transaction.set_rollback(True)
    bound = ids[min(BULK_ROWS, len(ids)) - 1]
    bulk = {mode: [] for mode in modes}
    for _ in range(BULK_REPEATS):
        for mode, (off, _on) in modes.items():
            with transaction.atomic():
                if off:
                    cursor.execute(off)
                started = time.perf_counter()
                cursor.execute(
                    f"UPDATE {WATCHED_TABLE} SET summary = summary || '.' WHERE id <= %s", [bound]
                )
                bulk[mode].append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
    enabled = cursor.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass"
        " AND tgname IN ('sync_insert', 'sync_update', 'sync_delete') AND tgenabled = 'O'",
        [WATCHED_TABLE],
    ).fetchone()[0]
    # the rolled-back rows are dead tuples: leave the tables as a live database has them
    for table in (WATCHED_TABLE, "cases_personevent", "sync_change"):
        cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {
        "single": single,
        "bulk": bulk,
        "bulk_rows": min(BULK_ROWS, len(ids)),
        "triggers_intact": enabled == 3,
    }


# --- the section -----------------------------------------------------------------------


def feed_section(client, persons: int) -> None:
    from django.db import connection

    from access.models import PartnerToken
    from access.services import token_issue
    from cases.api.throttles import PartnerRateThrottle

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    section_started = time.perf_counter()
    warnings: list[str] = []
    print()
    print(f"Change feed (GET /api/v1/changes/), {persons:,} persons ...")

    only_incremental = os.environ.get("BENCH_FEED", "").strip() == "incremental"
    build = None if only_incremental else full_build(cursor)
    if build:
        print(f"  full build: {build['seconds']:.1f} s, {build['written']:,} entries")

    throttle_rates = PartnerRateThrottle.THROTTLE_RATES
    PartnerRateThrottle.THROTTLE_RATES = {**throttle_rates, "partner": "1000000000/minute"}
    token, raw = token_issue(name="bench: change feed")
    readers = {"public": {}, "partner": {"HTTP_AUTHORIZATION": f"Bearer {raw}"}}
    reads, tokens, inc = {}, {}, None
    try:
        if only_incremental:
            tokens = feed_end_tokens()
            for name, headers in readers.items():
                # untimed: a process's first request imports every URLconf (seconds)
                pull_feed(client, headers, after=tokens[name])
        else:
            for name, headers in readers.items():
                records: dict = {}
                feed = pull_feed(client, headers, keep=records)
                tokens[name] = feed.token
                lists, problems = pull_lists(client, headers, records)
                warnings += [f"{name}: {problem}" for problem in problems]
                reads[name] = (feed, lists)
                print(
                    f"  full pull, {name}: feed {feed.seconds:.1f} s, lists {lists.seconds:.1f} s"
                )
        inc = incremental(client, cursor, readers, tokens)
        print("  incremental syncs done")
    except BenchError as error:
        warnings.append(str(error))
    finally:
        PartnerRateThrottle.THROTTLE_RATES = throttle_rates
        PartnerToken.objects.filter(pk=token.pk).delete()
    cost = write_cost(cursor)
    if not cost["triggers_intact"]:
        warnings.append(f"the sync triggers of {WATCHED_TABLE} are not all enabled after the run")
    _report(persons, build, reads, inc, cost, time.perf_counter() - section_started, warnings)


def _report(persons, build, reads, inc, cost, seconds, warnings) -> None:
    print()
    print(
        f"Change feed benchmark, {persons:,} persons, in process (django.test.Client, DEBUG off), "
        f"section {seconds:.0f} s"
    )
    if build is None:
        print(
            "Full build and full pulls skipped (BENCH_FEED=incremental): the feed of an earlier run"
        )
    else:
        readers = ", ".join(f"{reader} {n:,}" for reader, n in build["by_reader"].items())
        print(
            f"Full build (feed_rebuild() on an emptied feed; {build['pending']:,} pending change "
            f"rows dropped first): {build['seconds']:.1f} s, {build['written']:,} entries written "
            f"({readers}), {_rate(build['written'], build['seconds'])} entries/s. Rebuild over "
            f"the built feed (every record compared): {build['recheck_seconds']:.1f} s, "
            f"{build['recheck_written']:,} entries written."
        )
    from bench.run import percentile

    header = ["full pull", "pages", "changes/rows", "seconds", "per s", "ms/page median",
              "ms/page p95", "feed time / lists time"]  # fmt: skip
    rows = []
    for name, (feed, lists) in reads.items():
        for label, pull, size in (("feed", feed, FEED_PAGE_SIZE), ("lists", lists, LIST_PAGE_SIZE)):
            pages = pull.pages
            rows.append([
                f"{name}, {label} (page_size={size})",
                f"{len(pages):,}",
                f"{pull.changes:,}",
                f"{pull.seconds:.2f}",
                _rate(pull.changes, pull.seconds),
                f"{statistics.median(pages):.1f}",
                f"{percentile(pages, 0.95):.1f}",
                f"{feed.seconds / lists.seconds:.2f}x" if label == "feed" else "",
            ])  # fmt: skip
    if rows:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

        def line(cells):
            return " | ".join(
                str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                for i, c in enumerate(cells)
            )

        print(line(header))
        print("-+-".join("-" * w for w in widths))
        for row in rows:
            print(line(row))
        for name, (feed, _lists) in reads.items():
            print(f"  {name} feed: {_kinds(feed)}")
    if inc:
        print("Incremental (each edit a queryset update() in its own transaction; then each "
              "reader syncs from its token, the public first: its first request compacts):")  # fmt: skip
        for label, r in inc["rounds"].items():
            parts = []
            for name, pull in r["pulls"].items():
                parts.append(
                    f"{name} {sum(pull.pages):.0f} ms ({len(pull.pages)} request"
                    f"{'s' if len(pull.pages) > 1 else ''}, first {pull.pages[0]:.0f} ms): "
                    f"{_kinds(pull)}"
                )
            written = ", ".join(f"{k} {n:,}" for k, n in sorted(r["written"].items())) or "none"
            print(
                f"  {label} ({r['edit_seconds'] * 1000:.0f} ms, {r['pending']:,} change rows): "
                f"entries written {written}; sync " + "; ".join(parts)
            )
        print(
            f"  reverting both (2 statements): compaction {inc['revert']['seconds'] * 1000:.0f} ms, "
            f"{inc['revert']['written']:,} entries"
        )
    single = {mode: statistics.median(v) for mode, v in cost["single"].items()}
    means = {mode: statistics.mean(v) for mode, v in cost["single"].items()}
    bulk = {mode: statistics.median(v) for mode, v in cost["bulk"].items()}
    base, disabled, deployed = (
        "sync_update dropped",
        "sync_update disabled",
        "as deployed",
    )
    print(
        f"Write cost ({WATCHED_TABLE}, rolled back; statement time, no commit): "
        f"{len(cost['single'][deployed]):,} single-row UPDATEs per mode, ms per write median "
        f"(mean): "
        + ", ".join(f"{mode} {single[mode]:.3f} ({means[mode]:.3f})" for mode in single)
        + f"; triggers add {single[deployed] / single[base] - 1:+.0%} to a single-row update "
        f"(vs disabled: {single[deployed] / single[disabled] - 1:+.0%}), "
        f"{(single[deployed] - single[base]) * 1000:.0f} µs per write"
    )
    print(
        f"  bulk UPDATE of {cost['bulk_rows']:,} rows, median of {BULK_REPEATS}: "
        + ", ".join(f"{mode} {bulk[mode]:.0f} ms" for mode in bulk)
        + f"; triggers add {bulk[deployed] / bulk[base] - 1:+.0%} "
        f"({(bulk[deployed] - bulk[base]) / cost['bulk_rows'] * 1000:.1f} µs per row)"
    )
    print()
    print("Goals (change feed):")
    for name, (feed, lists) in reads.items():
        print(
            f"  {name}: full pull through the feed at least as fast as through the lists: "
            f"{feed.seconds:.2f} vs {lists.seconds:.2f} s ({feed.seconds / lists.seconds:.2f}x) "
            f"-> {_verdict(feed.seconds <= lists.seconds)}"
        )
        rate = feed.changes / feed.seconds if feed.seconds else 0
        print(
            f"  {name}: feed read at least {GOAL_CHANGES_PER_SECOND:,} changes/s: {rate:,.0f} "
            f"-> {_verdict(rate >= GOAL_CHANGES_PER_SECOND)}"
        )
    if inc:
        for label, r in inc["rounds"].items():
            slowest = max(r["pulls"].values(), key=lambda p: p.seconds)
            print(
                f"  a sync after {label} under {GOAL_SYNC_SECONDS:.0f} s (compaction included): "
                f"{slowest.seconds * 1000:.0f} ms -> {_verdict(slowest.seconds < GOAL_SYNC_SECONDS)}"
            )
    share = single[deployed] / single[base] - 1
    print(
        f"  triggers add at most {GOAL_TRIGGER_SHARE:.0%} to a single-row update: {share:+.0%} "
        f"(median, vs no sync trigger) -> {_verdict(share <= GOAL_TRIGGER_SHARE)}"
    )
    for warning in warnings:
        print(f"WARNING: {warning}")


def main() -> None:
    from bench.run import _int_env, _prepare_environment

    _prepare_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.seed import ensure_dataset

    persons = _int_env("BENCH_PERSONS", 100_000)
    reseed = os.environ.get("BENCH_RESEED", "").strip() not in ("", "0")
    print(f"Benchmark database: {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    ensure_dataset(persons, reseed=reseed)
    settings.DEBUG = False
    feed_section(Client(), persons)


if __name__ == "__main__":
    main()
