"""Reading the change feed: a page of entries after a position, for one reader
class, and what a token names."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.db import connection

from cases.visibility import Reader
from sync.models import POSITION_SEQUENCE, Entry, Epoch, ReaderClass

READER_CLASSES = {Reader.PUBLIC: ReaderClass.PUBLIC, Reader.PARTNER: ReaderClass.PARTNER}
TOKEN_PATTERN = re.compile(r"^(?P<epoch>[0-9a-f]{12})-(?P<position>0|[1-9][0-9]{0,18})$")


class TokenError(ValueError):
    """Not a token this server could have handed out (400)."""


class TokenGone(ValueError):
    """A token of another generation of the feed, or ahead of it (410): start over."""


@dataclass(frozen=True)
class Token:
    epoch: str
    position: int

    def __str__(self) -> str:
        return f"{self.epoch}-{self.position}"


def current_epoch() -> str:
    """This feed's generation; a new one if its row is gone (a flushed database):
    then no token handed out before can be read against it."""
    epoch, _ = Epoch.objects.get_or_create(pk=1, defaults={"epoch": secrets.token_hex(6)})
    return epoch.epoch


def _last_position() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {POSITION_SEQUENCE}"
        )
        return cursor.fetchone()[0]


def reader_epoch(reader: Reader) -> str:
    """The epoch as written in this reader class's tokens: a token handed out to
    the anonymous feed is refused on the partners' (and the reverse), so a copy
    kept anonymously and continued with a partner token cannot miss the records
    only partners see."""
    digest = hashlib.sha256(f"{current_epoch()}:{READER_CLASSES[reader]}".encode())
    return digest.hexdigest()[:12]


def token_read(text: str | None, reader: Reader) -> Token:
    """The position a token names (0 without one), checked against this feed."""
    epoch = reader_epoch(reader)
    if text is None:
        return Token(epoch, 0)
    match = TOKEN_PATTERN.match(text)
    if not match:
        raise TokenError(
            f"Not a feed token: {text[:40]!r}. Expected the `token` of an earlier page,"
            " such as 3f2a9c0d1b7e-1042."
        )
    token = Token(match["epoch"], int(match["position"]))
    if token.epoch != epoch:
        raise TokenGone(
            "This token belongs to an earlier generation of the feed (for example before a"
            " restore) or to another reader (anonymous, or a partner token). Drop your copy"
            " and start over without `after`."
        )
    if token.position > _last_position():
        raise TokenGone(
            "This token is ahead of the feed: it was not handed out by this server."
            " Drop your copy and start over without `after`."
        )
    return token


def feed_page(reader: Reader, after: Token, size: int) -> tuple[list[dict], Token, bool]:
    """Up to `size` entries after the token, in position order, the token to go on
    from, and whether more follow."""
    entries = list(
        Entry.objects.filter(reader=READER_CLASSES[reader], position__gt=after.position)
        .order_by("position")
        .values("position", "kind", "uuid", "op", "record")[: size + 1]
    )
    more = len(entries) > size
    entries = entries[:size]
    last = entries[-1]["position"] if entries else after.position
    return (
        [
            {"kind": e["kind"], "uuid": e["uuid"], "op": e["op"], "record": e["record"]}
            for e in entries
        ],
        Token(after.epoch, last),
        more,
    )
