"""The purposes registry: seeded purposes, what other features call, and editing it through
the console pages and the API (versioned, audited, with errors that name the field)."""

import pytest

from lethe.audit.models import AuditEvent
from lethe.purposes import categories, registry
from lethe.purposes.models import Purpose, PurposeVersion
from lethe.vault.fields import Category
from lethe.vault.policy import Purpose as VaultPurpose
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

NEW = {
    "key": "event_invitations",
    "name": "Event invitations",
    "description": "Inviting customers' contact persons to our customer events.",
    "legal_basis": "legitimate_interests",
    "legitimate_interest": "Keeping our customers informed about our events.",
    "subject_categories": ["contact persons at customers"],
    "data_categories": ["user.name", "user.contact.email"],
    "recipients": ["our event staff"],
    "retention": "Until the event is over.",
    "retention_months": 3,
    "security_measures": "As for the rest of Lethe.",
    "provision": "Voluntary.",
}


def test_the_seeded_purposes_have_their_legal_bases():
    bases = dict(Purpose.objects.values_list("key", "legal_basis"))
    assert bases == {
        "customer_relationship": "contract",
        "customer_support": "contract",
        "direct_marketing": "consent",
        "legal_obligation": "legal_obligation",
        "data_subject_request": "legal_obligation",
        "breach_investigation": "legal_obligation",
        "accountability": "legal_obligation",
        "administration": "legitimate_interests",
    }
    assert PurposeVersion.objects.filter(number=1).count() == len(bases)


def test_every_purpose_the_vault_knows_has_a_record_of_processing():
    assert {p.value for p in VaultPurpose} <= {p.key for p in registry.all_purposes()}


def test_the_categories_include_every_vault_category():
    assert {c.value for c in Category} <= set(categories.CATEGORIES)


def test_for_categories_returns_the_purposes_that_process_them_in_order():
    found = [p.key for p in registry.for_categories([Category.JOB_TITLE])]
    assert found == ["customer_relationship", "data_subject_request", "breach_investigation"]
    assert registry.for_categories(["user.unknown"]) == []
    assert [p.key for p in registry.for_categories(["user.authorization.credentials"])] == [
        "administration"
    ]


def test_the_organisation_comes_from_the_configuration(settings):
    import dataclasses

    unset = registry.organisation()
    assert not unset.configured and "LETHE_CONTROLLER_NAME" in unset.name
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG,
        controller_name="Exempel AB",
        controller_contact="Box 1, 111 11 Stockholm",
        dpo_contact="dpo@exempel.example",
    )
    org = registry.organisation()
    assert org.configured and org.name == "Exempel AB"


@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_an_editor_adds_a_purpose_through_the_api_as_version_1(role):
    client, user = client_with(role)
    response = post(client, "/api/v1/purposes", NEW)
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    purpose = Purpose.objects.get(key="event_invitations")
    assert purpose.versions.get().changed_by == f"user:{user.pk}"
    event = AuditEvent.objects.filter(record_kind="purpose").last()
    assert (event.action, event.record_id, event.actor) == ("create", NEW["key"], f"user:{user.pk}")


def test_changing_a_purpose_makes_a_new_version_with_what_changed_and_an_audit_event():
    client, _ = client_with("dpo")
    response = patch(
        client, "/api/v1/purposes/customer_support", {"retention_months": 18, "name": "Support"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    version = PurposeVersion.objects.get(purpose__key="customer_support", number=2)
    assert version.changed == ["name", "retention_months"]
    assert version.snapshot["retention_months"] == 18
    assert (
        PurposeVersion.objects.get(purpose__key="customer_support", number=1).snapshot[
            "retention_months"
        ]
        == 24
    )
    event = AuditEvent.objects.filter(record_kind="purpose").last()
    assert event.action == "update"
    assert event.detail == {"version": 2, "changed": ["name", "retention_months"]}
    versions = client.get("/api/v1/purposes/customer_support/versions").json()
    assert [v["number"] for v in versions] == [2, 1]


def test_a_change_that_changes_nothing_makes_no_version():
    client, _ = client_with("admin")
    before = AuditEvent.objects.count()
    response = patch(client, "/api/v1/purposes/customer_support", {"retention_months": 24})
    assert response.json()["version"] == 1
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"legal_basis": "legitimate_interests"}, "legitimate_interest"),
        ({"legitimate_interest": "Because."}, "legitimate_interest"),
        ({"legal_basis": "art_6_1_z"}, "legal_basis"),
        ({"retention_months": 0}, "retention_months"),
        ({"retention": ""}, "retention"),
        ({"data_categories": ["user.shoe_size"]}, "data_categories"),
        ({"data_categories": ["user.name"]}, "data_categories"),  # fields hold more
        ({"recipients": []}, "recipients"),
        ({"transfers": "To a processor in the USA."}, "transfer_safeguards"),
        ({"key": "renamed"}, "key"),
        ({"subject_categories": "not a list"}, None),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(body, field):
    client, _ = client_with("admin")
    before = AuditEvent.objects.count()
    response = patch(client, "/api/v1/purposes/customer_support", body)
    if field is None:  # a single text is taken as one line
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert AuditEvent.objects.count() == before
    assert Purpose.objects.get(key="customer_support").version == 1


