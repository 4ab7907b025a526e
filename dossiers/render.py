"""The two writers of a dossier: HTML to PDF (WeasyPrint, with the print
stylesheet static/dossiers/print.css) fetching nothing from the network, and a
DOCX writer (python-docx) with headings, paragraphs ending in numbered
references ("[1][2]") and a numbered list of sources.

WeasyPrint fetches what a page links to (stylesheets, images). Its fetcher here
(`local_fetcher`) serves only Casebook's own static files and the few images the
caller hands it (a photo the reader may see), by their address under the site's
URL, and refuses every other address: nothing is fetched from the network or
read from the disk outside the static files."""

from __future__ import annotations

import io
import logging
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import Pt

from cases.visibility import Reader

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PRINT_STYLESHEET = "dossiers/print.css"
# DejaVu has Latin with the Azerbaijani letters (ə, ğ, ı, ş...) and Cyrillic
FONT_STACK = '"DejaVu Sans", "Noto Sans", sans-serif'
LOGGER = logging.getLogger("casebook.dossiers")


class RefusedAddress(ValueError):
    """An address a dossier may not fetch (anything but our static files)."""


def _weasyprint():
    """WeasyPrint, imported on the first PDF: importing it takes over a second
    (it parses its own stylesheets), which no other command or page should pay.
    It reports each step of every render, and each screen-only rule of the site's
    stylesheet it ignores: a public PDF would fill the log with them."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    import weasyprint
    import weasyprint.urls

    return weasyprint


def local_fetcher(site_url: str, images: dict[str, tuple[bytes, str]] | None = None):
    """WeasyPrint's fetcher for a dossier: the static files under `site_url`'s
    STATIC_URL, and the `images` given (path -> (bytes, content type)); every
    other address is refused (and noted in its `refused`)."""
    urls = _weasyprint().urls

    class LocalFetcher(urls.URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False)
            site = urlsplit(site_url)
            self.origin = (site.scheme, site.netloc)
            self.images = dict(images or {})
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = unquote(parts.path)
            if (parts.scheme, parts.netloc) == self.origin:
                if path in self.images:
                    body, content_type = self.images[path]
                    return urls.URLFetcherResponse(url, body, {"Content-Type": content_type})
                if path.startswith(settings.STATIC_URL):
                    found = static_file(path[len(settings.STATIC_URL) :])
                    if found is not None:
                        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                        return urls.URLFetcherResponse(
                            url, found.read_bytes(), {"Content-Type": kind}
                        )
            self.refused.append(url)
            LOGGER.warning("A dossier asked for %s: refused (only static files are served)", url)
            raise RefusedAddress(f"A dossier fetches only Casebook's static files, not {url}")

    return LocalFetcher()


def static_file(name: str) -> Path | None:
    """The file of static file `name` (as collected, hashed names included, or
    from the app and project folders in development); None outside them."""
    name = posixpath.normpath(name)
    if name.startswith(("..", "/")) or "/../" in name:
        return None
    try:
        collected = Path(staticfiles_storage.path(name))
    except NotImplementedError:  # pragma: no cover - a remote storage
        collected = None
    if collected is not None and collected.is_file():
        return collected
    found = finders.find(name)
    return Path(found) if found else None


def dossier_header(reader: Reader) -> str:
    """The warning on every page of a dossier read beyond the public's level."""
    if reader is Reader.STAFF:
        return _("Staff dossier: may contain internal records not published; check before sending")
    if reader is Reader.PARTNER:
        return _("Partners' dossier: may contain records not public; do not publish")
    return ""


# the readers below each reader, most open first: a fact the first does not see is
# marked with the level of the first that sees it (else the reader's own)
READERS_BELOW = {
    Reader.PUBLIC: (),
    Reader.PARTNER: (Reader.PUBLIC,),
    Reader.STAFF: (Reader.PUBLIC, Reader.PARTNER),
}


def level_labels() -> dict[Reader, str]:
    """The mark of a fact seen first at each reader's level ("" for the public's)."""
    return {Reader.PUBLIC: "", Reader.PARTNER: _("partners only"), Reader.STAFF: _("internal")}


