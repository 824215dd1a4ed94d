"""Every kind of request, end to end at the command line (`lethe dsr`), real handlers."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lethe.accounts.actions import actor_for
from lethe.dsr import rectification, store
from lethe.dsr.models import Export, Request, RequestStep
from tests.conftest import ALL
from tests.dsr.end_to_end import (
    DPO_EMAIL,
    KINDS,
    NEW_TITLE,
    assert_steps,
    check_effect,
    make_asker,
)

pytestmark = pytest.mark.django_db(databases=ALL)

AS = ("--as", DPO_EMAIL)


@pytest.fixture
def asker(people):
    return make_asker(people)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_request_is_answered_end_to_end_at_the_command_line(kind, asker):
    opened = run(
        "dsr", "open", *AS, "--kind", kind, "--identified-by", "email", "--email", asker.email
    )
    request = Request.objects.get()
    assert f"request {request.pk} opened ({kind})" in opened and request.source == "cli"
    ident = str(request.pk)
    assert "verified" in run("dsr", "verify", ident, *AS, "--method", "bankid")
    located = run("dsr", "locate", ident, *AS)
    assert "1 subject(s) located" in located and asker.subject in located
    confirmed = run("dsr", "confirm", ident, *AS, "--subject", asker.subject)
    assert "1 subject(s) confirmed" in confirmed
    if kind == "rectification":
        given = run("dsr", "correct", ident, *AS, "--set", f"job_title={NEW_TITLE}")
        assert "corrections of job_title recorded" in given and NEW_TITLE not in given
    planned = run("dsr", "plan", ident, *AS)
    if kind == "erasure":
        assert '"contact"' in planned and asker.email not in planned
    else:
        assert "need no plan" in planned
    fulfilled = run("dsr", "fulfil", ident, *AS)
    assert f"request {ident} fulfilled and completed" in fulfilled
    shown = run("dsr", "show", ident, *AS)
    assert "identifiers: sealed" in shown and asker.email not in shown
    logged = list(RequestStep.objects.filter(request=request).values_list("step", flat=True))
    assert_steps(kind, logged)
    for step in ("received", "confirmed", "fulfilment_started", "completed"):
        assert step in shown

    def download(export_id: str) -> bytes:
        # No download at the command line: read it as the console and portal do.
        actor = actor_for(asker.dpo_user, case=request.case)
        return store.open_export(actor, Export.objects.get(pk=export_id), channel="console")

    check_effect(kind, asker, request, download)


def test_corrections_at_the_command_line_are_checked_and_replace_earlier_ones(asker):
    by_email = ("--identified-by", "email", "--email", "a@example.org")
    run("dsr", "open", *AS, "--kind", "rectification", *by_email)
    ident = str(Request.objects.get().pk)

    def refused(*args: str) -> str:
        with pytest.raises(CommandError) as raised:
            run("dsr", "correct", ident, *AS, *args)
        assert "\n" not in str(raised.value)
        return str(raised.value)

    assert refused().startswith("--set: ")
    assert refused("--set", "job_title").startswith("--set: give FIELD=VALUE")
    assert refused("--set", "shoe_size=44").startswith("--set shoe_size: ")
    assert refused("--set", "email=not an address").startswith("--set email: ")
    run("dsr", "correct", ident, *AS, "--set", "email=ny@example.org, andra@example.org")
    both = run("dsr", "correct", ident, *AS, "--set", f"job_title={NEW_TITLE}")
    assert "corrections of email, job_title recorded" in both
    request = Request.objects.get(pk=ident)
    given = rectification.corrections(actor_for(asker.dpo_user, case=request.case), request)
    assert given == {"email": ["ny@example.org", "andra@example.org"], "job_title": NEW_TITLE}
    dropped = run("dsr", "correct", ident, *AS, "--set", "email=")
    assert "corrections of job_title recorded" in dropped
    run("dsr", "open", *AS, "--kind", "access", *by_email)
    access = str(Request.objects.filter(kind="access").get().pk)
    with pytest.raises(CommandError) as raised:
        run("dsr", "correct", access, *AS, "--set", f"job_title={NEW_TITLE}")
    assert str(raised.value).startswith("kind: ")