def test_a_new_purpose_with_a_taken_or_malformed_key_is_refused():
    client, _ = client_with("admin")
    for key in ("customer_support", "Bad Key", "new"):
        response = post(client, "/api/v1/purposes", {**NEW, "key": key})
        assert response.status_code == 400 and "key" in response.json()["errors"], key


@pytest.mark.parametrize("role", ["auditor", "sales", "marketing"])
def test_others_may_not_change_purposes(role):
    client, _ = client_with(role)
    assert patch(client, "/api/v1/purposes/customer_support", {"name": "X"}).status_code == 403
    assert client.post("/console/purposes/customer_support/edit/", {}).status_code == 403
    assert Purpose.objects.get(key="customer_support").name == "Customer support"


def test_the_auditor_reads_the_purposes_and_their_versions():
    client, _ = client_with("auditor")
    listed = client.get("/api/v1/purposes").json()
    assert [p["key"] for p in listed][:3] == [
        "customer_relationship",
        "customer_support",
        "direct_marketing",
    ]
    page = client.get("/console/purposes/direct_marketing/").content.decode()
    assert "Art. 6(1)(a) consent" in page and "Versions" in page
    assert "/console/purposes/direct_marketing/edit/" not in page


def test_an_editor_changes_a_purpose_on_its_page():
    client, _ = client_with("dpo")
    form = client.get("/console/purposes/direct_marketing/edit/")
    assert form.status_code == 200
    data = client.get("/api/v1/purposes/direct_marketing").json()
    fields = {
        k: ("\n".join(v) if k in ("subject_categories", "recipients") else v)
        for k, v in data.items()
        if k not in ("legal_basis_label", "version", "created_at", "updated_at", "key")
    }
    fields["in_notice"] = "on"
    fields["retention"] = "Until you withdraw your consent."
    response = client.post("/console/purposes/direct_marketing/edit/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    purpose = Purpose.objects.get(key="direct_marketing")
    assert (purpose.version, purpose.retention) == (2, "Until you withdraw your consent.")
    page = client.get(response["Location"]).content.decode()
    assert "Until you withdraw your consent." in page and "retention" in page


def test_a_bad_form_on_the_page_is_shown_with_its_error_and_saves_nothing():
    client, _ = client_with("admin")
    response = client.post("/console/purposes/new/", {"key": "x y", "name": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "start with a letter" in text and "This field is required." in text
    assert not Purpose.objects.filter(name="").exists()


def test_an_editor_adds_a_purpose_on_the_page_and_sees_it_listed():
    client, _ = client_with("admin")
    assert client.get("/console/purposes/new/").status_code == 200
    form = {
        **NEW,
        "subject_categories": "contact persons at customers\nspeakers",
        "recipients": "our event staff",
        "in_notice": "on",
    }
    response = client.post("/console/purposes/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    purpose = Purpose.objects.get(key="event_invitations")
    assert purpose.subject_categories == ["contact persons at customers", "speakers"]
    assert purpose.in_notice and purpose.version == 1
    listing = client.get("/console/purposes/").content.decode()
    assert "Event invitations" in listing and "Art. 6(1)(f) legitimate interests" in listing


def test_the_versions_on_the_page_show_what_changed_from_what():
    client, _ = client_with("dpo")
    patch(client, "/api/v1/purposes/customer_support", {"recipients": ["our support staff"]})
    page = client.get("/console/purposes/customer_support/").content.decode()
    assert "<code>recipients</code>: our support staff; IT service providers" in page
    assert "→ our support staff</li>" in page
