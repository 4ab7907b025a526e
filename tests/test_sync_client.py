"""The reference client clients/casebook_sync.py against a scripted change feed
(no Casebook server): it applies upserts and removes, stores each page's token
with its changes, resumes from the stored token, survives a crash between
pages, starts over once on 410 Gone, and stops with the API's message on any
other error. Its default fetch is run against a small local HTTP server."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from clients.casebook_sync import SyncError, main, mirror, sync, urllib_fetch

API = "https://casebook.example/api/v1/"
EPOCH = "0123456789ab"


def upsert(kind: str, uuid: str, **record) -> dict:
    return {"kind": kind, "uuid": uuid, "op": "upsert", "record": {"uuid": uuid, **record}}


def remove(kind: str, uuid: str) -> dict:
    return {"kind": kind, "uuid": uuid, "op": "remove", "record": None}


def gone() -> tuple[int, dict]:
    message = "This token is not of the current feed: start over without `after`."
    return 410, {"error": {"status": 410, "code": "gone", "message": message, "details": {}}}


class ScriptedFeed:
    """A change log served in pages as the API does (`<epoch>-<position>`
    tokens, `next` until caught up, 410 for a token of another epoch or ahead
    of the log), recording every request. `script[n]` replaces the answer to
    the n-th request (1-based): an exception to raise or a (status, body)."""

    def __init__(self, *changes: dict, epoch: str = EPOCH, page_size: int = 2):
        self.log = list(changes)
        self.epoch = epoch
        self.page_size = page_size
        self.requests: list[tuple[str, dict]] = []
        self.script: dict[int, object] = {}

    def rebuild(self, *changes: dict, epoch: str) -> None:
        """The feed rebuilt from the current records: old tokens are gone."""
        self.log, self.epoch = list(changes), epoch

    def sent_after(self, request: int) -> str | None:
        query = parse_qs(urlsplit(self.requests[request - 1][0]).query)
        return query.get("after", [None])[0]

    def __call__(self, url: str, headers: dict) -> tuple[int, dict]:
        self.requests.append((url, dict(headers)))
        scripted = self.script.pop(len(self.requests), None)
        if isinstance(scripted, Exception):
            raise scripted
        if scripted is not None:
            return scripted
        assert url.startswith(API + "changes/"), url
        query = parse_qs(urlsplit(url).query)
        page_size = int(query.get("page_size", [self.page_size])[0])
        position = 0
        if "after" in query:
            epoch, _, position = query["after"][0].partition("-")
            position = int(position)
            if epoch != self.epoch or position > len(self.log):
                return gone()
        page = self.log[position : position + page_size]
        end = position + len(page)
        token = f"{self.epoch}-{end}"
        more = end < len(self.log)
        next_url = f"{API}changes/?after={token}&page_size={page_size}" if more else None
        return 200, {"results": page, "next": next_url, "token": token}


def stored_state(db_path) -> dict:
    with sqlite3.connect(db_path) as connection:
        return dict(connection.execute("SELECT key, value FROM state"))


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "mirror.sqlite3")


def test_upserts_and_removes_are_applied_in_order(db_path):
    feed = ScriptedFeed(
        upsert("person", "p1", name="Ali"),
        upsert("detention", "d1", person="p1"),
        upsert("person", "p2", name="Leyla"),
        remove("detention", "d1"),
        upsert("person", "p1", name="Ali Hasanov"),
        remove("statement", "never-sent"),  # a remove of what the mirror lacks is nothing
    )
    assert sync(API, db_path, fetch=feed) == 6
    assert mirror(db_path) == {
        ("person", "p1"): {"uuid": "p1", "name": "Ali Hasanov"},
        ("person", "p2"): {"uuid": "p2", "name": "Leyla"},
    }
    assert len(feed.requests) == 3  # pages of 2, `next` followed until null
    assert feed.sent_after(1) is None  # a first sync is a full pull


def test_a_record_is_stored_as_json_with_sorted_keys(db_path):
    sync(API, db_path, fetch=ScriptedFeed(upsert("person", "p1", name="Ali", born="1980")))
    with sqlite3.connect(db_path) as connection:
        (text,) = connection.execute("SELECT record FROM records").fetchone()
    assert text == '{"born": "1980", "name": "Ali", "uuid": "p1"}'


def test_the_token_is_stored_and_the_next_sync_sends_it_as_after(db_path):
    feed = ScriptedFeed(upsert("person", "p1"), upsert("person", "p2"), upsert("person", "p3"))
    assert sync(API, db_path, fetch=feed) == 3
    assert stored_state(db_path) == {"token": f"{EPOCH}-3"}

    feed.log += [
        remove("person", "p2"),
        upsert("source", "s1", title="Confidential source on file"),
    ]
    feed.requests.clear()
    assert sync(API, db_path, fetch=feed) == 2  # only what changed since
    assert feed.sent_after(1) == f"{EPOCH}-3"
    assert set(mirror(db_path)) == {("person", "p1"), ("person", "p3"), ("source", "s1")}
    assert stored_state(db_path) == {"token": f"{EPOCH}-5"}

    feed.requests.clear()
    assert sync(API, db_path, fetch=feed) == 0  # caught up: one empty page, same token
    assert feed.sent_after(1) == f"{EPOCH}-5"
    assert stored_state(db_path) == {"token": f"{EPOCH}-5"}


def test_headers_and_page_size(db_path):
    feed = ScriptedFeed(upsert("person", "p1"), upsert("person", "p2"), upsert("person", "p3"))
    sync(API, db_path, token="cbk_partner", fetch=feed, page_size=1)
    assert [url for url, _ in feed.requests] == [
        f"{API}changes/?page_size=1",
        f"{API}changes/?after={EPOCH}-1&page_size=1",  # `next` as given
        f"{API}changes/?after={EPOCH}-2&page_size=1",
    ]
    assert all(
        headers == {"Accept": "application/json", "Authorization": "Bearer cbk_partner"}
        for _, headers in feed.requests
    )
    anonymous = ScriptedFeed(upsert("person", "p1"))
    sync(API.rstrip("/"), db_path + "-anonymous", fetch=anonymous)
    assert anonymous.requests == [(f"{API}changes/", {"Accept": "application/json"})]


def test_a_crash_between_pages_keeps_page_one_and_the_retry_goes_on_from_it(db_path):
    changes = [upsert("person", f"p{n}", n=n) for n in range(1, 6)]
    feed = ScriptedFeed(*changes)
    feed.script[2] = ConnectionResetError("connection lost")
    with pytest.raises(ConnectionResetError):
        sync(API, db_path, fetch=feed)
    assert set(mirror(db_path)) == {("person", "p1"), ("person", "p2")}
    assert stored_state(db_path) == {"token": f"{EPOCH}-2"}

    feed.requests.clear()
    assert sync(API, db_path, fetch=feed) == 3
    assert feed.sent_after(1) == f"{EPOCH}-2"
    assert mirror(db_path) == {("person", c["uuid"]): c["record"] for c in changes}


def test_a_page_is_applied_whole_or_not_at_all(db_path):
    feed = ScriptedFeed(upsert("person", "p1"), upsert("person", "p2"))
    sync(API, db_path, fetch=feed)
    bad_page = {
        "results": [
            upsert("person", "p3"),
            remove("person", "p1"),
            {**remove("person", "p2"), "op": "?"},
        ],
        "next": None,
        "token": f"{EPOCH}-5",
    }
    feed.script[1] = (200, bad_page)
    feed.requests.clear()
    with pytest.raises(SyncError, match="Unknown op"):
        sync(API, db_path, fetch=feed)
    assert set(mirror(db_path)) == {("person", "p1"), ("person", "p2")}
    assert stored_state(db_path) == {"token": f"{EPOCH}-2"}


def test_410_wipes_the_mirror_and_starts_over_with_a_full_pull(db_path):
    feed = ScriptedFeed(upsert("person", "p1", name="Ali"), upsert("person", "p2"))
    sync(API, db_path, fetch=feed)
    # the feed is rebuilt: p2 went while it was, and no remove of it will come
    feed.rebuild(
        upsert("person", "p1", name="Ali Hasanov"), upsert("person", "p3"), epoch="ba9876543210"
    )
    feed.requests.clear()
    assert sync(API, db_path, fetch=feed) == 2
    assert feed.sent_after(1) == f"{EPOCH}-2"  # answered 410
    assert feed.sent_after(2) is None  # the full pull
    assert mirror(db_path) == {
        ("person", "p1"): {"uuid": "p1", "name": "Ali Hasanov"},
        ("person", "p3"): {"uuid": "p3"},
    }
    assert stored_state(db_path) == {"token": "ba9876543210-2"}


def test_a_410_in_the_middle_of_a_pull_also_starts_over(db_path):
    feed = ScriptedFeed(*[upsert("person", f"p{n}") for n in range(1, 5)])
    feed.script[2] = gone()
    assert sync(API, db_path, fetch=feed) == 2 + 4
    assert [feed.sent_after(n) for n in (1, 2, 3, 4)] == [None, f"{EPOCH}-2", None, f"{EPOCH}-2"]
    assert len(mirror(db_path)) == 4


def test_a_second_410_is_an_error_and_the_old_mirror_is_kept(db_path):
    feed = ScriptedFeed(upsert("person", "p1"))
    sync(API, db_path, fetch=feed)
    feed.requests.clear()
    feed.script[1] = gone()
    feed.script[2] = gone()
    with pytest.raises(SyncError, match=r"HTTP 410 \(gone\): This token is not of the current"):
        sync(API, db_path, fetch=feed)
    assert len(feed.requests) == 2
    assert set(mirror(db_path)) == {("person", "p1")}
    assert stored_state(db_path) == {"token": f"{EPOCH}-1"}


@pytest.mark.parametrize(
    "status, code, message",
    [
        (400, "invalid", "Invalid request. after: Not a token of this feed."),
        (401, "not_authenticated", "Invalid token."),
        (429, "throttled", "Request was throttled. Expected available in 12 seconds."),
    ],
)
def test_any_other_error_stops_the_sync_with_the_apis_message(db_path, status, code, message):
    feed = ScriptedFeed(upsert("person", "p1"), upsert("person", "p2"), upsert("person", "p3"))
    error = {"error": {"status": status, "code": code, "message": message, "details": {}}}
    feed.script[2] = (status, error)
    with pytest.raises(SyncError) as raised:
        sync(API, db_path, fetch=feed)
    assert str(raised.value) == f"HTTP {status} ({code}): {message}"
    assert len(feed.requests) == 2  # no restart
    assert set(mirror(db_path)) == {("person", "p1"), ("person", "p2")}


def test_an_answer_that_is_not_a_feed_page_is_an_error(db_path):
    feed = ScriptedFeed()
    feed.script[1] = (200, {"next": None, "results": []})  # a list's page, no token
    with pytest.raises(SyncError, match="Not a page of the change feed"):
        sync(API, db_path, fetch=feed)


class LocalAPI:
    """A local HTTP server answering /api/v1/changes/ from a ScriptedFeed, with
    the request's headers, to run the client's own urllib fetch and its CLI."""

    def __init__(self, feed: ScriptedFeed):
        self.feed = feed
        self.seen: list[tuple[str, dict]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api.seen.append((self.path, dict(self.headers)))
                status, body = api.feed(API.removesuffix("/api/v1/") + self.path, {})
                text = json.dumps(body).replace(API, api.url)  # next links to this server
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_the_default_fetch_over_http(db_path):
    feed = ScriptedFeed(upsert("person", "p1"), upsert("person", "p2"), upsert("person", "p3"))
    with LocalAPI(feed) as api:
        assert sync(api.url, db_path, token="cbk_partner") == 3
        assert [path for path, _ in api.seen] == [
            "/api/v1/changes/",
            f"/api/v1/changes/?after={EPOCH}-2&page_size=2",
        ]
        assert api.seen[0][1]["Authorization"] == "Bearer cbk_partner"
        assert api.seen[0][1]["Accept"] == "application/json"

        feed.script[len(feed.requests) + 1] = gone()
        assert urllib_fetch(api.url + "changes/", {}) == gone()  # 410 is returned, not raised

        message = "Invalid request. page_size: Expected 1 to 1000."
        error = {"error": {"status": 400, "code": "invalid", "message": message, "details": {}}}
        feed.script[len(feed.requests) + 1] = (400, error)
        with pytest.raises(SyncError, match=r"HTTP 400 \(invalid\): Invalid request. page_size"):
            urllib_fetch(api.url + "changes/?page_size=0", {})


def test_the_command_line(db_path, monkeypatch, capsys):
    feed = ScriptedFeed(upsert("person", "p1"), remove("person", "p1"), upsert("person", "p2"))
    monkeypatch.setenv("CASEBOOK_TOKEN", "cbk_partner")
    with LocalAPI(feed) as api:
        assert main([api.url, db_path]) == 0
        assert capsys.readouterr().out == "3 changes applied\n"
        assert api.seen[0][1]["Authorization"] == "Bearer cbk_partner"

        feed.script[len(feed.requests) + 1] = (
            401,
            {"error": {"code": "x", "message": "Invalid token."}},
        )
        assert main([api.url, db_path]) == 1
        assert "HTTP 401 (x): Invalid token." in capsys.readouterr().err
    assert set(mirror(db_path)) == {("person", "p2")}
