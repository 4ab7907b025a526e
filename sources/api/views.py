"""The partner API's sources and reported counts: lists and one record each, on
the shared record views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api import serializers as shapes
from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from cases.reads.rows import SOURCE_FIELDS, source_rows
from sources.api.serializers import ReportedCountSerializer
from sources.filtersets import ReportedCountFilterSet, SourceFilterSet
from sources.models import ReportedCount, Source
from sources.reads import REPORTED_COUNT_FIELDS, reported_count_rows


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


@extend_schema_view(
    get=list_schema(
        ReportedCountSerializer, tag="reported counts",
        description="Counts that organizations published (\"approximately 254 political "
        "prisoners and detainees as of December 1, 2023\"), each with its citations. They are "
        "the publishers' numbers, not Casebook's: compare them with `/stats/`, never add them up.",
    )
)  # fmt: skip
class ReportedCountList(RecordListView):
    model = ReportedCount
    serializer_class = ReportedCountSerializer
    filterset_class = ReportedCountFilterSet
    fields = REPORTED_COUNT_FIELDS
    build = staticmethod(reported_count_rows)


@extend_schema_view(get=detail_schema(ReportedCountSerializer, tag="reported counts"))
class ReportedCountDetail(RecordDetailView):
    model = ReportedCount
    serializer_class = ReportedCountSerializer
    fields = REPORTED_COUNT_FIELDS
    build = staticmethod(reported_count_rows)
