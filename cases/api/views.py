"""Partner API v1: read-only lists, details, one person's history, statistics
and the withdrawals list for incremental sync, and the record views every app's
API builds on (sources.api.views). Views stay thin: the FilterSets filter,
cases.visibility decides what the reader sees, cases.reads builds the rows."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from access.models import PartnerToken
from cases.api import schema  # noqa: F401  (registers the filters' OpenAPI parameters)
from cases.api import serializers as shapes
from cases.api.errors import ErrorSerializer
from cases.api.pagination import BY_SCORE, BY_UUID, BY_WITHDRAWAL, Key, KeysetPagination
from cases.filtersets import (
    DATETIME_PATTERN,
    MONTH,
    UNKNOWN_RECORD,
    YEAR,
    AllegationFilterSet,
    DateTimeField,
    DetentionFilterSet,
    OrganizationFilterSet,
    PersonFilterSet,
    StatementFilterSet,
    identifier_q,
)
from cases.models import Allegation, Detention, Organization, Person, Statement, Withdrawal
from cases.partial_dates import PartialDate
from cases.reads.history import person_history
from cases.reads.rows import (
    ALLEGATION_FIELDS,
    DETENTION_FIELDS,
    ORGANIZATION_FIELDS,
    PERSON_FIELDS,
    STATEMENT_FIELDS,
    allegation_rows,
    detention_rows,
    organization_rows,
    person_rows,
    statement_rows,
    strip_private_keys,
)
from cases.reads.statistics import case_statistics, first_arrest_month
from cases.reads.sync import withdrawals_since
from cases.visibility import Reader, visible

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid parameters; the message says which."
    ),
    401: OpenApiResponse(ErrorSerializer, description="Unknown, expired or revoked token."),
    404: OpenApiResponse(ErrorSerializer, description="No such record, or not one you may see."),
    406: OpenApiResponse(ErrorSerializer, description="Unknown format."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
}
CONTROL_PARAMETERS = {"cursor", "page_size", "format"}


class StrictNegotiation(DefaultContentNegotiation):
    """`?format=xml` is a clear 406, not a bare 404."""

    def filter_renderers(self, renderers, format):
        chosen = [r for r in renderers if r.format == format]
        if not chosen:
            from rest_framework.exceptions import NotAcceptable

            formats = ", ".join(r.format for r in renderers)
            raise NotAcceptable(f"Unknown format {format!r}; expected one of: {formats}.")
        return chosen


class CasebookAPIView(APIView):
    """What every endpoint shares: the reader, conditional GET headers."""

    content_negotiation_class = StrictNegotiation

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Staff sessions do not widen the API: internal records reach no API reader.
        request.casebook_reader = (
            Reader.PARTNER if isinstance(request.user, PartnerToken) else Reader.PUBLIC
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Vary"] = "Accept, Authorization"
        response["Cache-Control"] = (
            "private, no-cache"
            if isinstance(getattr(request, "user", None), PartnerToken)
            else "public, no-cache"
        )
        return response

    @property
    def reader(self) -> Reader:
        # schema generation builds views without a real request: it sees the public
        return getattr(self.request, "casebook_reader", Reader.PUBLIC)


def _refuse_unknown(request, allowed: set[str]) -> None:
    """A misspelt or empty filter must not silently return everything. (The
    public pages, whose forms send empty fields, use the same filters leniently.)"""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationError(
            {unknown[0]: [f"Unknown parameter. Expected any of: {', '.join(sorted(allowed))}."]}
        )
    for name, values in request.query_params.lists():
        if any(not value.strip() for value in values):
            raise ValidationError({name: ["Empty value: give a value or leave the parameter out."]})
        if any("\x00" in value for value in values):
            raise ValidationError({name: ["A value may not contain a NUL character."]})


class CasebookFilterBackend(DjangoFilterBackend):
    """Every FilterSet gets the view's reader as its `reader=` keyword. A filter
    naming a record that does not exist, or that the reader may not see
    (`?organization=no-such-org`), is a 404 saying so; any other bad value a 400."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "reader": view.reader}

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            invalid = translate_validation(filterset.errors)
            codes = {error.code for errors in invalid.detail.values() for error in errors}
            if codes == {UNKNOWN_RECORD}:
                raise NotFound(
                    " ".join(
                        f"{name}: {message}"
                        for name, messages in invalid.detail.items()
                        for message in messages
                    )
                )
            raise invalid
        return filterset.qs


