"""The FilterSet of facilities, shared by the API (`/api/v1/facilities/`) and the
facility pages: a name in any spelling, kind, region and country. Like every
FilterSet it sees only what its reader may (cases.filtersets.ReaderFilterSet)."""

from __future__ import annotations

from django.db.models import Q

from cases.filtersets import ReaderFilterSet, TextFilter, repeatable, updated_since, vocabulary
from places.models import Facility, FacilityKind
from places.reads import search_facilities


def _any_of(field: str, values: list[str]) -> Q:
    """`field` equal to any of `values`, case-insensitively (the whole value)."""
    condition = Q(pk__in=[])
    for value in values:
        condition |= Q(**{f"{field}__iexact": value})
    return condition


class FacilityFilterSet(ReaderFilterSet):
    q = TextFilter(
        method="apply_q",
        help_text="A name or other name in any spelling or script (Prison No. 13, "
        "Тюрьма № 13, 13 saylı həbsxana).",
    )
    kind = vocabulary(FacilityKind, "Kind of facility.")
    region = repeatable("Region (the whole name, any case): Baku, Ganja...")
    country = repeatable("Country (the whole name, any case).")
    updated_since = updated_since()

    class Meta:
        model = Facility
        fields = []

    def apply_q(self, qs, name, value):
        return search_facilities(qs, value, reader=self.reader)

    def apply_kind(self, qs, terms):
        return qs.filter(kind__in=terms)

    def apply_region(self, qs, regions):
        return qs.filter(_any_of("region", regions))

    def apply_country(self, qs, countries):
        return qs.filter(_any_of("country", countries))
