"""The change feed: `GET /api/v1/changes/?after=TOKEN`, every change the reader
can observe, in commit order (docs/api.md, *Change feed*)."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from cases.api.errors import ErrorSerializer
from cases.api.renderers import ORJSONRenderer
from cases.api.views import ERRORS, CasebookAPIView, _refuse_unknown
from sync.reads import TokenError, TokenGone, feed_page, token_read
from sync.records import KINDS
from sync.services import feed_compact

DEFAULT_PAGE_SIZE = 500
# A request waits this long for another compaction, then reads the feed as it
# stands (a consistent prefix: what it lacks comes after its token).
COMPACTION_WAIT_SECONDS = 5.0
MAX_PAGE_SIZE = 1000
KIND_NAMES = tuple(KINDS)  # as in the API paths, in the singular


class Gone(APIException):
    status_code = 410
    default_code = "gone"
    default_detail = "This token can no longer be used: start over without `after`."


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KIND_NAMES))
    uuid = serializers.UUIDField()
    op = serializers.ChoiceField(choices=["upsert", "remove"])
    record = serializers.JSONField(
        allow_null=True,
        help_text="The record as its list endpoint's rows show it to you; null for a remove.",
    )


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next page; null once you have caught up."
    )
    token = serializers.CharField(
        help_text="Pass as `after` on your next sync (store it with the changes applied)."
    )


def _page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch("[0-9]{1,9}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [f"Expected a whole number from 1 to {MAX_PAGE_SIZE}, got {raw!r}."]}
        )
    return int(raw)


class Changes(CasebookAPIView):
    renderer_classes = [ORJSONRenderer]
    serializer_class = ChangePageSerializer

    @extend_schema(
        tags=["sync"],
        description="Every change you can observe, in commit order: a record that appeared, "
        "changed, or stopped being visible to you (`remove`, sent only for records you were "
        "sent). Without `after`, a full pull. Follow `next` until it is null, then keep "
        "`token` for the next sync.",
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "string", "pattern": r"^[0-9a-f]{12}-(0|[1-9][0-9]{0,18})$"},
                description="The `token` of your last page.",
            ),
            OpenApiParameter(
                "page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
            ),
        ],
        responses={
            200: ChangePageSerializer,
            410: OpenApiResponse(
                ErrorSerializer, description="A token of an earlier feed: start over."
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        _refuse_unknown(request, {"after", "page_size", "format"})
        size = _page_size(request.query_params.get("page_size"))
        try:
            after = token_read(request.query_params.get("after"), self.reader)
        except TokenError as error:
            raise ValidationError({"after": [str(error)]}) from error
        except TokenGone as error:
            raise Gone(str(error)) from error
        feed_compact(wait=COMPACTION_WAIT_SECONDS)
        results, token, more = feed_page(self.reader, after, size)
        url = replace_query_param(request.build_absolute_uri(), "after", str(token))
        return Response({"results": results, "next": url if more else None, "token": str(token)})
