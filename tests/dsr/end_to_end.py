"""What the end-to-end tests of the six kinds of request share: the person, the checks.

Each interface (API, command line, console pages) takes a request of every kind from
`received` to `completed` with the real handlers; these functions check that the
handler really did what the kind asks, and that the request logged its steps.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import jsonschema
from django.test import Client
from pypdf import PdfReader

from lethe.accounts.models import User
from lethe.activities.actions import create_activity
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.dsr import objection, portability, restriction, suppression
from lethe.dsr.models import MarketingObjection, Request, Suppression
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose
from tests.helpers import client_with, patch

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP
KINDS = ("access", "portability", "erasure", "rectification", "restriction", "objection")
DPO_EMAIL = "dpo@lethe.example"
NEW_TITLE = "Inköpschef för hela Norden"  # what the rectification corrects job_title to

# The step each kind's handler logs between fulfilment_started and completed.
HANDLER_STEP = {
    "access": "exported",
    "portability": "exported",
    "erasure": "erased",
    "rectification": "rectified",
    "restriction": "restricted",
    "objection": "objected",
}


@dataclass
class Asker:
    """The person who asks (with a contact owned by a salesperson), someone else, the DPO."""

    person: dict
    contact: Contact
    other: dict
    other_contact: Contact
    owner_client: Client
    dpo_client: Client
    dpo_user: User

    @property
    def email(self) -> str:
        return self.person["email"][0]

    @property
    def name(self) -> str:
        return f"{self.person['first_name']} {self.person['last_name']}"

    @property
    def subject(self) -> str:
        return str(self.contact.subject_id)


def make_asker(people) -> Asker:
    """A person with a contact and a call, owned by a salesperson; a colleague; a DPO."""
    person, other = people(2, seed=97)
    owner_client, owner = client_with("sales", "owner", fresh=True)
    dpo_client, dpo_user = client_with("dpo", "dpo", fresh=True)
    contact = create_contact(SYSTEM, CR, person, {"owner": owner, "source": "import"})
    other_contact = create_contact(SYSTEM, CR, other, {"owner": owner})
    create_activity(
        SYSTEM, CR, {"kind": "call", "contact": contact, "body": "Ringde om offerten."}, owner=owner
    )
    return Asker(person, contact, other, other_contact, owner_client, dpo_client, dpo_user)


def expected_steps(kind: str) -> list[str]:
    """The steps every request of `kind` logs, in this order (others may come between)."""
    steps = ["received", "verified", "located", "confirmed"]
    if kind == "rectification":
        steps.append("corrections_given")
    return [*steps, "fulfilment_started", HANDLER_STEP[kind], "completed"]


def assert_steps(kind: str, logged: list[str]) -> None:
    """Every expected step is logged, in order, and the last one is `completed`."""
    remaining = iter(logged)
    missing = [s for s in expected_steps(kind) if s not in remaining]
    assert not missing, (missing, logged)
    assert logged[-1] == "completed" and "fulfilment_failed" not in logged, logged


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def check_effect(
    kind: str, asker: Asker, request: Request, download: Callable[[str], bytes]
) -> None:
    """Check that the request of `kind`, fulfilled, did what it asks.

    download: the interface's way to fetch an export by id (bytes).
    """
    request.refresh_from_db()
    assert request.status == Request.Status.COMPLETED, request.status
    outcome = request.outcome
    recorded = json.dumps(outcome, ensure_ascii=False)
    assert asker.email not in recorded and asker.person["last_name"] not in recorded
    subject = Subject.objects.get(pk=asker.contact.subject_id)
    other = Subject.objects.get(pk=asker.other_contact.subject_id)
    if kind == "access":
        exports = outcome["exports"]
        assert {"access.html", "access.pdf"} <= set(exports)
        text = pdf_text(download(exports["access.pdf"]))
        assert asker.name in text and asker.email in text
        assert asker.other["last_name"] not in text
        html = download(exports["access.html"]).decode()
        assert asker.name in html
    elif kind == "portability":
        data = download(outcome["exports"]["portability.zip"])
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = json.loads(archive.read("data.json"))
            assert {"data.json", "contacts.csv", "contact.vcf"} <= set(archive.namelist())
        jsonschema.validate(
            document,
            portability.schema(),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        dumped = json.dumps(document, ensure_ascii=False)
        assert asker.email in dumped and asker.person["last_name"] in dumped
        assert asker.other["last_name"] not in dumped
    elif kind == "erasure":
        assert not Contact.objects.filter(pk=asker.contact.pk).exists()
        assert subject.status == Subject.Status.ERASED
        assert other.status == Subject.Status.ACTIVE
        assert Contact.objects.filter(pk=asker.other_contact.pk).exists()
        certificate = outcome["erasure"]["certificate"]
        assert certificate and outcome["erasure"]["certificate_exports"]
        assert asker.email not in json.dumps(certificate, ensure_ascii=False)
        hits = suppression.matches([("email", asker.email)], reasons=[Suppression.Reason.ERASURE])
        assert hits, "the erased person's e-mail is on the suppression list"
    elif kind == "rectification":
        assert outcome["rectified"] == 1 and outcome["fields"] == ["job_title"]
        read = asker.owner_client.get(f"/api/v1/contacts/{asker.contact.pk}")
        assert read.status_code == 200
        assert read.json()["fields"]["job_title"] == NEW_TITLE
        history = asker.owner_client.get(f"/api/v1/contacts/{asker.contact.pk}/history")
        assert history.status_code == 200
        assert asker.person["job_title"] in history.content.decode()
    elif kind == "restriction":
        assert subject.status == Subject.Status.RESTRICTED
        assert other.status == Subject.Status.ACTIVE
        assert restriction.restricted([subject.pk, other.pk]) == {subject.pk}
        refused = patch(
            asker.owner_client, f"/api/v1/contacts/{asker.contact.pk}", {"job_title": "Ny"}
        )
        assert refused.status_code == 409 and list(refused.json()["errors"]) == ["job_title"]
        allowed = patch(
            asker.owner_client, f"/api/v1/contacts/{asker.other_contact.pk}", {"job_title": "Ny"}
        )
        assert allowed.status_code == 200
    elif kind == "objection":
        assert outcome["objected"] == 1 and outcome["suppressed"] >= 2
        entries = Suppression.objects.filter(request=request, reason=Suppression.Reason.OBJECTION)
        assert entries.count() == outcome["suppressed"]
        assert {e.kind for e in entries} == {"email", "phone"}
        points = [("email", e) for e in asker.person["email"]]
        points += [("phone", p) for p in asker.person["phone"]]
        assert set(suppression.matches(points)) == set(points)
        assert not suppression.matches([("email", asker.other["email"][0])])
        assert MarketingObjection.objects.filter(subject_id=subject.pk, request=request).exists()
        assert objection.not_for_marketing([subject.pk, other.pk]) == {subject.pk}
    else:  # pragma: no cover
        raise AssertionError(kind)
