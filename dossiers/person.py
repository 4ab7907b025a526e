"""A prisoner's case as a PDF or DOCX: the person page itself. The dossier
renders the public page's own template (cases/person_detail.html) from the same
context as /persons/<slug>/ (cases.pages.person_page and what the view adds),
read as the requesting reader, then prints it through WeasyPrint with the print
stylesheet (PDF), or writes its blocks to a DOCX (dossiers.render.html_to_docx):
it contains exactly what the page shows that reader, and nothing the page hides.

Read as partner or staff, the dossier may hold records the public may not see:
every page then says so in its header, and each timeline entry, trial and
official's involvement the public may not see is marked "internal" or "partners
only" where it stands (the person's other facts are not marked one by one)."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Person
from cases.pages import person_page
from cases.visibility import Reader, photo_is_visible, visible
from dossiers.render import DocxWriter, LevelMarks, dossier_header, html_to_docx, html_to_pdf

PAGE_TEMPLATE = "cases/person_detail.html"


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
    """The person page's HTML, as `reader` would see it; read beyond the public's
    level, each timeline entry, trial and official's involvement the public may
    not see is marked where it stands (`mark_levels`)."""
    context = person_page_context(person, reader=reader, site_url=site_url)
    path = reverse("person-detail", kwargs={"slug": person.slug})
    html = render_to_string(PAGE_TEMPLATE, context, request=page_request(path))
    if reader is Reader.PUBLIC:
        return html
    return mark_levels(html, _shown(context), _level_marks(person, reader))


# The page's blocks that are records of their own, in the order of the context's
# lists: (the list, where a block opens, the tag after which its mark goes: else
# right after the opening).
MARKED_BLOCKS = (
    ("timeline", re.compile(r'<li class="entry entry--[\w-]+">'), "<h3>"),
    ("trials", re.compile(r'<div class="trial">'), "<h3>"),
    ("involvements", re.compile(r'<li class="involvement involvement--[\w-]+">'), ""),
)


def _shown(context: dict) -> dict[str, list]:
    """The key of each block of the page, by list: a timeline entry by its kind
    and record, a trial or involvement by its record."""
    return {
        "timeline": [(e.kind, e.item.get("uuid")) for e in context["timeline"]],
        "trials": [("trial", t.get("uuid")) for t in context.get("trials", [])],
        "involvements": [("involvement", i.get("uuid")) for i in context.get("involvements", [])],
    }


def _level_marks(person: Person, reader: Reader) -> LevelMarks:
    def keys_below(lower: Reader) -> set | None:
        if not visible(Person.objects.filter(pk=person.pk), lower).exists():
            return None
        context = person_page(person, reader=lower, today=timezone.localdate())
        return {key for keys in _shown(context).values() for key in keys}

    return LevelMarks(reader, keys_below)


def mark_levels(html: str, shown: dict[str, list], marks: LevelMarks) -> str:
    """`html` with a level mark (`<span class="level-mark">internal</span>`) at
    the start of each block the public may not see. A list whose blocks the page
    does not show one for one (a template changed) is left unmarked: the header
    of every page still warns."""
    inserts: list[tuple[int, str]] = []
    for name, opening, after in MARKED_BLOCKS:
        found = list(opening.finditer(html))
        if len(found) != len(shown[name]):
            continue
        for match, key in zip(found, shown[name], strict=True):
            label = marks(*key)
            if not label:
                continue
            at = match.end()
            if after:
                at = html.find(after, at) + len(after)
            inserts.append((at, f'<span class="level-mark">{escape(label)}</span>'))
    for at, mark in sorted(inserts, reverse=True):
        html = html[:at] + mark + html[at:]
    return html


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
