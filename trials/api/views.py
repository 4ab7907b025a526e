"""The partner API's trials: the list and one trial (by slug or UUID), on the
shared record views (cases.api.views): the reader, filters, pagination and
errors are those of every endpoint; trials.reads builds the rows."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from cases.api.views import RecordDetailView, RecordListView, detail_schema, list_schema
from trials.api.serializers import TrialSerializer
from trials.filtersets import TrialFilterSet
from trials.models import Trial
from trials.reads import TRIAL_FIELDS, trial_rows


@extend_schema_view(
    get=list_schema(
        TrialSerializer, tag="trials",
        description="Court cases: the court, case number, instance and dates; the defendants "
        "with their charges; the judges and prosecutors (officials' involvements); the "
        "hearings (a partial date, a time in the court's time zone, the court room, the "
        "status and what happened); citations. Co-defendants: `/persons/?trial=<slug>`. "
        "The hearings still to come as iCalendar: `/trials/calendar.ics` (not under /api/).",
    )
)  # fmt: skip
class TrialList(RecordListView):
    model = Trial
    serializer_class = TrialSerializer
    filterset_class = TrialFilterSet
    fields = TRIAL_FIELDS
    build = staticmethod(trial_rows)


@extend_schema_view(get=detail_schema(TrialSerializer, tag="trials"))
class TrialDetail(RecordDetailView):
    model = Trial
    serializer_class = TrialSerializer
    fields = TRIAL_FIELDS
    build = staticmethod(trial_rows)
