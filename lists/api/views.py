"""The partner API's political-prisoner lists: the lists with their editions,
and what changed between two editions of one. Thin: the reader, throttles and
errors are those of every endpoint (cases.api.views.CasebookAPIView);
lists.reads reads through the visibility policy."""

from __future__ import annotations

import re

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cases.api.pagination import BY_UUID, KeysetPagination
from cases.api.views import CONTROL_PARAMETERS, ERRORS, CasebookAPIView, _refuse_unknown
from cases.filtersets import PARTIAL_DATE_PATTERN, SLUG_PATTERN, UUID_PATTERN, identifier_q
from cases.visibility import visible
from lists.api.serializers import (
    EditionDiffSerializer,
    ListChangeRowSerializer,
    PrisonerListSerializer,
)
from lists.models import Edition, PrisonerList
from lists.reads import (
    LIST_FIELDS,
    ListChange,
    edition_diff,
    edition_for_key,
    edition_rows,
    list_editions,
    list_rows,
)

# an edition's date at its precision (as `published_on` is written) or its UUID
EDITION_KEY_PATTERN = rf"^({PARTIAL_DATE_PATTERN[1:-1]}|{UUID_PATTERN})$"
EDITION_KEY_EXPECTED = "the date of one of the list's editions as `published_on` writes it "
EDITION_KEY_EXPECTED += "(2024, 2024-03 or 2024-03-01) or its UUID"


class PrisonerListList(CasebookAPIView, generics.GenericAPIView):
    serializer_class = PrisonerListSerializer
    pagination_class = KeysetPagination
    queryset = PrisonerList.objects.none()  # for the schema; rows are chosen in get()

    @extend_schema(
        tags=["lists"],
        description="The political-prisoner lists that organizations publish in editions, "
        "each with its editions, oldest first: when published, the number of persons named "
        "that you may see (`size`) and where it was published (`citations`). Compare two "
        "editions with `/lists/{slug}/diff/`.",
        responses={200: PrisonerListSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        _refuse_unknown(request, CONTROL_PARAMETERS)
        values = visible(PrisonerList.objects.all(), self.reader).values(*LIST_FIELDS)
        rows = self.paginator.paginate_values(values, BY_UUID, request)
        response = Response(
            {"next": self.paginator.next_link(), "results": list_rows(rows, reader=self.reader)}
        )
        if self.paginator.next_link():
            response["Link"] = f'<{self.paginator.next_link()}>; rel="next"'
        return response


def _edition_key(request, name: str) -> str:
    """The value of `from` or `to`, checked for its form."""
    values = request.query_params.getlist(name)
    if not values:
        raise ValidationError(
            {name: [f"Required: {EDITION_KEY_EXPECTED}. A list's editions are in /api/v1/lists/."]}
        )
    if len(values) > 1:
        raise ValidationError({name: ["Give one edition, not several."]})
    if not re.fullmatch(EDITION_KEY_PATTERN, values[0]):
        raise ValidationError({name: [f"Expected {EDITION_KEY_EXPECTED}, got {values[0]!r}."]})
    return values[0]


def _edition(editions: list[Edition], name: str, key: str) -> Edition:
    """The edition `key` names, or a 400 naming the editions there are."""
    found = edition_for_key(editions, key)
    if found is not None:
        return found
    if editions:
        dates = ", ".join(e.published_on_partial.isoformat() for e in editions)
        there = f"Its editions you may see were published on {dates}."
    else:
        there = "The list has no edition you may see."
    raise ValidationError(
        {name: [f"No edition of this list is named {key!r}. Expected {EDITION_KEY_EXPECTED}. "
                f"{there}"]}
    )  # fmt: skip


def _change(change: ListChange, *, removed: bool) -> dict:
    row = {
        "person": {
            "uuid": change.person.uuid,
            "slug": change.person.slug,
            "display_name": change.person.display_name,
        },
        "group": change.group,
        "listed_name": change.listed_name,
    }
    if removed:
        row["reason"] = change.reason
    return row


class ListDiff(CasebookAPIView, generics.GenericAPIView):
    serializer_class = EditionDiffSerializer
    csv_shape = ListChangeRowSerializer
    queryset = PrisonerList.objects.none()  # for the schema; the list is found in get()

    @extend_schema(
        tags=["lists"],
        description="What changed from the edition `from` to the edition `to` of a list: the "
        "persons `to` adds and removes, each as the edition that names them lists them, and "
        "the number both name. Persons are compared as records, so a name the later edition "
        "spells otherwise is unchanged. Only what you may see is counted. Each removal carries "
        "the reason on record. `from` may be later than `to`: the answer is then the change "
        "from `from` to `to` as asked (added and removed swap). In CSV, one row per change.",
        parameters=[
            OpenApiParameter(
                "slug", {"type": "string", "pattern": f"^{SLUG_PATTERN}$"},
                OpenApiParameter.PATH, description="The list's slug or UUID.",
            ),
            OpenApiParameter(
                "from", {"type": "string", "pattern": EDITION_KEY_PATTERN}, required=True,
                description="The edition compared from: its `published_on` (2023-05) or UUID.",
            ),
            OpenApiParameter(
                "to", {"type": "string", "pattern": EDITION_KEY_PATTERN}, required=True,
                description="The edition compared to: its `published_on` (2024-03-01) or UUID.",
            ),
        ],
        responses={200: EditionDiffSerializer, **ERRORS},
    )  # fmt: skip
    def get(self, request, slug: str):
        _refuse_unknown(request, {"from", "to", "format"})
        keys = {name: _edition_key(request, name) for name in ("from", "to")}
        prisoner_list = visible(
            PrisonerList.objects.filter(identifier_q(PrisonerList, slug)), self.reader
        ).first()
        if prisoner_list is None:
            raise Http404
        editions = list_editions(prisoner_list, reader=self.reader)
        before, after = (_edition(editions, name, key) for name, key in keys.items())
        diff = edition_diff(before=before, after=after, reader=self.reader)
        added = [_change(change, removed=False) for change in diff.added]
        removed = [_change(change, removed=True) for change in diff.removed]
        if request.accepted_renderer.format == "csv":
            rows = [{"change": "added", **row, "reason": ""} for row in added]
            rows += [{"change": "removed", **row} for row in removed]
            return Response({"results": rows, "next": None})
        shown_from, shown_to = edition_rows([before, after], reader=self.reader)
        return Response(
            {
                "from": shown_from,
                "to": shown_to,
                "added": added,
                "removed": removed,
                "unchanged": diff.unchanged,
            }
        )
