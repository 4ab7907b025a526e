"""One FilterSet per model, shared by the API and the public pages.

Every filter sees only what the reader may see: a person is never found
through an internal detention, allegation or name variant. Vocabulary filters
take the code or the English label, case-insensitively; a repeated parameter
means OR; an unknown value is a 400 that lists what is allowed.

Messages are in the active language: a public list page's (its address), the
API's English (its addresses have no language prefix, so LocaleMiddleware gives
them the default language, whatever the Accept-Language header says)."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Collection

import django_filters
from django import forms
from django.db import DatabaseError
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import Gender, OrganizationKind, PersonStatus
from cases.models import (
    Affiliation,
    Allegation,
    AllegationKind,
    AllegationStatus,
    CaseEvent,
    Charge,
    Detention,
    LegalStage,
    NameVariant,
    Occupation,
    Organization,
    Person,
    Statement,
    StatementKind,
)
from cases.partial_dates import PartialDate, PartialDateError
from cases.reads.facets import NO_DAY, PAST_EVERY_DAY, day_value, with_detention
from cases.reads.search import search_persons
from cases.reads.status import with_status
from cases.search import (
    MAX_QUERY_CHARACTERS,
    QUERY_PATTERN,
    WORD_CHARACTER_CLASS,
    SearchQueryError,
    check_search_query,
)
from cases.visibility import Reader, visible
from interventions.choices import InterventionKind
from interventions.models import Intervention
from interventions.reads import OUTCOME_FILTER_CHOICES, outcome_q
from lists.models import CaseGroup, CaseGroupMember, Edition, ListEntry, PrisonerList
from places.models import CustodyPeriod, Facility
from places.reads import placed_sql
from trials.models import Trial, TrialDefendant

# --- what a parameter may be, as the OpenAPI schema states it ------------------------
#
# Each field below accepts exactly what its `openapi_schema()` describes (written
# for Python, ECMAScript and Rust regexes alike: ASCII classes, no lookaround), so a
# request valid under /api/v1/schema/ is never refused and the schema never hides
# a rule. cases/api/schema.py puts these schemas into the OpenAPI document.

# A year 0001-9999 (arrest_year), and 1800-9999 for dates: PartialDate refuses
# earlier years as a likely typo.
ANY_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
YEAR = r"(1[89][0-9]{2}|[2-9][0-9]{3})"
_LEAP_YEAR = r"((1[89]|[2-9][0-9])(0[48]|[2468][048]|[13579][26])|([2468][048]|[3579][26])00)"
MONTH = r"(0[1-9]|1[0-2])"
_MONTH_DAY = (
    r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
)
DAY = rf"({YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
YEAR_PATTERN = rf"^{ANY_YEAR}$"
PARTIAL_DATE_PATTERN = rf"^({YEAR}|{YEAR}-{MONTH}|{DAY})$"
DATETIME_PATTERN = (
    rf"^{DAY}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SLUG_PATTERN = r"[-a-zA-Z0-9_]{1,120}"
# any text with something besides spaces in it, and no NUL (PostgreSQL cannot hold one)
TEXT_PATTERN = rf"^[^\x00]*{WORD_CHARACTER_CLASS}[^\x00]*$"

_UUID_RE = re.compile(UUID_PATTERN)
_SLUG_RE = re.compile(SLUG_PATTERN)


def is_uuid(value: str) -> bool:
    """A UUID as Casebook writes it (hyphenated hex, any case)."""
    return bool(_UUID_RE.fullmatch(value))


def is_slug(value: str) -> bool:
    return bool(_SLUG_RE.fullmatch(value))


def identifier_q(model, identifier: str) -> Q:
    """A record by its UUID, or by its slug where the model has one; nothing for a
    value that is neither (a NUL, which PostgreSQL cannot compare, never reaches it)."""
    if is_uuid(identifier):
        return Q(uuid=uuid.UUID(identifier))
    if hasattr(model, "slug") and is_slug(identifier):
        return Q(slug=identifier)
    return Q(pk__in=[])


# --- form fields: parse and validate one query parameter ---------------------


def invalid(message: str, code: str = "invalid") -> forms.ValidationError:
    """An error quoting the reader's input, `message` already translated and filled
    in. django-filter formats messages with `%`, so a `%` typed by the reader is
    escaped (fuzzing found the 500)."""
    return forms.ValidationError(message.replace("%", "%%"), code=code)


UNKNOWN_RECORD = "unknown_record"  # the API answers 404 for it: a well-formed name of nothing


class MultipleValueField(forms.Field):
    """A parameter that may be repeated (?x=a&x=b means a OR b)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value):
        values = [v.strip() for v in (value or []) if v and v.strip()]
        if not values:
            return None
        if any("\x00" in v for v in values):
            raise invalid(_("A value may not contain a NUL character."))
        return self.clean_values(values)

    def clean_values(self, values: list[str]):
        return values

    def openapi_schema(self) -> dict:
        """The schema of one value."""
        return {"type": "string", "pattern": TEXT_PATTERN}


