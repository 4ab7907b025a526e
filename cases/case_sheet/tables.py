"""The temporary tables an import works in, and the cursor the planner and the writer share."""

from __future__ import annotations

from django.db import connection

T = "case_sheet_"  # prefix of the temporary tables

TABLES = (
    "row", "plan", "name", "edge", "candidate", "match", "person", "variant", "occupation",
    "organization", "affiliation", "charge", "allegation", "source", "citation", "slug",
    "new_person", "person_id", "detention_id", "source_id", "case_group", "member",
    "facility", "custody_row", "custody", "closing",
)  # fmt: skip


class TempTables:
    """SQL on the import's temporary tables (T + name), in the caller's transaction."""

    def __init__(self, cursor=None):
        self.cursor = cursor or connection.cursor()

    def sql(self, statement: str, params: list | tuple = ()) -> int:
        self.cursor.execute(statement, list(params))
        return self.cursor.rowcount

    def rows(self, statement: str, params: list | tuple = ()) -> list[tuple]:
        self.cursor.execute(statement, list(params))
        return self.cursor.fetchall()

    def value(self, statement: str, params: list | tuple = ()):
        self.cursor.execute(statement, list(params))
        return self.cursor.fetchone()[0]

    def table(self, name: str, select: str, key: str | None = None, params=()) -> None:
        """CREATE TEMP TABLE T+name AS select, with its key and statistics."""
        self.sql(f"CREATE TEMP TABLE {T}{name} AS {select}", params)
        if key:
            self.sql(f"ALTER TABLE {T}{name} ADD PRIMARY KEY ({key})")
        self.sql(f"ANALYZE {T}{name}")

    def drop_tables(self) -> None:
        self.sql("DROP TABLE IF EXISTS " + ", ".join(T + name for name in TABLES))
