"""Reads whose SQL is the same at every run, run as prepared statements.

A person's history runs some twenty queries, each built by the ORM from the
visibility policy's conditions (cases.visibility.visible). At 100,000 persons
building and compiling them took about 1 ms of Python each, and PostgreSQL
took longer to plan them (their joins and EXISTS) than to run them: 1 to 15 ms
each against well under 1 ms (EXPLAIN ANALYZE). So:

- `compiled` keeps the ORM as the one statement of what a read reads: each read
  is built once per process and reader with `slot`s and `AnyOf`s where the
  values go (a person's id, an array of ids) and compiled; a run fills them and
  applies the compiler's converters, as `.values()` does;
- `fetch` runs such fixed SQL (and the hand-written SQL of cases.reads.rows)
  with parameters bound by the server, and psycopg prepares a statement once it
  has run `PREPARE_THRESHOLD` times on a connection: PostgreSQL then plans it
  once for the connection (a generic plan, after its first custom plans)
  instead of at every run. Django turns psycopg's preparing off for its own
  cursors (client-side binding, which never prepares), for the sake of
  connection poolers; a pooler in transaction mode would have to keep prepared
  statements (PgBouncer 1.21+, max_prepared_statements). Queries still go
  through Django's cursor wrapper: they are logged, counted and routed as any.

A prepared statement outlives the request on a kept connection (CONN_MAX_AGE):
when a migration changes the type of a column it reads, PostgreSQL refuses to
run it again ("cached plan must not change result type"), so such a run closes
the connection and runs once more on a new one. Every integer is sent as a
bigint: psycopg would pick int2, int4 or int8 by the value, and prepare the
same statement once for each."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import psycopg
from django.db import NotSupportedError, connections, router
from django.db.models import BigIntegerField, BooleanField, F, Func, QuerySet
from django.db.models.expressions import RawSQL
from psycopg.types.numeric import Int8BinaryDumper, Int8Dumper

from cases.visibility import readers_applied


class Slot:
    """A value left open in a compiled read, filled by name at each run."""

    def __init__(self, name: str):
        self.name = name


def slot(name: str) -> RawSQL:
    """An id filled at each run: `filter(person_id=slot("person"))`."""
    return RawSQL("%s", [Slot(name)], output_field=BigIntegerField())


class AnyOf(Func):
    """`column = ANY(%s::<type>[])`, an array filled at each run (ids, unless
    `array_type` says): one parameter whatever the array's length, so one SQL.
    `filter(AnyOf("detention_id", "ids"))`."""

    output_field = BooleanField()

    def __init__(self, column: str, name: str, array_type: str = "bigint"):
        super().__init__(F(column))
        self.slot, self.array_type = Slot(name), array_type

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::{self.array_type}[])", [*params, self.slot]


# psycopg's own default: a statement run this many times on a connection is prepared
PREPARE_THRESHOLD = 5


def fetch(sql: str, params: list, *, model: type) -> list[dict]:
    """The rows of fixed SQL as dicts, read from the database `model`'s reads
    are routed to, through a server-binding cursor that prepares statements."""
    names, rows = _fetch(sql, params, model)
    return [dict(zip(names, row, strict=True)) for row in rows]


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-binding cursor, keeping the text of a prepared run for
    Django's query log (`last_executed_query` reads it; psycopg keeps none then)."""

    def _send_query_prepared(self, name, pgq, *, binary=None):
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


# "cached plan must not change result type": a column read changed its type
_PLAN_OUTDATED = "0A000"


def _fetch(sql: str, params: list, model: type) -> tuple[tuple[str, ...], list[tuple]]:
    # inside a history context (a request that writes) pghistory writes its
    # settings before every statement that does not start with SELECT, which a
    # prepared statement cannot hold: such a read would fail on writes alone
    if sql.lstrip()[:6].upper() != "SELECT":
        raise ValueError(f"a fixed read must start with SELECT: {sql[:60]!r}")
    connection = connections[router.db_for_read(model)]
    # as Django's own cursor(): a connection that broke since is opened again
    connection.close_if_health_check_failed()
    connection.validate_thread_sharing()
    try:
        return _run(connection, sql, params)
    except NotSupportedError as error:
        if (
            connection.in_atomic_block
            or getattr(error.__cause__, "sqlstate", None) != _PLAN_OUTDATED
        ):
            raise
        # outside a transaction: the connection's prepared statements go with it
        connection.close()
        return _run(connection, sql, params)


def _run(connection, sql: str, params: list) -> tuple[tuple[str, ...], list[tuple]]:
    connection.ensure_connection()
    raw = connection.connection
    # only server-binding cursors prepare: Django's own (client-binding) never do
    raw.prepare_threshold = PREPARE_THRESHOLD
    cursor = _PreparingCursor(raw)
    cursor.adapters.register_dumper(int, Int8Dumper)
    cursor.adapters.register_dumper(int, Int8BinaryDumper)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(cursor) as wrapped:
        wrapped.execute(sql, params)
        return tuple(column.name for column in wrapped.description), wrapped.fetchall()


@dataclass(frozen=True)
class CompiledRead:
    model: type
    sql: str
    params: tuple
    names: tuple[str, ...]
    converters: dict

    def rows(self, **values) -> list[dict]:
        """The read's rows as `.values()` dicts, its slots filled with `values`."""
        params = [values[p.name] if isinstance(p, Slot) else p for p in self.params]
        connection = connections[router.db_for_read(self.model)]
        result = []
        for fetched in _fetch(self.sql, params, self.model)[1]:
            row = list(fetched)
            # as SQLCompiler.apply_converters
            for position, (converters, expression) in self.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
            result.append(dict(zip(self.names, row, strict=True)))
        return result


_COMPILED: dict[Hashable, CompiledRead] = {}


def compiled(key: Hashable, build: Callable[[], QuerySet]) -> CompiledRead:
    """The read `build()` returns (a `.values()` queryset with slots), compiled
    the first time `key` is asked for. The key names everything the SQL depends
    on besides its slots: the read and the reader (and a shape, where it varies).
    A key that does not name a reader whose visibility the read applies is
    refused: its SQL would be served to every reader."""
    read = _COMPILED.get(key)
    if read is None:
        with readers_applied() as readers:
            queryset = build()
            query = queryset.query
            compiler = query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
        if sql.lstrip()[:6].upper() != "SELECT":
            # a union opens with a parenthesis: read from, it is a SELECT (_fetch)
            sql = f"SELECT * FROM ({sql}) compiled_read"
        unnamed = [reader for reader in readers if reader not in key]
        if unnamed:
            raise ValueError(f"the compiled read {key!r} applies the visibility of {unnamed}:"
                             " its key must name the reader")  # fmt: skip
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        read = _COMPILED[key] = CompiledRead(
            model=queryset.model,
            sql=sql,
            params=tuple(params),
            # as django.db.models.query.ValuesIterable
            names=tuple(query.selected)
            if query.selected
            else (*query.extra_select, *query.values_select, *query.annotation_select),
            converters=compiler.get_converters(fields),
        )
    return read
