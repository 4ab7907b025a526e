"""The cache every worker and app server shares by default: Django's database
cache, its `set` in one statement (casebook/scaling.py, docs/scaling.md)."""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now

EXPIRED_PER_SET = 100  # expired entries one set deletes at most
SWEEP_LOCK = 0x63616368  # the advisory lock of the set that deletes expired entries


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache (the table `manage.py createcachetable` makes),
    `set` as one upsert that also drops expired entries. Django's own `set`
    counts the table, then reads, then updates or inserts the entry in a
    transaction: five round trips to the primary, and the API's throttle sets an
    entry on every request. `get_many` (and so `get`) reads only live entries
    and never deletes: Django's deletes the expired entries it read, a write on a
    read (an extra statement on the primary, and on a replica an error); the next
    `set` sweeps them. `add`, `touch` and deletes are Django's.

    Entries are bounded by expiry rather than MAX_ENTRIES: each `set` deletes
    up to EXPIRED_PER_SET expired entries (an index range on `expires`), more
    than a set adds, so the table holds hardly more than the live entries: a
    throttle window per client in the last minute, the filter counts."""

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.max.replace(microsecond=0, tzinfo=UTC)
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC).replace(microsecond=0)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            cursor.execute(
                # the sweep: one set at a time (the advisory lock), never waiting
                # (SKIP LOCKED). Two sweepers could each lock an expired entry the other
                # is setting and wait on each other; one sweeper waits on no one.
                f"WITH expired AS (DELETE FROM {table} WHERE cache_key IN ("
                f"SELECT cache_key FROM {table} WHERE expires < %s AND cache_key <> %s "
                "AND (SELECT pg_try_advisory_xact_lock(%s)) "
                f"ORDER BY expires LIMIT {EXPIRED_PER_SET} FOR UPDATE SKIP LOCKED)) "
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                "ON CONFLICT (cache_key) DO UPDATE "
                "SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                [now(), key, SWEEP_LOCK, key, encoded, expires],
            )

    def get_many(self, keys, version=None):
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value FROM {table} WHERE cache_key = ANY(%s) AND expires >= %s",
                [list(key_map), now()],
            )
            rows = cursor.fetchall()
        return {key_map[key]: pickle.loads(base64.b64decode(value.encode())) for key, value in rows}