class VocabularyField(MultipleValueField):
    def __init__(self, *, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(**kwargs)

    def clean_values(self, values):
        terms = []
        for value in values:
            term = self.vocabulary.lookup(value)
            if term is None:
                allowed = ", ".join(self.vocabulary.objects.values_list("code", flat=True))
                raise invalid(
                    _("Unknown value %(value)s. Expected a code or English label of: %(allowed)s.")
                    % {"value": repr(value), "allowed": allowed}
                )
            terms.append(term)
        return terms

    def openapi_schema(self) -> dict:
        # read when the schema is generated: a term researchers add is listed at once
        try:
            codes = list(self.vocabulary.objects.values_list("code", flat=True))
        except DatabaseError:
            # `check --deploy` builds the schema too, before a database need be reachable
            return super().openapi_schema()
        if not codes:  # an empty vocabulary accepts nothing
            return {"type": "string", "not": {}}
        return {"type": "string", "enum": codes}


class ChoicesField(MultipleValueField):
    def __init__(self, *, choices, **kwargs):
        self.codes = [str(value) for value, _label in choices]
        self.allowed = {str(value).lower(): value for value, _label in choices}
        self.allowed.update({str(label).lower(): value for value, label in choices})
        super().__init__(**kwargs)

    def clean_values(self, values):
        cleaned = []
        for value in values:
            if value.lower() not in self.allowed:
                codes = sorted({str(v) for v in self.allowed.values()})
                raise invalid(
                    _("Unknown value %(value)s. Expected one of: %(allowed)s.")
                    % {"value": repr(value), "allowed": ", ".join(codes)}
                )
            cleaned.append(self.allowed[value.lower()])
        return cleaned

    def openapi_schema(self) -> dict:
        return {"type": "string", "enum": self.codes}


class YearField(MultipleValueField):
    """A year of four digits, 0001 to 9999 (the years a date can have)."""

    def clean_values(self, values):
        years = []
        for value in values:
            if not re.fullmatch(YEAR_PATTERN, value):
                raise invalid(
                    _("Expected a year from 0001 to 9999 such as 2023, got %(value)s.")
                    % {"value": repr(value)}
                )
            years.append(int(value))
        return years

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": YEAR_PATTERN}


class PartialDateQueryField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if any(char.isdigit() and not char.isascii() for char in value):
            raise invalid(
                _("Write the date with the digits 0-9, got %(value)s.") % {"value": repr(value)}
            )
        try:
            return PartialDate.parse(value)
        except PartialDateError as error:
            raise invalid(str(error)) from error

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": PARTIAL_DATE_PATTERN}


class StrictBooleanField(forms.CharField):
    def clean(self, value):
        value = (super().clean(value) or "").strip().lower()
        if not value:
            return None
        if value in {"true", "1", "yes"}:
            return True
        if value in {"false", "0", "no"}:
            return False
        raise invalid(_("Expected true or false, got %(value)s.") % {"value": repr(value)})

    def openapi_schema(self) -> dict:
        return {"type": "boolean"}


# One sentence per kind of record, so that each language can put its noun in the
# case the sentence needs (Russian: "Нет лица", "Нет организации").
UNKNOWN_RECORD_MESSAGES = {
    Person: gettext_lazy("No person with slug or UUID %(value)s."),
    Organization: gettext_lazy("No organization with slug or UUID %(value)s."),
    PrisonerList: gettext_lazy("No list with slug or UUID %(value)s."),
    Edition: gettext_lazy("No edition of a list with UUID %(value)s."),
    CaseGroup: gettext_lazy("No case group with slug or UUID %(value)s."),
    Facility: gettext_lazy("No facility with slug or UUID %(value)s."),
    Trial: gettext_lazy("No trial with slug or UUID %(value)s."),
    None: gettext_lazy("No record (%(record)s) with slug or UUID %(value)s."),
}


class IdentifierField(MultipleValueField):
    """Slugs or UUIDs of records of `model` the reader may see."""

    def __init__(self, *, model, reader: Reader, **kwargs):
        self.model = model
        self.reader = reader
        super().__init__(**kwargs)

    def clean_values(self, values):
        condition = Q(pk__in=[])
        for value in values:
            condition |= identifier_q(self.model, value)
        found = visible(self.model.objects.filter(condition), self.reader)
        known = {str(o.uuid) for o in found} | {getattr(o, "slug", "") for o in found}
        missing = [v for v in values if (v.lower() if is_uuid(v) else v) not in known]
        if missing:
            message = UNKNOWN_RECORD_MESSAGES.get(self.model, UNKNOWN_RECORD_MESSAGES[None])
            raise invalid(
                message % {"record": self.model._meta.verbose_name, "value": repr(missing[0])},
                code=UNKNOWN_RECORD,
            )
        return list(found)

    def openapi_schema(self) -> dict:
        if hasattr(self.model, "slug"):
            return {"type": "string", "pattern": f"^({UUID_PATTERN}|{SLUG_PATTERN})$"}
        return {"type": "string", "pattern": f"^{UUID_PATTERN}$"}


class SearchQueryField(forms.CharField):
    """Free text to search for, within the bounds of cases.search (shared by every
    output that searches)."""

    def clean(self, value):
        value = super().clean(value)
        if not value or not value.strip():
            return None
        try:
            return check_search_query(value)
        except SearchQueryError as error:
            raise invalid(str(error)) from error

    def openapi_schema(self) -> dict:
        return {"type": "string", "maxLength": MAX_QUERY_CHARACTERS, "pattern": QUERY_PATTERN}


# --- filters -------------------------------------------------------------------
#
# The OpenAPI schema of each filter is its field's `openapi_schema()`, a list of
# them for a RepeatableFilter (cases/api/schema.py).


class ValueFilter(django_filters.Filter):
    """A filter whose meaning is given by its FilterSet's `apply_<name>`."""

    def __init__(self, field_class, help_text: str, **field_kwargs):
        self.field_class = field_class
        super().__init__(help_text=help_text, **field_kwargs)

    def filter(self, qs, value):
        if value in (None, [], ""):
            return qs
        return getattr(self.parent, f"apply_{self.field_name}")(qs, value)


class RepeatableFilter(ValueFilter):
    """Repeat the parameter for OR: ?legal_stage=convicted&legal_stage=on-appeal."""


class BooleanValueFilter(ValueFilter):
    pass


class IdentifierFilter(RepeatableFilter):
    """Records by slug or UUID: the field is built with its FilterSet's reader, so
    it finds only what that reader may see."""

    @property
    def field(self):
        # django-filter builds the field once, from `extra`, when the form is made;
        # by then the FilterSet (`parent`) knows its reader
        if not hasattr(self, "_field"):
            self.extra["reader"] = self.parent.reader
        return super().field


def vocabulary(model, help_text):
    return RepeatableFilter(VocabularyField, help_text, vocabulary=model)


def identifiers(model, help_text):
    return IdentifierFilter(IdentifierField, help_text, model=model)


def repeatable(help_text, field_class=MultipleValueField, **kwargs):
    return RepeatableFilter(field_class, help_text, **kwargs)


def partial_date(help_text):
    return ValueFilter(PartialDateQueryField, help_text)


def boolean(help_text):
    return BooleanValueFilter(StrictBooleanField, help_text)


RFC3339 = re.compile(DATETIME_PATTERN)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)


