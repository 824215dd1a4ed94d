"""Subjects and their personal data at rest: ciphertexts and truncated blind indexes only."""

import uuid

from django.db import models


class Subject(models.Model):
    """A natural person; the random UUID is the pseudonym used everywhere else."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        RESTRICTED = "restricted"
        ERASED = "erased"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"subject {self.id}"


class PersonalValue(models.Model):
    """One personal field of a subject, sealed under the subject's data key for `scope`."""

    # No index of its own: the unique constraint below starts with subject.
    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    scope = models.CharField(max_length=64, default="default")
    field = models.CharField(max_length=64)
    ciphertext = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "scope", "field"], name="personalvalue_one_per_field"
            )
        ]

    def __str__(self):
        return f"{self.field} of {self.subject_id} ({self.scope})"


class BlindIndex(models.Model):
    """A truncated keyed hash of one normalised term of a subject's field, for look-ups."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="index_terms")
    field = models.CharField(max_length=64)
    index = models.CharField(max_length=16)
    value = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["index", "value"], name="blindindex_lookup")]

    def __str__(self):
        return f"{self.index} index of {self.subject_id}"


class RecordKey(models.Model):
    """A data key of its own for one business record (a company, a deal, an activity).

    Free text and files that belong to a record rather than to a person are sealed
    under it, so deleting the record can destroy them everywhere, backups included.
    The key itself lives in the keystore under this id and the scope "record".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.kind} key {self.id}"


class Document(models.Model):
    """A sealed piece of free text: under a subject's key or under a record key.

    Exactly one of `subject` and `record_key` is set. `kind` names what the text is
    (e.g. "activity.body"); it is part of the associated data, so a ciphertext cannot
    be moved to another row or kind.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    record_key = models.ForeignKey(
        RecordKey, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=64)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject__isnull=True, record_key__isnull=False)
                | models.Q(subject__isnull=False, record_key__isnull=True),
                name="document_one_owner",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.id}"


class PersonalHistory(models.Model):
    """A replaced value of a personal field, kept as it was sealed: under the same key.

    The ciphertext is moved, never decrypted, when a value changes; it opens with the
    subject's key for its scope and vanishes with that key.
    """

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="history")
    scope = models.CharField(max_length=64, default="default")
    field = models.CharField(max_length=64)
    ciphertext = models.BinaryField(null=True)
    replaced_at = models.DateTimeField()
    replaced_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["-replaced_at", "-id"]
        indexes = [models.Index(fields=["subject", "replaced_at"], name="history_subject")]

    def __str__(self):
        return f"old {self.field} of {self.subject_id}"
