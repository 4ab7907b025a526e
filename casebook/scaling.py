"""Past one machine (issue 20, item 7): read replicas and a shared cache.

Read replicas. `DATABASE_REPLICA_URLS` (comma-separated postgres:// URLs of
PostgreSQL streaming standbys of the primary, DATABASE_URL) adds one DATABASES
entry per replica ("replica_1", "replica_2", ...). `ReplicaRouter` then sends a
read to a replica only when `ReplicaReadsMiddleware` has said the request may
use one, and only until the request writes:

- a request may read from a replica when it only reads (GET, HEAD, OPTIONS),
  comes from an anonymous visitor or a partner token (no session cookie: staff
  sign in with a session), is not for the admin, and its client did not write
  in the last DATABASE_REPLICA_PIN_SECONDS (the `casebook_primary` cookie a
  write sets: read-your-writes across requests despite replication lag);
- within such a request, the first write (any model but the bookkeeping ones
  below) sends every later read to the primary, and so does an open
  transaction on the primary;
- everything else reads from the primary: other requests, management
  commands, the shell, tests, and whatever runs outside a request;
- who the reader is (sessions, users, partner tokens, second factors, sign-in
  lockouts) and the cache table are always read from and written to the
  primary: a token revoked a moment ago must not work on a lagging replica.
  Their writes (a token's last use, a session) do not pin the request.

Every write goes to the primary; migrations run on the primary only (the
replicas receive them by replication). One request reads from one replica,
chosen at random among those listed.

Shared cache. The cache holds the API's throttle counters and the case list's
filter counts, so it must be one for every worker and app server: PostgreSQL's
own table through Django's database cache by default (created after every
`migrate`, test databases included), Redis when `CACHE_URL` names one
(redis://, rediss://), local memory only when asked for (`CACHE_URL=locmem://`:
one process)."""

from __future__ import annotations

import contextvars
import random
from collections.abc import Mapping
from dataclasses import dataclass

import dj_database_url

REPLICA_ALIAS = "replica_{}"
CACHE_TABLE = "casebook_cache"
PIN_COOKIE = "casebook_primary"
DEFAULT_PIN_SECONDS = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# who the reader is, and the cache: always on the primary, their writes pin nothing
PRIMARY_APPS = frozenset(
    {"django_cache", "sessions", "auth", "access", "otp_totp", "otp_static", "axes"}
)


def replica_databases(environ: Mapping[str, str]) -> dict[str, dict]:
    """The DATABASES entries of DATABASE_REPLICA_URLS' replicas, named
    replica_1, replica_2, ... in the order given."""
    urls = [url.strip() for url in environ.get("DATABASE_REPLICA_URLS", "").split(",")]
    databases = {}
    for number, url in enumerate(filter(None, urls), start=1):
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] != "django.db.backends.postgresql":
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS must list PostgreSQL URLs (postgres://...), "
                f"got engine {config['ENGINE']} for the replica number {number}"
            )
        # a test run uses the primary's test database, never creates one on a replica
        config["TEST"] = {"MIRROR": "default"}
        databases[REPLICA_ALIAS.format(number)] = config
    return databases