class RecordListView(CasebookAPIView, generics.GenericAPIView):
    """A paginated, filtered list served from flat queries (cases.reads.rows)."""

    filter_backends = [CasebookFilterBackend]
    pagination_class = KeysetPagination
    orderings: tuple[tuple[Key, ...], ...] = (BY_UUID,)  # every order the list may be in
    model: type
    fields: tuple[str, ...]
    build = None  # cases.reads.rows.<kind>_rows
    private_keys = True  # whether `build` adds keys only it uses (`_id`), to strip

    def get_queryset(self) -> QuerySet:
        return visible(self.model.objects.all(), self.reader)

    def get(self, request, *args, **kwargs):
        self._refuse_unknown_parameters()
        queryset = self.get_queryset()
        if set(request.query_params) & set(self.filterset_class.base_filters):
            # building a FilterSet and its form costs ~3 ms: only when filtering
            queryset = self.filter_queryset(queryset)
        keys = self.ordering_keys()
        values = queryset.values(
            *self.fields, *[k.field for k in keys if k.field not in self.fields]
        )
        rows = self.paginator.paginate_values(values, keys, request, self.orderings)
        results = type(self).build(rows, reader=self.reader)
        if self.private_keys:
            strip_private_keys(results)
        response = Response({"next": self.paginator.next_link(), "results": results})
        if self.paginator.next_link():
            response["Link"] = f'<{self.paginator.next_link()}>; rel="next"'
        return response

    def ordering_keys(self) -> tuple[Key, ...]:
        return BY_UUID

    def _refuse_unknown_parameters(self) -> None:
        _refuse_unknown(self.request, set(self.filterset_class.base_filters) | CONTROL_PARAMETERS)


class RecordDetailView(CasebookAPIView, generics.GenericAPIView):
    """One record by UUID (or slug where it has one)."""

    model: type
    fields: tuple[str, ...]
    build = None

    def get_object_row(self, identifier: str) -> dict:
        rows = list(
            visible(
                self.model.objects.filter(identifier_q(self.model, identifier)), self.reader
            ).values(*self.fields)[:1]
        )
        if not rows:
            raise Http404
        return rows[0]

    def get(self, request, identifier: str, *args, **kwargs):
        row = self.get_object_row(identifier)
        (result,) = strip_private_keys(type(self).build([row], reader=self.reader))
        return Response(result)


IDENTIFIER = OpenApiParameter(
    "identifier",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The UUID, or the slug where the record has one.",
)


def list_schema(shape, *, tag: str, description: str):
    """The OpenAPI operation of a record list (for extend_schema_view's `get`)."""
    return extend_schema(
        tags=[tag], description=description, responses={200: shape(many=True), **ERRORS}
    )


def detail_schema(shape, *, tag: str):
    """The OpenAPI operation of one record by UUID or slug."""
    return extend_schema(tags=[tag], parameters=[IDENTIFIER], responses={200: shape, **ERRORS})


@extend_schema_view(
    get=list_schema(
        shapes.PersonSerializer, tag="persons",
        description="Persons with their name variants, occupations and detentions with charges. "
        "With `q`, ranked by name similarity.",
    )
)  # fmt: skip
class PersonList(RecordListView):
    model = Person
    serializer_class = shapes.PersonSerializer
    filterset_class = PersonFilterSet
    fields = PERSON_FIELDS
    build = staticmethod(person_rows)
    private_keys = False  # person_rows adds none: walking 100 rows' children for nothing
    orderings = (BY_UUID, BY_SCORE)

    def ordering_keys(self) -> tuple[Key, ...]:
        # a name search is ranked by similarity; everything else by the stable UUID
        return BY_SCORE if self.request.query_params.get("q", "").strip() else BY_UUID


