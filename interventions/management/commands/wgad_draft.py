"""`manage.py wgad_draft <slug> [--output FILE]`: write the draft of a petition
to the UN Working Group on Arbitrary Detention for one person (interventions.wgad).
An internal draft: it may contain records that are not published."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.models import Person
from interventions.wgad import wgad_draft


class Command(BaseCommand):
    help = "Write the WGAD draft (DOCX) of one person: staff only, it may hold internal records."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The person's slug, as in the address of their page.")
        parser.add_argument(
            "--output", help="The file to write (default: <slug>-wgad-draft.docx here)."
        )

    def handle(self, *args, slug, output=None, **options):
        person = Person.objects.filter(slug=slug, deleted_at__isnull=True).first()
        if person is None:
            raise CommandError(f"No person has the slug {slug!r} (or they are in the trash).")
        path = Path(output or f"{slug}-wgad-draft.docx")
        try:
            path.write_bytes(wgad_draft(person))
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from error
        self.stdout.write(f"Wrote {path}: an internal draft, check it before sending.")