class LevelMarks:
    """The mark of each fact of `reader`'s dossier: "" where the public sees it,
    else the label of the first level below the reader's that sees it (or the
    reader's own). `keys_below` gives, for each reader below, the keys of the
    facts that reader's page shows (None: the record is hidden from them)."""

    def __init__(self, reader: Reader, keys_below):
        labels = level_labels()
        self.reader_label = labels[reader]
        self.seen = [(keys_below(lower) or set(), labels[lower]) for lower in READERS_BELOW[reader]]

    def __call__(self, *key) -> str:
        for keys, label in self.seen:
            if key in keys:
                return label
        return self.reader_label


def page_stylesheet(header: str = "") -> str:
    """The per-document part of the print stylesheet: page numbers in the footer
    and, when given, `header` at the top of every page (a staff dossier's
    warning). Translated text is set here, not in the static file."""
    quoted = header.replace("\\", "\\\\").replace('"', '\\"')
    page_label = _("Page").replace('"', '\\"')
    top = f'@top-center {{ content: "{quoted}"; }}' if header else ""
    return (
        f"@page {{ {top} "
        f'@bottom-right {{ content: "{page_label} " counter(page) " / " counter(pages); }} }}'
        f"body {{ font-family: {FONT_STACK}; }}"
    )


def html_to_pdf(
    html: str,
    *,
    site_url: str,
    header: str = "",
    images: dict[str, tuple[bytes, str]] | None = None,
) -> bytes:
    """The PDF of `html` (a whole page, its addresses relative to `site_url`)
    with the print stylesheet, fetching only our static files and `images`."""
    weasyprint = _weasyprint()
    fetcher = local_fetcher(site_url, images)
    stylesheet = static_file(PRINT_STYLESHEET)
    stylesheets = [
        weasyprint.CSS(string=stylesheet.read_text(encoding="utf-8"), url_fetcher=fetcher),
        weasyprint.CSS(string=page_stylesheet(header), url_fetcher=fetcher),
    ]
    document = weasyprint.HTML(
        string=html, base_url=site_url, url_fetcher=fetcher, media_type="print"
    )
    return document.write_pdf(stylesheets=stylesheets)


@dataclass
class DocxWriter:
    """A DOCX built section by section: headings, paragraphs and list items each
    ending in its numbered references ("[1][2]"), an italic line where a section
    has nothing, a numbered list of sources, and an optional header on every page."""

    title: str
    header: str = ""
    document: Document = field(default_factory=Document)

    def __post_init__(self) -> None:
        self.document.styles["Normal"].font.size = Pt(11)
        self.document.styles["Normal"].font.name = "DejaVu Sans"
        self.document.core_properties.title = self.title

    def heading(self, text: str, level: int = 1, *, label: str = "") -> None:
        self.document.add_heading(f"[{label}] {text}" if label else text, level)

    def paragraph(self, text: str, notes: list[int] = (), *, bullet: bool = False, label=""):
        """One fact: `label` in bold (the internal marking), `text`, and the
        numbers of its references."""
        paragraph = self.document.add_paragraph(style="List Bullet" if bullet else None)
        if label:
            paragraph.add_run(f"[{label}] ").bold = True
        paragraph.add_run(text + references(notes))
        return paragraph

    def nothing(self, text: str) -> None:
        self.document.add_paragraph().add_run(text).italic = True

    def sources(self, heading: str, lines: list[tuple[int, str]], empty: str) -> None:
        """The numbered list of sources: (number, the source's text)."""
        self.heading(heading)
        for number, text in lines:
            self.document.add_paragraph(f"[{number}] {text}")
        if not lines:
            self.nothing(empty)

    def to_bytes(self, *, author: str = "") -> bytes:
        if author:
            self.document.core_properties.author = author
        if self.header:
            for section in self.document.sections:
                section.header.is_linked_to_previous = False
                section.header.paragraphs[0].text = self.header
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def references(numbers) -> str:
    """ " [1][3]" for footnote numbers, in order and once each, or ""."""
    unique = list(dict.fromkeys(numbers))
    return " " + "".join(f"[{n}]" for n in unique) if unique else ""


