"""The public dossiers: a person's case and an official's record as PDF, read as
the public (cases.listing.READER), as their pages show them. A person or official
the public may not see is a 404, as their page is. Cached like the pages
(casebook.http_cache marks an anonymous 200 public)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from cases.listing import READER
from dossiers.official import official_dossier_pdf, visible_official
from dossiers.person import person_dossier_pdf, visible_person
from dossiers.render import PDF


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def person_dossier(request: HttpRequest, slug: str) -> HttpResponse:
    person = visible_person(slug, READER)
    if person is None:
        raise Http404
    content = person_dossier_pdf(person, reader=READER, site_url=request.build_absolute_uri("/"))
    return pdf_response(content, f"{person.slug}.pdf")


@require_safe
def official_dossier(request: HttpRequest, slug: str) -> HttpResponse:
    official = visible_official(slug, READER)
    if official is None:
        raise Http404
    content = official_dossier_pdf(
        official, reader=READER, site_url=request.build_absolute_uri("/")
    )
    return pdf_response(content, f"{official.slug}.pdf")
