"""Merging two contacts: values as chosen, everything moved, the other erased, atomically."""

import pytest

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts import merge
from lethe.contacts.actions import create_contact, update_contact
from lethe.contacts.models import Contact
from lethe.core.models import Change
from lethe.deals.models import Deal, DealContact, Stage
from lethe.vault import gate, policy
from lethe.vault.models import PersonalValue, Subject
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL, FakeRelations
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


@pytest.fixture
def owner():
    return client_with("sales", "owner")


def contact_of(user, personal, **business):
    return create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, personal, {"owner": user, **business}
    )


def reader(user):
    return Actor("user", str(user.pk), user.roles)


def values_of(contact, user):
    return gate.read(reader(user), [contact.subject_id], Purpose.CUSTOMER_RELATIONSHIP)[
        contact.subject_id
    ]


def deal(title, *contacts):
    first = Stage.objects.order_by("pipeline", "position").first()
    made = Deal.objects.create(title=title, pipeline=first.pipeline, stage=first)
    for contact in contacts:
        DealContact.objects.create(deal=made, contact=contact)
    return made


@pytest.fixture
def pair(owner):
    """Two contacts of one person, both owned by the salesperson."""
    _, user = owner
    old_company, new_company = (
        Company.objects.create(name="Förr AB"),
        Company.objects.create(name="Nu AB"),
    )
    kept = contact_of(
        user,
        {"first_name": "Åsa", "last_name": "Öström", "email": ["asa@example.org"]},
        company=new_company,
    )
    other = contact_of(
        user,
        {
            "first_name": "Åsa",
            "last_name": "Östrom",
            "email": ["asa@example.org", "asa@exempel.se"],
            "phone": ["+46701740605"],
            "job_title": "Inköpschef",
        },
        company=old_company,
    )
    kept.tags.create(name="fair")
    other.tags.create(name="vip")
    update_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, other, {}, {"stage": "customer"})
    return kept, other


def test_a_merge_moves_everything_onto_the_kept_contact_and_erases_the_other(owner, pair):
    client, user = owner
    kept, other = pair
    shared, only_other = deal("Delad", kept, other), deal("Egen", other)
    other_subject = other.subject
    response = post(
        client,
        f"/api/v1/contacts/{kept.pk}/merge",
        {"from": other.pk, "fields": {"last_name": "this", "job_title": "other"}},
    )
    assert response.status_code == 200, response.content
    fields = response.json()["fields"]
    assert fields["last_name"] == "Öström" and fields["job_title"] == "Inköpschef"
    assert fields["email"] == ["asa@example.org", "asa@exempel.se"]  # the kept primary first
    assert fields["phone"] == ["+46701740605"]
    assert not Contact.objects.filter(pk=other.pk).exists()
    assert set(DealContact.objects.values_list("deal_id", "contact_id")) == {
        (shared.pk, kept.pk),
        (only_other.pk, kept.pk),
    }
    kept.refresh_from_db()
    assert sorted(t.name for t in kept.tags.all()) == ["fair", "vip"]
    assert [c.name for c in kept.past_companies.all()] == ["Förr AB"]
    moved = Change.objects.filter(record_kind="contact", record_id=kept.pk)
    assert set(moved.values_list("field", flat=True)) >= {"stage", "merged_from"}
    assert not Change.objects.filter(record_kind="contact", record_id=other.pk).exists()
    # The other person's data is erased: its key is gone, its values read ERASED.
    other_subject.refresh_from_db()
    assert other_subject.status == Subject.Status.ERASED
    dpo = Actor("user", "dpo", frozenset({Role.DPO}), case="DSR-1")
    previous = policy.set_relations(FakeRelations(open_cases={"DSR-1"}))
    try:
        erased = gate.read(dpo, [other_subject.id], Purpose.DATA_SUBJECT_REQUEST)
    finally:
        policy.set_relations(previous)
    assert erased[other_subject.id]["last_name"] is gate.ERASED
    event = AuditEvent.objects.get(action=Action.UPDATE, detail__merged_from=str(other_subject.id))
    assert event.actor == f"user:{user.pk}" and event.record_id == str(kept.pk)
    shred = AuditEvent.objects.get(action=Action.ERASURE)
    assert shred.actor == "system:merge" and shred.detail["reason"] == "merged"


