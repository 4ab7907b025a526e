"""The public pages of places: the facilities (filtered by kind, region, country
or any spelling of a name, with how many are held at each now and a map drawn on
the server) and one facility's page. Every page reads as the public reader
(cases.listing.READER); the list filters with the API's FacilityFilterSet."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from cases.listing import READER, page_filterset
from cases.visibility import visible
from places.filtersets import FacilityFilterSet
from places.map import facility_map
from places.models import Facility
from places.pages import facility_page, facility_rows, kind_choices


def _regions() -> list[tuple[str, str]]:
    regions = (
        visible(Facility.objects.exclude(region=""), READER)
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    return [(region, region) for region in regions]


@require_safe
def facility_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, FacilityFilterSet)
    context = {"data": data, "kinds": kind_choices(), "regions": _regions()}
    if errors:
        return render(
            request, "places/facility_list.html", {**context, "errors": errors}, status=400
        )
    facilities = facility_rows(filterset.qs, reader=READER)
    context.update(
        facilities=facilities,
        map=facility_map(facilities),
        unplaced=sum(1 for f in facilities if f["latitude"] is None),
    )
    return render(request, "places/facility_list.html", context)


@require_safe
def facility_detail(request: HttpRequest, slug: str) -> HttpResponse:
    facility = get_object_or_404(
        visible(Facility.objects.select_related("kind"), READER), slug=slug
    )
    return render(request, "places/facility_detail.html", facility_page(facility, reader=READER))
