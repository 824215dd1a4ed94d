"""The data map is complete: every model field that holds personal data has a category, a
purpose in the registry that lists that category, and a retention. Each check is shown
to fail for the gap it is meant to catch."""

import pytest
from django.db import models
from django.test.utils import isolate_apps

from lethe.customfields.models import CustomField
from lethe.purposes import completeness, datamap, inventory
from lethe.purposes.inventory import Held
from lethe.purposes.models import Purpose
from lethe.vault import fields
from lethe.vault.fields import Category, PersonalField
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def extra_vault_field():
    """Register a vault field for one test, then forget it again."""
    added = []

    def add(field: PersonalField) -> PersonalField:
        added.append(field.name)
        return fields.register(field)

    yield add
    for name in added:
        fields.FIELDS.pop(name, None)


def test_the_data_map_and_the_registry_have_no_gaps():
    assert completeness.problems() == []


def test_every_vault_field_is_on_the_map_with_category_purposes_and_retention():
    entries = {e.name: e for e in datamap.build().entries}
    for name, personal in fields.FIELDS.items():
        entry = entries[name]
        assert entry.categories == (personal.category.value,)
        assert entry.purposes and entry.purpose_rows, name
        assert entry.retention_text and entry.retention_months, name


def test_a_new_vault_field_without_a_purpose_fails(extra_vault_field):
    extra_vault_field(PersonalField("shoe_size", Category.CONTENT, str))
    found = completeness.problems()
    assert any("shoe_size has no purpose" in p for p in found), found


def test_a_vault_field_held_for_a_purpose_without_retention_fails(extra_vault_field, monkeypatch):
    extra_vault_field(PersonalField("shoe_size", Category.CONTENT, str))
    monkeypatch.setitem(inventory.FIELD_PURPOSES, "shoe_size", ("customer_support",))
    assert not any("shoe_size" in p for p in completeness.problems())
    Purpose.objects.filter(key="customer_support").update(retention="", retention_months=0)
    found = completeness.problems()
    assert "vault field shoe_size has no retention (its purposes state none)" in found
    assert "purpose customer_support lacks retention" in found


def test_a_field_of_a_category_its_purpose_does_not_list_fails(extra_vault_field, monkeypatch):
    extra_vault_field(PersonalField("salary", Category.FINANCIAL, str))
    monkeypatch.setitem(inventory.FIELD_PURPOSES, "salary", ("customer_support",))
    assert (
        "vault field salary holds user.financial for customer_support, but that purpose "
        "does not list the category"
    ) in completeness.problems()


def test_a_field_held_for_a_purpose_missing_from_the_registry_fails():
    Purpose.objects.filter(key="direct_marketing").delete()
    found = completeness.problems()
    assert (
        "vault field email is held for 'direct_marketing', which is not in the purposes registry"
    ) in found


def test_a_personal_custom_field_takes_its_own_category_and_purpose():
    CustomField.objects.create(
        entity="contact",
        key="shoe",
        label="Shoe size",
        type="text",
        personal=True,
        category=Category.CONTENT,
        purpose="customer_support",
    )
    entry = next(e for e in datamap.build().entries if e.name == "cf.shoe")
    assert entry.source == "custom field"
    assert entry.purposes == ("customer_support",)
    assert completeness.problems() == []
    CustomField.objects.filter(key="shoe").update(category=Category.FINANCIAL)
    assert any("cf.shoe holds user.financial" in p for p in completeness.problems())


@isolate_apps("lethe.purposes")
def test_a_new_model_with_a_ciphertext_or_a_link_to_a_person_fails_until_declared():
    class Dossier(models.Model):
        sealed = models.BinaryField()
        person = models.ForeignKey("vault.Subject", on_delete=models.CASCADE, related_name="+")
        title = models.CharField(max_length=20)

        class Meta:
            app_label = "purposes"

        def __str__(self):
            return self.title

    found = completeness.problems([Dossier])
    assert [p.split(" ")[0] for p in found if "does not declare" in p] == [
        "purposes.Dossier.person",
        "purposes.Dossier.sealed",
    ]
    assert not any("purposes.Dossier.title" in p for p in found)


def test_a_declared_field_that_no_longer_exists_fails(monkeypatch):
    monkeypatch.setitem(
        inventory.MODEL_FIELDS,
        "contacts.Contact.nickname",
        Held(("user.name",), "a nickname", "plaintext"),
    )
    assert (
        "contacts.Contact.nickname is declared in the data map but no model has that field"
        in completeness.problems()
    )


def test_a_declared_field_of_a_record_kind_without_purposes_fails(monkeypatch):
    monkeypatch.delitem(inventory.RECORD_KINDS, "activities.ActivityMention")
    found = completeness.problems()
    assert any(p.startswith("record kind activities.ActivityMention") for p in found), found
    assert any("activities.ActivityMention.subject has no purpose" in p for p in found), found


def test_a_role_reading_a_category_for_a_purpose_no_field_is_held_for_fails(monkeypatch):
    monkeypatch.setitem(inventory.FIELD_PURPOSES, "job_title", ())
    found = completeness.problems()
    assert (
        "role sales reads user.job_title for customer_relationship, but no vault field of "
        "that category is held for that purpose"
    ) in found


def test_every_record_kind_is_tied_to_purposes_in_the_registry():
    keys = set(Purpose.objects.values_list("key", flat=True))
    for kind, record in inventory.RECORD_KINDS.items():
        assert record.purposes, kind
        assert set(record.purposes) <= keys, kind


def test_the_scan_finds_the_personal_data_lethe_keeps():
    scanned = set(datamap.scan())
    assert {
        "vault.PersonalValue.ciphertext",
        "contacts.Contact.subject",
        "activities.Activity.body",
        "attachments.Attachment.name",
        "dsr.Request.details",
        "dsr.RequestSubject.subject",
    } <= scanned