def test_the_hook_is_called_with_kept_and_merged_inside_the_transaction(owner, pair):
    client, _ = owner
    kept, other = pair
    calls = []

    def hook(k, m):
        calls.append((k.pk, m.pk, Contact.objects.filter(pk=m.pk).exists()))

    merge.on_merge(hook)
    try:
        assert (
            post(client, f"/api/v1/contacts/{kept.pk}/merge", {"from": other.pk}).status_code == 200
        )
    finally:
        merge.remove_hook(hook)
    assert calls == [(kept.pk, other.pk, True)]


def test_a_failing_hook_leaves_both_contacts_as_they_were(owner, pair):
    client, user = owner
    kept, other = pair
    deal("Delad", other)
    before = (
        sorted(PersonalValue.objects.values_list("subject_id", "field", "ciphertext")),
        sorted(DealContact.objects.values_list("deal_id", "contact_id")),
        Change.objects.count(),
    )

    def boom(k, m):
        raise RuntimeError("attachments could not move")

    merge.on_merge(boom)
    try:
        with pytest.raises(RuntimeError):
            post(
                client,
                f"/api/v1/contacts/{kept.pk}/merge",
                {"from": other.pk, "fields": {"job_title": "other"}},
            )
    finally:
        merge.remove_hook(boom)
    after = (
        sorted(PersonalValue.objects.values_list("subject_id", "field", "ciphertext")),
        sorted(DealContact.objects.values_list("deal_id", "contact_id")),
        Change.objects.count(),
    )
    assert after == before
    assert Contact.objects.filter(pk=other.pk).exists()
    assert values_of(other, user)["last_name"] == "Östrom"
    assert Subject.objects.get(pk=other.subject_id).status == Subject.Status.ACTIVE
    kept.refresh_from_db()
    assert sorted(t.name for t in kept.tags.all()) == ["fair"]


def test_only_the_owner_of_both_may_merge(owner, pair):
    kept, other = pair
    stranger, stranger_user = client_with("sales", "stranger")
    response = post(stranger, f"/api/v1/contacts/{kept.pk}/merge", {"from": other.pk})
    assert response.status_code == 403
    assert stranger.get(f"/contacts/{kept.pk}/merge/").status_code == 403
    # Owning one of the two is not enough.
    mine = contact_of(stranger_user, {"last_name": "Min"})
    response = post(stranger, f"/api/v1/contacts/{mine.pk}/merge", {"from": other.pk})
    assert response.status_code == 403
    assert stranger.post(f"/contacts/{mine.pk}/merge/", {"from": other.pk}).status_code == 403
    marketing, _ = client_with("marketing")
    assert (
        post(marketing, f"/api/v1/contacts/{kept.pk}/merge", {"from": other.pk}).status_code == 403
    )
    assert Contact.objects.filter(pk__in=[kept.pk, other.pk, mine.pk]).count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "from"),
        ({"from": "seven"}, "from"),
        ({"from": 999999}, "from"),
        ({"from": "SELF"}, "from"),
        ({"from": "OTHER", "fields": {"email": "other"}}, "email"),
        ({"from": "OTHER", "fields": {"last_name": "both"}}, "last_name"),
        ({"from": "OTHER", "fields": {"shoe_size": "other"}}, "shoe_size"),
        ({"from": "OTHER", "fields": ["last_name"]}, "fields"),
    ],
)
def test_bad_merge_requests_name_the_field_and_change_nothing(owner, pair, body, field):
    client, _ = owner
    kept, other = pair
    body = {
        k: {"SELF": kept.pk, "OTHER": other.pk}.get(v, v) if isinstance(v, str) else v
        for k, v in body.items()
    }
    response = post(client, f"/api/v1/contacts/{kept.pk}/merge", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}
    assert Contact.objects.count() == 2
    assert not AuditEvent.objects.filter(action=Action.ERASURE).exists()
    assert post(client, "/api/v1/contacts/999999/merge", {"from": other.pk}).status_code == 404


def test_the_merge_page_shows_both_values_and_merges_as_chosen(owner, pair):
    client, user = owner
    kept, other = pair
    html = client.get(f"/contacts/{kept.pk}/merge/").content.decode()
    assert 'name="from"' in html and 'for="from"' in html
    assert f'href="?from={other.pk}"' in html and "same e-mail" in html  # a suggestion
    html = client.get(f"/contacts/{kept.pk}/merge/", {"from": other.pk}).content.decode()
    assert "Öström" in html and "Östrom" in html and "Inköpschef" in html
    assert 'name="choice_last_name" value="other"' in html
    # Sales may not read identity numbers: that row is locked, kept from this contact.
    assert "\N{LOCK} user.government_id" in html
    response = client.post(
        f"/contacts/{kept.pk}/merge/",
        {"from": other.pk, "choice_last_name": "other", "choice_job_title": "this"},
    )
    assert response.status_code == 303 and response["Location"] == f"/contacts/{kept.pk}/"
    values = values_of(kept, user)
    assert values["last_name"] == "Östrom" and "job_title" not in values
    assert not Contact.objects.filter(pk=other.pk).exists()


