"""The register's steps: each logged and audited; bad input and closed requests refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lethe.audit.models import Action, AuditEvent
from lethe.dsr import deadlines, register
from lethe.dsr.models import Request, RequestStep
from lethe.vault.models import Document
from lethe.vault.policy import Role
from tests.conftest import ALL, actor
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

DAY = datetime.timedelta(days=1)


def _open(dpo, world, *, received_on=None, kind="access"):
    return register.receive(
        dpo, kind, "email", {"email": world.person["email"][0]}, received_on=received_on
    )


def _field(raised) -> set[str]:
    return set(raised.value.message_dict)


def test_a_request_goes_from_received_to_completed_with_every_step_logged(world, dpo, handled):
    request = _open(dpo, world)
    assert request.status == Request.Status.RECEIVED
    register.verify(dpo, request, "identity_document", note="Passport seen")
    assert request.status == Request.Status.VERIFIED and request.verified_by == dpo.label
    found = register.locate_subjects(dpo, request)
    register.confirm(dpo, request, list(found.matched))
    told = timezone.localdate()
    register.extend(dpo, request, 2, "Many records across systems", told)
    assert request.extended_due_on == deadlines.extended_due_on(request.received_on, 2)
    register.fulfil(dpo, request)
    request.refresh_from_db()
    assert request.status == Request.Status.COMPLETED and request.closed_at is not None
    assert request.outcome == {"report": f"test-{request.pk}"}
    assert handled == [(request.case, [str(world.contact.subject_id)])]
    steps = list(request.steps.values_list("step", flat=True))
    assert steps == [
        "received",
        "verified",
        "located",
        "confirmed",
        "extended",
        "fulfilment_started",
        "completed",
    ]
    audited = AuditEvent.objects.filter(action=Action.REQUEST_STEP, record_id=str(request.pk))
    assert [e.detail["step"] for e in audited] == steps


def test_the_extension_reason_is_sealed_as_the_step_note(world, dpo):
    request = _open(dpo, world)
    register.extend(dpo, request, 1, "Hemlig orsak om Anna", timezone.localdate())
    entry = request.steps.get(step="extended")
    assert entry.note_id is not None
    assert b"Hemlig" not in bytes(Document.objects.get(pk=entry.note_id).ciphertext)
    assert "Hemlig" not in str(entry.detail)
    assert "Hemlig" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_extended_deadline_is_one_month_plus_the_extension_from_receipt(world, dpo, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2024, 2, 25))
    request = _open(dpo, world, received_on=datetime.date(2024, 1, 31))
    assert request.due_on == datetime.date(2024, 2, 29)
    register.extend(dpo, request, 2, "Complex", datetime.date(2024, 2, 20))
    assert request.extended_due_on == datetime.date(2024, 4, 30)
    assert request.deadline == datetime.date(2024, 4, 30)
    assert request.extension_notified_on == datetime.date(2024, 2, 20)


def test_a_second_extension_is_refused(world, dpo):
    request = _open(dpo, world)
    register.extend(dpo, request, 1, "Complex", timezone.localdate())
    with pytest.raises(ValidationError) as raised:
        register.extend(dpo, request, 1, "Again", timezone.localdate())
    assert _field(raised) == {"months"}
    assert request.steps.filter(step="extended").count() == 1


def test_an_extension_told_after_the_first_month_is_refused(world, dpo):
    received = timezone.localdate() - datetime.timedelta(days=40)
    request = _open(dpo, world, received_on=received)
    with pytest.raises(ValidationError) as raised:
        register.extend(dpo, request, 1, "Too late", timezone.localdate())
    assert _field(raised) == {"told_on"}
    request.refresh_from_db()
    assert request.extension_months == 0 and request.extended_due_on is None


@pytest.mark.parametrize(
    ("months", "reason", "told", "field"),
    [
        (3, "x", 0, "months"),
        (0, "x", 0, "months"),
        ("2", "x", 0, "months"),
        (1, "  ", 0, "reason"),
        (1, "x", None, "told_on"),
        (1, "x", 1, "told_on"),
        (1, "x", -1, "told_on"),
    ],
)
def test_bad_extensions_are_refused_naming_the_field(world, dpo, months, reason, told, field):
    request = _open(dpo, world)
    told_on = None if told is None else timezone.localdate() + told * DAY
    with pytest.raises(ValidationError) as raised:
        register.extend(dpo, request, months, reason, told_on)
    assert _field(raised) == {field}
    assert not request.steps.filter(step="extended").exists()


def test_a_closed_request_refuses_every_further_step(world, dpo, handled):
    request = _open(dpo, world)
    register.refuse(dpo, request, "Manifestly unfounded")
    assert request.status == Request.Status.REFUSED and not request.is_open
    steps = request.steps.count()
    for do in (
        lambda: register.verify(dpo, request, "bankid"),
        lambda: register.assign(dpo, request, None),
        lambda: register.locate_subjects(dpo, request),
        lambda: register.confirm(dpo, request, [world.contact.subject_id]),
        lambda: register.extend(dpo, request, 1, "x", timezone.localdate()),
        lambda: register.wait(dpo, request),
        lambda: register.resume(dpo, request),
        lambda: register.refuse(dpo, request, "again"),
        lambda: register.fulfil(dpo, request),
        lambda: register.close(dpo, request),
        lambda: register.complete(dpo, request, {}),
    ):
        with pytest.raises(ValidationError) as raised:
            do()
        assert _field(raised) == {"status"}
    assert request.steps.count() == steps and not handled


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "complaint"}, "kind"),
        ({"identified_by": "shoe_size"}, "identified_by"),
        ({"identified_by": "phone"}, "phone"),
        ({"given": {"email": "no address"}}, "email"),
        ({"given": {}}, "email"),
        ({"received_on": timezone.localdate() + DAY}, "received_on"),
    ],
)
def test_unknown_or_bad_values_open_no_request(dpo, values, field):
    args = {"kind": "access", "identified_by": "email", "given": {"email": "a@example.org"}}
    args.update(values)
    with pytest.raises(ValidationError) as raised:
        register.receive(
            dpo,
            args["kind"],
            args["identified_by"],
            args["given"],
            received_on=args.get("received_on"),
        )
    assert field in _field(raised)
    assert not Request.objects.exists() and not RequestStep.objects.exists()


def test_verify_needs_a_known_method_and_happens_once(world, dpo):
    request = _open(dpo, world)
    with pytest.raises(ValidationError) as raised:
        register.verify(dpo, request, "gut feeling")
    assert _field(raised) == {"method"}
    register.verify(dpo, request, "email_link")
    with pytest.raises(ValidationError):
        register.verify(dpo, request, "bankid")


def test_waiting_and_resuming_return_to_the_status_before(world, dpo):
    request = _open(dpo, world)
    register.wait(dpo, request, note="Asked for ID")
    assert request.status == Request.Status.WAITING
    with pytest.raises(ValidationError):
        register.wait(dpo, request)
    register.resume(dpo, request)
    assert request.status == Request.Status.RECEIVED
    register.verify(dpo, request, "bankid")
    register.wait(dpo, request)
    register.resume(dpo, request)
    assert request.status == Request.Status.VERIFIED
    with pytest.raises(ValidationError):
        register.resume(dpo, request)


def test_only_a_dpo_may_be_assigned(world, dpo):
    request = _open(dpo, world)
    _, sales = client_with("sales", "seller")
    _, other_dpo = client_with("dpo", "dpo2")
    with pytest.raises(ValidationError) as raised:
        register.assign(dpo, request, sales)
    assert _field(raised) == {"assignee"}
    register.assign(dpo, request, other_dpo)
    assert request.assignee == other_dpo
    assert request.steps.get(step="assigned").detail == {"assignee": other_dpo.pk}


def test_fulfil_needs_a_handler_a_verified_requester_and_confirmed_subjects(world, dpo, handled):
    erasure = _open(dpo, world, kind="erasure")
    with pytest.raises(ValidationError) as raised:
        register.fulfil(dpo, erasure)
    assert _field(raised) == {"kind"} or register.fulfilment.HANDLERS.get("erasure")
    request = _open(dpo, world)
    with pytest.raises(ValidationError) as raised:
        register.fulfil(dpo, request)
    assert _field(raised) == {"verified"}
    register.verify(dpo, request, "bankid")
    register.locate_subjects(dpo, request)
    with pytest.raises(ValidationError) as raised:
        register.fulfil(dpo, request)
    assert _field(raised) == {"subjects"}
    assert request.status == Request.Status.VERIFIED and not handled


def test_a_failed_handler_leaves_the_request_in_progress_and_a_second_run_completes_it(
    world, dpo, handled
):
    from lethe.dsr import fulfilment

    request = _open(dpo, world)
    register.verify(dpo, request, "bankid")
    register.confirm(dpo, request, register.locate_subjects(dpo, request).matched)
    working = fulfilment.HANDLERS["access"]

    def broken(actor, request):
        raise RuntimeError("disk full")

    fulfilment.HANDLERS["access"] = broken
    with pytest.raises(RuntimeError):
        register.fulfil(dpo, request)
    request.refresh_from_db()
    assert request.status == Request.Status.IN_PROGRESS
    failed = request.steps.get(step="fulfilment_failed")
    assert failed.detail == {"error": "RuntimeError"}
    fulfilment.HANDLERS["access"] = working
    register.fulfil(dpo, request)
    assert request.status == Request.Status.COMPLETED
    assert list(request.steps.values_list("step", flat=True))[-3:] == [
        "fulfilment_failed",
        "fulfilment_resumed",
        "completed",
    ]


def test_confirming_needs_a_located_candidate(world, dpo):
    request = _open(dpo, world)
    with pytest.raises(ValidationError) as raised:
        register.confirm(dpo, request, [world.contact.subject_id])
    assert _field(raised) == {"subjects"}
    with pytest.raises(ValidationError):
        register.confirm(dpo, request, [])


def test_plan_says_when_no_plan_is_needed_and_shows_a_planner(world, dpo):
    from lethe.dsr import fulfilment

    request = _open(dpo, world, kind="objection")
    assert register.plan(dpo, request) is None
    fulfilment.PLANNERS["objection"] = lambda actor, request: {"case": actor.case}
    try:
        assert register.plan(dpo, request) == {"case": request.case}
    finally:
        del fulfilment.PLANNERS["objection"]


def test_other_roles_may_not_act(world, dpo):
    request = _open(dpo, world)
    for role in ("sales", "admin", "auditor"):
        with pytest.raises(PermissionError):
            register.verify(actor(Role(role)), request, "bankid")
