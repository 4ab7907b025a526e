"""The partner API's officials: the list and one official, on the shared record
views (cases.api.views): the reader (a partner's token: partner level; no token:
the public's), filters, pagination and errors are those of every endpoint;
officials.reads builds the rows."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from officials.api.serializers import OfficialSerializer
from officials.filtersets import OfficialFilterSet
from officials.models import Official
from officials.reads import OFFICIAL_FIELDS, official_api_rows


@extend_schema_view(
    get=list_schema(
        OfficialSerializer, tag="officials",
        description="Persons acting for the state (judges, prosecutors, investigators, police "
        "and security officers, heads of facilities): their other names, positions over time "
        "and every involvement in a case you may see (its role, the fact of the case it is "
        "in, what the official did, citations, and the official's reply where published). "
        "An involvement as alleged perpetrator is public only on sources from two different "
        "publishers. Find an official by any spelling with `q`.",
    )
)  # fmt: skip
class OfficialList(RecordListView):
    model = Official
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet
    fields = OFFICIAL_FIELDS
    build = staticmethod(official_api_rows)


@extend_schema_view(get=detail_schema(OfficialSerializer, tag="officials"))
class OfficialDetail(RecordDetailView):
    model = Official
    serializer_class = OfficialSerializer
    fields = OFFICIAL_FIELDS
    build = staticmethod(official_api_rows)
