"""`lethe import contacts FILE`: bring contacts in from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lethe.accounts.models import User
from lethe.contacts import importer
from lethe.vault.policy import Actor


class Command(BaseCommand):
    help = (
        "Import contacts from a CSV file: columns are matched automatically (or with --map), "
        "rows with errors are reported and skipped, duplicates (same e-mail, phone or "
        "identity number) are skipped, updated or created."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["contacts"], help="what the file holds")
        parser.add_argument("file", help="CSV file (UTF-8; comma, semicolon or tab)")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--duplicates",
            choices=importer.DUPLICATE_MODES,
            default="skip",
            help="what to do with a row matching an existing contact",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a field (empty FIELD ignores the column)",
        )
        parser.add_argument("--owner", metavar="EMAIL", help="user who owns the new contacts")
        parser.add_argument("--errors", metavar="FILE", help="write the row errors as CSV")

    def handle(self, *args, kind, file, dry_run, duplicates, map, owner, errors, **options):
        overrides = {}
        for item in map:
            column, sep, target = item.partition("=")
            if not sep:
                raise CommandError(f"--map {item!r}: write COLUMN=FIELD")
            overrides[column] = target.strip()
        user = None
        if owner:
            user = User.objects.filter(email=owner.strip().lower(), is_active=True).first()
            if user is None:
                raise CommandError(f"--owner: no active user {owner!r}")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            with tqdm(unit="row", desc="import", disable=None) as bar:
                report = importer.import_contacts(
                    Actor.system("import"),
                    data,
                    owner=user,
                    duplicates=duplicates,
                    dry_run=dry_run,
                    overrides=overrides,
                    on_progress=bar.update,
                )
        except importer.ImportError_ as exc:
            raise CommandError(str(exc)) from None
        mapped = ", ".join(f"{h} -> {t}" for h, t in report.mapping.items())
        self.stdout.write(f"columns: {mapped}")
        for error in report.errors[:20]:
            self.stdout.write(str(error))
        if len(report.errors) > 20:
            self.stdout.write(f"... and {len(report.errors) - 20} more rows with errors")
        if errors:
            Path(errors).write_text(importer.error_csv(report.errors))
            self.stdout.write(f"row errors written to {errors}")
        self.stdout.write(("dry run: " if dry_run else "") + report.summary())