class DateTimeField(forms.CharField):
    """A full ISO 8601 / RFC 3339 time with its offset: 2024-01-31T00:00:00Z
    (years 1800 to 9999, as the dates)."""

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        parsed = parse_datetime(value) if RFC3339.fullmatch(value) else None
        if parsed is None:
            raise invalid(
                _(
                    "Expected a time such as 2024-01-31T00:00:00Z (with its UTC offset), got %(value)s."
                )
                % {"value": repr(value)}
            )
        # PostgreSQL takes offsets up to ±15:59 only: hand it UTC. 9999-12-31T23:00-05:00
        # is past the last time Python can write in UTC: nothing changed after it.
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            return LATEST

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": DATETIME_PATTERN}


class DateTimeFilter(django_filters.Filter):
    field_class = DateTimeField


class TextFilter(django_filters.CharFilter):
    field_class = SearchQueryField


def updated_since():
    return DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only records changed at or after this time (ISO 8601), for incremental sync.",
    )


class ReaderFilterSet(django_filters.FilterSet):
    """A FilterSet that knows its reader; subqueries only see what the reader may.
    The reader is a keyword, always given: the API's filter backend passes the
    view's, the pages theirs (cases.listing); nothing reads it from the request."""

    def __init__(self, data=None, queryset=None, *, reader: Reader, request=None):
        self.reader = reader
        super().__init__(data, queryset, request=request)

    def visible(self, queryset: QuerySet) -> QuerySet:
        return visible(queryset, self.reader)

    def apply_person(self, qs, persons):
        return qs.filter(person__in=persons)

    def apply_updated_since(self, qs, value):
        return qs.filter(updated_at__gte=value)


