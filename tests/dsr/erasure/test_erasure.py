"""Erasure (Art. 17): the plan, what the execution does, and what it leaves behind."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.attachments.models import Attachment
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit import proofs
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.models import Contact
from lethe.deals.models import Deal, DealContact
from lethe.dsr import erasure, fulfilment, register, store, suppression
from lethe.dsr.models import ErasureRun, Export, Request
from lethe.holds.models import LegalHold
from lethe.vault import documents, gate
from lethe.vault.models import BlindIndex, Document, PersonalHistory, PersonalValue, Subject
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.dsr.erasure.conftest import build, pick
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

DSR = Purpose.DATA_SUBJECT_REQUEST


def erase(world, capture):
    with capture(execute=True):
        return fulfilment.handler_for(world.request)(world.dpo, world.request)


def test_the_plan_lists_what_the_execution_then_does(world, django_capture_on_commit_callbacks):
    plan = fulfilment.planner_for(world.request)(world.dpo, world.request)
    (planned,) = plan["subjects"]
    assert planned["subject"] == str(world.subject)
    erase_ = planned["erase"]
    assert erase_["contact"] == [world.contact.pk]
    assert erase_["activities"] == [world.call.pk]
    assert erase_["participant_links"] == [world.meeting.pk]
    assert erase_["mention_links"] == [world.mention.pk]
    assert erase_["attachments"] == sorted([str(world.file.pk), str(world.call_file.pk)])
    assert erase_["exports"] == [str(world.access_export.pk)]
    assert erase_["personal_fields"] == 9 and erase_["blind_index"] > 5
    assert planned["anonymise"] == {
        "deals": sorted([world.won.pk, world.open_deal.pk]),
        "mentions": [world.mention.pk],
        "tags": 2,
        "lists": 0,
    }
    (hold,) = planned["keep"]["holds"]
    assert hold["record"] == f"deal:{world.won.pk}" and "Bokföringslagen" in hold["legal_basis"]
    assert planned["keep"]["suppression"]["email"] == 1
    assert planned["keep"]["suppression"]["phone"] == 1
    assert world.person["last_name"] not in json.dumps(plan, ensure_ascii=False)

    outcome = erase(world, django_capture_on_commit_callbacks)

    # Everything the plan said would go is gone ...
    assert not Contact.objects.filter(pk=world.contact.pk).exists()
    assert not Activity.objects.filter(pk__in=erase_["activities"]).exists()
    assert not ActivityParticipant.objects.filter(subject_id=world.subject).exists()
    assert not ActivityMention.objects.filter(subject_id=world.subject).exists()
    assert not Attachment.objects.filter(pk__in=erase_["attachments"]).exists()
    for blob in (world.file.blob, world.call_file.blob):
        with pytest.raises(BlobMissing):
            get_store().get(blob)
    assert Export.objects.get(pk=world.access_export.pk).purged_at is not None
    assert not PersonalValue.objects.filter(subject_id=world.subject, scope="default").exists()
    assert not PersonalHistory.objects.filter(subject_id=world.subject).exists()
    assert not Document.objects.filter(subject_id=world.subject).exists()
    assert not BlindIndex.objects.filter(subject_id=world.subject).exists()
    subject = Subject.objects.get(pk=world.subject)
    assert subject.status == Subject.Status.ERASED and gate.key_destroyed(world.subject)
    # ... what it said would be anonymised is, and what it said is kept, is.
    assert set(Deal.objects.values_list("pk", flat=True)) >= set(planned["anonymise"]["deals"])
    assert not DealContact.objects.filter(deal_id__in=planned["anonymise"]["deals"]).exists()
    assert Deal.objects.get(pk=world.won.pk).amount == world.won.amount
    assert Activity.objects.filter(pk__in=planned["anonymise"]["mentions"]).count() == 1
    assert list(
        LegalHold.objects.filter(subject_id=world.subject).values_list("pk", flat=True)
    ) == [hold["hold"]]
    certificate = outcome["erasure"]["certificate"]
    (erased,) = certificate["subjects"]
    assert erased["erased"]["activities"] == len(erase_["activities"])
    assert erased["erased"]["attachments"] == len(erase_["attachments"])
    assert erased["anonymised"]["mentions_rewritten"] == planned["anonymise"]["mentions"]
    assert [h["hold"] for h in erased["kept"]] == [hold["hold"]]
    assert erased["suppressed"] == {"email": 1, "phone": 1}


def test_the_plan_is_only_for_confirmed_erasure_requests_and_the_dpo(world):
    dpo = world.dpo
    access = register.open_request(dpo, "access", "email", {"email": "a@example.org"})
    with pytest.raises(Exception, match="not an erasure request"):
        erasure.plan(dpo, access)
    unconfirmed = register.open_request(dpo, "erasure", "email", {"email": "b@example.org"})
    register.link_subjects(dpo, unconfirmed, [world.subject])
    with pytest.raises(Exception, match="confirm"):
        erasure.plan(dpo, unconfirmed)
    with pytest.raises(Exception, match="confirm"):
        erasure.erase(dpo, unconfirmed)
    sales = Actor("user", str(world.owner.pk), frozenset({Role.SALES}))
    with pytest.raises(PermissionError):
        erasure.plan(sales, world.request)
    with pytest.raises(PermissionError):
        erasure.erase(sales, world.request)
    assert Contact.objects.filter(pk=world.contact.pk).exists()


def test_their_mentions_in_other_peoples_notes_read_erased_person(
    world, django_capture_on_commit_callbacks
):
    erase(world, django_capture_on_commit_callbacks)
    body = Activity.objects.get(pk=world.mention.pk).body
    owner = Actor("user", str(world.owner.pk), frozenset({Role.SALES}))
    text = documents.open_many(owner, Purpose.CUSTOMER_RELATIONSHIP, [body])[body.id]
    assert text == "Fråga [erased person] om avtalet."
    shown = world.sales.get(f"/api/v1/activities/{world.mention.pk}").json()
    assert "[erased person]" in json.dumps(shown, ensure_ascii=False)
    assert world.token not in json.dumps(shown)
    page = world.sales.get(f"/contacts/{world.colleague.pk}/").content.decode()
    assert "[erased person]" in page and world.person["last_name"] not in page
    # The meeting they took part in stays, without them.
    assert Activity.objects.filter(pk=world.meeting.pk).exists()
    assert not ActivityParticipant.objects.filter(activity=world.meeting).exists()


def test_a_reimport_of_their_email_is_stopped_by_the_suppression_list_and_reported(
    world, django_capture_on_commit_callbacks, tmp_path
):
    erase(world, django_capture_on_commit_callbacks)
    person = world.person
    csv = tmp_path / "people.csv"
    csv.write_text(
        "Förnamn;Efternamn;E-post\n"
        f"{person['first_name']};{person['last_name']};{person['email'][0].upper()}\n"
        "Ny;Kontaktsson;ny.kontakt@example.org\n"
    )
    out = io.StringIO()
    call_command("import", "contacts", str(csv), stdout=out)
    report = out.getvalue()
    assert "row 2: E-post (email): this person was erased at their request" in report
    assert "1 were created" in report and "1 of them people erased at their request" in report
    assert gate.match(Actor.system("t"), "email", [person["email"][0].lower()], DSR) == {
        person["email"][0].lower(): set()
    }
    event = AuditEvent.objects.filter(action=Action.IMPORT).last()
    assert event.detail["suppressed"] == 1 and event.detail["error_rows"] == [2]
    # The API and the form refuse them too, naming the field.
    response = post(
        world.sales,
        "/api/v1/contacts",
        {"last_name": "Someone", "phone": person["phone"][0], "allow_duplicate": True},
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["phone"]
    page = world.sales.post(
        "/contacts/new/",
        {
            "first_name": "X",
            "last_name": "Y",
            "email": person["email"][0],
            "stage": "lead",
            "source": "from_person",
        },
    )
    assert page.status_code == 400 and "erased at their request" in page.content.decode()


def test_a_won_deal_keeps_the_contract_under_its_hold_key_for_finance_only(
    world, django_capture_on_commit_callbacks
):
    outcome = erase(world, django_capture_on_commit_callbacks)
    hold = LegalHold.objects.get(subject_id=world.subject)
    (kept,) = outcome["erasure"]["certificate"]["subjects"][0]["kept"]
    assert kept["until"] == hold.ends_on.isoformat()
    assert "17(3)(b)" in kept["legal_basis"] and "Bokföringslagen" in kept["legal_basis"]
    assert kept["fields"] == ["email", "first_name", "last_name"]
    finance, _ = client_with("finance", "finance")
    (row,) = finance.get("/api/v1/holds").json()["results"]
    assert row["person"]["last_name"] == world.person["last_name"]
    assert row["person"]["email"] == world.person["email"]
    assert row["title"] == world.won.title and row["record_id"] == world.won.pk
    assert world.person["last_name"] in finance.get("/holds/").content.decode()
    for role in ("sales", "dpo", "support", "marketing", "auditor", "admin"):
        client, _ = client_with(role, f"not-finance-{role}")
        assert client.get("/api/v1/holds").status_code == 403
        assert client.get("/holds/").status_code == 403
    # Through the gate, the hold scope opens for the legal obligation only.
    owner = Actor("user", str(world.owner.pk), frozenset({Role.SALES}))
    values = gate.read(owner, [world.subject], Purpose.CUSTOMER_RELATIONSHIP, scope=hold.scope)
    assert all(isinstance(v, gate.Masked) for v in values[world.subject].values())
    default = gate.read(world.dpo, [world.subject], DSR, names=["last_name"])
    assert default[world.subject] == {}  # the default-scope values are gone


def test_the_certificate_proves_the_audit_event_and_holds_no_personal_data(
    world, django_capture_on_commit_callbacks
):
    outcome = erase(world, django_capture_on_commit_callbacks)
    exports = outcome["erasure"]["certificate_exports"]
    saved = {e.kind for e in Export.objects.filter(pk__in=exports.values())}
    assert saved == {"erasure.certificate"}
    as_json = store.open_export(world.dpo, Export.objects.get(pk=exports["json"]), channel="test")
    as_html = store.open_export(world.dpo, Export.objects.get(pk=exports["html"]), channel="test")
    certificate = json.loads(as_json)
    assert certificate == outcome["erasure"]["certificate"]
    seq = certificate["audit_event"]["seq"]
    event = AuditEvent.objects.get(seq=seq)
    assert event.action == Action.ERASURE and event.subjects == [str(world.subject)]
    proof = json.dumps(certificate["audit_event"]["inclusion_proof"])
    assert proofs.check(proof) == f"event #{seq} is included in the signed tree head at #" + str(
        certificate["audit_event"]["inclusion_proof"]["head"]["tree_size"]
    )
    html = as_html.decode()
    assert "Erasure certificate" in html and f"#{seq}" in html
    assert LegalHold.objects.get(subject_id=world.subject).ends_on.isoformat() in html
    person = world.person
    for text in (
        person["first_name"],
        person["last_name"],
        person["email"][0],
        person["phone"][0],
        person["identity_number"],
        *world.texts,
    ):
        assert text not in as_json.decode() and text not in html
    # The request's log names the erasure and its event.
    steps = list(world.request.steps.values_list("step", flat=True))
    assert steps[-1] == "erased" and "erasure_started" in steps


def test_running_it_again_after_it_finished_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    first = erase(world, django_capture_on_commit_callbacks)
    events = AuditEvent.objects.count()
    exports = Export.objects.count()
    again = erase(world, django_capture_on_commit_callbacks)
    assert again == first
    assert Export.objects.count() == exports
    assert AuditEvent.objects.count() == events
    assert ErasureRun.objects.get(request=world.request).attempts == 2


def test_a_closed_request_is_not_erased(world):
    world.request.status = Request.Status.COMPLETED
    world.request.save()
    with pytest.raises(Exception, match="closed"):
        erasure.erase(world.dpo, world.request)
    assert Contact.objects.filter(pk=world.contact.pk).exists()


def test_two_people_in_one_request_are_both_erased(django_capture_on_commit_callbacks):
    one, two = build(seed=6101, label="a"), build(seed=6102, label="b")
    register.link_subjects(one.dpo, one.request, [two.subject])
    register.confirm(one.dpo, one.request, [two.subject])
    outcome = erase(one, django_capture_on_commit_callbacks)
    erased = [s["subject"] for s in outcome["erasure"]["certificate"]["subjects"]]
    assert erased == sorted([str(one.subject), str(two.subject)])
    assert not Contact.objects.filter(pk__in=[one.contact.pk, two.contact.pk]).exists()
    assert suppression.matches([("email", two.person["email"][0])]) != {}


def test_a_person_without_a_contact_record_is_erased_too(world, django_capture_on_commit_callbacks):
    """Someone named only as a participant (no contact record) is a subject all the same."""
    (person,) = pick(6203, 1)
    lone = gate.create_subject(Actor.system("tests"), Purpose.CUSTOMER_RELATIONSHIP, person)
    ActivityParticipant.objects.create(activity=world.meeting, subject=lone)
    register.link_subjects(world.dpo, world.request, [lone.id])
    register.confirm(world.dpo, world.request, [lone.id])
    outcome = erase(world, django_capture_on_commit_callbacks)
    assert Subject.objects.get(pk=lone.id).status == Subject.Status.ERASED
    assert gate.key_destroyed(lone.id)
    assert not ActivityParticipant.objects.filter(subject=lone).exists()
    assert not PersonalValue.objects.filter(subject=lone).exists()
    assert suppression.matches([("email", person["email"][0])]) != {}
    subjects = [s["subject"] for s in outcome["erasure"]["certificate"]["subjects"]]
    assert str(lone.id) in subjects


def test_only_the_confirmed_subjects_go(world, django_capture_on_commit_callbacks):
    bystander = build(seed=6304, label="y")
    register.link_subjects(world.dpo, world.request, [bystander.subject])  # a candidate only
    erase(world, django_capture_on_commit_callbacks)
    assert Contact.objects.filter(pk=bystander.contact.pk).exists()
    assert Subject.objects.get(pk=bystander.subject).status == Subject.Status.ACTIVE
    values = gate.read(
        Actor("user", str(bystander.owner.pk), frozenset({Role.SALES})),
        [bystander.subject],
        Purpose.CUSTOMER_RELATIONSHIP,
        names=["last_name"],
    )
    assert values[bystander.subject]["last_name"] == bystander.person["last_name"]