def test_the_merge_page_reports_a_bad_other_contact_inline(owner, pair):
    client, _ = owner
    kept, _ = pair
    for value, message in (
        ("x", "give the number"),
        ("999999", "no such contact"),
        (kept.pk, "itself"),
    ):
        response = client.get(f"/contacts/{kept.pk}/merge/", {"from": value})
        assert response.status_code == 400 and message in response.content.decode()
    assert client.post(f"/contacts/{kept.pk}/merge/", {}).status_code == 400
    assert Contact.objects.count() == 2


def test_names_with_markup_are_escaped_on_the_merge_page(owner):
    client, user = owner
    kept = contact_of(user, {"last_name": "<script>alert(1)</script>"})
    other = contact_of(user, {"last_name": "<img src=x onerror=alert(2)>"})
    html = client.get(f"/contacts/{kept.pk}/merge/", {"from": other.pk}).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_files_and_custom_values_of_the_other_contact_follow_it(
    owner, pair, django_capture_on_commit_callbacks
):
    from lethe.attachments import actions as files
    from lethe.attachments.registry import resolve
    from lethe.attachments.store import BlobMissing, get_store
    from lethe.customfields.models import CustomField, CustomValue

    client, user = owner
    kept, other = pair
    tier = CustomField.objects.create(entity="contact", key="tier", label="Tier", type="text")
    CustomValue.objects.create(field=tier, object_id=other.pk, value="guld")
    uploaded = files.upload(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        resolve(SYSTEM, "contact", other.pk),
        "avtal.pdf",
        b"%PDF-1.7 avtal",
    )
    old_blob = uploaded.blob
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"/api/v1/contacts/{kept.pk}/merge", {"from": other.pk})
    assert response.status_code == 200, response.content
    assert CustomValue.objects.get(field=tier).object_id == kept.pk
    moved = files.find(resolve(reader(user), "contact", kept.pk), uploaded.pk)
    assert moved is not None and moved.blob != old_blob
    opened = files.download(
        reader(user),
        Purpose.CUSTOMER_RELATIONSHIP,
        resolve(reader(user), "contact", kept.pk),
        moved,
    )
    assert opened.data == b"%PDF-1.7 avtal" and opened.name == "avtal.pdf"
    with pytest.raises(BlobMissing):
        get_store().get(old_blob)  # the file sealed under the erased key is gone


def test_activities_about_and_mentioning_the_other_contact_follow_it(owner, pair):
    from django.utils import timezone

    from lethe.activities import actions as activities
    from lethe.activities.models import Activity, ActivityMention
    from lethe.vault import documents

    client, user = owner
    kept, other = pair
    third = contact_of(user, {"last_name": "Tredjesson"})
    now, cr = timezone.now(), Purpose.CUSTOMER_RELATIONSHIP
    about = activities.create_activity(
        SYSTEM, cr, {"kind": "call", "occurred_at": now, "contact": other, "body": "Ringde."}
    )
    naming = activities.create_activity(
        SYSTEM,
        cr,
        {
            "kind": "note",
            "occurred_at": now,
            "contact": third,
            "body": f"Prata med @[contact:{other.pk}] om avtalet.",
            "participants": [other],
        },
    )
    response = post(client, f"/api/v1/contacts/{kept.pk}/merge", {"from": other.pk})
    assert response.status_code == 200, response.content
    about.refresh_from_db()
    assert about.contact_id == kept.pk
    me = reader(user)
    texts = documents.open_many(
        me, cr, [Activity.objects.get(pk=a.pk).body for a in (about, naming)]
    )
    assert sorted(texts.values()) == sorted(
        ["Ringde.", f"Prata med @[contact:{kept.pk}] om avtalet."]
    )
    assert list(
        ActivityMention.objects.filter(activity=naming).values_list("subject", flat=True)
    ) == [kept.subject_id]
    assert list(naming.participant_links.values_list("subject", flat=True)) == [kept.subject_id]
