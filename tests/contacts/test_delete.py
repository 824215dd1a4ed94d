"""Deleting a contact erases the person: activities, files, history and key go; deals stay."""

from urllib.parse import quote

import pytest
from django.utils import timezone

from lethe.accounts import reauth
from lethe.activities import actions as activities
from lethe.activities.models import Activity, ActivityMention
from lethe.attachments import actions as files
from lethe.attachments.models import Attachment
from lethe.attachments.registry import resolve
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.core.models import Change
from lethe.deals.models import Deal, DealContact, Stage
from lethe.vault.models import Document, Subject
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, patch

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM, CR = Actor.system("tests"), Purpose.CUSTOMER_RELATIONSHIP


@pytest.fixture
def owned():
    client, user = client_with("sales", "owner", fresh=True)
    person = create_contact(
        SYSTEM, CR, {"first_name": "Åsa", "last_name": "Öström"}, {"owner": user}
    )
    colleague = create_contact(SYSTEM, CR, {"last_name": "Kollega"}, {"owner": user})
    return client, user, person, colleague


def test_deleting_a_contact_erases_the_person_and_keeps_the_deal(
    owned, django_capture_on_commit_callbacks
):
    client, user, person, colleague = owned
    first = Stage.objects.order_by("pipeline", "position").first()
    deal = Deal.objects.create(title="Avtal", pipeline=first.pipeline, stage=first)
    DealContact.objects.create(deal=deal, contact=person)
    now = timezone.now()
    call = activities.create_activity(
        SYSTEM, CR, {"kind": "call", "occurred_at": now, "contact": person, "body": "Ringde."}
    )
    note = activities.create_activity(
        SYSTEM,
        CR,
        {
            "kind": "note",
            "occurred_at": now,
            "contact": colleague,
            "body": f"Fråga @[contact:{person.pk}] om avtalet.",
        },
    )
    upload = files.upload(SYSTEM, CR, resolve(SYSTEM, "contact", person.pk), "cv.pdf", b"%PDF-1.7")
    patch(client, f"/api/v1/contacts/{person.pk}", {"stage": "customer"})
    subject = person.subject
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/contacts/{person.pk}")
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=person.pk).exists()
    assert Subject.objects.get(pk=subject.pk).status == Subject.Status.ERASED
    assert not Activity.objects.filter(pk=call.pk).exists()
    assert not Document.objects.filter(pk=call.body_id).exists()
    assert not ActivityMention.objects.filter(subject=subject).exists()
    assert Activity.objects.filter(pk=note.pk).exists()  # the colleague's note stays
    assert not Attachment.objects.filter(pk=upload.pk).exists()
    with pytest.raises(BlobMissing):
        get_store().get(upload.blob)
    assert not Change.objects.filter(record_kind="contact", record_id=person.pk).exists()
    assert Deal.objects.filter(pk=deal.pk).exists() and not DealContact.objects.exists()
    event = AuditEvent.objects.filter(action=Action.DELETE, record_kind="contact").get()
    assert event.actor == f"user:{user.pk}" and event.subjects == [str(subject.id)]
    assert AuditEvent.objects.filter(action=Action.ERASURE, subjects=[str(subject.id)]).exists()
    page = client.get(f"/contacts/{colleague.pk}/").content.decode()
    assert "Öström" not in page


def test_only_who_may_change_the_person_may_delete_and_the_web_asks_first(owned):
    client, _, person, _ = owned
    stranger, _ = client_with("sales", "stranger")
    assert stranger.delete(f"/api/v1/contacts/{person.pk}").status_code == 403
    assert stranger.post(f"/contacts/{person.pk}/delete/", {"confirm": "DELETE"}).status_code == 403
    unconfirmed = client.post(f"/contacts/{person.pk}/delete/", {"confirm": "yes"})
    assert unconfirmed.status_code == 303 and Contact.objects.filter(pk=person.pk).exists()
    confirmed = client.post(f"/contacts/{person.pk}/delete/", {"confirm": "delete"})
    assert confirmed.status_code == 303 and confirmed["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=person.pk).exists()
    assert client.delete("/api/v1/contacts/999999").status_code == 404


def test_deleting_asks_for_the_password_first_on_the_page_and_the_api(owned):
    client, _, person, _ = owned
    session = client.session
    del session[reauth.SESSION_KEY]
    session.save()
    response = client.post(f"/contacts/{person.pk}/delete/", {"confirm": "DELETE"})
    page = f"/contacts/{person.pk}/"
    assert response.status_code == 302
    assert response["Location"] == "/reauth/?next=" + quote(page, safe="")
    response = client.delete(f"/api/v1/contacts/{person.pk}")
    assert response.status_code == 403 and response.json()["detail"] == "re-authenticate"
    assert Contact.objects.filter(pk=person.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.ERASURE).exists()