def _arrested_between(prefix: str, after: PartialDate | None, before: PartialDate | None) -> Q:
    condition = Q()
    if after:
        condition &= Q(**{f"{prefix}arrested_on__gte": after.start})
    if before:
        condition &= Q(**{f"{prefix}arrested_on__lte": before.end})
    return condition


def _charge_q(prefix: str, articles: list[str]) -> Q:
    """Article 206.3 matches 206.3 and its sub-articles (206.3.2), not 206.30."""
    condition = Q()
    for article in articles:
        condition |= Q(**{f"{prefix}article": article}) | Q(
            **{f"{prefix}article__startswith": f"{article}."}
        )
    return condition


# --- persons -------------------------------------------------------------------------


class _PlacedIn(Func):
    """`column = ANY(ARRAY(the persons placed))`: the place filter's persons as a
    subquery on the stored places (places.reads.placed_sql), read once by the
    database and looked up by the persons' primary key (as `IN (subquery)`, the
    planner read every person beside the status filter's `IN ... OR IN ...`); not
    a subclass of cases.reads.search's or the status filter's matches, which
    cases.reads.facets tells apart by class."""

    output_field = BooleanField()

    def __init__(self, expression, placed: tuple[str, list]):
        super().__init__(expression)
        self.placed = placed

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        placed, placed_params = self.placed
        return f"{sql} = ANY(ARRAY({placed}))", [*params, *placed_params]


