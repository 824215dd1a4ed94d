"""The public privacy notice: every Art. 13 item, generated from the purposes, versioned
when they change, with earlier versions readable as they were published."""

import dataclasses
import hashlib
import html
import re

import pytest
from django.test import Client

from lethe.audit.models import AuditEvent
from lethe.purposes import notice
from lethe.purposes.models import LegalBasis, NoticeVersion, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, patch

pytestmark = pytest.mark.django_db(databases=ALL)

ORG = {
    "controller_name": "Exempel Handel AB",
    "controller_contact": "Storgatan 1, 111 22 Stockholm; info@exempel.example",
    "dpo_contact": "dataskydd@exempel.example",
}


@pytest.fixture(autouse=True)
def organisation(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, **ORG)


def text_of(response) -> str:
    """The page's visible text, tags dropped and whitespace folded."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def test_the_notice_is_public_and_holds_every_art_13_item():
    Purpose.objects.filter(key="customer_support").update(
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        legitimate_interest="Helping the people who use what we sell.",
        transfers="Support tickets to a processor in India.",
        transfer_safeguards="Standard contractual clauses (EU 2021/914).",
    )
    response = Client().get("/privacy")
    assert response.status_code == 200
    text = text_of(response)
    # 13(1)(a), (b): the controller and its contact details; the DPO.
    for value in ORG.values():
        assert value in text
    shown = Purpose.objects.filter(in_notice=True)
    assert shown.count() == 7  # user accounts of staff have their own notice
    for purpose in shown:
        # 13(1)(c): purposes and legal basis; 13(2)(a): retention; 13(2)(e): provision.
        for value in (
            purpose.name,
            purpose.description,
            purpose.basis_label,
            purpose.retention,
            purpose.provision,
        ):
            assert value in text, (purpose.key, value)
        # 13(1)(e): recipients.
        for recipient in purpose.recipients:
            assert recipient in text, (purpose.key, recipient)
    # 13(1)(d): the legitimate interest; 13(1)(f): transfers and their safeguards.
    assert "Helping the people who use what we sell." in text
    assert "Support tickets to a processor in India." in text
    assert "Standard contractual clauses (EU 2021/914)." in text
    assert "not transferred to countries outside the EU/EEA" in text  # the others
    # 13(2)(b), (c): the rights, and withdrawing consent.
    for right, article in (
        ("Access", "Art. 15"),
        ("Rectification", "Art. 16"),
        ("Erasure", "Art. 17"),
        ("Restriction", "Art. 18"),
        ("Objection", "Art. 21"),
        ("Portability", "Art. 20"),
        ("Withdrawing consent", "Art. 7(3)"),
    ):
        assert re.search(rf"{right} : [^.]+.*?\({re.escape(article)}\)", text), right
    assert "Direct marketing" in text.split("Withdrawing consent")[1][:200]
    # 13(2)(d): the right to complain to IMY; 13(2)(f): no automated decisions.
    assert "lodge a complaint" in text and "Integritetsskyddsmyndigheten (IMY)" in text
    assert "no decisions about you based solely on automated processing" in text
    # Art. 14: categories of data and where they come from.
    assert "personal identity number" in text and "public sources" in text
    assert "Administration" not in text and "User accounts and security" not in text


def test_the_first_visit_publishes_version_1_with_its_hash():
    assert NoticeVersion.objects.count() == 0
    Client().get("/privacy")
    version = NoticeVersion.objects.get()
    assert version.number == 1
    assert version.sha256 == hashlib.sha256(version.html.encode()).hexdigest()
    assert version.html == notice.render()
    Client().get("/privacy")
    assert NoticeVersion.objects.count() == 1
    event = AuditEvent.objects.get(record_kind="privacy_notice")
    assert (event.action, event.record_id, event.detail) == (
        "create",
        "1",
        {"sha256": version.sha256},
    )


def test_changing_a_purpose_publishes_a_new_version_and_old_ones_stay_readable():
    first = notice.current()
    client, _ = client_with("dpo")
    response = patch(
        client, "/api/v1/purposes/direct_marketing", {"retention": "Until you say stop."}
    )
    assert response.status_code == 200
    second = notice.latest()
    assert second.number == first.number + 1 and second.sha256 != first.sha256
    assert second.published_by == f"user:{response.wsgi_request.user.pk}"

    anyone = Client()
    now = text_of(anyone.get("/privacy"))
    assert "Until you say stop." in now
    assert f"Version {second.number}," in now
    old = anyone.get(f"/privacy/v/{first.number}")
    assert old.status_code == 200
    old_text = text_of(old)
    assert "Until you say stop." not in old_text
    assert "the record of your consent is kept 24 months" in old_text
    assert "no longer in force" in old_text and first.sha256 in old_text
    assert first.html in old.content.decode()  # exactly as published
    assert anyone.get("/privacy/v/99").status_code == 404


def test_a_change_the_notice_does_not_show_publishes_nothing():
    notice.current()
    client, _ = client_with("admin")
    patch(client, "/api/v1/purposes/administration", {"retention_months": 6})
    patch(client, "/api/v1/purposes/customer_support", {"security_measures": "Strong ones."})
    assert NoticeVersion.objects.count() == 1


def test_a_purpose_on_legitimate_interests_states_the_interest_and_the_right_to_object():
    notice.current()
    client, _ = client_with("admin")
    response = patch(
        client,
        "/api/v1/purposes/customer_relationship",
        {
            "legal_basis": "legitimate_interests",
            "legitimate_interest": "Knowing our customers' staff.",
        },
    )
    assert response.status_code == 200
    text = text_of(Client().get("/privacy"))
    assert "Our legitimate interest Knowing our customers' staff." in text
    assert "You may object to that processing at any time." in text
    assert NoticeVersion.objects.count() == 2


def test_new_contact_details_of_the_controller_publish_a_new_version(settings):
    notice.current()
    settings.CONFIG = dataclasses.replace(settings.CONFIG, dpo_contact="dpo@ny.example")
    text = text_of(Client().get("/privacy"))
    assert "dpo@ny.example" in text
    assert NoticeVersion.objects.count() == 2
    assert NoticeVersion.objects.get(number=2).published_by == "system:privacy-notice"


def test_the_notice_escapes_what_the_purposes_say():
    Purpose.objects.filter(key="customer_support").update(
        description='<script src="/evil.js"></script>Support.'
    )
    page = Client().get("/privacy").content.decode()
    assert '<script src="/evil.js">' not in page
    assert "&lt;script src=&quot;/evil.js&quot;&gt;" in page
