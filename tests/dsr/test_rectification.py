"""Rectification (Art. 16): corrections given with the request, sealed, applied through the
gate inside the request's case, with the old value in the history and an audit event."""

import pytest
from django.core.exceptions import ValidationError

from lethe.accounts.actions import actor_for
from lethe.audit.models import Action, AuditEvent
from lethe.customfields.models import CustomField
from lethe.dsr import rectification
from lethe.dsr.models import Rectification, RequestStep
from lethe.vault.models import Document, PersonalValue
from tests.audit.test_coverage import leaks, personal_strings
from tests.conftest import ALL
from tests.dsr.rights_helpers import contact_for, fulfil, open_case
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

NEW_TITLE = "Överlantmätare"
NEW_MAIL = "rattad.adress@example.org"


@pytest.fixture
def world(people):
    """A person owned by a salesperson, a supporter on the same team, and a DPO."""
    person = people(1, seed=61)[0]
    owner_client, owner = client_with("sales", "owner")
    dpo_client, dpo = client_with("dpo", fresh=True)
    contact = contact_for(owner, person)
    CustomField.objects.create(
        entity="contact",
        key="nickname",
        label="Nickname",
        type="text",
        personal=True,
        category="user.name",
        purpose="customer_relationship",
    )
    return person, owner_client, owner, dpo_client, dpo, contact


def url(request) -> str:
    return f"/api/v1/dsr/{request.pk}/rectification"


def test_rectification_end_to_end_through_the_api(world):
    person, owner_client, _, dpo_client, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    given = {"job_title": NEW_TITLE, "email": NEW_MAIL, "custom.nickname": "Nicke"}
    response = post(dpo_client, url(request), {"corrections": given})
    assert response.status_code == 200, response.content
    assert response.json()["fields"] == ["custom.nickname", "email", "job_title"]
    assert response.json()["corrections"]["email"] == [NEW_MAIL]
    # Sealed: only the field names are open; the values are in a sealed document.
    stored = Rectification.objects.get(request=request)
    assert stored.fields == ["custom.nickname", "email", "job_title"]
    sealed = bytes(Document.objects.get(pk=stored.corrections_id).ciphertext)
    assert NEW_TITLE.encode() not in sealed and NEW_MAIL.encode() not in sealed
    assert dpo_client.get(url(request)).json()["corrections"]["job_title"] == NEW_TITLE

    outcome = fulfil(dpo, request)
    assert outcome["rectified"] == 1 and outcome["fields"] == sorted(given)

    shown = owner_client.get(f"/api/v1/contacts/{contact.pk}").json()
    assert shown["fields"]["job_title"] == NEW_TITLE
    assert shown["fields"]["email"] == [NEW_MAIL]
    assert shown["custom"]["nickname"] == "Nicke"
    stored_value = PersonalValue.objects.get(subject=contact.subject_id, field="job_title")
    assert NEW_TITLE.encode() not in bytes(stored_value.ciphertext)

    # The history keeps the old values, readable by the owner and masked for others.
    history = owner_client.get(f"/api/v1/contacts/{contact.pk}/history").json()["results"]
    old = {row["field"]: row["old"] for row in history if row["personal"]}
    assert old["job_title"] == person["job_title"]
    assert old["email"] == person["email"]
    assert all(row["changed_by"] == f"user:{dpo.pk}" for row in history if row["personal"])
    stranger, _ = client_with("support", "stranger")
    masked = stranger.get(f"/api/v1/contacts/{contact.pk}/history").json()["results"]
    assert {row["field"]: row["old"] for row in masked if row["personal"]}["job_title"] == {
        "masked": True,
        "category": "user.job_title",
    }

    # The audit log: the gate's update by the DPO in the case, and the request's steps.
    update = AuditEvent.objects.filter(
        action=Action.UPDATE, subjects=[str(contact.subject_id)], actor=f"user:{dpo.pk}"
    ).get()
    assert update.case_id == request.case and update.purpose == "data_subject_request"
    assert update.detail["fields"] == ["cf.nickname", "email", "job_title"]
    steps = list(RequestStep.objects.filter(request=request).values_list("step", flat=True))
    assert steps[-3:] == ["corrections_given", "rectified", "completed"]
    assert leaks(personal_strings(person) | {NEW_TITLE, NEW_MAIL, "Nicke"}) == []


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"email": "not an address"}, "corrections.email"),
        ({"birth_date": "1999-02-31"}, "corrections.birth_date"),
        ({"identity_number": "123"}, "corrections.identity_number"),
        ({"shoe_size": "44"}, "corrections.shoe_size"),
        ({"stage": "customer"}, "corrections.stage"),
        ({"custom.unknown": "x"}, "corrections.custom.unknown"),
        ({}, "corrections"),
        ("job_title=x", "corrections"),
    ],
)
def test_bad_corrections_are_refused_naming_the_field_and_change_nothing(world, given, field):
    _, _, _, dpo_client, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    response = post(dpo_client, url(request), {"corrections": given})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Rectification.objects.filter(request=request).exists()


