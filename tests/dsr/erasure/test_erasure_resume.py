"""An erasure killed at any step and run again ends as one run straight through.

Two worlds built alike (two synthetic people with the same kinds of data): one is erased
in one go,
the other is stopped right after a step has done its work (before the step is recorded
as done: the main database rolls back, keys and files destroyed so far stay destroyed),
then run again. Their end states must be the same.
"""

from __future__ import annotations

import json

import pytest

from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.attachments.models import Attachment
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit import proofs
from lethe.contacts.models import Contact
from lethe.deals.models import DealContact
from lethe.dsr import erasure, store, suppression
from lethe.dsr.models import ErasureRun, Export, Suppression
from lethe.holds import actions as holds
from lethe.holds.models import LegalHold
from lethe.vault import documents, gate
from lethe.vault.models import BlindIndex, Document, PersonalHistory, PersonalValue, Subject
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.dsr.erasure.conftest import World, build

pytestmark = pytest.mark.django_db(databases=ALL)

SEED = 6733
STEPS = [*erasure.SUBJECT_STEPS, *erasure.REQUEST_STEPS]


class Killed(RuntimeError):
    """The process died here."""


def blob_kept(blob) -> bool:
    try:
        get_store().get(blob)
    except BlobMissing:
        return False
    return True


def export_file_kept(export: Export) -> bool:
    return (store._files().root / str(export.pk)[:2] / str(export.pk)).exists()


def certificate_summary(certificate: dict) -> dict:
    (person,) = certificate["subjects"]
    proof = json.dumps(certificate["audit_event"]["inclusion_proof"])
    return {
        "erased": person["erased"],
        "anonymised": {
            k: len(v) if isinstance(v, list) else v for k, v in person["anonymised"].items()
        },
        "kept": [(h["kind"], h["until"], h["legal_basis"], h["fields"]) for h in person["kept"]],
        "suppressed": person["suppressed"],
        "kept_for_all": certificate["kept_for_all"],
        "proof": proofs.check(proof).split(" is included")[0]
        == f"event #{certificate['audit_event']['seq']}",
    }


def state(w: World) -> dict:
    """Everything an erasure changes, in terms that do not depend on ids."""
    subject = w.subject
    owner = Actor("user", str(w.owner.pk), frozenset({Role.SALES}))
    finance = Actor("user", "finance", frozenset({Role.FINANCE}))
    kept = list(LegalHold.objects.filter(subject_id=subject).order_by("pk"))
    held = holds.contract_records(finance, kept)
    mention = Activity.objects.get(pk=w.mention.pk).body
    run = ErasureRun.objects.get(request=w.request)
    exports = Export.objects.filter(request__subjects__subject_id=subject).order_by("created_at")
    person = w.person
    return {
        "contact": Contact.objects.filter(pk=w.contact.pk).exists(),
        "subject": Subject.objects.get(pk=subject).status,
        "key_destroyed": gate.key_destroyed(subject),
        "index": BlindIndex.objects.filter(subject_id=subject).count(),
        "values": sorted(
            (scope.split("-")[0], field)  # "hold:deal-<id>": this world's deal
            for scope, field in PersonalValue.objects.filter(subject_id=subject).values_list(
                "scope", "field"
            )
        ),
        "history": PersonalHistory.objects.filter(subject_id=subject).count(),
        "texts": Document.objects.filter(subject_id=subject).count(),
        "activities": sorted(
            Activity.objects.filter(pk__in=[w.call.pk, w.mention.pk, w.meeting.pk]).values_list(
                "kind", flat=True
            )
        ),
        "links": (
            ActivityParticipant.objects.filter(subject_id=subject).count(),
            ActivityMention.objects.filter(subject_id=subject).count(),
        ),
        "mention_text": documents.open_many(owner, Purpose.CUSTOMER_RELATIONSHIP, [mention]),
        "attachments": Attachment.objects.filter(subject_id=subject).count(),
        "blobs": [blob_kept(w.file.blob), blob_kept(w.call_file.blob)],
        "deal_contacts": DealContact.objects.filter(deal__in=[w.won, w.open_deal]).count(),
        "suppressed": sorted(
            Suppression.objects.filter(request=w.request).values_list("kind", "reason")
        ),
        "matches": suppression.matches(
            [("email", person["email"][0]), ("phone", person["phone"][0])]
        ),
        "holds": [(h.kind, h.ends_on, h.released_at, h.legal_basis) for h in kept],
        "finance_reads": [(r.name, r.email) for r in held],
        "exports": [
            (e.kind, e.content_type, e.purged_at is None, export_file_kept(e)) for e in exports
        ],
        "done": sorted(k.split(":")[0] for k in run.done),
        "finished": run.finished_at is not None,
        "steps": list(w.request.steps.values_list("step", "status")),
        "status": type(w.request).objects.get(pk=w.request.pk).status,
        "certificate": certificate_summary(run.done["certify"]),
    }


