"""Keyset (cursor) pagination on an indexed, unique, unchanging key.

The cursor is an opaque token holding the sort key of the last row served.
Rows inserted or changed while a partner pages through a list never make
a row appear twice or be skipped."""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Key:
    """One column of the sort key: its name and whether it sorts descending."""

    field: str
    descending: bool = False
    kind: type = str  # how the value is carried in the cursor (str, float, datetime)


BY_UUID = (Key("uuid"),)
BY_SCORE = (Key("score", descending=True, kind=float), Key("uuid"))


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Expected a whole number from 1 to {MAX_PAGE_SIZE}, got {raw!r}."
                    ]
                }
            )
        return int(raw)

    def paginate_values(self, queryset: QuerySet, keys: tuple[Key, ...], request) -> list[dict]:
        """One page of `queryset` (a `.values()` queryset that includes the keys)."""
        self.request = request
        self.keys = keys
        size = self.page_size(request)
        position = self._decode(request.query_params.get(self.cursor_query_param), keys)
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
        values = [_encode(self.last[k.field], k) for k in self.keys]
        token = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
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
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from the `next` link of the previous page.",
                "schema": {"type": "string", "minLength": 1},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]

    def _decode(self, token: str | None, keys: tuple[Key, ...]):
        if token in (None, ""):
            return None
        try:
            padded = token + "=" * (-len(token) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            if not isinstance(values, list) or len(values) != len(keys):
                raise ValueError("wrong length")
            decoded = []
            for key, value in zip(keys, values, strict=True):
                if key.kind is float:
                    decoded.append(float(value))
                elif key.kind is datetime.datetime:
                    decoded.append(datetime.datetime.fromisoformat(str(value)))
                elif key.field == "uuid":
                    decoded.append(uuid.UUID(str(value)))
                else:
                    decoded.append(str(value))
            return decoded
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        "Not a cursor of this list: use the `next` link as given."
                    ]
                }
            ) from error


def _encode(value, key: Key):
    if key.kind is float:
        return value
    if key.kind is datetime.datetime:
        return value.isoformat()
    return str(value)


def _after(keys: tuple[Key, ...], values: list) -> Q:
    """Rows after `values` in the order of `keys`: (a > x) or (a = x and b > y) ..."""
    condition = Q()
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
        condition |= equal & beyond
        equal &= Q(**{key.field: value})
    return condition


def without_cursor(url: str) -> str:
    return remove_query_param(url, "cursor")