@extend_schema_view(get=detail_schema(shapes.PersonSerializer, tag="persons"))
class PersonDetail(RecordDetailView):
    model = Person
    serializer_class = shapes.PersonSerializer
    fields = PERSON_FIELDS
    build = staticmethod(person_rows)


@extend_schema_view(
    get=list_schema(
        shapes.DetentionSerializer, tag="detentions",
        description="Detentions with charges and events.",
    )
)  # fmt: skip
class DetentionList(RecordListView):
    model = Detention
    serializer_class = shapes.DetentionSerializer
    filterset_class = DetentionFilterSet
    fields = DETENTION_FIELDS
    build = staticmethod(detention_rows)


@extend_schema_view(get=detail_schema(shapes.DetentionSerializer, tag="detentions"))
class DetentionDetail(RecordDetailView):
    model = Detention
    serializer_class = shapes.DetentionSerializer
    fields = DETENTION_FIELDS
    build = staticmethod(detention_rows)


@extend_schema_view(
    get=list_schema(shapes.AllegationSerializer, tag="allegations", description="Allegations.")
)
class AllegationList(RecordListView):
    model = Allegation
    serializer_class = shapes.AllegationSerializer
    filterset_class = AllegationFilterSet
    fields = ALLEGATION_FIELDS
    build = staticmethod(allegation_rows)


@extend_schema_view(get=detail_schema(shapes.AllegationSerializer, tag="allegations"))
class AllegationDetail(RecordDetailView):
    model = Allegation
    serializer_class = shapes.AllegationSerializer
    fields = ALLEGATION_FIELDS
    build = staticmethod(allegation_rows)


@extend_schema_view(
    get=list_schema(
        shapes.StatementSerializer, tag="statements",
        description="Statements and the persons they concern.",
    )
)  # fmt: skip
class StatementList(RecordListView):
    model = Statement
    serializer_class = shapes.StatementSerializer
    filterset_class = StatementFilterSet
    fields = STATEMENT_FIELDS
    build = staticmethod(statement_rows)


@extend_schema_view(get=detail_schema(shapes.StatementSerializer, tag="statements"))
class StatementDetail(RecordDetailView):
    model = Statement
    serializer_class = shapes.StatementSerializer
    fields = STATEMENT_FIELDS
    build = staticmethod(statement_rows)


@extend_schema_view(
    get=list_schema(
        shapes.OrganizationSerializer, tag="organizations",
        description="Organizations: media, NGOs, government and UN bodies.",
    )
)  # fmt: skip
class OrganizationList(RecordListView):
    model = Organization
    serializer_class = shapes.OrganizationSerializer
    filterset_class = OrganizationFilterSet
    fields = ORGANIZATION_FIELDS
    build = staticmethod(organization_rows)


@extend_schema_view(get=detail_schema(shapes.OrganizationSerializer, tag="organizations"))
class OrganizationDetail(RecordDetailView):
    model = Organization
    serializer_class = shapes.OrganizationSerializer
    fields = ORGANIZATION_FIELDS
    build = staticmethod(organization_rows)


class PersonHistory(CasebookAPIView, generics.GenericAPIView):
    serializer_class = shapes.PersonHistorySerializer
    csv_shape = shapes.PersonSerializer

    @extend_schema(
        tags=["persons"],
        description="Everything about one person, in date order, every fact with its citations.",
        parameters=[OpenApiParameter("identifier", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="The person's UUID or slug.")],
        responses={200: shapes.PersonHistorySerializer, **ERRORS},
    )  # fmt: skip
    def get(self, request, identifier: str):
        person = visible(
            Person.objects.filter(identifier_q(Person, identifier)).only("pk"), self.reader
        ).first()
        if person is None:
            raise Http404
        history = person_history(person, reader=self.reader)
        if request.accepted_renderer.format == "csv":
            return Response(history["person"])
        return Response(history)


MAX_MONTHS = 600
MONTH_PATTERN = rf"^{YEAR}(-{MONTH})?$"
MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN}


