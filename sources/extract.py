"""The text of a source file a researcher uploads (plain text, HTML or PDF), so
that its passages can be cited by selecting them. Pages of a PDF are separated
by form feeds and paragraphs by blank lines: the case-entry page reads its
locators ("p. 2, para. 3") from them."""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PAGE_BREAK = "\f"
SOURCE_FILE_ACCEPT = ".pdf,.html,.htm,.txt,application/pdf,text/html,text/plain"
# what a browser may show as it is: a file of another kind is refused by its content
SOURCE_FILE_KINDS = ("pdf", "html", "text")


def source_file_kind(file: Any) -> str:
    """ "pdf", "html" or "text", decided by the content (never by the name), for
    a file within settings.SOURCE_FILE_MAX_BYTES; otherwise a ValidationError
    saying what was expected."""
    if file.size > settings.SOURCE_FILE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; a source file may be at most %(limit)s.")
            % {
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.SOURCE_FILE_MAX_BYTES),
            },
            code="source_file_too_large",
        )
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    try:
        text = _decoded(head, partial=True)
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise ValidationError(
            _(
                "The file %(name)s is not a PDF, an HTML page or a plain text file in "
                "UTF-8; save it as one of these and upload it again, or paste its text."
            )
            % {"name": getattr(file, "name", "")},
            code="source_file_kind",
        )
    return "html" if re.search(r"<\s*(!doctype\s+html|html|body|p|div)\b", text, re.I) else "text"


def source_text(file: Any) -> str:
    """The text of an uploaded source file (see source_file_kind): PDF pages
    joined by form feeds, HTML as paragraphs, plain text as it is."""
    kind = source_file_kind(file)
    data = file.read()
    file.seek(0)
    if kind == "pdf":
        return _pdf_text(data, getattr(file, "name", ""))
    text = _decoded(data)
    return _html_text(text) if kind == "html" else _tidy(text)


def _decoded(data: bytes, *, partial: bool = False) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            # a sample may end inside a character; the whole file may not
            return data.decode("utf-16", errors="ignore" if partial else "strict")
        if partial:  # a multi-byte character may be cut at the end of the sample
            return data.decode("utf-8-sig", errors="strict" if len(data) < 2048 else "ignore")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if partial:
            raise
        raise ValidationError(
            _(
                "The text file is not in UTF-8 (byte %(position)s); save it as UTF-8 and "
                "upload it again, or paste its text."
            )
            % {"position": error.start},
            code="source_file_encoding",
        ) from error


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(
                _("The PDF %(name)s is encrypted; paste its text instead.") % {"name": name},
                code="source_file_encrypted",
            )
        pages = [_tidy(page.extract_text() or "") for page in reader.pages]
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 (pypdf raises many kinds on a damaged file)
        logger.info("unreadable PDF %s: %r", name, error)
        raise ValidationError(
            _("The PDF %(name)s cannot be read (%(error)s); paste its text instead.")
            % {"name": name, "error": error},
            code="source_file_unreadable",
        ) from error
    if not any(pages):
        raise ValidationError(
            _(
                "The PDF %(name)s has no text layer (a scan?); paste or type the passages "
                "you cite instead."
            )
            % {"name": name},
            code="source_file_no_text",
        )
    return PAGE_BREAK.join(pages)


class _TextOfHtml(HTMLParser):
    """The readable text of a page: blocks become paragraphs; scripts, styles
    and the head are left out."""

    BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 "
        "h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
    )
    SKIPPED = frozenset({"script", "style", "head", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def _html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    """Line ends as \\n, no trailing spaces, paragraphs separated by one blank line;
    no NUL characters (PostgreSQL refuses them in text)."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