def test_a_non_personal_custom_field_is_not_corrected_here(world):
    _, _, _, dpo_client, dpo, contact = world
    CustomField.objects.create(entity="contact", key="tier", label="Tier", type="text")
    request = open_case(dpo, "rectification", contact)
    response = post(dpo_client, url(request), {"corrections": {"custom.tier": "A"}})
    assert response.status_code == 400 and "corrections.custom.tier" in response.json()["errors"]


def test_corrections_can_be_replaced_and_dropped_before_they_are_applied(world):
    _, _, _, dpo_client, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    post(dpo_client, url(request), {"corrections": {"job_title": "Fel", "first_name": "Ann"}})
    post(dpo_client, url(request), {"corrections": {"job_title": NEW_TITLE, "first_name": None}})
    assert dpo_client.get(url(request)).json()["corrections"] == {"job_title": NEW_TITLE}
    assert Document.objects.filter(kind=rectification.KIND).count() == 1
    fulfil(dpo, request, close=False)
    again = post(dpo_client, url(request), {"corrections": {"job_title": "Ännu en"}})
    assert again.status_code == 400 and "corrections" in again.json()["errors"]


def test_only_the_dpo_gives_corrections_and_only_for_a_rectification_request(world):
    _, owner_client, _, dpo_client, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    body = {"corrections": {"job_title": NEW_TITLE}}
    assert post(owner_client, url(request), body).status_code == 403
    assert owner_client.get(url(request)).status_code == 403
    other = open_case(dpo, "access", contact)
    refused = post(dpo_client, url(other), body)
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]


def test_fulfilling_without_corrections_or_outside_the_case_is_refused(world):
    _, _, _, _, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    with pytest.raises(ValidationError) as refused:
        fulfil(dpo, request)
    assert "corrections" in refused.value.message_dict
    rectification.add_corrections(actor_for(dpo), request, {"job_title": NEW_TITLE})
    with pytest.raises(PermissionError):
        rectification.rectify(actor_for(dpo, case="dsr:999"), request)


def test_rectification_through_the_console_page(world):
    _, owner_client, _, dpo_client, dpo, contact = world
    request = open_case(dpo, "rectification", contact)
    page = f"/console/rights/requests/{request.pk}/rectification/"
    assert dpo_client.get(page).status_code == 200
    bad = dpo_client.post(page, {"field": "email", "value": "inte en adress"})
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    done = dpo_client.post(page, {"field": "phone", "value": "070-174 06 99, 08-465 04 61"})
    assert done.status_code == 303
    html = dpo_client.get(page).content.decode()
    assert "+46701740699" in html and "+4684650461" in html
    assert owner_client.get(page).status_code == 403
    fulfil(dpo, request)
    assert owner_client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]["phone"] == [
        "+46701740699",
        "+4684650461",
    ]
