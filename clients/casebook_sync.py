"""Keep a SQLite mirror of Casebook's partner API up to date with its change feed.

Python 3.10 or newer, standard library only. Run it as often as you like:

    CASEBOOK_TOKEN=cbk_... python casebook_sync.py https://casebook.example/api/v1/ mirror.sqlite3

(without CASEBOOK_TOKEN you mirror what anonymous readers see). The mirror holds
two tables: `records(kind, uuid, record)`, each record as the JSON of its row in
the API's list endpoints, and `state(key, value)`, the feed token under `token`.

The procedure, which this script follows step by step and any client of
`GET /api/v1/changes/` must follow to stay exact:

1. Read the token you stored at the end of your last sync. On a first sync
   there is none.
2. Request `changes/`, with `after=<token>` when you have one. Without `after`
   the feed is a full pull: every record you may see, as upserts.
3. Apply the page's `results` in order: for `"op": "upsert"` insert or replace
   the record stored under (`kind`, `uuid`) with `record`; for `"op": "remove"`
   delete it (it may not be there: nothing to do).
4. Store the page's `token` in the same database transaction as its changes,
   and commit. A sync stopped at any point (a crash, a lost connection, an
   error) leaves a mirror and a token that agree, and the next sync goes on
   from there.
5. While `next` is not null, request `next` as given and go to step 3. When it
   is null you have caught up: your mirror equals a fresh pull of the lists.
6. A `410 Gone` means the feed cannot continue from your token (the feed was
   rebuilt): delete every record and the token, and start again at step 2
   without `after`. (This script deletes them in the transaction of the new
   pull's first page, so a restart that fails at once keeps the old mirror.)
   A second `410` in the same sync is an error.
7. Any other error (`400`, `401`, `429`, ...) stops the sync with the API's
   message; what was committed stays valid. Run again later.

Treat the token as opaque: store it and send it back, never build or change it.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

Fetch = Callable[[str, dict], tuple[int, dict]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (kind, uuid)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SyncError(Exception):
    """The API refused a request, or answered with something that is not a feed page."""


def error_message(status: int, body: dict) -> str:
    """The API's error (`{"error": {"status", "code", "message", "details"}}`) as one line."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return f"HTTP {status} ({error.get('code', 'error')}): {error['message']}"
    return f"HTTP {status}: the API gave no error message"


def urllib_fetch(url: str, headers: dict) -> tuple[int, dict]:
    """GET `url` and return (status, parsed JSON body). A 410 is returned for
    the caller to start over; every other HTTP error is raised as SyncError
    with the API's message."""
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        try:
            body = json.load(error)
        except ValueError:
            body = {}
        if error.code == 410:
            return 410, body
        raise SyncError(error_message(error.code, body)) from None


def connect(db_path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(db_path)
    connection.executescript(SCHEMA)
    return connection


def stored_token(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT value FROM state WHERE key = 'token'").fetchone()
    return row[0] if row else None


def apply_page(connection: sqlite3.Connection, page: dict, *, wipe_first: bool = False) -> int:
    """Apply one page's changes and store its token, in one transaction (steps 3
    and 4); with `wipe_first` (after a 410) the old mirror goes in the same one."""
    with connection:  # commits, or rolls back on any error
        if wipe_first:
            connection.execute("DELETE FROM records")
            connection.execute("DELETE FROM state")
        for change in page["results"]:
            key = (change["kind"], change["uuid"])
            if change["op"] == "upsert":
                connection.execute(
                    "INSERT OR REPLACE INTO records (kind, uuid, record) VALUES (?, ?, ?)",
                    (*key, json.dumps(change["record"], sort_keys=True)),
                )
            elif change["op"] == "remove":
                connection.execute("DELETE FROM records WHERE kind = ? AND uuid = ?", key)
            else:
                raise SyncError(f"Unknown op {change['op']!r} for {key}")
        connection.execute(
            "INSERT OR REPLACE INTO state (key, value) VALUES ('token', ?)", (page["token"],)
        )
    return len(page["results"])


def changes_url(api_url: str, *, after: str | None, page_size: int | None) -> str:
    query = {"after": after, "page_size": page_size}
    query = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    url = urllib.parse.urljoin(api_url.rstrip("/") + "/", "changes/")
    return f"{url}?{query}" if query else url


def sync(
    api_url: str,
    db_path: str,
    *,
    token: str | None = None,
    fetch: Fetch | None = None,
    page_size: int | None = None,
) -> int:
    """Bring the mirror at `db_path` up to date with the feed of the API at
    `api_url` (`https://host/api/v1/`), reading as the partner of API `token`
    (anonymous without one). Returns the number of changes applied, those of
    a full pull after a 410 included."""
    fetch = fetch or urllib_fetch
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = connect(db_path)
    try:
        applied = 0
        restarted = False
        wipe_first = False
        url = changes_url(api_url, after=stored_token(connection), page_size=page_size)
        while url:
            status, body = fetch(url, headers)
            if status == 410 and not restarted:  # step 6: start over, once
                restarted = wipe_first = True
                url = changes_url(api_url, after=None, page_size=page_size)
                continue
            if status != 200:
                raise SyncError(error_message(status, body))
            if not isinstance(body, dict) or not {"results", "next", "token"} <= body.keys():
                raise SyncError(f"Not a page of the change feed: {url}")
            applied += apply_page(connection, body, wipe_first=wipe_first)
            wipe_first = False
            url = body["next"]
        return applied
    finally:
        connection.close()


def mirror(db_path: str) -> dict[tuple[str, str], dict]:
    """The mirror's records: {(kind, uuid): record}."""
    connection = connect(db_path)
    try:
        rows = connection.execute("SELECT kind, uuid, record FROM records")
        return {(kind, uuid): json.loads(record) for kind, uuid, record in rows}
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("api_url", help="the API's root, e.g. https://casebook.example/api/v1/")
    parser.add_argument("db_path", help="the SQLite mirror (created when missing)")
    parser.add_argument("--page-size", type=int, help="changes per page (1 to 1000)")
    arguments = parser.parse_args(argv)
    try:
        applied = sync(
            arguments.api_url,
            arguments.db_path,
            token=os.environ.get("CASEBOOK_TOKEN") or None,
            page_size=arguments.page_size,
        )
    except (SyncError, OSError) as error:
        print(f"casebook_sync: {error}", file=sys.stderr)
        return 1
    print(f"{applied} changes applied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
