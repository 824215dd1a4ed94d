"""`lethe dsr` and `lethe subject find` as a named DPO: the flow, output and one-line errors."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lethe.dsr import fulfilment, register
from lethe.dsr.models import Request
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

AS = ("--as", "dpo@lethe.example")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        run(*args)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_request_is_answered_end_to_end_at_the_command_line(world, dpo_user, handled):
    email = world.person["email"][0]
    opened = run(
        "dsr", "open", *AS, "--kind", "access", "--identified-by", "email", "--email", email
    )
    request = Request.objects.get()
    assert f"request {request.pk} opened" in opened and request.source == "cli"
    ident = str(request.pk)
    assert "verified" in run("dsr", "verify", ident, *AS, "--method", "bankid")
    located = run("dsr", "locate", ident, *AS)
    assert str(world.contact.subject_id) in located and "1 subject(s) located" in located
    assert f"activity {world.mention_activity}  mention" in located
    assert "1 subject(s) confirmed" in run("dsr", "confirm", ident, *AS, "--all")
    today = timezone.localdate().isoformat()
    extended = run(
        "dsr", "extend", ident, *AS, "--months", "2", "--reason", "Many", "--told-on", today
    )
    request.refresh_from_db()
    assert f"now due {request.extended_due_on}" in extended
    assert "need no plan" in run("dsr", "plan", ident, *AS)
    fulfilled = run("dsr", "fulfil", ident, *AS)
    assert "fulfilled and completed" in fulfilled and f"test-{ident}" in fulfilled
    request.refresh_from_db()
    assert request.status == "completed"
    assert handled == [(request.case, [str(world.contact.subject_id)])]
    shown = run("dsr", "show", ident, *AS)
    assert "identifiers: sealed" in shown and email not in shown
    assert "confirmed" in shown and "fulfilment_started" in shown


def test_show_prints_identifiers_and_holdings_of_an_open_request(world, dpo_user):
    email = world.person["email"][0]
    run("dsr", "open", *AS, "--kind", "erasure", "--identified-by", "email", "--email", email)
    ident = str(Request.objects.get().pk)
    run("dsr", "locate", ident, *AS)
    shown = run("dsr", "show", ident, *AS)
    assert f"identifier email: {email}" in shown
    assert re.search(rf"{world.contact.subject_id} \(candidate, matched on email\)", shown)
    assert f"deal {world.deal.pk}  deal-contact  decision_maker" in shown


def test_the_list_shows_deadlines_with_their_flags_in_words(dpo_user, dpo):
    today = timezone.localdate()
    late = register.open_request(
        dpo, "access", "email", {"email": "a@example.org"}, received_on=today - 40 * DAY
    )
    soon = register.open_request(
        dpo, "erasure", "email", {"email": "b@example.org"}, received_on=today - 26 * DAY
    )
    listed = run("dsr", "list", *AS).splitlines()
    assert listed[0].startswith(f"#{late.pk}") and listed[0].endswith("OVERDUE")
    assert listed[1].startswith(f"#{soon.pk}") and listed[1].endswith("DUE WITHIN 7 DAYS")
    assert run("dsr", "list", *AS, "--kind", "portability") == "no requests\n"
    assert "kind: must be one of" in refused("dsr", "list", *AS, "--kind", "complaint")


DAY = datetime.timedelta(days=1)


def test_subject_find_prints_pseudonyms_and_holdings_by_each_identifier(world, dpo_user, dpo):
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    ident = str(request.pk)
    name = f"{world.person['first_name']} {world.person['last_name']}"
    for option, value in (
        ("--email", world.person["email"][0]),
        ("--phone", world.person["phone"][0]),
        ("--identity-number", world.person["identity_number"]),
        ("--name", name),
    ):
        found = run("subject", "find", *AS, "--request", ident, option, value)
        assert found.startswith(f"subject {world.contact.subject_id} (active)"), option
        assert str(world.other_contact.subject_id) not in found
        assert world.person["last_name"] not in found
    at = run("subject", "find", *AS, "--request", ident, "--name", name, "--company", "Ekorre AB")
    assert "matched on name_and_company" in at
    nobody = run("subject", "find", *AS, "--request", ident, "--name", name, "--company", "X AB")
    assert nobody == "no subject matches\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--email", "not an address"), "--email: "),
        (("--company", "Ekorre AB"), "--name: "),
        ((), "identifiers: "),
    ],
)
def test_subject_find_refuses_bad_identifiers_in_one_line(world, dpo_user, dpo, args, expected):
    request = register.open_request(dpo, "access", "email", {"email": "x@example.org"})
    assert refused("subject", "find", *AS, "--request", str(request.pk), *args).startswith(expected)


def test_subject_find_works_only_inside_an_open_case(world, dpo_user, dpo):
    email = world.person["email"][0]
    assert refused("subject", "find", *AS, "--email", email).startswith("--request")
    request = register.open_request(dpo, "access", "email", {"email": email})
    register.refuse(dpo, request, "Unfounded")
    message = refused("subject", "find", *AS, "--request", str(request.pk), "--email", email)
    assert "not open" in message
    assert refused("subject", "find", *AS, "--case", "nonsense", "--email", email).startswith(
        "--case"
    )


def test_only_an_active_dpo_may_act(world, dpo_user):
    client_with("sales", "seller")
    seller = ("--as", "seller@lethe.example")
    base = ("--kind", "access", "--identified-by", "email", "--email", "a@example.org")
    assert "does not hold the dpo role" in refused("dsr", "open", *seller, *base)
    assert "no active user" in refused("dsr", "open", "--as", "ghost@example.org", *base)
    assert not Request.objects.exists()


def test_errors_are_one_line_naming_the_option(world, dpo_user, dpo, monkeypatch):
    monkeypatch.delitem(fulfilment.HANDLERS, "restriction", raising=False)
    email = world.person["email"][0]
    assert refused(
        "dsr", "open", *AS, "--kind", "access", "--identified-by", "phone", "--email", email
    ).startswith("--phone: ")
    assert "invalid choice" in refused(
        "dsr", "open", *AS, "--kind", "complaint", "--identified-by", "email", "--email", email
    )
    assert refused(
        "dsr",
        "open",
        *AS,
        "--kind",
        "access",
        "--identified-by",
        "email",
        "--email",
        email,
        "--received-on",
        "tomorrow",
    ).startswith("--received-on: ")
    assert refused("dsr", "show", "424242", *AS) == "no request 424242"
    received = timezone.localdate() - 40 * DAY
    request = register.open_request(
        dpo, "restriction", "email", {"email": email}, received_on=received
    )
    ident = str(request.pk)
    today = timezone.localdate().isoformat()
    late = refused(
        "dsr", "extend", ident, *AS, "--months", "1", "--reason", "x", "--told-on", today
    )
    assert late.startswith("--told-on: ")
    told = (received + DAY).isoformat()
    run("dsr", "extend", ident, *AS, "--months", "1", "--reason", "x", "--told-on", told)
    second = refused(
        "dsr", "extend", ident, *AS, "--months", "1", "--reason", "y", "--told-on", told
    )
    assert second.startswith("--months: ")
    assert refused("dsr", "verify", ident, *AS, "--method", "guess").startswith("--method: ")
    assert refused("dsr", "confirm", ident, *AS, "--subject", "x").startswith("--subject: ")
    assert refused("dsr", "confirm", ident, *AS).startswith("--subject: ")
    run("dsr", "verify", ident, *AS, "--method", "bankid")
    assert refused("dsr", "fulfil", ident, *AS).startswith("kind: ")
    run("dsr", "close", ident, *AS, "--note", "Answered by letter")
    for args in (("verify", "--method", "bankid"), ("locate",), ("refuse", "--reason", "x")):
        assert refused("dsr", args[0], ident, *AS, *args[1:]).startswith("status: ")