# What html_to_docx writes, by HTML element: headings by level, paragraphs, list items
HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}
PARAGRAPHS = {"p", "blockquote", "address", "dd", "figcaption"}
# screen furniture and print-hidden parts (the print stylesheet hides the same)
SKIPPED_CLASSES = {"back", "dossier-download", "visually-hidden", "skip-link", "portrait"}
VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "wbr", "source"}


class _DocxFromHtml(HTMLParser):
    """Writes the blocks of one HTML element (`root_id`, e.g. the page's main) to
    a DocxWriter: h1-h4 as headings, p and dd as paragraphs (a dd after its dt:
    "Born: 1980"), li as list items ("[3] ..." for a numbered footnote, whose li
    has a value), a .level-mark as the bold label; the text of marks ("[1]")
    stays as it is."""

    def __init__(self, writer: DocxWriter, root_id: str):
        super().__init__(convert_charrefs=True)
        self.writer = writer
        self.root_id = root_id
        self.depth = 0  # elements open inside the root (0: outside it)
        self.skipping = 0  # depth at which a skipped element opened
        self.blocks: list[dict] = []  # open blocks, innermost last
        self.term = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth == 0:
            if attributes.get("id") == self.root_id:
                self.depth = 1
            return
        if tag in VOID_TAGS:
            if tag == "br" and self.blocks:
                self.blocks[-1]["text"].append(" ")
            return
        self.depth += 1
        classes = set((attributes.get("class") or "").split())
        if self.skipping:
            return
        if tag in {"script", "style", "template"} or classes & SKIPPED_CLASSES:
            self.skipping = self.depth
            return
        if "level-mark" in classes and self.blocks:
            self.blocks[-1]["in_label"] = True
            return
        if tag in HEADINGS or tag in PARAGRAPHS or tag in {"li", "dt"}:
            if self.blocks:  # an outer block's text so far comes first (a list inside a li)
                self._write(self.blocks[-1])
            self.blocks.append(
                {
                    "tag": tag,
                    "text": [],
                    "label": [],
                    "in_label": False,
                    "value": attributes.get("value"),
                }
            )

    def handle_endtag(self, tag):
        if self.depth == 0 or tag in VOID_TAGS:
            return
        self.depth -= 1
        if self.skipping:
            if self.depth < self.skipping:
                self.skipping = 0
            return
        if self.blocks and self.blocks[-1]["in_label"] and tag == "span":
            self.blocks[-1]["in_label"] = False
            return
        if self.blocks and self.blocks[-1]["tag"] == tag:
            self._write(self.blocks.pop())

    def handle_data(self, data):
        if self.depth and not self.skipping and self.blocks:
            block = self.blocks[-1]
            (block["label"] if block["in_label"] else block["text"]).append(data)

    def _write(self, block: dict) -> None:
        text = re.sub(r"\s+", " ", "".join(block["text"])).strip()
        label = re.sub(r"\s+", " ", "".join(block["label"])).strip()
        block["text"], block["label"] = [], []
        tag = block["tag"]
        if tag == "dt":
            self.term = text
            return
        if not text:
            return
        text = re.sub(r" (\[\d+\])", r"\1", text)  # a mark follows its word
        if tag in HEADINGS:
            self.writer.heading(text, HEADINGS[tag], label=label)
        elif tag == "li":
            prefix = f"[{block['value']}] " if block["value"] else ""
            self.writer.paragraph(prefix + text, bullet=not prefix, label=label)
        else:
            if tag == "dd" and self.term:
                text, self.term = (
                    f"{self.term} {text}" if self.term.endswith(":") else f"{self.term}: {text}",
                    "",
                )
            self.writer.paragraph(text, label=label)


def html_to_docx(html: str, writer: DocxWriter, *, root_id: str = "main") -> None:
    """Writes the element `root_id` of `html` to `writer`, block by block, so a
    DOCX says what the page says (see _DocxFromHtml)."""
    parser = _DocxFromHtml(writer, root_id)
    parser.feed(html)
    parser.close()


def default_site_url() -> str:
    """The site's address for a dossier made outside a request (the command):
    the first of ALLOWED_HOSTS that names one host."""
    host = next(
        (h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")),
        "localhost",
    )
    local = host in {"localhost", "127.0.0.1", "[::1]", "testserver"}
    return f"{'http' if local else 'https'}://{host}/"
