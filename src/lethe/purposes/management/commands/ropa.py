"""`lethe ropa export`: the records of processing activities (Art. 30) as CSV, JSON or PDF."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lethe.purposes import ropa
from lethe.vault.policy import Actor


class Command(BaseCommand):
    help = "Export the records of processing activities (GDPR Art. 30) from the purposes registry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = sub.add_parser("export", help="write every purpose's Art. 30(1) record")
        export.add_argument("--format", choices=ropa.FORMATS, default="csv", dest="fmt")
        export.add_argument(
            "--output", metavar="FILE", help="write to FILE (default: standard output)"
        )

    def handle(self, *args, action, fmt, output=None, **options):
        if output is None and fmt == "pdf" and sys.stdout.isatty():
            raise CommandError("a PDF goes to a file: give --output FILE (or redirect the output)")
        if output is not None:
            ropa.export(Actor.system("ropa"), fmt, lambda data: self._write(output, data))
            self.stderr.write(f"records of processing ({fmt}) written to {output}")
        elif fmt == "pdf":
            ropa.export(Actor.system("ropa"), fmt, sys.stdout.buffer.write)
        else:
            ropa.export(
                Actor.system("ropa"), fmt, lambda data: self.stdout.write(data.decode(), ending="")
            )

    @staticmethod
    def _write(output: str, data: bytes) -> None:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
