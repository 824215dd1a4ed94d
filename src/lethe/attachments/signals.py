"""A deleted attachment row takes its sealed file with it, once the deletion is committed.

Rows go with their record (records.forget deletes a record's sealed documents, and
the attachment rows with their names) or by delete_attachment; either way the file
in the store follows, after the commit, so a rolled-back deletion keeps its file.
"""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from lethe.attachments.models import Attachment
from lethe.attachments.store import get_store


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment_file_goes_with_its_row")
def delete_file(sender, instance, using, **kwargs):
    blob = instance.blob
    transaction.on_commit(lambda: get_store().delete(blob), using=using)
