"""The public source pages: the list and one source with the cases it informs.
A confidential source reads "Confidential source on file" and nothing more."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from cases import pages
from cases.listing import READER, page_filterset
from cases.models import Organization
from cases.reads.rows import SOURCE_FIELDS, source_rows
from cases.visibility import visible
from sources.filtersets import SourceFilterSet
from sources.models import Source
from sources.reads import persons_citing_source

SOURCES_PER_PAGE = 30


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    data, filterset, errors = page_filterset(request, SourceFilterSet)
    labels = pages.term_labels()
    publishers = (
        visible(Organization.objects.all(), READER)
        .filter(published_sources__in=visible(Source.objects.filter(is_confidential=False), READER))
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )
    context = {"data": data, "labels": labels, "publishers": list(publishers)}
    if errors:
        return render(
            request, "sources/source_list.html", {**context, "errors": errors}, status=400
        )
    queryset = filterset.qs.order_by(F("published_on").desc(nulls_last=True), "title", "pk")
    page = Paginator(queryset.values(*SOURCE_FIELDS), SOURCES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = source_rows(list(page.object_list), reader=READER)
    for row in rows:
        row["kind_label"] = labels["source_kind"].get(row["kind"] or "", "")
    context.update(page=page, sources=rows)
    return render(request, "sources/source_list.html", context)


@require_safe
def source_detail(request: HttpRequest, uuid) -> HttpResponse:
    source = get_object_or_404(visible(Source.objects.all(), READER), uuid=uuid)
    (row,) = source_rows(
        list(Source.objects.filter(pk=source.pk).values(*SOURCE_FIELDS)), reader=READER
    )
    row["kind_label"] = pages.term_labels()["source_kind"].get(row["kind"] or "", "")
    return render(
        request,
        "sources/source_detail.html",
        {"source": row, "persons": persons_citing_source(source, reader=READER)},
    )
