"""The partner API's facilities: the list and one facility, on the shared
record views (cases.api.views): the reader, filters, pagination and errors are
those of every endpoint; places.reads builds the rows."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from places.api.serializers import FacilitySerializer
from places.filtersets import FacilityFilterSet
from places.models import Facility
from places.reads import FACILITY_FIELDS, facility_rows


@extend_schema_view(
    get=list_schema(
        FacilitySerializer, tag="facilities",
        description="Places of detention: prisons, colonies, pre-trial detention centres, "
        "police stations; each with its other names, address and rules for letters (each "
        "with when it was last confirmed), the number of persons you may see held there now "
        "(`held_now`) and citations. Who is held where: `/persons/?facility=<slug>` (now) "
        "and `?held_at=<slug>` (ever).",
    )
)  # fmt: skip
class FacilityList(RecordListView):
    model = Facility
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilterSet
    fields = FACILITY_FIELDS
    build = staticmethod(facility_rows)


@extend_schema_view(get=detail_schema(FacilitySerializer, tag="facilities"))
class FacilityDetail(RecordDetailView):
    model = Facility
    serializer_class = FacilitySerializer
    fields = FACILITY_FIELDS
    build = staticmethod(facility_rows)