def normalised(value: dict, w: World) -> dict:
    """The state in terms that do not depend on who the person is, to compare two worlds."""
    (text,) = value["mention_text"].values()
    certificate = value["certificate"]
    name = f"{w.person['first_name']} {w.person['last_name']}"
    return {
        **value,
        "mention_text": text,
        "finance_reads": [
            (n == name, e == w.person["email"][0]) for n, e in value["finance_reads"]
        ],
        "matches": sorted(kind for kind, _ in value["matches"]),
        "certificate": {
            **certificate,
            "erased": {
                **certificate["erased"],
                "blind_index": certificate["erased"]["blind_index"] > 0,
            },
        },
    }


@pytest.mark.parametrize("step", STEPS)
def test_an_erasure_killed_after_any_step_and_run_again_ends_as_one_run_straight_through(
    step, monkeypatch, django_capture_on_commit_callbacks
):
    straight, killed = build(seed=SEED, label="s"), build(seed=SEED + 1, label="k")
    handler = erasure.erase
    with django_capture_on_commit_callbacks(execute=True):
        handler(straight.dpo, straight.request)

    table = erasure.SUBJECT_STEPS if step in erasure.SUBJECT_STEPS else erasure.REQUEST_STEPS
    original = table[step]

    def dies_after_its_work(*args):
        original(*args)
        raise Killed(step)

    monkeypatch.setitem(table, step, dies_after_its_work)
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        handler(killed.dpo, killed.request)
    monkeypatch.undo()
    run = ErasureRun.objects.get(request=killed.request)
    assert run.finished_at is None and step not in {k.split(":")[0] for k in run.done}
    with django_capture_on_commit_callbacks(execute=True):
        handler(killed.dpo, killed.request)

    expected = normalised(state(straight), straight)
    assert normalised(state(killed), killed) == expected
    assert expected["key_destroyed"] and not expected["contact"]
    assert expected["mention_text"] == "Fråga [erased person] om avtalet."
    assert expected["finance_reads"] == [(True, True)]
    assert expected["suppressed"] == [("email", "erasure"), ("phone", "erasure")]
    assert ErasureRun.objects.get(request=killed.request).attempts == 2


def test_the_key_goes_after_everything_that_needs_it():
    order = list(erasure.SUBJECT_STEPS)
    for needs_the_key in ("holds", "suppression"):
        assert order.index(needs_the_key) < order.index("records")
    assert order[-1] == "leftovers" and list(erasure.REQUEST_STEPS)[-1] == "certificate"


def test_a_run_stopped_inside_the_contact_deletion_after_the_key_went_finishes(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    """The worst moment: the keystore forgot the key, the main database rolled back."""
    real_shred = gate.shred
    calls = []

    def shred_then_die(*args, **kwargs):
        real_shred(*args, **kwargs)
        calls.append(1)
        raise Killed("after the key")

    monkeypatch.setattr("lethe.contacts.deletion.gate.shred", shred_then_die)
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        erasure.erase(world.dpo, world.request)
    monkeypatch.undo()
    assert calls and gate.key_destroyed(world.subject)
    assert Contact.objects.filter(pk=world.contact.pk).exists()  # rolled back
    with django_capture_on_commit_callbacks(execute=True):
        erasure.erase(world.dpo, world.request)
    assert not Contact.objects.filter(pk=world.contact.pk).exists()
    assert Subject.objects.get(pk=world.subject).status == Subject.Status.ERASED
    assert not BlindIndex.objects.filter(subject_id=world.subject).exists()
    assert suppression.matches([("email", world.person["email"][0])]) != {}
