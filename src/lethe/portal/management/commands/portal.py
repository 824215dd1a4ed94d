"""`lethe portal purge`: delete expired portal links and what they kept sealed."""

from django.core.management.base import BaseCommand

from lethe.portal import actions
from lethe.vault.policy import Actor


class Command(BaseCommand):
    help = "Purge the self-service portal's expired links (and their sealed details)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("purge", help="delete expired links, their sealed details, old counters")

    def handle(self, *args, action, **options):
        counts = actions.purge_expired(Actor.system("portal"))
        self.stdout.write(
            f"purged {counts['expired']} expired link(s), {counts['followed']} follow link(s); "
            f"forgot {counts['forgotten']} address hash(es) and {counts['counters']} counter(s)"
        )
