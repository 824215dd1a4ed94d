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
