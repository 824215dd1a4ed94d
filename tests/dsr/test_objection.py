"""Objection to direct marketing (Art. 21): suppression and a marker, in force at once."""

import pytest
from django.core.exceptions import ValidationError

from lethe.accounts.actions import actor_for
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.models import Contact
from lethe.dsr import objection, suppression
from lethe.dsr.models import MarketingObjection, RequestStep, Suppression
from lethe.vault import gate
from lethe.vault.models import Subject
from tests.conftest import ALL
from tests.dsr.rights_helpers import SYSTEM, contact_for, fulfil, open_case
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def world(people):
    objector, bystander = people(2, seed=81)
    objector["email"].append("privat.adress@example.org")
    owner_client, owner = client_with("sales", "owner")
    _, dpo = client_with("dpo", fresh=True)
    return objector, bystander, owner_client, owner, dpo


def test_an_objection_takes_effect_at_once_suppression_and_marker(world):
    objector, bystander, owner_client, owner, dpo = world
    contact = contact_for(owner, objector)
    other = contact_for(owner, bystander)
    request = open_case(dpo, "objection", contact)
    assert objection.objected([contact.subject_id]) == set()

    outcome = fulfil(dpo, request, close=False)

    # No worker, no waiting: the moment the handler returns, it is in force.
    assert objection.objected([contact.subject_id, other.subject_id]) == {contact.subject_id}
    assert objection.not_for_marketing([contact.subject_id, other.subject_id]) == {
        contact.subject_id
    }
    assert outcome == {"objected": 1, "suppressed": 3, "contact_points": 3}
    values = [("email", e) for e in objector["email"]] + [("phone", objector["phone"][0])]
    found = suppression.matches(values, reasons=["objection"])
    assert set(found) == set(values)
    assert suppression.matches([("email", bystander["email"][0])]) == {}
    stored = " ".join(Suppression.objects.values_list("digest", flat=True))
    assert objector["email"][0].split("@")[0] not in stored
    assert Suppression.objects.filter(request=request).count() == 3
    marker = MarketingObjection.objects.get(subject=contact.subject_id)
    assert marker.request_id == request.pk and marker.recorded_by == f"user:{dpo.pk}"
    # The emails and phones were read by the DPO inside the case, audited.
    read = AuditEvent.objects.filter(action=Action.READ, actor=f"user:{dpo.pk}").get()
    assert read.case_id == request.case and read.subjects == [str(contact.subject_id)]
    assert AuditEvent.objects.filter(record_kind="marketing_objection").exists()
    assert RequestStep.objects.filter(request=request, step="objected").exists()
    page = owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Objected to direct marketing" in page
    other_page = owner_client.get(f"/contacts/{other.pk}/").content.decode()
    assert "Objected to direct marketing" not in other_page
    # The marker for querysets too (a later marketing list uses it).
    assert list(objection.exclude_objected(Contact.objects.all())) == [other]


def test_running_the_objection_again_adds_nothing(world):
    objector, _, _, owner, dpo = world
    contact = contact_for(owner, objector)
    request = open_case(dpo, "objection", contact)
    fulfil(dpo, request, close=False)
    again = fulfil(dpo, request, close=False)
    assert again["suppressed"] == 0
    assert MarketingObjection.objects.count() == 1 and Suppression.objects.count() == 3


def test_an_erased_person_is_marked_without_reading_anything(world):
    objector, _, _, owner, dpo = world
    contact = contact_for(owner, objector)
    request = open_case(dpo, "objection", contact)
    gate.shred(SYSTEM, Subject.objects.get(pk=contact.subject_id), reason="test")
    outcome = fulfil(dpo, request)
    assert outcome == {"objected": 1, "suppressed": 0, "contact_points": 0}
    assert objection.objected([contact.subject_id]) == {contact.subject_id}


def test_only_the_dpo_inside_the_case_and_with_confirmed_people(world):
    objector, _, _, owner, dpo = world
    contact = contact_for(owner, objector)
    request = open_case(dpo, "objection", contact)
    with pytest.raises(PermissionError):
        objection.object_to_marketing(actor_for(dpo), request)  # no case chosen
    with pytest.raises(PermissionError):
        objection.object_to_marketing(actor_for(owner, case=request.case), request)
    unconfirmed = open_case(dpo, "objection")
    with pytest.raises(ValidationError) as refused:
        fulfil(dpo, unconfirmed)
    assert "subjects" in refused.value.message_dict
    assert not MarketingObjection.objects.exists() and not Suppression.objects.exists()
