"""`lethe consent`: show or publish the consent notice, purge expired confirmation links."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lethe.consent import notices, public
from lethe.consent.models import CONSENTABLE
from lethe.vault.policy import Actor, Purpose

PURPOSES = [p.value for p in CONSENTABLE]


class Command(BaseCommand):
    help = "Show or publish the notice the public consent form shows; purge expired links."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = sub.add_parser("notice", help="print the published notice (version, SHA-256, text)")
        show.add_argument("--purpose", choices=PURPOSES, default=Purpose.DIRECT_MARKETING.value)
        publish = sub.add_parser("publish", help="publish FILE as the next version of the notice")
        publish.add_argument("file", help="a UTF-8 text file, or - for standard input")
        publish.add_argument("--purpose", choices=PURPOSES, default=Purpose.DIRECT_MARKETING.value)
        sub.add_parser("purge", help="destroy what expired confirmation links would have recorded")

    def handle(self, *args, action, **options):
        getattr(self, action)(**options)

    def notice(self, purpose, **options):
        current = notices.current(purpose)
        self.stdout.write(
            f"{purpose} notice version {current.version}, sha256:{current.notice.sha256}\n"
        )
        self.stdout.write(current.notice.text)

    def publish(self, file, purpose, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text") from None
        try:
            published = notices.publish(Actor.system("consent-command"), purpose, text)
        except notices.NoticeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{purpose} notice version {published.version} published, "
            f"sha256:{published.notice.sha256}"
        )

    def purge(self, **options):
        self.stdout.write(f"{public.purge_expired()} expired confirmation links purged")
