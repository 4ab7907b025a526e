"""The OpenAPI parameters of the filters: each says exactly what its field accepts
(cases.filtersets, `openapi_schema()`), computed when the schema is requested,
so a vocabulary term researchers add appears in its enum at once."""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter

from cases.filtersets import IdentifierFilter, RepeatableFilter
from cases.visibility import Reader


class CasebookFilterExtension(DjangoFilterExtension):
    target_class = "cases.api.views.CasebookFilterBackend"
    priority = 1  # before drf-spectacular's own django-filter extension

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        extra = filter_field.extra
        if isinstance(filter_field, IdentifierFilter):
            # what an identifier looks like is the same for every reader
            extra = {**extra, "reader": Reader.PUBLIC}
        field = filter_field.field_class(**extra)
        if not hasattr(field, "openapi_schema"):
            return super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        schema = field.openapi_schema()
        repeatable = isinstance(filter_field, RepeatableFilter)
        if repeatable:
            schema = {"type": "array", "items": schema}
        return [
            build_parameter_type(
                name=field_name,
                schema=schema,
                location=OpenApiParameter.QUERY,
                required=False,
                description=str(filter_field.extra.get("help_text") or ""),
                explode=True if repeatable else None,
                style="form" if repeatable else None,
            )
        ]
