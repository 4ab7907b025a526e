"""The partner API's sources: the list and one source, on the shared record views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api import serializers as shapes
from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from cases.reads.rows import SOURCE_FIELDS, source_rows
from sources.filtersets import SourceFilterSet
from sources.models import Source


@extend_schema_view(
    get=list_schema(
        shapes.SourceSerializer, tag="sources",
        description="Sources. A confidential source is listed only as "
        '"Confidential source on file".',
    )
)  # fmt: skip
class SourceList(RecordListView):
    model = Source
    serializer_class = shapes.SourceSerializer
    filterset_class = SourceFilterSet
    fields = SOURCE_FIELDS
    build = staticmethod(source_rows)


@extend_schema_view(get=detail_schema(shapes.SourceSerializer, tag="sources"))
class SourceDetail(RecordDetailView):
    model = Source
    serializer_class = shapes.SourceSerializer
    fields = SOURCE_FIELDS
    build = staticmethod(source_rows)
