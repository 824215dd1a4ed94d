"""`lethe dsr`: the register of data-subject requests, for a DPO at the command line."""

import json
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lethe.accounts.models import User
from lethe.dsr import commandline, queries, rectification, register
from lethe.dsr import locate as finder
from lethe.dsr.models import Request

IDENTIFIERS = finder.IDENTIFIERS
# Fields of the register whose option has another name.
ALIASES = {"subjects": "--subject", "assignee": "--to"}
# Personal fields that hold lists: a correction gives every value, separated by commas.
LIST_FIELDS = ("email", "phone")


class Command(BaseCommand):
    help = (
        "Open, follow and answer data-subject requests (Art. 15-21) as a DPO (--as EMAIL): "
        "open, list, show, verify, assign, locate, confirm, extend, wait, resume, refuse, "
        "correct, plan, fulfil, close."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        def action(name, text, *, request=True):
            p = sub.add_parser(name, help=text)
            commandline.add_actor(p)
            if request:
                p.add_argument("id", type=int, help="the request's number")
            return p

        opening = action("open", "register a request received from a person", request=False)
        opening.add_argument("--kind", required=True, choices=Request.Kind.values)
        opening.add_argument(
            "--identified-by",
            dest="identified_by",
            required=True,
            choices=Request.Identifier.values,
            help="which identifier the person gave",
        )
        opening.add_argument("--email")
        opening.add_argument("--phone")
        opening.add_argument("--identity-number", dest="identity_number")
        opening.add_argument("--name")
        opening.add_argument("--company")
        opening.add_argument("--received-on", dest="received_on", metavar="DATE")
        opening.add_argument("--note", default="")
        listing = action("list", "list requests, the nearest deadline first", request=False)
        listing.add_argument("--status", default="")
        listing.add_argument("--kind", default="")
        listing.add_argument("--assignee", metavar="EMAIL")
        listing.add_argument("--all", action="store_true", help="closed requests too")
        action("show", "show a request: identifiers, steps, subjects and their holdings")
        verifying = action("verify", "record how the requester was verified")
        verifying.add_argument(
            "--method", required=True, help=", ".join(register.VERIFICATION_METHODS)
        )
        verifying.add_argument("--note", default="")
        assigning = action("assign", "give the request to a DPO")
        assigning.add_argument("--to", dest="assignee", metavar="EMAIL", required=True)
        locating = action("locate", "find the requester and link the subjects as candidates")
        for name in IDENTIFIERS:
            locating.add_argument(f"--{name.replace('_', '-')}", dest=name)
        confirming = action("confirm", "confirm located subjects as the requester")
        confirming.add_argument(
            "--subject",
            dest="subjects",
            action="append",
            default=[],
            metavar="PSEUDONYM",
            help="a located subject (repeat for more)",
        )
        confirming.add_argument("--all", action="store_true", help="every candidate")
        extending = action("extend", "extend the deadline once by 1 or 2 months")
        extending.add_argument("--months", type=int, required=True)
        extending.add_argument("--reason", required=True, help="the reason the person was told")
        extending.add_argument("--told-on", dest="told_on", required=True, metavar="DATE")
        for name, text in (
            ("wait", "mark the request as waiting on the requester"),
            ("resume", "take up a request that waited on the requester"),
            ("close", "close a request answered another way"),
        ):
            action(name, text).add_argument("--note", default="")
        refusing = action("refuse", "refuse the request, with the reason")
        refusing.add_argument("--reason", required=True)
        correcting = action(
            "correct", "give corrections with a rectification request (fulfil applies them)"
        )
        correcting.add_argument(
            "--set",
            dest="corrections",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="a personal field and its corrected value (repeat for more); e-mails and "
            "phones: every value the person should have, separated by commas; an empty "
            "value drops the correction given for that field",
        )
        action("plan", "show what fulfilling the request would do")
        action("fulfil", "fulfil the request (its kind's handler) and record the outcome")

    def handle(self, *args, action, as_user, **options):
        user = commandline.acting_user(as_user)
        request = commandline.request_by_id(options["id"]) if "id" in options else None
        actor = commandline.actor(user, request)
        try:
            getattr(self, f"do_{action}")(actor, request, **options)
        except ValidationError as exc:
            raise commandline.failed(exc, options, ALIASES) from None

    def _line(self, dsr: Request) -> str:
        flag = queries.FLAG_WORDS.get(queries.flag(dsr), "")
        return (
            f"#{dsr.pk:<5} {dsr.kind:<13} {dsr.get_status_display():<20} "
            f"received {dsr.received_on}  due {dsr.deadline}"
            + (f"  {flag.upper()}" if flag else "")
        )

    def do_open(self, actor, _request, **o):
        dsr = register.receive(
            actor,
            o["kind"],
            o["identified_by"],
            {k: o.get(k) for k in IDENTIFIERS},
            received_on=commandline.day(o.get("received_on"), "--received-on"),
            source=Request.Source.CLI,
            note=o["note"],
        )
        self.stdout.write(f"request {dsr.pk} opened ({dsr.kind}), due {dsr.due_on}")

    def do_list(self, actor, _request, **o):
        assignee = None
        if o.get("assignee"):
            found = User.objects.filter(email__iexact=o["assignee"]).first()
            if found is None:
                raise CommandError(f"--assignee: no user {o['assignee']}")
            assignee = found.pk
        requests = queries.listed(
            status=o["status"],
            kind=o["kind"],
            assignee=assignee,
            open=None if o["all"] or o["status"] else True,
        )
        shown = 0
        for dsr in requests:
            self.stdout.write(self._line(dsr))
            shown += 1
        if not shown:
            self.stdout.write("no requests")

    def do_show(self, actor, dsr, **o):
        info = queries.detail(actor, dsr)
        self.stdout.write(self._line(dsr))
        self.stdout.write(f"case {dsr.case}, identified by {dsr.get_identified_by_display()}")
        if dsr.verified_at:
            self.stdout.write(f"verified by {dsr.verified_by} ({dsr.verification_method})")
        if dsr.extension_months:
            self.stdout.write(
                f"extended by {dsr.extension_months} months (told on "
                f"{dsr.extension_notified_on}), due {dsr.extended_due_on}"
            )
        if dsr.assignee_id:
            self.stdout.write(f"assigned to {dsr.assignee.email}")
        if info["identifiers"] is None:
            self.stdout.write("identifiers: sealed (the request is closed)")
        else:
            for key, value in info["identifiers"].items():
                self.stdout.write(f"identifier {key}: {value}")
        self.stdout.write("steps:")
        for entry in info["steps"]:
            note = f"  note: {entry['note']}" if entry["note"] else ""
            self.stdout.write(
                f"  {entry['at']:%Y-%m-%d %H:%M}  {entry['step']:<20} {entry['by']}{note}"
            )
        self.stdout.write("subjects:" if info["subjects"] else "subjects: none located yet")
        for found in info["subjects"]:
            self._subject(found)
        if dsr.outcome:
            self.stdout.write(f"outcome: {json.dumps(dsr.outcome, sort_keys=True, default=str)}")

    def _subject(self, found: dict) -> None:
        state = "confirmed" if found["confirmed"] else "candidate"
        items = [finder.Item(**i) for i in found["holdings"]]
        matched = f", matched on {', '.join(found['matched'])}" if found["matched"] else ""
        self.stdout.write(
            f"  {found['subject']} ({state}{matched}): {commandline.counts_text(items)}"
        )
        for line in commandline.holdings_lines(items):
            self.stdout.write(line)

    def do_verify(self, actor, dsr, **o):
        register.verify(actor, dsr, o["method"], note=o["note"])
        self.stdout.write(f"request {dsr.pk} verified ({o['method']})")

    def do_assign(self, actor, dsr, **o):
        user = User.objects.filter(email__iexact=o["assignee"]).first()
        if user is None:
            raise CommandError(f"--to: no user {o['assignee']}")
        register.assign(actor, dsr, user)
        self.stdout.write(f"request {dsr.pk} assigned to {user.email}")

    def do_locate(self, actor, dsr, **o):
        given = {k: o[k] for k in IDENTIFIERS if o.get(k)}
        found = register.locate_subjects(actor, dsr, given or None)
        self.stdout.write(f"request {dsr.pk}: {len(found.matched)} subject(s) located")
        matched = {s: keys for s, keys in found.matched.items()}
        for row in queries.subjects_out(dsr, matched, found.holdings):
            if row["subject"] in matched:
                self._subject(row)

    def do_confirm(self, actor, dsr, **o):
        if o["all"]:
            chosen = list(dsr.subjects.values_list("subject_id", flat=True))
        else:
            try:
                chosen = [uuid.UUID(s) for s in o["subjects"]]
            except ValueError:
                raise CommandError("--subject: give pseudonyms (UUIDs), or --all") from None
        register.confirm(actor, dsr, chosen)
        self.stdout.write(f"request {dsr.pk}: {len(chosen)} subject(s) confirmed")

    def do_extend(self, actor, dsr, **o):
        told_on = commandline.day(o["told_on"], "--told-on")
        register.extend(actor, dsr, o["months"], o["reason"], told_on)
        self.stdout.write(f"request {dsr.pk} extended, now due {dsr.extended_due_on}")

    def do_wait(self, actor, dsr, **o):
        register.wait(actor, dsr, note=o["note"])
        self.stdout.write(f"request {dsr.pk} waits on the requester")

    def do_resume(self, actor, dsr, **o):
        register.resume(actor, dsr, note=o["note"])
        self.stdout.write(f"request {dsr.pk} resumed ({dsr.status})")

    def do_refuse(self, actor, dsr, **o):
        register.refuse(actor, dsr, o["reason"])
        self.stdout.write(f"request {dsr.pk} refused")

    def do_correct(self, actor, dsr, **o):
        given = {}
        for item in o["corrections"]:
            name, sep, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise CommandError("--set: give FIELD=VALUE, e.g. --set job_title=Buyer")
            if name in LIST_FIELDS and value:
                value = [part.strip() for part in value.split(",") if part.strip()]
            given[name] = value or None
        if not given:
            raise CommandError("--set: give at least one FIELD=VALUE")
        try:
            current = rectification.add_corrections(actor, dsr, given)
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            if field.startswith("corrections."):
                field = f"--set {field.removeprefix('corrections.')}"
            elif field == "corrections":
                field = "--set"
            raise CommandError(f"{field}: {' '.join(messages)}") from None
        fields = ", ".join(sorted(current)) or "none"
        self.stdout.write(f"request {dsr.pk}: corrections of {fields} recorded (sealed)")

    def do_plan(self, actor, dsr, **o):
        planned = register.plan(actor, dsr)
        if planned is None:
            self.stdout.write(f"{dsr.kind} requests need no plan: fulfilling does what it says")
        else:
            self.stdout.write(json.dumps(planned, indent=2, sort_keys=True, default=str))

    def do_fulfil(self, actor, dsr, **o):
        register.fulfil(actor, dsr)
        self.stdout.write(f"request {dsr.pk} fulfilled and completed")
        self.stdout.write(f"outcome: {json.dumps(dsr.outcome, sort_keys=True, default=str)}")

    def do_close(self, actor, dsr, **o):
        register.close(actor, dsr, note=o["note"])
        self.stdout.write(f"request {dsr.pk} closed")
