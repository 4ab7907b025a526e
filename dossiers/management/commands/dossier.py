"""`manage.py dossier official|person <slug> [--format pdf|docx] [--output FILE]
[--reader public|partner|staff] [--language en|az|ru] [--site-url URL]`: write
the dossier of an official or of a prisoner's case (dossiers.official,
dossiers.person). The reader is the public unless asked otherwise: only what
that reader may see goes in."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cases.visibility import Reader
from dossiers.official import official_dossier_docx, official_dossier_pdf, visible_official
from dossiers.person import person_dossier_docx, person_dossier_pdf, visible_person
from dossiers.render import default_site_url

# kind -> (find by slug for a reader, {format: writer})
KINDS = {
    "official": (visible_official, {"pdf": official_dossier_pdf, "docx": official_dossier_docx}),
    "person": (visible_person, {"pdf": person_dossier_pdf, "docx": person_dossier_docx}),
}
FORMATS = ("pdf", "docx")
READERS = {reader.value: reader for reader in Reader}


class Command(BaseCommand):
    help = (
        "Write the dossier (PDF or DOCX) of an official or of a person's case, with only "
        "what the reader (default: the public) may see."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="official or person")
        parser.add_argument("slug", help="The slug, as in the address of the page.")
        parser.add_argument("--format", default="pdf", help="pdf (default) or docx")
        parser.add_argument(
            "--output", help="The file to write (default: <slug>.<format> in this folder)."
        )
        parser.add_argument(
            "--reader",
            default=Reader.PUBLIC.value,
            help="public (default), partner or staff: whose view of the record goes in. "
            "A staff dossier may hold internal records, each marked.",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="The language of the dossier's headings and labels: "
            + ", ".join(code for code, _name in settings.LANGUAGES),
        )
        parser.add_argument(
            "--site-url",
            help="The site's address, for the links and the citation of the page "
            "(default: the first of ALLOWED_HOSTS).",
        )

    def handle(self, *args, kind, slug, **options):
        if kind not in KINDS:
            raise CommandError(_("Kind %(kind)r: give official or person.") % {"kind": kind})
        find, writers = KINDS[kind]
        file_format = options["format"].lower()
        if file_format not in writers:
            raise CommandError(
                _("Format %(format)r: give pdf or docx.") % {"format": options["format"]}
            )
        reader = READERS.get(options["reader"])
        if reader is None:
            raise CommandError(
                _("Reader %(reader)r: give public, partner or staff.")
                % {"reader": options["reader"]}
            )
        language = options["language"]
        if language not in dict(settings.LANGUAGES):
            raise CommandError(
                _("Language %(language)r: give one of %(languages)s.")
                % {"language": language, "languages": ", ".join(dict(settings.LANGUAGES))}
            )
        record = find(slug, reader)
        if record is None:
            raise CommandError(
                _("No %(kind)s has the slug %(slug)r that the %(reader)s reader may see.")
                % {"kind": kind, "slug": slug, "reader": reader.value}
            )
        site_url = options.get("site_url") or default_site_url()
        with translation.override(language):
            content = writers[file_format](record, reader=reader, site_url=site_url)
        path = Path(options.get("output") or f"{slug}.{file_format}")
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": error}
            ) from error
        message = _("Wrote %(path)s (%(kind)s %(slug)s, read as %(reader)s).") % {
            "path": path, "kind": kind, "slug": slug, "reader": reader.value,
        }  # fmt: skip
        if reader is not Reader.PUBLIC:
            message += " " + _("It may contain records not public: check before sending.")
        self.stdout.write(message)