def caches(environ: Mapping[str, str]) -> dict[str, dict]:
    """The CACHES setting: Redis when CACHE_URL names one, local memory when it
    says locmem://, otherwise Django's database cache in the primary."""
    from django.core.exceptions import ImproperlyConfigured

    url = environ.get("CACHE_URL", "").strip()
    scheme = url.partition("://")[0].lower() if url else ""
    if not url:
        _create_cache_table_after_migrate()
        return {
            "default": {
                # Django's DatabaseCache, its set in one statement
                "BACKEND": "casebook.shared_cache.DatabaseCache",
                "LOCATION": CACHE_TABLE,
                # for Django's add() and touch(), which cull above it; set() drops the expired
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            }
        }
    if scheme in {"redis", "rediss", "unix"}:
        try:
            import redis  # noqa: F401
        except ImportError:
            raise ImproperlyConfigured(
                "CACHE_URL names a Redis server, but the redis Python package is not "
                "installed: install it (pip install redis) or unset CACHE_URL to keep the "
                "cache in the database"
            ) from None
        return {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
    if scheme == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    raise ImproperlyConfigured(
        f"CACHE_URL must be redis://..., rediss://..., unix://... or locmem://, got {url!r}"
    )


def _create_cache_table_after_migrate() -> None:
    # connected here, when the settings choose the database cache: casebook is no app
    # with a ready() of its own
    from django.db.models.signals import post_migrate

    post_migrate.connect(create_cache_table, dispatch_uid="casebook_cache_table")


def create_cache_table(sender, *, using: str, verbosity: int = 1, **kwargs) -> None:
    """post_migrate handler: the database cache's table (`manage.py createcachetable`),
    once per migrate (after the last app's models) on the database migrated, made
    UNLOGGED: a cache needs no write-ahead log, so a set commits without waiting
    for the disk (measured: a set 2-4 ms logged, about 0.5 ms unlogged). The table
    is emptied after a crash and not replicated, which a cache can afford: it is
    read from the primary only."""
    from django.apps import apps
    from django.core.cache import caches
    from django.core.cache.backends.db import BaseDatabaseCache
    from django.core.management import call_command
    from django.db import connections

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender.label != last.label:
        return
    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
    connection = connections[using]
    for alias in caches:
        cache = caches[alias]
        if not isinstance(cache, BaseDatabaseCache):
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)", [cache._table]
            )
            row = cursor.fetchone()
            if row and row[0] == "p":
                cursor.execute(
                    f"ALTER TABLE {connection.ops.quote_name(cache._table)} SET UNLOGGED"
                )


@dataclass
class _RequestReads:
    """What ReplicaReadsMiddleware decided for the request being answered."""

    replica: str  # the alias this request may read from
    wrote: bool = False


_request_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar(
    "casebook_request_reads", default=None
)


def replica_aliases() -> list[str]:
    from django.conf import settings

    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def _on_primary(model) -> bool:
    return model._meta.app_label in PRIMARY_APPS


def pin_to_primary() -> None:
    """Send the rest of this request's reads to the primary, and its client's
    reads for DATABASE_REPLICA_PIN_SECONDS: call after a write the ORM does not
    see (raw SQL outside a transaction)."""
    reads = _request_reads.get()
    if reads is not None:
        reads.wrote = True


class ReplicaRouter:
    """Reads from a replica where ReplicaReadsMiddleware allows it; everything
    else, writes and migrations on the primary ("default")."""

    def db_for_read(self, model, **hints):
        reads = _request_reads.get()
        if reads is None or reads.wrote or _on_primary(model):
            return "default"
        from django.db import connections

        if connections["default"].in_atomic_block:
            return "default"  # what this transaction has written is on the primary only
        return reads.replica

    def db_for_write(self, model, **hints):
        if not _on_primary(model):
            pin_to_primary()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # replicas receive the primary's schema by replication


class ReplicaReadsMiddleware:
    """Lets anonymous and partner reads use a replica and pins a client that
    wrote to the primary for DATABASE_REPLICA_PIN_SECONDS (a cookie). Does
    nothing when no replica is configured."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.replicas = replica_aliases()

    def __call__(self, request):
        if not self.replicas or not self.may_read_from_replica(request):
            reads = None
        else:
            reads = _RequestReads(replica=random.choice(self.replicas))
        token = _request_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        wrote = reads is not None and reads.wrote
        # a write the router did not see (raw SQL) pins the client too
        posted = request.method not in SAFE_METHODS and response.status_code < 400
        if self.replicas and (wrote or posted):
            self.pin(response)
        return response

    @staticmethod
    def may_read_from_replica(request) -> bool:
        from django.conf import settings

        if request.method not in SAFE_METHODS:
            return False
        if PIN_COOKIE in request.COOKIES or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False  # wrote a moment ago, or signed in (staff)
        return not request.path_info.startswith("/admin/")

    @staticmethod
    def pin(response) -> None:
        from django.conf import settings

        response.set_cookie(
            PIN_COOKIE,
            "1",
            max_age=getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", DEFAULT_PIN_SECONDS),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