class PersonFilterSet(ReaderFilterSet):
    q = TextFilter(
        method="apply_q",
        help_text="A name in any spelling (Azerbaijani, English, Russian); ranked by similarity.",
    )
    legal_stage = vocabulary(LegalStage, "Has a detention at this legal stage.")
    occupation = vocabulary(Occupation, "Occupation.")
    organization = identifiers(Organization, "Affiliated with this organization (slug or UUID).")
    allegation = vocabulary(AllegationKind, "Has an allegation of this kind.")
    charge = repeatable("Charged under this article or a sub-article (206.3 matches 206.3.2).")
    arrested_after = partial_date("Arrested on or after this date (2023, 2023-11 or 2023-11-21).")
    arrested_before = partial_date("Arrested on or before this date (2023, 2023-11 or 2023-11-21).")
    arrest_year = repeatable("Arrested in this year (2023); repeat for several.", YearField)
    released = boolean("true: released from every detention; false: held in at least one.")
    status = repeatable(
        "held: in detention when last reported (a detention with no release at a stage that "
        "deprives of liberty, or a call for release no newer release contradicts); released; "
        "unknown: no source gives a current stage or release.",
        ChoicesField,
        choices=PersonStatus.choices,
    )
    status_as_of_after = partial_date(
        "The status was last reported on or after this date (2024, 2024-12 or 2024-12-09); "
        "a status with no dated source does not match."
    )
    status_as_of_before = partial_date(
        "The status was last reported on or before this date (2024, 2024-12 or 2024-12-09); "
        "a status with no dated source does not match."
    )
    in_detention_on = partial_date("Held on this day (arrested on or before it, not yet released).")
    gender = repeatable("Gender: female, male or other.", ChoicesField, choices=Gender.choices)
    list = identifiers(PrisonerList, "Named in any edition of this list (slug or UUID).")
    list_edition = identifiers(Edition, "Named in this edition of a list (UUID).")
    group = identifiers(CaseGroup, "A member of this case group (slug or UUID).")
    facility = identifiers(
        Facility,
        "Held now at this facility (slug or UUID): their current place, the open custody "
        "period with the newest source. With status=held, the facility's `held_now`.",
    )
    held_at = identifiers(
        Facility, "Held at this facility at any time (slug or UUID): any custody period there."
    )
    region = repeatable(
        "Held now in this region: the region of their current place's facility "
        "(the whole name, any case)."
    )
    intervention_kind = repeatable(
        "Has an intervention of this kind (wgad, special-procedures, ecthr...); with "
        "intervention_outcome, one and the same intervention.",
        ChoicesField,
        choices=InterventionKind.choices,
    )
    intervention_outcome = repeatable(
        "Has an intervention with this outcome (arbitrary, violation...) or in which the "
        "Working Group found this category (category-i to category-v); with "
        "intervention_kind, one and the same intervention.",
        ChoicesField,
        choices=OUTCOME_FILTER_CHOICES,
    )
    trial = identifiers(
        Trial, "A defendant in this trial (slug or UUID): the trial's co-defendants."
    )
    updated_since = DateTimeFilter(
        method="apply_updated_since",
        help_text="Changed at or after this time (ISO 8601), the person or anything in their history.",
    )

    class Meta:
        model = Person
        fields = []

    # The detention conditions (stage, charge, arrest dates) apply to one and the
    # same detention: "arrested after 2023 and charged under 206" means one episode.
    DETENTION_FILTERS = (
        "legal_stage",
        "charge",
        "arrested_after",
        "arrested_before",
        "arrest_year",
    )

    def detention_condition(self, *, leave_out: str = "") -> Q:
        """The condition on one Detention row made of the detention filters given
        (all but `leave_out`, which the public list's filter counts group by)."""
        data = {
            name: self.form.cleaned_data.get(name)
            for name in self.DETENTION_FILTERS
            if name != leave_out
        }
        condition = _arrested_between("", data.get("arrested_after"), data.get("arrested_before"))
        if data.get("arrest_year"):
            years = Q()
            for year in data["arrest_year"]:
                years |= Q(arrested_on__gte=datetime.date(year, 1, 1)) & Q(
                    arrested_on__lte=datetime.date(year, 12, 31)
                )
            condition &= years
        if data.get("legal_stage"):
            condition &= Q(legal_stage__in=data["legal_stage"])
        if data.get("charge"):
            charges = self.visible(Charge.objects).filter(
                _charge_q("", data["charge"]), detention=OuterRef("pk")
            )
            condition &= Q(Exists(charges))
        return condition

    def detention_values(
        self, *, leave_out: Collection[str] = ()
    ) -> tuple[list[int] | None, list[tuple[int, int]] | None] | None:
        """The detention filters given (all but those `leave_out` names) as the stored
        detentions read them (cases.reads.facets.detention_rows_sql): the legal
        stages' ids (None: any stage or none) and the days of arrest, ranges of
        `day_value` with both ends in (None: any day or none; an empty list:
        none matches, as arrest_year=2019 with arrested_after=2020). None when
        a charge is given: the stored detentions do not hold their charges."""
        data = self.form.cleaned_data
        given = {name: data.get(name) for name in self.DETENTION_FILTERS if name not in leave_out}
        if given.get("charge"):
            return None
        stages = [stage.pk for stage in given["legal_stage"]] if given.get("legal_stage") else None
        after, before = given.get("arrested_after"), given.get("arrested_before")
        if not (after or before or given.get("arrest_year")):
            return stages, None
        first = day_value(after.start) if after else NO_DAY + 1
        last = day_value(before.end) if before else PAST_EVERY_DAY
        spans = [(first, last)]
        if given.get("arrest_year"):
            spans = [
                (
                    max(first, day_value(datetime.date(year, 1, 1))),
                    min(last, day_value(datetime.date(year, 12, 31))),
                )
                for year in sorted(set(given["arrest_year"]))
            ]
        return stages, [(lo, hi) for lo, hi in spans if lo <= hi]

    # The status conditions apply to one and the same status row (one subquery).
    STATUS_FILTERS = ("status", "status_as_of_after", "status_as_of_before")
    # Where a person is held: each a list of persons read once (places.reads).
    PLACE_FILTERS = ("facility", "held_at", "region")
    # The intervention conditions apply to one and the same visible intervention:
    # "a WGAD opinion finding category II" is one proceeding, not a WGAD petition
    # and some other body's finding.
    INTERVENTION_FILTERS = ("intervention_kind", "intervention_outcome")

    def intervention_condition(self) -> Q:
        """The condition on one Intervention row made of the intervention filters given."""
        data = self.form.cleaned_data
        condition = Q()
        if data.get("intervention_kind"):
            condition &= Q(kind__in=data["intervention_kind"])
        if data.get("intervention_outcome"):
            condition &= outcome_q(data["intervention_outcome"])
        return condition

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data.get("q"):
            # the name search first: it runs once and leaves a list of persons,
            # which the filters after it narrow (cases.reads.search)
            queryset = self.filters["q"].filter(queryset, data["q"])
        detention = self.detention_condition()
        stored = self.detention_values()
        if detention and stored is not None:
            stages, days = stored
            queryset = with_detention(queryset, reader=self.reader, stages=stages, days=days)
        elif detention:  # with a charge: the records
            matching = self.visible(Detention.objects).filter(detention, person=OuterRef("pk"))
            queryset = queryset.filter(Exists(matching))
        intervention = self.intervention_condition()
        if intervention:
            matching = self.visible(Intervention.objects).filter(
                intervention, persons=OuterRef("pk")
            )
            queryset = queryset.filter(Exists(matching))
        for name in self.PLACE_FILTERS:
            if data.get(name):
                queryset = self.filters[name].filter(queryset, data[name])
        if self.held_here():
            pass  # the place filters above read the held statuses
        elif any(data.get(name) for name in self.STATUS_FILTERS):
            queryset = with_status(
                queryset,
                reader=self.reader,
                statuses=data.get("status"),
                after=data.get("status_as_of_after"),
                before=data.get("status_as_of_before"),
            )
        for name in self.filters:
            value = data.get(name)
            skip = (
                "q",
                *self.DETENTION_FILTERS,
                *self.STATUS_FILTERS,
                *self.PLACE_FILTERS,
                *self.INTERVENTION_FILTERS,
            )
            if name not in skip and value not in (None, [], ""):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def apply_q(self, qs, name, value):
        return search_persons(qs, value, reader=self.reader)

    def apply_occupation(self, qs, terms):
        through = Person.occupations.through.objects.filter(
            person=OuterRef("pk"), occupation__in=terms
        )
        return qs.filter(Exists(through))

    def apply_organization(self, qs, organizations):
        affiliations = self.visible(Affiliation.objects).filter(
            person=OuterRef("pk"), organization__in=organizations
        )
        return qs.filter(Exists(affiliations))

    def apply_allegation(self, qs, kinds):
        allegations = self.visible(Allegation.objects).filter(person=OuterRef("pk"), kind__in=kinds)
        return qs.filter(Exists(allegations))

    def apply_released(self, qs, released: bool):
        detentions = self.visible(Detention.objects).filter(person=OuterRef("pk"))
        held = Exists(detentions.filter(released_on__isnull=True))
        if released:
            return qs.filter(Exists(detentions.filter(released_on__isnull=False)), ~held)
        return qs.filter(held)

    def apply_in_detention_on(self, qs, day: PartialDate):
        detentions = self.visible(Detention.objects).filter(
            Q(released_on__isnull=True) | Q(released_on__gt=day.end),
            person=OuterRef("pk"),
            arrested_on__lte=day.end,
        )
        return qs.filter(Exists(detentions))

    def apply_gender(self, qs, genders):
        return qs.filter(gender__in=genders)

    # An entry or a membership counts only where the reader may see it, its
    # edition (cited), list and group too: a hidden one finds no one.
    def apply_list(self, qs, prisoner_lists):
        entries = self.visible(ListEntry.objects).filter(
            person=OuterRef("pk"), edition__prisoner_list__in=prisoner_lists
        )
        return qs.filter(Exists(entries))

    def apply_list_edition(self, qs, editions):
        entries = self.visible(ListEntry.objects).filter(
            person=OuterRef("pk"), edition__in=editions
        )
        return qs.filter(Exists(entries))

    def apply_group(self, qs, groups):
        members = self.visible(CaseGroupMember.objects).filter(
            person=OuterRef("pk"), group__in=groups
        )
        return qs.filter(Exists(members))

    # The current place is places.reads' rule, the one the facility pages count
    # by: `?status=held&facility=x` is the facility's held now. The persons placed
    # there are a subquery on the stored places (places.reads.placed_sql), in the
    # list's query and in the copies the filter counts make (cases.reads.facets).
    def held_here(self) -> bool:
        """Whether the filters ask who is held now at a place: `status=held` with
        no status date, and a facility or region. The place filters then read the
        stored places joined to the held statuses (places.reads.held_now_sql), and
        the status filter is not applied again: at the busiest facility, the
        status of its 6,648 persons looked up in a hash of all 48,000 held."""
        data = self.form.cleaned_data
        return (
            set(data.get("status") or ()) == {PersonStatus.HELD.value}
            and not (data.get("status_as_of_after") or data.get("status_as_of_before"))
            and bool(data.get("facility") or data.get("region"))
        )

    def _placed_persons(self, **where: list) -> _PlacedIn:
        placed = placed_sql(reader=self.reader, held=self.held_here(), **where)
        return _PlacedIn(F("pk"), placed)

    def apply_facility(self, qs, facilities):
        ids = sorted(facility.pk for facility in facilities)
        return qs.filter(self._placed_persons(facility_ids=ids))

    def apply_region(self, qs, regions):
        lowered = sorted({region.lower() for region in regions})
        return qs.filter(self._placed_persons(regions=lowered))

    def apply_held_at(self, qs, facilities):
        periods = self.visible(CustodyPeriod.objects).filter(
            detention__person=OuterRef("pk"), facility__in=facilities
        )
        return qs.filter(Exists(periods))

    # a defendant counts only where the reader may see it, its trial (cited) too:
    # a hidden trial finds no one (its slug is refused as unknown)
    def apply_trial(self, qs, trials):
        defendants = self.visible(TrialDefendant.objects).filter(
            person=OuterRef("pk"), trial__in=trials
        )
        return qs.filter(Exists(defendants))

    def apply_updated_since(self, qs, name, since):
        changed = Q(updated_at__gte=since)
        for model, path in (
            (NameVariant, "person"),
            (Affiliation, "person"),
            (Detention, "person"),
            (Charge, "detention__person"),
            (CaseEvent, "detention__person"),
            (Allegation, "person"),
        ):
            rows = self.visible(model.objects).filter(
                updated_at__gte=since, **{path: OuterRef("pk")}
            )
            changed |= Q(Exists(rows))
        for model in (Statement, Intervention):
            rows = self.visible(model.objects).filter(updated_at__gte=since, persons=OuterRef("pk"))
            changed |= Q(Exists(rows))
        return qs.filter(changed)