def _month_param(request, name: str) -> datetime.date | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not re.fullmatch(MONTH_PATTERN, raw):
        raise ValidationError(
            {name: [f"Expected a month such as 2023-11 or a year (1800 to 9999), got {raw!r}."]}
        )
    value = PartialDate.parse(raw)
    return value.start if name == "from" else value.end.replace(day=1)


class Statistics(CasebookAPIView, generics.GenericAPIView):
    serializer_class = shapes.StatsSerializer
    csv_shape = shapes.MonthCountSerializer

    @extend_schema(
        tags=["statistics"],
        description="Counts by legal stage, occupation and allegation kind, and the number of "
        "persons held at the end of each month from `from` to `to` (YYYY-MM or YYYY; "
        "default: from the first recorded arrest to this month). The series holds at most "
        f"{MAX_MONTHS} months: the last {MAX_MONTHS} up to `to` when `from` is earlier; "
        "none when `from` is after `to`.",
        parameters=[
            OpenApiParameter("from", MONTH_SCHEMA, description="First month, e.g. 2015-01."),
            OpenApiParameter("to", MONTH_SCHEMA, description="Last month, e.g. 2024-12."),
        ],
        responses={200: shapes.StatsSerializer, **ERRORS},
    )
    def get(self, request):
        _refuse_unknown(request, {"from", "to", "format"})
        today = datetime.date.today().replace(day=1)
        last = _month_param(request, "to") or today
        first = _month_param(request, "from") or first_arrest_month(reader=self.reader) or last
        # Each value alone is checked above; no pair of them is refused, so that a
        # request the schema allows is never a 400 (OpenAPI cannot say "from <= to").
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months > MAX_MONTHS:
            back = last.year * 12 + last.month - MAX_MONTHS  # months since year 0, 0-based
            first = datetime.date(back // 12, back % 12 + 1, 1)
        stats = case_statistics(reader=self.reader, first_month=first, last_month=last)
        if months < 1:
            stats["in_detention_by_month"] = []
        if request.accepted_renderer.format == "csv":
            return Response({"results": stats["in_detention_by_month"], "next": None})
        return Response(stats)


class Withdrawals(CasebookAPIView, generics.GenericAPIView):
    """Records deleted, or moved out of the reader's view, since a time."""

    serializer_class = shapes.WithdrawalSerializer
    pagination_class = KeysetPagination
    orderings = (BY_WITHDRAWAL,)
    queryset = Withdrawal.objects.none()  # for the schema; rows are chosen in get()

    @extend_schema(
        tags=["sync"],
        description="Records deleted, or withdrawn from what you may see, at or after `since`. "
        "Drop them from your copy. When a person is withdrawn, drop everything about them.",
        parameters=[
            OpenApiParameter("since", {"type": "string", "pattern": DATETIME_PATTERN},
                             required=True, description="ISO 8601 time of your last sync, "
                             "with its UTC offset: 2024-01-31T00:00:00Z."),
            OpenApiParameter("kind", OpenApiTypes.STR,
                             enum=list(shapes.WITHDRAWAL_KINDS)),
        ],
        responses={200: shapes.WithdrawalSerializer(many=True), **ERRORS},
    )  # fmt: skip
    def get(self, request):
        _refuse_unknown(request, {"since", "kind", *CONTROL_PARAMETERS})
        try:
            since = DateTimeField().clean(request.query_params.get("since", ""))
        except DjangoValidationError as error:
            raise ValidationError({"since": error.messages}) from error
        if since is None:
            raise ValidationError(
                {"since": ["Required: the time of your last sync, e.g. 2024-01-31T00:00:00Z."]}
            )
        kind = request.query_params.get("kind")
        if kind:
            if kind not in shapes.WITHDRAWAL_KINDS:
                expected = ", ".join(sorted(shapes.WITHDRAWAL_KINDS))
                raise ValidationError({"kind": [f"Expected one of: {expected}."]})
        values = withdrawals_since(since, reader=self.reader, kind=kind)
        rows = self.paginator.paginate_values(values, BY_WITHDRAWAL, request)
        results = [
            {"kind": r["kind"], "uuid": r["uuid"], "withdrawn_at": r["withdrawn_at"]} for r in rows
        ]
        return Response({"next": self.paginator.next_link(), "results": results})
