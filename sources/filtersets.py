"""The FilterSets of sources' records: sources (shared by the API and the public
source pages) and reported counts (the API)."""

from __future__ import annotations

from cases.filtersets import (
    ReaderFilterSet,
    identifiers,
    partial_date,
    updated_since,
    vocabulary,
)
from cases.models import Organization
from cases.visibility import source_is_hidden_behind_confidentiality
from cases.vocabularies import SourceKind
from sources.models import ReportedCount, Source


class SourceFilterSet(ReaderFilterSet):
    kind = vocabulary(SourceKind, "Kind of source.")
    publisher = identifiers(Organization, "Published by this organization (slug or UUID).")
    published_after = partial_date("Published on or after this date.")
    published_before = partial_date("Published on or before this date.")
    updated_since = updated_since()

    class Meta:
        model = Source
        fields = []

    def apply_kind(self, qs, terms):
        return qs.filter(kind__in=terms)

    def apply_publisher(self, qs, organizations):
        return qs.filter(publisher__in=organizations)

    def filter_queryset(self, queryset):
        # A confidential source shows nothing but its existence: matching it by
        # kind, publisher, date or time of change would tell what it hides.
        filtering = any(
            self.form.cleaned_data.get(name) not in (None, [], "") for name in self.filters
        )
        if filtering and source_is_hidden_behind_confidentiality(True, self.reader):
            queryset = queryset.filter(is_confidential=False)
        return super().filter_queryset(queryset)

    def apply_published_after(self, qs, value):
        return qs.filter(published_on__gte=value.start)

    def apply_published_before(self, qs, value):
        return qs.filter(published_on__lte=value.end)


class ReportedCountFilterSet(ReaderFilterSet):
    publisher = identifiers(Organization, "Published by this organization (slug or UUID).")
    as_of_after = partial_date("As of this date or later.")
    as_of_before = partial_date("As of this date or earlier.")
    updated_since = updated_since()

    class Meta:
        model = ReportedCount
        fields = []

    def apply_publisher(self, qs, organizations):
        return qs.filter(publisher__in=organizations)

    def apply_as_of_after(self, qs, value):
        return qs.filter(as_of__gte=value.start)

    def apply_as_of_before(self, qs, value):
        return qs.filter(as_of__lte=value.end)
