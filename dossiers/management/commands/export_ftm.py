"""`manage.py export_ftm [--reader public|partner] [--output FILE]`: the
FollowTheMoney export (dossiers.ftm) as JSON lines, as `/api/v1/export/ftm/`
serves it to that reader, to a file or to standard output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.visibility import Reader
from dossiers.ftm import DEFAULT_CHUNK_SIZE, ftm_lines

READERS = {"public": Reader.PUBLIC, "partner": Reader.PARTNER}


def default_base_url() -> str:
    """The site's address for the entities' `sourceUrl`: its first host name."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    return f"https://{hosts[0]}" if hosts else "http://localhost:8000"


class Command(BaseCommand):
    help = (
        "Write what a reader may see as FollowTheMoney entities, one JSON object a line "
        "(for `ftm store write` or `alephclient write-entities`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reader",
            choices=sorted(READERS),
            default="public",
            help="Whose view to export: the public's (default) or partners' (partner-level "
            "records too). Internal records are never exported.",
        )
        parser.add_argument("--output", help="The file to write (default: standard output).")
        parser.add_argument(
            "--base-url",
            help="The site's address, for each entity's sourceUrl "
            "(default: https:// and the first of ALLOWED_HOSTS).",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="Rows read per query."
        )

    def handle(self, *args, reader, output=None, base_url=None, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError(f"--chunk-size: expected a whole number from 1, got {chunk_size}.")
        lines = ftm_lines(
            READERS[reader], base_url=base_url or default_base_url(), chunk_size=chunk_size
        )
        if output is None:
            self._write_out(lines)
            return
        path = Path(output)
        count = 0
        try:
            with path.open("wb") as file:
                for block in lines:
                    file.write(block)
                    count += block.count(b"\n")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from error
        self.stderr.write(f"Wrote {count} entities ({reader} reader) to {path}.")

    def _write_out(self, lines) -> None:
        """To standard output, as bytes where it takes them. A reader that stops
        reading (`| head`) ends the export quietly."""
        stream = getattr(self.stdout, "_out", sys.stdout)
        binary = getattr(stream, "buffer", None)
        try:
            for block in lines:
                if binary is not None:
                    binary.write(block)
                else:
                    stream.write(block.decode())
            stream.flush()
        except BrokenPipeError:
            # Python would report the pipe again when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
