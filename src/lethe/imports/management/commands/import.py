"""`lethe import contacts|companies FILE`: bring records in from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lethe.accounts.models import User
from lethe.imports import engine, kinds
from lethe.vault.policy import Actor


class Bar:
    """A progress bar on stderr when it is a terminal (tqdm decides), silent otherwise."""

    def __init__(self, kind: str):
        self.bar = tqdm(unit="row", desc=f"import {kind}", disable=None)

    def total(self, n: int) -> None:
        self.bar.total = n
        self.bar.refresh()

    def advance(self, n: int) -> None:
        self.bar.update(n)


class Command(BaseCommand):
    help = (
        "Import contacts or companies from a CSV file: columns are matched automatically "
        "(or with --map), rows with errors are reported and skipped, duplicates (contacts: "
        "same e-mail, phone or identity number; companies: same organisation number, or "
        "domain when a row has none) are skipped, updated or created."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(kinds.KINDS), help="what the file holds")
        parser.add_argument("file", help="CSV file (UTF-8 or Latin-1; comma, semicolon or tab)")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--duplicates",
            choices=engine.DUPLICATE_MODES,
            default="skip",
            help="what to do with a row matching an existing record or an earlier row",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a field (empty FIELD ignores the column)",
        )
        parser.add_argument("--owner", metavar="EMAIL", help="user who owns the new records")
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
        importer = kinds.KINDS[kind](Actor.system("import"), owner=user)
        bar = Bar(kind)
        try:
            report = engine.run(
                importer,
                data,
                duplicates=duplicates,
                dry_run=dry_run,
                overrides=overrides,
                progress=bar,
            )
        except engine.FileRefused as exc:
            raise CommandError(f"{'--map' if exc.field == 'mapping' else file}: {exc}") from None
        finally:
            bar.bar.close()
        mapped = ", ".join(f"{h} -> {t}" for h, t in report.mapping.items())
        self.stdout.write(f"columns: {mapped}")
        for error in report.errors[:20]:
            self.stdout.write(str(error))
        if len(report.errors) > 20:
            self.stdout.write(f"... and {len(report.errors) - 20} more rows with errors")
        if errors:
            try:
                Path(errors).write_text(engine.error_csv(report.errors))
            except OSError as exc:
                raise CommandError(f"cannot write {errors}: {exc.strerror}") from None
            self.stdout.write(f"row errors written to {errors}")
        self.stdout.write(("dry run: " if dry_run else "") + report.summary())
