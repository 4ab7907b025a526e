"""A prisoner's case as a PDF or DOCX: the person page itself. The dossier
renders the public page's own template (cases/person_detail.html) from the same
context as /persons/<slug>/ (cases.pages.person_page and what the view adds),
read as the requesting reader, then prints it through WeasyPrint with the print
stylesheet (PDF), or writes its blocks to a DOCX (dossiers.render.html_to_docx):
it contains exactly what the page shows that reader, and nothing the page hides.

Read as partner or staff, the dossier may hold records the public may not see:
every page then says so in its header (DOSSIER_HEADERS)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Person
from cases.pages import person_page
from cases.visibility import Reader, photo_is_visible, visible
from dossiers.render import DocxWriter, html_to_docx, html_to_pdf

PAGE_TEMPLATE = "cases/person_detail.html"


def dossier_header(reader: Reader) -> str:
    """The warning on every page of a dossier read beyond the public's level."""
    if reader is Reader.STAFF:
        return _("Staff dossier: may contain internal records not published; check before sending")
    if reader is Reader.PARTNER:
        return _("Partners' dossier: may contain records not public; do not publish")
    return ""


def visible_person(slug: str, reader: Reader) -> Person | None:
    """The person with `slug` if `reader` may see them (never from the trash)."""
    return (
        visible(
            Person.objects.only("pk", "slug", "display_name", "photo", "photo_visibility"), reader
        )
        .filter(slug=slug)
        .first()
    )


def person_page_context(person: Person, *, reader: Reader, site_url: str) -> dict:
    """The person page's context for `reader`, as cases.views.person_detail
    builds it for the public (tests/test_dossiers.py checks the two pages match)."""
    path = reverse("person-detail", kwargs={"slug": person.slug})
    context = person_page(person, reader=reader, today=timezone.localdate())
    context["stale_months"] = settings.STATUS_STALE_MONTHS
    context["photo"] = photo_is_visible(person, reader)
    context["page_url"] = site_url.rstrip("/") + path
    context["accessed"] = timezone.localdate()
    return context


def page_request(path: str) -> HttpRequest:
    """A GET of the page at `path`, for what the site's template reads from the
    request (the address, for the language links)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    return request


def person_html(person: Person, *, reader: Reader, site_url: str) -> str:
    """The person page's HTML, as `reader` would see it."""
    context = person_page_context(person, reader=reader, site_url=site_url)
    path = reverse("person-detail", kwargs={"slug": person.slug})
    return render_to_string(PAGE_TEMPLATE, context, request=page_request(path))


def _photo(person: Person, reader: Reader) -> dict[str, tuple[bytes, str]]:
    """The photo for the PDF, by the page's address of it, when `reader` may see it."""
    if not person.photo or not photo_is_visible(person, reader):
        return {}
    with person.photo.open("rb") as photo:
        body = photo.read()
    kind = "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
    return {reverse("person-photo", kwargs={"slug": person.slug}): (body, kind)}


def person_dossier_pdf(person: Person, *, reader: Reader, site_url: str) -> bytes:
    """The person page as a PDF, for `reader`."""
    html = person_html(person, reader=reader, site_url=site_url)
    return html_to_pdf(
        html, site_url=site_url, header=dossier_header(reader), images=_photo(person, reader)
    )


def person_dossier_docx(
    person: Person, *, reader: Reader, site_url: str, author: str = ""
) -> bytes:
    """The person page as a DOCX, for `reader`: its headings, facts, timeline and
    sources, each fact with its footnote numbers."""
    html = person_html(person, reader=reader, site_url=site_url)
    writer = DocxWriter(title=person.display_name, header=dossier_header(reader))
    html_to_docx(html, writer, root_id="main")
    return writer.to_bytes(author=author)