# --- other lists ---------------------------------------------------------------------


class DetentionFilterSet(ReaderFilterSet):
    person = identifiers(Person, "The person (slug or UUID).")
    legal_stage = vocabulary(LegalStage, "Legal stage.")
    charge = repeatable("Charged under this article or a sub-article.")
    arrested_after = partial_date("Arrested on or after this date.")
    arrested_before = partial_date("Arrested on or before this date.")
    released = boolean("true: has a release date; false: none.")
    updated_since = updated_since()

    class Meta:
        model = Detention
        fields = []

    def apply_legal_stage(self, qs, terms):
        return qs.filter(legal_stage__in=terms)

    def apply_charge(self, qs, articles):
        charges = self.visible(Charge.objects).filter(
            _charge_q("", articles), detention=OuterRef("pk")
        )
        return qs.filter(Exists(charges))

    def apply_arrested_after(self, qs, value):
        return qs.filter(_arrested_between("", value, None))

    def apply_arrested_before(self, qs, value):
        return qs.filter(_arrested_between("", None, value))

    def apply_released(self, qs, released):
        return qs.filter(released_on__isnull=not released)


class AllegationFilterSet(ReaderFilterSet):
    person = identifiers(Person, "The person it was done to (slug or UUID).")
    kind = vocabulary(AllegationKind, "Kind of allegation.")
    status = vocabulary(AllegationStatus, "Status.")
    started_after = partial_date("Started on or after this date.")
    started_before = partial_date("Started on or before this date.")
    updated_since = updated_since()

    class Meta:
        model = Allegation
        fields = []

    def apply_kind(self, qs, terms):
        return qs.filter(kind__in=terms)

    def apply_status(self, qs, terms):
        return qs.filter(status__in=terms)

    def apply_started_after(self, qs, value):
        return qs.filter(started_on__gte=value.start)

    def apply_started_before(self, qs, value):
        return qs.filter(started_on__lte=value.end)


