"""JSON through orjson, and CSV: one row per result, nested values flattened."""

from __future__ import annotations

import csv
import io

import orjson
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from cases.api.serializers import PartialDateField
from cases.partial_dates import PartialDate
from cases.spreadsheets import escape_formula

_partial_date_text = PartialDateField().to_representation  # as the declared shapes write it


def _encode(value):
    """What orjson does not write by itself: a row's PartialDate, as its ISO form
    (orjson would write a dataclass as an object of its fields)."""
    if isinstance(value, PartialDate):
        return _partial_date_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(
            data,
            default=_encode,
            option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS,
        )


def csv_columns(shape: serializers.Serializer, prefix: str = "") -> list[str]:
    """The flattened column names of a declared shape, in its declared order."""
    columns = []
    for name, field in shape.fields.items():
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.Serializer):
            columns.extend(csv_columns(field, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


def flatten(value, prefix: str, out: dict) -> None:
    """Nested objects become `a.b` columns; lists join their items with `|`."""
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}{key}.", out)
    elif isinstance(value, list):
        parts: dict[str, list[str]] = {}
        for item in value:
            item_out: dict = {}
            flatten(item, prefix, item_out)
            for key, text in item_out.items():
                parts.setdefault(key, []).append(text)
        for key, texts in parts.items():
            out[key] = "|".join(texts)
    elif isinstance(value, PartialDate):
        out[prefix.rstrip(".")] = _partial_date_text(value)
    else:
        out[prefix.rstrip(".")] = (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        response = (renderer_context or {}).get("response")
        output = io.StringIO()
        writer = csv.writer(output, lineterminator="\r\n")
        if (response is not None and response.status_code >= 400) or not isinstance(data, dict):
            writer.writerow(["error"])
            writer.writerow([escape_formula(str((data or {}).get("error", {}).get("message", "")))])
            return output.getvalue().encode()
        rows = data["results"] if "results" in data else [data]
        shape = getattr(view, "csv_shape", None) or getattr(view, "serializer_class", None)
        columns = csv_columns(shape()) if shape else sorted({k for r in rows for k in r})
        writer.writerow(columns)
        for row in rows:
            flat: dict = {}
            flatten(row, "", flat)
            writer.writerow([escape_formula(flat.get(column, "")) for column in columns])
        return output.getvalue().encode()
