"""The public pages of officials: the list (found by any spelling of a name,
filtered by organization, role and person, paginated) and one official's page
(identity, positions, every case involvement footnoted, with what it rests on
and the official's replies). Every page reads as the public reader
(cases.listing.READER); the list filters with the API's OfficialFilterSet."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from cases.listing import READER, page_filterset
from cases.visibility import visible
from officials.choices import InvolvementRole
from officials.filtersets import OfficialFilterSet
from officials.models import Official
from officials.pages import official_page, official_rows, organization_choices

OFFICIALS_PER_PAGE = 25


@require_safe
def official_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, OfficialFilterSet)
    context = {
        "data": data,
        "roles": [(code, capfirst(label)) for code, label in InvolvementRole.choices],
        "organizations": organization_choices(READER),
    }
    if errors:
        return render(
            request, "officials/official_list.html", {**context, "errors": errors}, status=400
        )
    page = Paginator(filterset.qs.order_by("name", "pk"), OFFICIALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context.update(page=page, officials=official_rows(page.object_list, reader=READER))
    return render(request, "officials/official_list.html", context)


@require_safe
def official_detail(request: HttpRequest, slug: str) -> HttpResponse:
    official = get_object_or_404(visible(Official.objects.all(), READER), slug=slug)
    return render(
        request, "officials/official_detail.html", {"page": official_page(official, READER)}
    )
