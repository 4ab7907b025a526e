"""Bringing the change feed up to date: `feed_compact` reads the committed
changes, works out which served records they can alter (sync.dependencies),
renders each as every reader class sees it (sync.records: the API's own row
builders and visibility) and writes an entry only where the record changed,
appeared, or stopped being visible to a reader class that was sent it.

Why this is exact against long transactions: a change row is written by the
trigger in the writer's own transaction, so the compaction sees it only once
that transaction has committed, whenever that is; it then renders the records
as they are now, in one snapshot (REPEATABLE READ), and deletes exactly the
change rows it read. Compactions run one at a time (an advisory lock taken
before the snapshot), so each renders a state at least as new as the last, and
every entry's position (one sequence) is above those of every entry a reader
could already have read."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator

import orjson
from django.db import connection, transaction

from cases.partial_dates import PartialDate
from cases.reads.rows import strip_private_keys
from cases.visibility import Reader, visible
from sync.dependencies import affected_records
from sync.models import POSITION_SEQUENCE, Change, Entry, Epoch, ReaderClass
from sync.records import KINDS, Kind

READERS: dict[str, Reader] = {
    ReaderClass.PUBLIC: Reader.PUBLIC,
    ReaderClass.PARTNER: Reader.PARTNER,
}
_LOCK = 0x5C_FEED  # pg_advisory_lock key: one compaction at a time
CHANGES_PER_STEP = 20_000
REBUILD_ABOVE = 50_000  # pending changes above which a full comparison is cheaper
RECORDS_PER_QUERY = 1_000


def feed_compact(*, wait: float | None = None) -> int | None:
    """Bring the feed up to date with every change committed before this call;
    returns the number of entries written. With `wait` (seconds; a request), it
    gives up, returning None, when another compaction holds the lock longer than
    that or when a backlog that needs a full comparison is pending (a large
    import: `manage.py sync_feed` runs it outside requests). The feed as it
    stands is then still a consistent prefix: nothing is skipped later."""
    in_request = wait is not None
    if connection.in_atomic_block:
        # inside a caller's transaction (tests wrapped in one): its own snapshot rules
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            return _compact(in_request)
    if not _lock(wait):
        return None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return _compact(in_request)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def _lock(wait: float | None) -> bool:
    """The compaction's lock (a session lock: held across its transaction)."""
    with connection.cursor() as cursor:
        if wait is None:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
            return True
        deadline = time.monotonic() + wait
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def feed_rebuild() -> int:
    """Compare every record with the feed (as after a restore, or a change of the
    rules): queue a full build and run it."""
    Change.objects.create(table="*", row_id=0)
    return feed_compact()


def feed_new_epoch() -> str:
    """Start a new generation of the feed: every token handed out before is
    refused (410) and partners pull in full once. For a database restored from a
    backup, whose positions may repeat ones already handed out."""
    epoch, _ = Epoch.objects.update_or_create(pk=1, defaults={"epoch": secrets.token_hex(6)})
    return epoch.epoch


def _compact(in_request: bool = False) -> int | None:
    written = 0
    changes = _pending()
    if len(changes) == CHANGES_PER_STEP and Change.objects.count() > REBUILD_ABOVE:
        # a whole import's changes: comparing every record once is cheaper than
        # following each row to its records, and too long for a request
        if in_request:
            return None
        covered = list(Change.objects.values_list("id", flat=True))
        written = _rebuild()
        _forget(covered)
        return written
    while True:
        if not changes:
            return written
        affected = affected_records((table, row, refs) for _, table, row, refs in changes)
        if affected is None:
            written += _rebuild()
        else:
            for name, kind in KINDS.items():
                if affected.get(name):
                    written += _store(kind, sorted(affected[name]))
        _forget([change[0] for change in changes])
        if len(changes) < CHANGES_PER_STEP:
            return written
        changes = _pending()


def _pending() -> list[tuple]:
    return list(
        Change.objects.order_by("id").values_list("id", "table", "row_id", "refs")[
            :CHANGES_PER_STEP
        ]
    )


def _forget(ids: list[int]) -> None:
    """Delete exactly the change rows read: not "up to the last id", since ids are
    taken at insert and a transaction committing now may hold lower ones."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Change._meta.db_table} WHERE id = ANY(%s)", [ids])


def _rebuild() -> int:
    written = 0
    for kind in KINDS.values():
        ids = list(kind.model.objects.order_by("pk").values_list("pk", flat=True))
        written += _store(kind, ids)
        with connection.cursor() as cursor:  # records deleted for good
            cursor.execute(
                f"UPDATE {Entry._meta.db_table} e SET op = 'remove', record = NULL,"
                f" position = nextval('{POSITION_SEQUENCE}')"
                f" WHERE e.kind = %s AND e.op = 'upsert' AND NOT EXISTS"
                f" (SELECT 1 FROM {kind.model._meta.db_table} r WHERE r.id = e.record_id)",
                [kind.name],
            )
            written += cursor.rowcount
    return written


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), RECORDS_PER_QUERY):
        yield ids[start : start + RECORDS_PER_QUERY]


def _store(kind: Kind, ids: list[int]) -> int:
    """Compare these records, as each reader class sees them, with the feed and
    write what differs: one upsert and one remove statement per reader and chunk."""
    written = 0
    for chunk in _chunks(ids):
        for reader_class, reader in READERS.items():
            rows = list(
                visible(kind.model.objects.filter(pk__in=chunk), reader)
                .order_by("pk")
                .values(*kind.fields)
            )
            records = strip_private_keys(kind.build(rows, reader=reader))
            written += _upsert(reader_class, kind.name, rows, records)
            written += _remove(reader_class, kind.name, set(chunk) - {row["id"] for row in rows})
    return written


def _encode(value):
    if isinstance(value, PartialDate):
        return value.isoformat()  # as the API writes it (PartialDateField)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def record_json(record: dict) -> str:
    """A record as the API's JSON renderer writes it."""
    return orjson.dumps(
        record, default=_encode, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
    ).decode()


def _upsert(reader_class: str, kind: str, rows: list[dict], records: Iterable[dict]) -> int:
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Entry._meta.db_table}"
            " (position, reader, kind, record_id, uuid, op, record)"
            f" SELECT nextval('{POSITION_SEQUENCE}'), %s, %s, t.id, t.uuid, 'upsert', t.record::jsonb"
            " FROM unnest(%s::bigint[], %s::uuid[], %s::text[]) AS t(id, uuid, record)"
            " ON CONFLICT (reader, kind, record_id) DO UPDATE SET position = EXCLUDED.position,"
            " op = 'upsert', record = EXCLUDED.record, uuid = EXCLUDED.uuid"
            f" WHERE {Entry._meta.db_table}.op <> 'upsert'"
            f" OR {Entry._meta.db_table}.record IS DISTINCT FROM EXCLUDED.record",
            [
                reader_class,
                kind,
                [row["id"] for row in rows],
                [row["uuid"] for row in rows],
                [record_json(record) for record in records],
            ],
        )
        return cursor.rowcount


def _remove(reader_class: str, kind: str, ids: set[int]) -> int:
    """Removes, only for records this reader class was sent."""
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Entry._meta.db_table} SET op = 'remove', record = NULL,"
            f" position = nextval('{POSITION_SEQUENCE}')"
            " WHERE reader = %s AND kind = %s AND op = 'upsert' AND record_id = ANY(%s)",
            [reader_class, kind, sorted(ids)],
        )
        return cursor.rowcount
