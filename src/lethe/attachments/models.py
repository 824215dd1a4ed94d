"""Attachments: which record a sealed file belongs to, under whose key, and what it is.

No plaintext here: the file name is a sealed vault Document, the content is sealed
in the attachment store under `blob`. Neither a hash of the content nor of the name
is kept (a plain hash would let anyone confirm a guessed file).
"""

import uuid

from django.conf import settings
from django.db import models


class Attachment(models.Model):
    """A file attached to one record (kind + id), sealed under the record's or person's key.

    Exactly one of `subject` (a person's file) and `record_key` (a business record's
    file) is set: the key that seals both the content and the name.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    subject = models.ForeignKey(
        "vault.Subject", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    record_key = models.ForeignKey(
        "vault.RecordKey", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The random name of the sealed file in the store (never the file's own name).
    blob = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.OneToOneField("vault.Document", on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["kind", "object_id", "created_at"], name="attachment_record")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject__isnull=True, record_key__isnull=False)
                | models.Q(subject__isnull=False, record_key__isnull=True),
                name="attachment_one_owner",
            )
        ]

    def __str__(self):
        return f"attachment {self.id} of {self.kind} {self.object_id}"
