"""The partner API's interventions: the list and one intervention by UUID, on
the shared record views (cases.api.views): the reader, filters, pagination and
errors are those of every endpoint; interventions.reads builds the rows."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from interventions.api.serializers import InterventionSerializer
from interventions.filtersets import InterventionFilterSet
from interventions.models import Intervention
from interventions.reads import INTERVENTION_FIELDS, intervention_rows


@extend_schema_view(
    get=list_schema(
        InterventionSerializer, tag="interventions",
        description="Proceedings on behalf of persons: Working Group on Arbitrary Detention "
        "petitions and opinions (with the categories found), special procedures "
        "communications, ECtHR applications and judgments, treaty body communications and "
        "reviews, parliamentary resolutions, trial observations; their dates, status, "
        "outcome and citations. Whose: `/persons/?intervention_kind=wgad"
        "&intervention_outcome=category-ii`.",
    )
)  # fmt: skip
class InterventionList(RecordListView):
    model = Intervention
    serializer_class = InterventionSerializer
    filterset_class = InterventionFilterSet
    fields = INTERVENTION_FIELDS
    build = staticmethod(intervention_rows)


@extend_schema_view(get=detail_schema(InterventionSerializer, tag="interventions"))
class InterventionDetail(RecordDetailView):
    model = Intervention
    serializer_class = InterventionSerializer
    fields = INTERVENTION_FIELDS
    build = staticmethod(intervention_rows)
