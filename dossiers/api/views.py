"""`GET /api/v1/export/ftm/`: everything the reader may see as FollowTheMoney
entities, one JSON object a line, streamed (dossiers.ftm; docs/ftm.md). A partner
token reads at the partners' level, anyone else at the public's, as every API
endpoint; throttled as they are, and by the number of whole exports an hour
(`API_EXPORT_RATE`)."""

from __future__ import annotations

import orjson
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer

from cases.api.renderers import ORJSONRenderer
from cases.api.throttles import ExportRateThrottle
from cases.api.views import ERRORS, CasebookAPIView, _refuse_unknown
from dossiers.ftm import ftm_lines

NDJSON = "application/x-ndjson"


class NDJSONRenderer(BaseRenderer):
    """JSON lines: what a client asking for `application/x-ndjson` is answered in
    (an error is one line, the error object)."""

    media_type = NDJSON
    format = "ndjson"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data) + b"\n"


class FtMExport(CasebookAPIView):
    renderer_classes = [NDJSONRenderer, ORJSONRenderer]
    throttle_classes = [*CasebookAPIView.throttle_classes, ExportRateThrottle]

    @extend_schema(
        tags=["export"],
        operation_id="export_ftm",
        description="Every record you may see as FollowTheMoney entities (persons, officials, "
        "organizations, posts and their occupancies, memberships, court cases and their "
        "parties), one JSON object a line, streamed: load it with `ftm store write` or "
        "`alephclient write-entities`. Entity ids are stable (`casebook-person-<uuid>`); each "
        "entity's `sourceUrl` is our page, where its sources are cited. See docs/ftm.md.",
        responses={
            (200, NDJSON): OpenApiResponse(
                OpenApiTypes.OBJECT, description="One FollowTheMoney entity a line."
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        _refuse_unknown(request, {"format"})
        lines = ftm_lines(self.reader, base_url=request.build_absolute_uri("/"))
        response = StreamingHttpResponse(lines, content_type=NDJSON)
        response["Content-Disposition"] = 'inline; filename="casebook-ftm.ndjson"'
        return response
