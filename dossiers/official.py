"""An official's dossier, in the sections sanctions submissions (Global
Magnitsky, the EU's human rights sanctions) use: identity and identifiers,
positions, conduct (each involvement as an incident, its evidence footnoted),
exculpatory information and replies, and the list of sources. It is rendered
from officials.pages.official_page, the official's page itself, so the page and
the dossier carry the same facts, footnoted with the same numbers; as PDF
(WeasyPrint) or DOCX (from the same HTML: dossiers.render.html_to_docx).

Read as partner or staff, the dossier may hold facts the public may not see:
each is marked where it stands ("partners only", "internal") by comparing with
the page read at the levels below, and a confidential source is marked "do not
name"; every page's header says so too."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.visibility import Reader, visible
from dossiers.render import DocxWriter, LevelMarks, dossier_header, html_to_docx, html_to_pdf
from officials.models import Official
from officials.pages import OfficialPage, official_page

TEMPLATE = "dossiers/official.html"


def visible_official(slug: str, reader: Reader) -> Official | None:
    """The official with `slug` if `reader` may see them (never from the trash)."""
    return visible(Official.objects.all(), reader).filter(slug=slug).first()


def _keys(page: OfficialPage) -> set:
    """What a page shows, each fact by a key the same at every level."""
    keys = {("official",)}
    keys |= {("name", n["name"], n["language"]) for n in page.names}
    keys |= {("position", p["uuid"]) for p in page.positions}
    keys |= {("involvement", i.uuid) for i in page.involvements}
    keys |= {("reply", i.uuid) for i in page.involvements if i.reply}
    keys |= {("source", note["source"]["uuid"]) for note in page.footnotes}
    if page.photo:
        keys.add(("photo",))
    return keys


def _level_marks(official: Official, reader: Reader) -> LevelMarks:
    def keys_below(lower: Reader) -> set | None:
        if not visible(Official.objects.filter(pk=official.pk), lower).exists():
            return None
        return _keys(official_page(official, lower))

    return LevelMarks(reader, keys_below)


def official_context(official: Official, *, reader: Reader, site_url: str) -> dict:
    """What the dossier template shows: the official's page for `reader`, its
    involvements numbered as incidents, the replies, the sources, each fact with
    its level mark (empty for the public's)."""
    page = official_page(official, reader)
    mark = _level_marks(official, reader)
    incidents = []
    for case in page.cases:
        for entry in case.involvements:
            incidents.append(
                {
                    "number": len(incidents) + 1,
                    "case": case,
                    "entry": entry,
                    "mark": mark("involvement", entry.uuid),
                }
            )
    return {
        "page": page,
        "reader": reader.value,
        "header": dossier_header(reader),
        "official_mark": mark("official"),
        "photo_mark": mark("photo") if page.photo else "",
        "names": [{**n, "mark": mark("name", n["name"], n["language"])} for n in page.names],
        "positions": [{**p, "mark": mark("position", p["uuid"])} for p in page.positions],
        "incidents": incidents,
        "replies": [i for i in incidents if i["entry"].reply],
        "footnotes": [
            {
                **note,
                "mark": mark("source", note["source"]["uuid"]),
                "do_not_name": reader is Reader.STAFF and note["source"].get("confidential"),
            }
            for note in page.footnotes
        ],
        "page_url": site_url.rstrip("/")
        + reverse("official-detail", kwargs={"slug": official.slug}),
        "prepared_on": timezone.localdate(),
    }


def official_html(official: Official, *, reader: Reader, site_url: str) -> tuple[str, dict]:
    """The dossier's HTML for `reader`, and its context."""
    context = official_context(official, reader=reader, site_url=site_url)
    return render_to_string(TEMPLATE, context), context


def _photo(official: Official, page: OfficialPage) -> dict[str, tuple[bytes, str]]:
    """The photo for the PDF, by its address on the page, when the page shows it."""
    if page.photo is None:
        return {}
    with official.photo.open("rb") as photo:
        body = photo.read()
    kind = "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
    return {page.photo.url: (body, kind)}


def official_dossier_pdf(official: Official, *, reader: Reader, site_url: str) -> bytes:
    """The official's dossier as a PDF, with only what `reader` may see."""
    html, context = official_html(official, reader=reader, site_url=site_url)
    return html_to_pdf(
        html,
        site_url=site_url,
        header=dossier_header(reader),
        images=_photo(official, context["page"]),
    )


def official_dossier_docx(
    official: Official, *, reader: Reader, site_url: str, author: str = ""
) -> bytes:
    """The official's dossier as a DOCX, from the same HTML as the PDF."""
    html, _context = official_html(official, reader=reader, site_url=site_url)
    writer = DocxWriter(
        title=_("Dossier: %(name)s") % {"name": official.name}, header=dossier_header(reader)
    )
    html_to_docx(html, writer, root_id="main")
    return writer.to_bytes(author=author)