class StatementFilterSet(ReaderFilterSet):
    person = identifiers(Person, "Concerns this person (slug or UUID).")
    kind = vocabulary(StatementKind, "Kind of statement.")
    issuer = identifiers(Organization, "Issued by this organization (slug or UUID).")
    issued_after = partial_date("Issued on or after this date.")
    issued_before = partial_date("Issued on or before this date.")
    updated_since = updated_since()

    class Meta:
        model = Statement
        fields = []

    def apply_person(self, qs, persons):
        through = Statement.persons.through.objects.filter(
            statement=OuterRef("pk"), person__in=persons
        )
        return qs.filter(Exists(through))

    def apply_kind(self, qs, terms):
        return qs.filter(kind__in=terms)

    def apply_issuer(self, qs, organizations):
        return qs.filter(issuer_organization__in=organizations)

    def apply_issued_after(self, qs, value):
        return qs.filter(issued_on__gte=value.start)

    def apply_issued_before(self, qs, value):
        return qs.filter(issued_on__lte=value.end)


class OrganizationFilterSet(ReaderFilterSet):
    q = TextFilter(method="apply_q", help_text="Part of the name or abbreviation.")
    kind = repeatable("Kind of organization.", ChoicesField, choices=OrganizationKind.choices)
    updated_since = updated_since()

    class Meta:
        model = Organization
        fields = []

    def apply_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(abbreviation__iexact=value))

    def apply_kind(self, qs, kinds):
        return qs.filter(kind__in=kinds)
