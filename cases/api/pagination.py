"""Keyset (cursor) pagination on an indexed, unique, unchanging key.

The cursor holds the sort key of the last row served, in plain text so that its
format can be stated exactly in the OpenAPI schema: the row's UUID, preceded in
a name search by its score (`0.8125_<uuid>`) and in the withdrawals by its time
in microseconds since 1970 (`1706659200000000_<uuid>`). Rows inserted or changed
while a partner pages through a list never make a row appear twice or be
skipped."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
SEPARATOR = "_"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


@dataclass(frozen=True)
class Kind:
    """How one sort value is written in a cursor."""

    name: str  # as the documentation names it: "UUID", "score"...
    pattern: str  # every text it matches is a value read() takes
    max_length: int
    read: Callable[[str], object]
    write: Callable[[object], str]


UUID = Kind(
    "UUID",
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    36,
    uuid.UUID,
    str,
)
# A similarity as Python writes it (0.8125, 1.0, 5e-05): always finite, so
# nothing overflows; a score above 1 is a position before every row.
SCORE = Kind("score", r"[0-9](\.[0-9]{1,17})?(e-[0-9]{2,3})?", 25, float, repr)
# withdrawn_at to the microsecond: at most 16 digits, a time Python can hold.
MOMENT = Kind(
    "microseconds since 1970",
    "-?[0-9]{1,16}",
    17,
    lambda text: EPOCH + int(text) * MICROSECOND,
    lambda moment: str((moment - EPOCH) // MICROSECOND),
)


@dataclass(frozen=True)
class Key:
    """One column of the sort key: its name, whether it sorts descending, and
    how its value is written in the cursor."""

    field: str
    descending: bool = False
    kind: Kind = UUID


BY_UUID = (Key("uuid"),)
BY_SCORE = (Key("score", descending=True, kind=SCORE), Key("uuid"))
BY_WITHDRAWAL = (Key("withdrawn_at", kind=MOMENT), Key("uuid"))


def cursor_pattern(keys: tuple[Key, ...]) -> str:
    return SEPARATOR.join(f"({key.kind.pattern})" for key in keys)


def cursor_max_length(keys: tuple[Key, ...]) -> int:
    return sum(key.kind.max_length for key in keys) + len(keys) - 1


def cursor_format(keys: tuple[Key, ...]) -> str:
    return SEPARATOR.join(f"<{key.kind.name}>" for key in keys)


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        if not re.fullmatch("[0-9]{1,9}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Expected a whole number from 1 to {MAX_PAGE_SIZE}, got {raw!r}."
                    ]
                }
            )
        return int(raw)

    def paginate_values(
        self, queryset: QuerySet, keys: tuple[Key, ...], request, orderings=None
    ) -> list[dict]:
        """One page of `queryset` (a `.values()` queryset that includes the keys).
        `orderings` are every order the list can be in (the cursors it accepts)."""
        self.request = request
        self.keys = keys
        size = self.page_size(request)
        position = self._decode(
            request.query_params.get(self.cursor_query_param), keys, orderings or (keys,)
        )
        queryset = queryset.order_by(*[f"-{k.field}" if k.descending else k.field for k in keys])
        if position is not None:
            queryset = queryset.filter(_after(keys, position))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        return rows

    def next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        token = SEPARATOR.join(k.kind.write(self.last[k.field]) for k in self.keys)
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        orderings = getattr(view, "orderings", (BY_UUID,))
        forms = " or ".join(f"`{cursor_format(keys)}`" for keys in orderings)
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "The position after the last row of the previous page: follow "
                f"the `next` link as given. Written {forms}.",
                "schema": {
                    "type": "string",
                    "pattern": "^(" + "|".join(cursor_pattern(k) for k in orderings) + ")$",
                    "maxLength": max(cursor_max_length(k) for k in orderings),
                },
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]

    def _decode(self, token: str | None, keys: tuple[Key, ...], orderings):
        """The sort values of the position `token` names, in the order of `keys`.

        The token must match the cursor of one of the list's orderings exactly;
        nothing else is parsed, so no cursor can be too large, too deep or of
        the wrong type. A cursor of another ordering of the same list (a name
        search's cursor used without `q`, or the reverse) is a position all the
        same: the values `keys` need are taken from it, and where one is missing
        the list starts at its beginning."""
        if token in (None, ""):
            return None
        longest = max(cursor_max_length(k) for k in orderings)
        for ordering in orderings if len(token) <= longest else ():
            if not re.fullmatch(cursor_pattern(ordering), token):
                continue
            parts = dict(zip([k.field for k in ordering], token.split(SEPARATOR), strict=True))
            if any(key.field not in parts for key in keys):
                return None
            return [key.kind.read(parts[key.field]) for key in keys]
        forms = " or ".join(cursor_format(k) for k in orderings)
        raise ValidationError(
            {
                self.cursor_query_param: [
                    "Not a cursor of this list: follow the `next` link as given "
                    f"(a cursor is written {forms}, at most {longest} characters)."
                ]
            }
        )


def _after(keys: tuple[Key, ...], values: list) -> Q:
    """Rows after `values` in the order of `keys`: (a > x) or (a = x and b > y) ..."""
    condition = Q()
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
        condition |= equal & beyond
        equal &= Q(**{key.field: value})
    return condition
