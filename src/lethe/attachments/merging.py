"""When two contacts of one person are merged, their files go with them.

A contact's files are sealed under the person's key; the merged contact's key is
shredded at the end of the merge, so each file (content and name) is sealed again
under the kept contact's key. New content goes to a new blob; the old blobs are
removed only once the merge has committed, so a failed merge leaves every file as it
was.
"""

from uuid import uuid4

from django.db import transaction

from lethe.attachments.models import Attachment
from lethe.attachments.store import get_store
from lethe.vault import documents
from lethe.vault.policy import Actor


def move_contact_files(kept, merged) -> None:
    """Hook for lethe.contacts.merge: re-seal `merged`'s files for `kept`."""
    system = Actor.system("merge")
    files = list(
        Attachment.objects.filter(kind="contact", object_id=merged.pk).select_related("name")
    )
    if not files:
        return
    store = get_store()
    old_blobs = []
    for attachment in files:
        new_blob = uuid4()
        sealed = store.get(attachment.blob)
        store.put(
            new_blob,
            documents.move_blob(
                system, merged.subject, kept.subject, attachment.blob, sealed, new_blob=new_blob
            ),
        )
        old_blobs.append(attachment.blob)
        attachment.blob = new_blob
        attachment.object_id, attachment.subject = kept.pk, kept.subject
        attachment.save(update_fields=["blob", "object_id", "subject"])
    documents.move_to_subject(system, [a.name for a in files], kept.subject)

    def remove_old():
        for blob in old_blobs:
            store.delete(blob)

    transaction.on_commit(remove_old)


def delete_contact_files(contact) -> None:
    """Hook for lethe.contacts.deletion: the person's files and their sealed names go;
    the sealed blobs leave the store once the deletion has committed."""
    files = list(Attachment.objects.filter(kind="contact", object_id=contact.pk))
    if not files:
        return
    blobs = [a.blob for a in files]
    names = [a.name_id for a in files]
    Attachment.objects.filter(pk__in=[a.pk for a in files]).delete()
    documents.delete_many(names)
    store = get_store()

    def remove():
        for blob in blobs:
            store.delete(blob)

    transaction.on_commit(remove)
