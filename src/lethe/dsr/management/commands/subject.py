"""`lethe subject find`: the people matching an identifier, and what holds or names them."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lethe.dsr import cases, commandline
from lethe.dsr import locate as finder
from lethe.vault.models import Subject


class Command(BaseCommand):
    help = (
        "Find data subjects by an identifier, through the blind indexes, and list every "
        "record that holds or names them (pseudonyms and record ids only). A DPO searches "
        "inside a case: a request (--request) or their break-glass access (--case)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{find}")
        find = sub.add_parser("find", help="find subjects by e-mail, phone, number or name")
        commandline.add_actor(find)
        find.add_argument("--request", type=int, metavar="ID", help="the request worked on")
        find.add_argument("--case", metavar="CASE", help="or a case such as glass:3")
        find.add_argument("--email")
        find.add_argument("--phone")
        find.add_argument("--identity-number", dest="identity_number")
        find.add_argument("--name", help="first and last name (every word must match)")
        find.add_argument("--company", help="with --name: the company's name or number")

    def handle(self, *args, action, as_user, request, case, **options):
        user = commandline.acting_user(as_user)
        if (request is None) == (case is None):
            raise CommandError("--request: give the request (or the --case) to search in")
        if request is not None:
            actor = commandline.actor(user, commandline.request_by_id(request))
        elif cases.parse(case) is None:
            raise CommandError("--case: a case looks like dsr:12 or glass:3")
        else:
            actor = commandline.actor(user, case=case)
        if not cases.case_open(actor):
            raise CommandError(
                "--request: that case is not open to you" if request else "--case: not open to you"
            )
        given = {k: options.get(k) for k in finder.IDENTIFIERS if options.get(k)}
        try:
            found = finder.locate(actor, given)
        except ValidationError as exc:
            raise commandline.failed(exc, finder.IDENTIFIERS) from None
        if not found.matched:
            self.stdout.write("no subject matches")
            return
        status = dict(Subject.objects.filter(pk__in=found.matched).values_list("pk", "status"))
        for subject, matched in found.matched.items():
            items = found.holdings[subject]
            self.stdout.write(
                f"subject {subject} ({status.get(subject, '?')}), matched on "
                f"{', '.join(matched)}: {commandline.counts_text(items)}"
            )
            for line in commandline.holdings_lines(items):
                self.stdout.write(line)
