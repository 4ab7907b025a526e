"""Helpers for the change feed's tests: the reference client
(clients/casebook_sync.py) driven through Django's test client, a fresh full
pull of every list endpoint to compare its mirror with, and a readable diff.

- `client_fetch(client)`: the client's `fetch(url, headers) -> (status, dict)`
  answered by the Django test client (throttle counters cleared first: a test
  syncs more often than a partner may).
- `fresh_pull(client, headers)`: {(kind, uuid): record} from every list
  endpoint, following `next`, each record after a JSON round trip (as the
  mirror stores it).
- `second_connection()`: another session on the test database, for a
  transaction left open across a sync.
- `Mirror`: one reader's SQLite mirror (anonymous, or a partner's token) with
  `sync()`, `records()` and `assert_equals_fresh_pull()`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from django.core.cache import cache
from django.db import connection
from django.test import Client

from clients.casebook_sync import mirror, sync

API = "http://testserver/api/v1/"
LISTS = {
    "person": "persons",
    "detention": "detentions",
    "allegation": "allegations",
    "statement": "statements",
    "source": "sources",
    "organization": "organizations",
    "reported-count": "reported-counts",
    "facility": "facilities",
    "intervention": "interventions",
    "trial": "trials",
    "official": "officials",
}

Records = dict[tuple[str, str], dict]


def second_connection() -> psycopg.Connection:
    """Another session on the test database (a transactional test's): not in
    autocommit, so its first statement opens a transaction that stays open,
    holding its writes back from every other session, until commit."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def django_headers(headers: dict) -> dict:
    """HTTP headers ({"Authorization": ...}) as the test client's keywords."""
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def get(client: Client, url: str, headers: dict):
    """GET an absolute or relative URL of the test server."""
    cache.clear()  # throttle counters live in the cache
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, **django_headers(headers))


def client_fetch(client: Client, log: list | None = None, *, between_pages=None):
    """The reference client's `fetch`, answered by the Django test client; each
    (url, status, body) goes to `log` when given. `between_pages()` is called
    once, after the first page of a sync that has more than one."""
    pending = [between_pages] if between_pages else []

    def fetch(url: str, headers: dict) -> tuple[int, dict]:
        response = get(client, url, headers)
        body = json.loads(response.content or b"{}")
        if log is not None:
            log.append((url, response.status_code, body))
        if pending and response.status_code == 200 and body.get("next"):
            pending.pop()()
        return response.status_code, body

    return fetch


def round_trip(record: dict) -> dict:
    return json.loads(json.dumps(record, sort_keys=True))


def fresh_pull(client: Client, headers: dict) -> Records:
    """Every record each list endpoint shows this reader, by (kind, uuid)."""
    records: Records = {}
    for kind, path in LISTS.items():
        url = f"{API}{path}/?page_size=500"
        while url:
            response = get(client, url, headers)
            assert response.status_code == 200, (url, response.content[:500])
            body = response.json()
            for row in body["results"]:
                key = (kind, row["uuid"])
                assert key not in records, f"{key} listed twice"
                records[key] = round_trip(row)
            url = body["next"]
    return records


def feed_pages(client: Client, headers: dict, *, after: str | None = None, page_size=None):
    """Every page of the feed after `after` (a full pull without), following `next`."""
    query = {k: v for k, v in (("after", after), ("page_size", page_size)) if v is not None}
    url = f"{API}changes/" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    pages = []
    while url:
        response = get(client, url, headers)
        assert response.status_code == 200, (url, response.content[:500])
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


def describe(key: tuple[str, str], record: dict | None) -> str:
    if record is None:
        return f"{key[0]} {key[1]}"
    name = record.get("display_name") or record.get("name") or record.get("title") or ""
    return f"{key[0]} {key[1]} {name!r}".rstrip()


def diff(mirrored: Records, pulled: Records) -> str:
    """What differs between a mirror and a fresh pull, record by record and
    field by field; empty when they are equal."""
    lines = []
    for key in sorted(mirrored.keys() | pulled.keys()):
        ours, theirs = mirrored.get(key), pulled.get(key)
        if ours == theirs:
            continue
        if theirs is None:
            lines.append(f"- only in the mirror: {describe(key, ours)}")
        elif ours is None:
            lines.append(f"- missing from the mirror: {describe(key, theirs)}")
        else:
            lines.append(f"- differs: {describe(key, theirs)}")
            for field in sorted(ours.keys() | theirs.keys()):
                if ours.get(field, "<absent>") != theirs.get(field, "<absent>"):
                    lines.append(
                        f"    {field}: mirror {json.dumps(ours.get(field, '<absent>'))}"
                        f"\n    {' ' * len(field)}  pull   {json.dumps(theirs.get(field, '<absent>'))}"
                    )
    return "\n".join(lines)


class Mirror:
    """One reader's copy kept by the reference client: anonymous without a
    token, a partner's with one."""

    def __init__(self, client: Client, path: Path, *, token: str | None = None, name: str = ""):
        self.client = client
        self.path = str(path)
        self.token = token
        self.name = name or ("partner" if token else "anonymous")
        self.requests: list[tuple[str, int, dict]] = []  # of the last sync

    @property
    def changes(self) -> list[dict]:
        """The changes the last sync received, in order."""
        return [
            change
            for _url, status, body in self.requests
            if status == 200
            for change in body["results"]
        ]

    def changed(self, kind: str, uuid) -> list[str]:
        """The ops the last sync received for one record."""
        return [c["op"] for c in self.changes if (c["kind"], c["uuid"]) == (kind, str(uuid))]

    def entry(self, kind: str, uuid) -> dict | None:
        """The last change the last sync received for one record."""
        found = [c for c in self.changes if (c["kind"], c["uuid"]) == (kind, str(uuid))]
        return found[-1] if found else None

    @property
    def headers(self) -> dict:
        return bearer(self.token)

    def sync(self, *, page_size: int | None = None, between_pages=None) -> int:
        self.requests = []
        return sync(
            API,
            self.path,
            token=self.token,
            fetch=client_fetch(self.client, self.requests, between_pages=between_pages),
            page_size=page_size,
        )

    def records(self) -> Records:
        return mirror(self.path)

    def pull(self) -> Records:
        return fresh_pull(self.client, self.headers)

    def assert_equals_fresh_pull(
        self, context: str = "", *, sync: bool = True, page_size=None, between_pages=None
    ) -> Records:
        """Sync (unless told not to), then compare with a fresh pull; returns the
        mirror's records."""
        if sync:
            self.sync(page_size=page_size, between_pages=between_pages)
        mirrored, pulled = self.records(), self.pull()
        if mirrored != pulled:
            raise AssertionError(
                f"the {self.name} mirror differs from a fresh pull{context}:\n"
                + diff(mirrored, pulled)
            )
        return mirrored
